/**
 * A functional model's saved config (model format 2, Keras-like): every layer with its name,
 * class, constructor config and inbound nodes, and the model's input and output tensors.
 *
 *   { layers: [{ name, className, config, inboundNodes: [[[layer, node, tensor], …], …] }, …],
 *     inputLayers: [[layer, node, tensor], …], outputLayers: [[layer, node, tensor], …] }
 *
 * A reference [layer, node, tensor] is the output `tensor` of call number `node` of `layer`,
 * counting only the calls inside this model (a layer shared with another model keeps its own
 * numbering here). A nested model's config is the same structure, one level down.
 */
import { ModelFormatError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import type { Node, SymbolicTensor } from '../../nn/symbolic-tensor.js';
import { InputLayer } from './input.js';
import type { Model } from './model.js';

/** [layer name, node index within the model, tensor index] */
export type TensorRef = [string, number, number];

export interface GraphLayerSpec {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inboundNodes: TensorRef[][];
}

export interface GraphConfig {
  layers: GraphLayerSpec[];
  /** One reference for a model made with one tensor, else a list. */
  inputLayers: TensorRef | TensorRef[];
  outputLayers: TensorRef | TensorRef[];
}

export function graphConfig(model: Model): Record<string, unknown> {
  const nodesOf = new Map<Module, Node[]>();
  for (const node of model.nodes) {
    const list = nodesOf.get(node.module) ?? [];
    list.push(node);
    nodesOf.set(node.module, list);
  }
  for (const list of nodesOf.values()) list.sort((a, b) => a.index - b.index);
  const ref = (t: SymbolicTensor): TensorRef => {
    const m = t.node.module;
    if (m instanceof InputLayer) return [m.name, 0, 0];
    const index = nodesOf.get(m)?.indexOf(t.node) ?? -1;
    if (index < 0) {
      throw new ModelFormatError(
        `cannot save model '${model.name}': its input '${t.name}' is not an input() tensor (build the model from input())`,
      );
    }
    return [m.name, index, t.tensorIndex];
  };
  for (const t of model.inputs) {
    if (!(t.node.module instanceof InputLayer)) ref(t);
  }
  const layers: GraphLayerSpec[] = model.layers.map((m) => {
    const { className, config } = m.getConfig();
    return {
      name: m.name,
      className,
      config,
      inboundNodes: (nodesOf.get(m) ?? []).map((n) => n.inputs.map(ref)),
    };
  });
  // A model made with one tensor (not a list) saves one reference, so it loads the same (Keras 3 does so too).
  const refs = (list: readonly SymbolicTensor[], single: boolean) => (single ? ref(list[0]!) : list.map(ref));
  return {
    layers,
    inputLayers: refs(model.inputs, model.takesOneTensor),
    outputLayers: refs(model.outputs, model.givesOneTensor),
  };
}
