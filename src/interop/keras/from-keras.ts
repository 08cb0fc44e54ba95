/**
 * A Keras model (its topology as Keras 2 / TF.js / Keras 3 write it, and each layer's weights in
 * `get_weights()` order) as a backprop Sequential or functional Model.
 *
 * The topology becomes backprop's own saved form (layer configs by layer-config.ts, inbound nodes
 * by reference, keras-calls.ts), the weights its weight file (keras-model.ts' modelFromKeras), and
 * backprop's loader builds it: so a Keras model goes through the same checks as a backprop file —
 * every layer planned and every weight's shape compared before anything is allocated.
 */
// First, so that graph-load.ts (imported below) finds serialization.ts' planners' registry ready:
// model.js → serialization.js → graph-load.js is the order the package entry loads them in.
import '../../model/functional/model.js';
import { ModelFormatError } from '../../errors.js';
import { planSequentialConfig } from '../../model/architecture.js';
import type { ModelJson } from '../../model/artifacts.js';
import { type ExpectedWeight, planGraph } from '../../model/functional/graph-load.js';
import type { Model } from '../../model/functional/model.js';
import type { Sequential } from '../../model/sequential.js';
import { layerFromConfig } from '../../nn/registry.js';
import { nodeFromKeras, type Ref, refsFromKeras } from './keras-calls.js';
import type { KerasModelJson } from './keras-types.js';
import { fail, isKerasOperation, isObject, type Json, MODEL_CLASSES, short } from './keras-values.js';
import { type FromKerasContext, type LayerSpec, layerFromKeras, layerLabel } from './layer-config.js';

/** A backprop layer spec, with its name and inbound nodes in a functional model. */
interface GraphLayer extends LayerSpec {
  name: string;
  inboundNodes: Ref[][];
}

/** What the translation of a Keras model gives, before any layer is built. */
export interface KerasPlan {
  /** backprop's modelTopology (serialization.ts' saved form). */
  topology: ModelJson['modelTopology'];
  /** The top-level layers with weights, in model order: each with the weights backprop will create. */
  layers: { name: string; spec: LayerSpec; weights: ExpectedWeight[] }[];
  lastAxisChecks: FromKerasContext['lastAxisChecks'];
}

/** TF.js' model.json may hold the Keras model under model_config (tensorflowjs_converter). */
export function unwrapTopology(topology: unknown, source: string): KerasModelJson {
  if (!isObject(topology)) fail(source, `the model topology must be an object, got ${short(topology)}`);
  const inner = isObject(topology.model_config) ? topology.model_config : topology;
  if (typeof inner.class_name !== 'string' || !isObject(inner.config)) {
    fail(source, `the model topology must be { class_name, config }, got ${short(inner)}`);
  }
  const version = topology.keras_version ?? inner.keras_version;
  return {
    ...(inner as unknown as KerasModelJson),
    ...(typeof version === 'string' && { keras_version: version }),
  };
}

/**
 * Translate a Keras topology and plan its weights (no layer built, nothing allocated by a size the
 * file gives beyond what the planners check).
 */
export function planKerasModel(topologyIn: KerasModelJson, source: string): KerasPlan {
  const topology = unwrapTopology(topologyIn, source);
  const keras3 =
    (typeof topology.keras_version === 'string' && /^3\./.test(topology.keras_version)) ||
    'module' in topology;
  const ctx: FromKerasContext = { source, keras3, lastAxisChecks: [] };
  const model = modelSpecFromKeras(topology.class_name, topology.config, ctx);
  const name = String(model.config.name);
  let top: ModelJson['modelTopology'];
  let expected: ExpectedWeight[];
  let specs: (LayerSpec & { name: string })[];
  try {
    if (model.className === 'Sequential') {
      const planned = planSequentialConfig(model.config, source).weights([]) ?? builtWeights(model);
      expected = planned.map((w) => ({ name: w.name.slice(name.length + 1), shape: w.shape }));
      specs = (model.config.layers as LayerSpec[]).map((s) => ({ ...s, name: String(s.config.name) }));
      top = {
        className: 'Sequential',
        name,
        inputShape: model.config.inputShape as number[],
        layers: model.config.layers as LayerSpec[],
      };
    } else {
      expected =
        planGraph(model.config, source).expected ??
        builtWeights(model).map((w) => ({ name: w.name.slice(name.length + 1), shape: w.shape }));
      specs = model.config.layers as GraphLayer[];
      top = { className: 'Model', ...(model.config as object) } as ModelJson['modelTopology'];
    }
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    fail(source, `the model cannot be rebuilt: ${(e as Error).message}`);
  }
  const layers = specs.map((spec) => ({
    name: spec.name,
    spec,
    weights: expected.filter((w) => w.name.startsWith(`${spec.name}/`)),
  }));
  return { topology: top, layers, lastAxisChecks: ctx.lastAxisChecks };
}

/**
 * The weights of a model whose layers cannot all say theirs before building (wrappers, recurrent
 * layers): built once, as backprop's own loader does then; each weight is bounded by the layers'
 * own size limits. Named `model/layer/weight`, as the planners name them.
 */
function builtWeights(model: LayerSpec): ExpectedWeight[] {
  const built = layerFromConfig(model) as Sequential | Model;
  const name = String(model.config.name);
  return built.weights.map((w) => ({ name: `${name}/${w.name}`, shape: [...w.tensor.shape] }));
}

/**
 * A Keras model's (class_name, config) as a backprop container spec: Sequential
 * `{ name, layers, inputShape }` or functional `{ name, layers, inputLayers, outputLayers }`.
 */
function modelSpecFromKeras(className: string, config: Json, ctx: FromKerasContext): LayerSpec {
  const name = typeof config.name === 'string' ? config.name : className.toLowerCase();
  const where = `${ctx.source}: model '${name}'`;
  if (!Array.isArray(config.layers)) fail(where, 'layers must be a list');
  if (className === 'Sequential') return sequentialFromKeras(name, config, ctx);
  if (className !== 'Model' && className !== 'Functional') {
    fail(ctx.source, `class '${className}' is not a model (expected Sequential, Model or Functional)`);
  }
  const inputLayers = refsFromKeras(config.input_layers, `${where}: input_layers`);
  const outputLayers = refsFromKeras(config.output_layers, `${where}: output_layers`);
  // The names of Keras 3's mask operations, whose outputs feed only `mask` arguments.
  const operations = new Set<string>();
  for (const raw of config.layers) {
    if (isObject(raw) && isKerasOperation(raw))
      operations.add(String(raw.name ?? (isObject(raw.config) ? raw.config.name : '')));
  }
  const read = config.layers.map((raw, i) => graphLayerFromKeras(raw, i, where, ctx, operations));
  if (!ctx.keras3) {
    // Keras 2 and TF.js count a nested model's own first node (its input's) in references to its
    // outputs: ['inner', 1, 0] is its first call here. Keras 3, and backprop, count calls only.
    const nested = new Set(
      config.layers
        .filter((raw) => isObject(raw) && hasOwnInput(raw))
        .map((raw) => String((raw as Json).name ?? ((raw as Json).config as Json).name)),
    );
    const shift = (r: Ref): Ref => (nested.has(r[0]) && r[1] >= 1 ? [r[0], r[1] - 1, r[2]] : r);
    for (const l of read) l.inboundNodes = l.inboundNodes.map((node) => node.map(shift));
    outputLayers.splice(0, outputLayers.length, ...outputLayers.map(shift));
  } else {
    // Keras 3 writes calls only in inbound_nodes, but in output_layers a nested functional model's
    // own node too (its first call is 1 there).
    const functional = new Set(
      config.layers
        .filter((raw) => isObject(raw) && (raw.class_name === 'Functional' || raw.class_name === 'Model'))
        .map((raw) => String((raw as Json).name ?? ((raw as Json).config as Json).name)),
    );
    const shift = (r: Ref): Ref => (functional.has(r[0]) && r[1] >= 1 ? [r[0], r[1] - 1, r[2]] : r);
    outputLayers.splice(0, outputLayers.length, ...outputLayers.map(shift));
  }
  // Keras 3 writes the mask arithmetic (NotEqual, Any) as layers feeding only `mask` arguments;
  // backprop's layers pass masks on themselves, so only what the outputs depend on is kept.
  const byName = new Map(read.map((l) => [l.name, l]));
  const needed = new Set<string>(inputLayers.map((r) => r[0]));
  const stack = outputLayers.map((r) => r[0]);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (needed.has(name) && !inputLayers.some((r) => r[0] === name)) continue;
    needed.add(name);
    for (const node of byName.get(name)?.inboundNodes ?? [])
      for (const r of node) if (!needed.has(r[0])) stack.push(r[0]);
  }
  const layers = read.filter((l) => needed.has(l.name)).map((l) => l.translate());
  return {
    className: 'Model',
    config: {
      name,
      layers,
      // One input or output is one tensor, however the file lists it: Keras 2 and TF.js always
      // write a list ([["dense", 0, 0]]), Keras 3 the structure the model was made with, and all
      // three give one tensor for a model of one (Keras 3's unpack_singleton, TF.js' singletonOrArray).
      inputLayers: oneOrList(inputLayers),
      outputLayers: oneOrList(outputLayers),
    },
  };
}

/** backprop's form of a model's inputs or outputs: one reference for one tensor, else a list. */
function oneOrList(refs: Ref[]): Ref | Ref[] {
  return refs.length === 1 ? refs[0]! : refs;
}

/** A nested model that made a node of its own for its input: functional, or a Sequential given an input shape. */
function hasOwnInput(raw: Json): boolean {
  if (raw.class_name === 'Model' || raw.class_name === 'Functional') return true;
  if (raw.class_name !== 'Sequential' || !isObject(raw.config) || !Array.isArray(raw.config.layers))
    return false;
  const first = raw.config.layers[0];
  return (
    isObject(first) &&
    isObject(first.config) &&
    (first.class_name === 'InputLayer' || sampleShape(first.config, '') !== undefined)
  );
}

/** A layer of a model's layer list: a nested model or a layer. */
function layerSpecFromKeras(raw: unknown, where: string, ctx: FromKerasContext): LayerSpec {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    fail(where, `must be a layer { class_name, config }, got ${short(raw)}`);
  }
  if (MODEL_CLASSES.has(raw.class_name)) return modelSpecFromKeras(raw.class_name, raw.config, ctx);
  return layerFromKeras(raw.class_name, raw.config, ctx);
}

/** A batch shape [null, ...] from Keras' batch_input_shape / batch_shape, as one sample's shape. */
function sampleShape(config: Json, where: string): (number | null)[] | undefined {
  const batch = config.batch_input_shape ?? config.batch_shape;
  if (batch !== undefined && batch !== null) {
    if (!Array.isArray(batch) || batch.length < 2)
      fail(where, `batch_input_shape must be [null, ...], got ${short(batch)}`);
    return checkDims(batch.slice(1), where);
  }
  if (Array.isArray(config.input_shape)) return checkDims(config.input_shape, where);
  return undefined;
}

function checkDims(dims: unknown[], where: string): (number | null)[] {
  if (dims.length > 8 || !dims.every((d) => d === null || (Number.isSafeInteger(d) && (d as number) > 0))) {
    fail(where, `the input shape must be positive sizes or null, got ${short(dims)}`);
  }
  return dims as (number | null)[];
}

function sequentialFromKeras(name: string, config: Json, ctx: FromKerasContext): LayerSpec {
  const where = `${ctx.source}: Sequential '${name}'`;
  const raw = [...(config.layers as unknown[])];
  let shape: (number | null)[] | undefined;
  // Keras 3 (and late tf.keras) list the InputLayer; Keras 2 / TF.js give the first layer a batch_input_shape.
  const first = raw[0];
  if (isObject(first) && first.class_name === 'InputLayer' && isObject(first.config)) {
    shape = sampleShape(first.config, `${where}: InputLayer`);
    raw.shift();
  } else if (isObject(first) && isObject(first.config)) {
    shape = sampleShape(first.config, `${where}: layer 0`);
  }
  if (shape === undefined && Array.isArray(config.build_input_shape)) {
    shape = checkDims(config.build_input_shape.slice(1), `${where}: build_input_shape`);
  }
  if (shape === undefined) {
    fail(where, 'has no input shape (the Keras model was never built, so it has no weights)');
  }
  const layers = raw.map((l, i) => layerSpecFromKeras(l, `${where}: layers[${i}]`, ctx));
  if (shape.every((d) => d !== null)) {
    return { className: 'Sequential', config: { name, layers, inputShape: shape } };
  }
  // A sequence of any length: backprop's Sequential is built for one shape, a functional chain is not.
  const inputName = `${name}_input`;
  const chain: GraphLayer[] = [
    {
      name: inputName,
      className: 'InputLayer',
      config: { name: inputName, batchInputShape: [null, ...shape], dtype: 'float32' },
      inboundNodes: [],
    },
  ];
  for (const spec of layers) {
    const prev = chain[chain.length - 1]!;
    chain.push({ ...spec, name: String(spec.config.name), inboundNodes: [[[prev.name, 0, 0]]] });
  }
  return {
    className: 'Model',
    config: {
      name,
      layers: chain,
      inputLayers: [inputName, 0, 0],
      outputLayers: [chain[chain.length - 1]!.name, 0, 0],
    },
  };
}

/** A layer of a functional model: its name and calls now, its translation once known to be needed. */
function graphLayerFromKeras(
  raw: unknown,
  i: number,
  where: string,
  ctx: FromKerasContext,
  operations: ReadonlySet<string>,
): { name: string; inboundNodes: Ref[][]; translate: () => GraphLayer } {
  const at = `${where}: layers[${i}]`;
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    fail(at, `must be a layer { class_name, config, inbound_nodes }, got ${short(raw)}`);
  }
  const name = raw.name ?? raw.config.name;
  if (typeof name !== 'string') fail(at, 'has no name');
  const label = `${where}: ${layerLabel(raw.class_name, name)}`;
  if (!Array.isArray(raw.inbound_nodes)) fail(label, 'inbound_nodes must be a list');
  // A layer the outputs do not need (Keras 3's mask arithmetic) may have calls backprop cannot read.
  let inboundNodes: Ref[][] = [];
  let unreadable: unknown = null;
  try {
    inboundNodes = raw.inbound_nodes.map((node, k) =>
      nodeFromKeras(node, `${label}: inbound_nodes[${k}]`, operations),
    );
  } catch (e) {
    unreadable = e;
  }
  const { class_name: className, config } = raw as { class_name: string; config: Json };
  const layer = {
    name,
    inboundNodes,
    translate: (): GraphLayer => translate(layer.inboundNodes),
  };
  const translate = (inboundNodes: Ref[][]): GraphLayer => {
    if (unreadable !== null) throw unreadable;
    if (className === 'InputLayer') {
      const shape = sampleShape(config, label);
      if (shape === undefined) fail(label, 'has no batch_input_shape / batch_shape');
      return {
        name,
        className: 'InputLayer',
        config: { name, batchInputShape: [null, ...shape], dtype: 'float32' },
        inboundNodes,
      };
    }
    const spec = layerSpecFromKeras({ class_name: className, config: { ...config, name } }, label, ctx);
    return { ...spec, name, inboundNodes };
  };
  return layer;
}

// modelFromKeras was here; importers of this file keep finding it.
export { modelFromKeras } from './keras-model.js';
