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
import type { SymbolicShape, SymbolicTensor } from '../../nn/symbolic-tensor.js';
import { exportLayerCall } from './export-layers.js';
import { onnxGraphValueName } from './export-onnx-graph.js';
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
  const inputs = model.inputs.map((t, i) => ({
    name: b.uniqueName(importedInputName(model, t) ?? model.inputNames[i]!),
    shape: t.shape,
  }));
  const values = replayFunctional(
    b,
    model,
    inputs.map((x) => x.name),
    exportLayerCall,
  );
  return { inputs, outputs: outputNames(b, model, values) };
}

/**
 * An input that only imported ONNX graphs (OnnxGraph layers) read, all at a place the file named
 * alike, keeps the file's name (the input layer's is that name made safe: '/' → '_').
 */
function importedInputName(model: Model, x: SymbolicTensor): string | undefined {
  const names = new Set<string | undefined>();
  for (const node of model.nodes) {
    node.inputs.forEach((t, k) => {
      if (t === x) names.add(onnxGraphValueName(node.module, 'inputs', k));
    });
  }
  const [name] = names;
  return names.size === 1 ? name : undefined;
}

/**
 * The graph's outputs: each named after the model's output, except that an imported ONNX graph's
 * output keeps the file's name (so a model imported and exported again is called as before), when
 * no other output or value has it.
 */
function outputNames(b: OnnxGraphBuilder, model: Model, values: string[]) {
  const file = model.outputs.map((t) => onnxGraphValueName(t.node.module, 'outputs', t.tensorIndex));
  const taken = new Set(model.outputNames.filter((_, i) => file[i] === undefined));
  return model.outputs.map((t, i) => {
    const own = model.outputNames[i]!;
    let name = file[i];
    if (name === undefined) return { name: own, value: values[i]!, shape: t.shape };
    if (taken.has(name) || (b.isUsed(name) && values[i] !== name)) {
      name = own;
      for (let k = 1; taken.has(name); k++) name = `${own}_${k}`;
    }
    taken.add(name);
    return { name, value: values[i]!, shape: t.shape };
  });
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
