/**
 * A backprop model's topology as Keras 3 writes config.json: every object as { module, class_name,
 * config, registered_name }, dtypes as DTypePolicy, a Sequential's input as its first InputLayer,
 * a functional model's calls as { args: [keras tensors], kwargs } with tensors
 * { class_name: '__keras_tensor__', config: { keras_history: [layer, call, output] } }.
 * Each layer goes through to-keras' translation (layer-config.ts: Keras names, initialisers,
 * activations; layers Keras has no equivalent for refused by name), then into Keras 3's spelling.
 */
import { ModelFormatError } from '../../../errors.js';
import { InputLayer } from '../../../model/functional/input.js';
import { Model } from '../../../model/functional/model.js';
import type { Sequential } from '../../../model/sequential.js';
import type { Module } from '../../../nn/module.js';
import type { Node, SymbolicTensor } from '../../../nn/symbolic-tensor.js';
import { isObject, type Json } from '../keras-values.js';
import { type LayerSpec, layerLabel, layerToKeras } from '../layer-config.js';

export type Ref = [string, number, number];

/** A functional model's layer in backprop's saved form. */
export interface GraphLayerSpec extends LayerSpec {
  name: string;
  inboundNodes: Ref[][];
}

const DTYPE_POLICY = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

/** backprop's spec of a whole model (what getConfig gives, with a Sequential's input shape). */
export function modelSpec(model: Sequential | Model): LayerSpec {
  if (model instanceof Model) return { className: 'Model', config: model.getConfig().config };
  return {
    className: 'Sequential',
    config: {
      name: model.name,
      layers: model.layers.map((l) => l.getConfig()),
      inputShape: [...model.inputShape],
    },
  };
}

/** The model's config.json object. */
export function keras3ModelConfig(model: Sequential | Model, spec: LayerSpec, source: string): Json {
  return spec.className === 'Sequential'
    ? sequentialConfig(spec, source, model)
    : functionalConfig(spec, source, model as Model);
}

/** What Keras writes with each call that backprop's spec leaves out: tensor shapes, list or not. */
interface Calls {
  /** Shape of the tensor a reference [layer, call, output] names, batch axis null. */
  shape: Map<string, (number | null)[]>;
  /** Calls `${layer}/${call}` given a list of tensors. */
  withList: Set<string>;
}

const refKey = (r: Ref) => `${r[0]}/${r[1]}/${r[2]}`;

/** The calls of a functional model, numbered as its saved spec numbers them (graph-config.ts). */
function callsOf(model: Model): Calls {
  const nodesOf = new Map<Module, Node[]>();
  for (const node of model.nodes) nodesOf.set(node.module, [...(nodesOf.get(node.module) ?? []), node]);
  for (const list of nodesOf.values()) list.sort((a, b) => a.index - b.index);
  const calls: Calls = { shape: new Map(), withList: new Set() };
  const ref = (t: SymbolicTensor): Ref =>
    t.node.module instanceof InputLayer
      ? [t.node.module.name, 0, 0]
      : [t.node.module.name, nodesOf.get(t.node.module)?.indexOf(t.node) ?? 0, t.tensorIndex];
  for (const t of [...model.inputs, ...model.outputs]) calls.shape.set(refKey(ref(t)), [...t.shape]);
  for (const [module, nodes] of nodesOf) {
    nodes.forEach((n, i) => {
      if (n.calledWithList) calls.withList.add(`${module.name}/${i}`);
      for (const t of n.inputs) calls.shape.set(refKey(ref(t)), [...t.shape]);
    });
  }
  return calls;
}

function sequentialConfig(spec: LayerSpec, source: string, model: Module | undefined): Json {
  const c = spec.config;
  const name = String(c.name);
  const layers = c.layers as LayerSpec[];
  if (!Array.isArray(c.inputShape))
    throw new ModelFormatError(`${source}: Sequential '${name}' has no input shape (it is not built)`);
  const shape = [null, ...(c.inputShape as number[])];
  const taken = new Set(layers.map((l) => String(l.config.name)));
  let inputName = `${name}_input`;
  for (let i = 1; taken.has(inputName); i++) inputName = `${name}_input_${i}`;
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name,
      trainable: c.trainable !== false,
      dtype: DTYPE_POLICY,
      layers: [inputLayer(inputName, shape), ...layers.map((l) => anyLayer(l, source, childOf(model, l)))],
      build_input_shape: shape,
    },
    registered_name: null,
    build_config: { input_shape: shape },
  };
}

function functionalConfig(spec: LayerSpec, source: string, model: Module | undefined): Json {
  const c = spec.config;
  const specs = c.layers as GraphLayerSpec[];
  const byName = new Map(specs.map((l) => [l.name, l]));
  if (!(model instanceof Model))
    throw new ModelFormatError(`${source}: model '${String(c.name)}' is not built`);
  const calls = callsOf(model);
  const tensor = (r: Ref): Json => {
    const shape = calls.shape.get(refKey(r));
    if (!shape) throw new ModelFormatError(`${source}: model '${model.name}' has no tensor [${r}]`);
    return { class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [...r] } };
  };
  const layers = specs.map((l): Json => {
    const inbound_nodes = l.inboundNodes.map((node, i) => ({
      args: [calls.withList.has(`${l.name}/${i}`) ? node.map(tensor) : tensor(node[0]!)],
      kwargs: {},
    }));
    if (l.className === 'InputLayer') {
      return {
        ...inputLayer(l.name, l.config.batchInputShape as (number | null)[]),
        name: l.name,
        inbound_nodes,
      };
    }
    const k = anyLayer(l, source, childOf(model, l));
    return { ...k, config: { ...(k.config as Json), name: l.name }, name: l.name, inbound_nodes };
  });
  const refs = (v: unknown): Ref[] =>
    Array.isArray(v) && typeof v[0] === 'string' ? [v as Ref] : (v as Ref[]);
  // A model made with one tensor (not a list) has the reference itself, as Keras 3 writes it.
  const io = (v: unknown) =>
    Array.isArray(v) && typeof v[0] === 'string' ? [...(v as Ref)] : refs(v).map((r) => [...r]);
  for (const r of [...refs(c.inputLayers), ...refs(c.outputLayers)]) {
    if (!byName.has(r[0])) throw new ModelFormatError(`${source}: the model refers to no layer '${r[0]}'`);
  }
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: String(c.name),
      trainable: c.trainable !== false,
      layers,
      input_layers: io(c.inputLayers),
      output_layers: io(c.outputLayers),
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
  };
}

function inputLayer(name: string, batchShape: readonly (number | null)[]): Json {
  return {
    module: 'keras.layers',
    class_name: 'InputLayer',
    config: { batch_shape: [...batchShape], dtype: 'float32', sparse: false, ragged: false, name },
    registered_name: null,
  };
}

/** The layer of `model` that `spec` describes (a nested model's own spec needs it). */
function childOf(model: Module | undefined, spec: LayerSpec): Module | undefined {
  const name = (spec as { name?: string }).name ?? String(spec.config.name);
  return (model as Sequential | Model | undefined)?.layers.find((l) => l.name === name);
}

function anyLayer(spec: LayerSpec, source: string, module: Module | undefined): Json {
  if (spec.className === 'Sequential') return sequentialConfig(spec, source, module);
  if (spec.className === 'Model') return functionalConfig(spec, source, module);
  return keras3Layer(layerToKeras(spec, source), source);
}

/** A layer in Keras 2 / TF.js form (layerToKeras) as Keras 3 writes it. */
function keras3Layer(k: { class_name: string; config: Json }, source: string): Json {
  const where = `${source}: ${layerLabel(k.class_name, k.config.name)}`;
  if (k.config.stateful === true) {
    throw new ModelFormatError(
      `${where}: a stateful recurrent layer has no Keras 3 equivalent here (Keras 3 needs the batch size fixed in the model for it; export a copy with stateful: false)`,
    );
  }
  const back = k.config.backward_layer as { config?: Json } | undefined;
  const forward = k.config.layer as { config?: Json } | undefined;
  if (back?.config && forward?.config && back.config.units !== forward.config.units) {
    throw new ModelFormatError(
      `${where}: a backward layer of ${String(back.config.units)} units beside a forward layer of ${String(forward.config.units)} has no Keras 3 equivalent (Keras 3 gives the copies' output the forward layer's shape)`,
    );
  }
  const config: Json = {};
  for (const [key, value] of Object.entries(k.config)) {
    if (key === 'batch_input_shape' || key === 'input_length') continue;
    if (key === 'dtype') continue;
    if ((key === 'layer' || key === 'backward_layer') && isObject(value)) {
      config[key] = keras3Layer(value as { class_name: string; config: Json }, source);
    } else if (key.endsWith('_initializer') && isObject(value)) {
      config[key] = kerasObject('keras.initializers', value);
    } else if (key.endsWith('_regularizer') && isObject(value)) {
      config[key] = kerasObject('keras.regularizers', value);
    } else if ((key === 'activation' || key === 'recurrent_activation') && value === 'hard_sigmoid') {
      throw new ModelFormatError(
        `${where}: ${key} 'hard_sigmoid' has no Keras 3 equivalent (Keras 3's hard_sigmoid is relu6(x + 3) / 6, backprop's the clip(0.2·x + 0.5, 0, 1) of Keras 2 and TF.js)`,
      );
    } else config[key] = value;
  }
  if (k.class_name === 'LeakyReLU' && 'alpha' in config) {
    // Keras 3 calls it negative_slope.
    config.negative_slope = config.alpha;
    delete config.alpha;
  }
  config.dtype = DTYPE_POLICY;
  return { module: 'keras.layers', class_name: k.class_name, config, registered_name: null };
}

function kerasObject(module: string, v: Json): Json {
  return { module, class_name: v.class_name, config: v.config ?? {}, registered_name: null };
}

/**
 * The order of a functional model's `layers` in Keras 3 (keras.src.ops.function.map_graph): by
 * depth from the outputs, deepest first, ties by first visit of a depth-first walk from the
 * outputs; inputs the outputs do not use come last. Keras keys each layer's weights by its class
 * and place in this order, so the weights file must follow it.
 */
export function kerasLayerOrder(spec: LayerSpec): GraphLayerSpec[] {
  const c = spec.config;
  const specs = c.layers as GraphLayerSpec[];
  const byName = new Map(specs.map((l) => [l.name, l]));
  const refs = (v: unknown): Ref[] =>
    Array.isArray(v) && typeof v[0] === 'string' ? [v as Ref] : (v as Ref[]);
  const key = (layer: string, node: number) => `${layer}\u0000${node}`;
  const parents = (layer: string, node: number): Ref[] => byName.get(layer)?.inboundNodes[node] ?? [];

  const finished = new Set<string>();
  const inProgress = new Set<string>();
  const order: [string, number][] = [];
  const indices = new Map<string, number>();
  const visit = (layer: string, node: number): void => {
    const k = key(layer, node);
    if (finished.has(k)) return;
    if (inProgress.has(k)) throw new ModelFormatError(`layer '${layer}' is part of a cycle`);
    if (!indices.has(layer)) indices.set(layer, indices.size);
    inProgress.add(k);
    for (const r of parents(layer, node)) visit(r[0], r[1]);
    finished.add(k);
    inProgress.delete(k);
    order.push([layer, node]);
  };
  for (const r of refs(c.outputLayers)) visit(r[0], r[1]);

  const nodeDepth = new Map<string, number>();
  const layerDepth = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const [layer, node] = order[i]!;
    const k = key(layer, node);
    const depth = Math.max(nodeDepth.get(k) ?? 0, layerDepth.get(layer) ?? 0);
    layerDepth.set(layer, depth);
    nodeDepth.set(k, depth);
    for (const r of parents(layer, node)) {
      const pk = key(r[0], r[1]);
      if (finished.has(pk)) nodeDepth.set(pk, Math.max(depth + 1, nodeDepth.get(pk) ?? 0));
    }
  }
  for (const r of refs(c.inputLayers)) {
    if (!layerDepth.has(r[0])) {
      layerDepth.set(r[0], 0);
      indices.set(r[0], -1);
    }
  }
  const names = [...layerDepth.keys()];
  names.sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || indices.get(a)! - indices.get(b)!);
  return names.map((n) => byName.get(n)!);
}
