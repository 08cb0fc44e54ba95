/**
 * OnnxGraph (an imported ONNX model, import/onnx-graph-layer.ts) back to ONNX: its nodes emitted
 * as they were imported, its weights with their current (perhaps fine-tuned) values, its
 * constants as initializers — so a model trained in PyTorch, fine-tuned here, is served by ONNX
 * Runtime again. The graph keeps its own layout (an imported CNN stays channels-first).
 *
 * Written at opset 17: a graph imported from opset 13–17 means the same there (the operators it
 * uses only gained attributes with neutral defaults since), and an attribute at its
 * specification's default is left out, so none of a later version's slips in. A graph from a
 * later opset is refused: its operators may have changed form (ReduceMean's axes became an input
 * in 18).
 */
import { ArgumentError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import type { LayerCall as Call } from './export-layers.js';
import type { OnnxGraphBuilder } from './graph-builder.js';
import type { AttributeSpec, AttributeValue, ConstTensor } from './import/op-types.js';
import { onnxOperators } from './import/ops/index.js';
import { type AttributeProto, AttributeType, DataType, type TensorProto } from './onnx-proto.js';

/** The saved form of an OnnxGraph (its getConfig().config), the parts read here. */
interface SavedGraph {
  opset: number;
  inputs: string[];
  outputs: string[];
  nodes: {
    opType: string;
    name: string;
    inputs: string[];
    outputs: string[];
    attributes: Record<string, AttributeValue>;
  }[];
  weights: { value: string; weight: string; shape: number[] }[];
  constants: { name: string; value: ConstTensor }[];
}

const OPSET = 17;

function refuse(layer: Module, why: string): never {
  throw new ArgumentError(`toOnnx: layer '${layer.name}' (${layer.className}) ${why}`);
}

/** The OnnxGraph layer's nodes, inlined under its name; its output values in order. */
export function onnxGraph(b: OnnxGraphBuilder, layer: Module, call: Call): string[] {
  const g = layer.getConfig().config as unknown as SavedGraph;
  if (g.opset > OPSET) {
    refuse(
      layer,
      `was imported from opset ${g.opset}; toOnnx writes opset ${OPSET}, where its operators may take another form`,
    );
  }
  return b.inScope(layer.name, () => {
    const values = new Map<string, string>();
    g.inputs.forEach((name, i) => {
      values.set(name, call.inputs[i]!);
    });
    for (const w of g.weights) {
      values.set(w.value, b.addFloatInitializer(w.value, w.shape, layer.getWeight(w.weight).dataSync()));
    }
    for (const c of g.constants) values.set(c.name, addConstant(b, c.name, c.value));
    for (const node of g.nodes) {
      const op = Object.hasOwn(onnxOperators, node.opType) ? onnxOperators[node.opType] : undefined;
      if (!op)
        refuse(layer, `has a node '${node.name}' of operator ${node.opType}, which toOnnx does not know`);
      const specs = op.attributesAt?.(g.opset) ?? op.attributes;
      const input = node.inputs.map((name) => {
        if (name === '') return '';
        const v = values.get(name);
        if (v === undefined)
          refuse(layer, `has a node '${node.name}' reading '${name}', which nothing defines before it`);
        return v;
      });
      const output = node.outputs.map((name) => {
        if (name === '') return '';
        const v = b.uniqueName(name);
        values.set(name, v);
        return v;
      });
      const attribute = Object.entries(node.attributes)
        .filter(([name, v]) => !isDefault(specs[name], v))
        .map(([name, v]) => toAttribute(layer, node.name, name, specs[name], v));
      b.nodes.push({
        input,
        output,
        name: b.uniqueName(node.name || node.outputs[0] || node.opType),
        opType: node.opType,
        ...(attribute.length > 0 && { attribute }),
      });
    }
    return g.outputs.map((name) => {
      const v = values.get(name);
      if (v === undefined) refuse(layer, `never computes its output '${name}'`);
      return v;
    });
  });
}

/**
 * The name an imported ONNX file gave the value at an OnnxGraph layer's input or output `index`
 * (the graph keeps them in its saved form), or undefined for any other layer: toOnnx names the
 * graph's inputs and outputs after them, so `toOnnx(fromOnnx(bytes))` keeps the file's names.
 */
export function onnxGraphValueName(
  layer: Module,
  side: 'inputs' | 'outputs',
  index: number,
): string | undefined {
  if (layer.className !== 'OnnxGraph') return undefined;
  const name = (layer.getConfig().config as unknown as SavedGraph)[side][index];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** An integer constant as int64 (shapes, axes, indices), a float one as float32. */
function addConstant(b: OnnxGraphBuilder, name: string, c: ConstTensor): string {
  if (c.kind === 'float') return b.addFloatInitializer(name, c.dims, c.data);
  return b.addInt64Initializer(name, c.data, c.dims);
}

function isDefault(spec: AttributeSpec | undefined, v: AttributeValue): boolean {
  return spec?.default !== undefined && JSON.stringify(spec.default) === JSON.stringify(v);
}

function toAttribute(
  layer: Module,
  node: string,
  name: string,
  spec: AttributeSpec | undefined,
  v: AttributeValue,
): AttributeProto {
  const text = (s: unknown) => new TextEncoder().encode(String(s));
  switch (spec?.type) {
    case 'int':
      return { name, type: AttributeType.INT, i: v as number };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: v as number };
    case 'string':
      return { name, type: AttributeType.STRING, s: text(v) };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...(v as number[])] };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...(v as number[])] };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: (v as string[]).map(text) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: tensorProto(v as ConstTensor) };
    default:
      refuse(layer, `has a node '${node}' with an attribute '${name}' of no known type`);
  }
}

function tensorProto(c: ConstTensor): TensorProto {
  if (c.kind === 'int') return { dims: [...c.dims], dataType: DataType.INT64, int64Data: [...c.data] };
  return { dims: [...c.dims], dataType: DataType.FLOAT, floatData: [...c.data] };
}
