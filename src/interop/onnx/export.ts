/**
 * toOnnx(model): a Sequential or functional Model as an ONNX file (opset 17, IR version 8) that
 * ONNX Runtime and other engines load. The layers are replayed in the order a forward pass runs
 * them (the functional graph's topological order), each becoming a few ONNX nodes
 * (export-layers.ts); inputs and outputs keep the model's names and layout, with a dynamic batch
 * axis. A layer with no ONNX counterpart is refused, naming it and why (REFUSED_LAYERS).
 */
import { checkOptions, stringOption } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import { Model } from '../../model/functional/model.js';
import { Sequential } from '../../model/sequential.js';
import type { Module } from '../../nn/module.js';
import type { SymbolicShape } from '../../nn/symbolic-tensor.js';
import { exportLayerCall } from './export-layers.js';
import { replayFunctional, replaySequential } from './export-wrappers.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import { DataType, encodeModel, type ValueInfoProto } from './onnx-proto.js';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export interface OnnxExportOptions {
  /** The symbolic name of the batch axis in the inputs' and outputs' shapes; default 'N'. */
  batchDimension?: string;
  /** The graph's name; default the model's name. */
  graphName?: string;
}

/** The model as ONNX protobuf bytes (a .onnx file). */
export function toOnnx(model: Sequential | Model, options: OnnxExportOptions = {}): Uint8Array {
  const o = checkOptions('toOnnx()', options, ['batchDimension', 'graphName']);
  const batch =
    o.batchDimension === undefined ? 'N' : stringOption('toOnnx()', 'batchDimension', o.batchDimension);
  const graphName =
    o.graphName === undefined ? undefined : stringOption('toOnnx()', 'graphName', o.graphName);
  const b = new OnnxGraphBuilder();
  let inputs: { name: string; shape: SymbolicShape }[];
  let outputs: { name: string; value: string; shape: SymbolicShape }[];
  if (model instanceof Sequential) {
    ({ inputs, outputs } = walkSequential(b, model));
  } else if (model instanceof Model) {
    ({ inputs, outputs } = walkFunctional(b, model));
  } else {
    const what = (model as unknown as Module | null)?.className ?? typeof model;
    throw new ArgumentError(`toOnnx: expected a Sequential or a functional Model, got ${what}`);
  }
  nameOutputs(b, outputs);
  b.pruneUnused(outputs.map((y) => y.name));
  const graph = b.graph({
    name: graphName ?? model.name,
    input: inputs.map((x) => valueInfo(x.name, x.shape, batch)),
    output: outputs.map((y) => valueInfo(y.name, y.shape, batch)),
  });
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    producerName: 'backprop',
    graph,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
  });
}

function walkSequential(b: OnnxGraphBuilder, model: Sequential) {
  if (!model.built || model.layers.length === 0) {
    throw new ArgumentError(
      `toOnnx: Sequential '${model.name}' has no layers or is not built yet (give the first layer an inputShape, or call build())`,
    );
  }
  const inputName = b.uniqueName(model.inputNames[0]!);
  const inputShape: SymbolicShape = [null, ...model.inputShape];
  const { value, shape } = replaySequential(b, model, inputName, inputShape, exportLayerCall);
  return {
    inputs: [{ name: inputName, shape: inputShape }],
    outputs: [{ name: model.outputNames[0]!, value, shape }],
  };
}

function walkFunctional(b: OnnxGraphBuilder, model: Model) {
  const inputs = model.inputs.map((t, i) => ({ name: b.uniqueName(model.inputNames[i]!), shape: t.shape }));
  const values = replayFunctional(
    b,
    model,
    inputs.map((x) => x.name),
    exportLayerCall,
  );
  const outputs = model.outputs.map((t, i) => ({
    name: model.outputNames[i]!,
    value: values[i]!,
    shape: t.shape,
  }));
  return { inputs, outputs };
}

/**
 * Make each output value carry the model's output name: rename the node that computes it, or add
 * an Identity where the value is a graph input or already another output (a value has one name).
 */
function nameOutputs(b: OnnxGraphBuilder, outputs: { name: string; value: string }[]): void {
  const taken = new Set<string>();
  const renamed = new Map<string, string>();
  const current = (v: string) => renamed.get(v) ?? v;
  for (const y of outputs) {
    if (current(y.value) === y.name && !taken.has(y.name)) {
      taken.add(y.name);
      continue;
    }
    // Another value holds the name (a layer called twice, say): it steps aside for the output.
    if (b.isNodeOutput(y.name)) {
      const aside = b.uniqueName(`${y.name}/value`);
      b.renameValue(y.name, aside);
      renamed.set(y.name, aside);
    }
    const value = current(y.value);
    if (b.isNodeOutput(value) && !taken.has(value)) {
      b.renameValue(value, y.name);
      renamed.set(y.value, y.name);
    } else {
      b.nodes.push({ input: [value], output: [y.name], name: y.name, opType: 'Identity' });
    }
    taken.add(y.name);
  }
}

function valueInfo(name: string, shape: SymbolicShape, batch: string): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: {
          dim: shape.map((d, i) =>
            i === 0 ? { dimParam: batch } : d === null ? { dimParam: `${name}_${i}` } : { dimValue: d },
          ),
        },
      },
    },
  };
}
