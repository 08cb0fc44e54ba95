/**
 * model.weights.h5 of a .keras file → each layer's weights in `get_weights()` order. Keras 3 keeps a
 * layer's own variables in layers/<key>/vars/0…n-1 and those of layers it owns in subgroups (an RNN's
 * cell, a Bidirectional's forward_layer and backward_layer, a wrapper's layer). Keys are Keras' snake
 * case of the class name, made unique in the model's layer order (dense, dense_1…); Keras 3.x also
 * writes the layer's own name as the 'name' attribute of its vars group, which is preferred.
 */
import { ModelFormatError } from '../../../errors.js';
import type {
  KerasLayerJson,
  KerasModelJson,
  PendingKerasWeight,
  PendingKerasWeights,
} from '../keras-types.js';
import { isKerasOperation, MODEL_CLASSES } from '../keras-values.js';
import { Hdf5Dataset, type Hdf5Group } from './hdf5.js';

/** Makes a weight of a dataset, read later (keras-file.ts' weightReader). */
export type WeightReader = (d: Hdf5Dataset, name: string, layer: string) => PendingKerasWeight;

/** Subgroups whose weights follow a layer's own, in get_weights() order (others: alphabetical). */
const SUBLAYER_ORDER = ['cell', 'forward_layer', 'backward_layer', 'layer'];

export function readKeras3Weights(
  root: Hdf5Group,
  model: KerasModelJson,
  source: string,
  reader: WeightReader,
  depth = 0,
): PendingKerasWeights {
  const weights: PendingKerasWeights = new Map();
  const configLayers = model.config.layers as unknown;
  const valid = (l: unknown) =>
    typeof l === 'object' &&
    l !== null &&
    typeof (l as KerasLayerJson).class_name === 'string' &&
    typeof (l as KerasLayerJson).config === 'object' &&
    (l as KerasLayerJson).config !== null;
  if (!Array.isArray(configLayers) || !configLayers.every(valid)) {
    throw new ModelFormatError(`${source}: the model config's layers must be a list of {class_name, config}`);
  }
  // tf.keras 2.13–2.15 wrote .keras files with the layers under '_layer_checkpoint_dependencies'
  // (Keras 3 reads them by that same substitution).
  const layersKey = ['layers', '_layer_checkpoint_dependencies'].find((k) => root.has(k));
  if (layersKey === undefined) {
    if (model.config.layers.some((l) => l.class_name !== 'InputLayer')) {
      throw new ModelFormatError(`${source}: model.weights.h5 has no 'layers' group`);
    }
    return weights;
  }
  const layers = root.group(layersKey);
  const byName = new Map<string, string>();
  for (const key of layers.keys()) {
    const g = layers.get(key);
    if (g instanceof Hdf5Dataset || !g.has('vars')) continue;
    const name = g.group('vars').attr('name');
    if (typeof name === 'string') byName.set(name, key);
  }
  const byOrder = keysInLayerOrder(model);
  for (const layer of model.config.layers) {
    const name = String(layer.name ?? layer.config.name);
    const key = byName.get(name) ?? byOrder.get(layer);
    if (key === undefined || !layers.has(key)) {
      // Keras 3's mask operations are no Layers: no weights, no group.
      if (layer.class_name === 'InputLayer' || isKerasOperation(layer)) continue;
      throw new ModelFormatError(
        `${source}: no weights group for layer '${name}' (${layer.class_name}) in model.weights.h5`,
      );
    }
    const group = layers.group(key);
    if (MODEL_CLASSES.has(layer.class_name) && group.has(layersKey)) {
      // A model used as a layer keeps its own layers/ group: its layers' weights go in by their names.
      if (depth > 8) throw new ModelFormatError(`${source}: models nest too deep in model.weights.h5`);
      const inner = { class_name: layer.class_name, config: layer.config } as KerasModelJson;
      for (const [n, innerWeights] of readKeras3Weights(group, inner, source, reader, depth + 1))
        weights.set(n, innerWeights);
      continue;
    }
    const list: PendingKerasWeight[] = [];
    collect(group, name, key, list, 0, source, reader);
    weights.set(name, list);
  }
  return weights;
}

function collect(
  g: Hdf5Group,
  layer: string,
  path: string,
  out: PendingKerasWeight[],
  depth: number,
  source: string,
  reader: WeightReader,
): void {
  if (depth > 16)
    throw new ModelFormatError(`${source}: layer '${layer}' nests too deep in model.weights.h5`);
  if (g.has('vars')) {
    const vars = g.group('vars');
    const count = vars.keys().length;
    for (let i = 0; i < count; i++) {
      if (!vars.has(String(i))) {
        throw new ModelFormatError(
          `${source}: layer '${layer}': ${path}/vars has no variable ${i} (${vars.keys()})`,
        );
      }
      // Opened, not read: modelFromKeras checks counts and shapes before reading any.
      out.push(reader(vars.dataset(String(i)), `${path}/vars/${i}`, layer));
    }
  }
  const subs = g.keys().filter((k) => k !== 'vars');
  subs.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of subs) {
    const child = g.get(k);
    if (child instanceof Hdf5Dataset) continue;
    collect(child, layer, `${path}/${k}`, out, depth + 1, source, reader);
  }
}

function rank(key: string): number {
  const i = SUBLAYER_ORDER.indexOf(key);
  return i < 0 ? SUBLAYER_ORDER.length : i;
}

/** Keras 3's saving keys: snake case of the class name, numbered on repeats, in model.layers order. */
export function keysInLayerOrder(model: KerasModelJson): Map<KerasLayerJson, string> {
  const used = new Map<string, number>();
  const out = new Map<KerasLayerJson, string>();
  const sequential = model.class_name === 'Sequential';
  for (const layer of model.config.layers) {
    // A Sequential's model.layers leaves out its InputLayer.
    if (sequential && layer.class_name === 'InputLayer') continue;
    // Keras 3's mask operations are not in model.layers, so they take no key.
    if (isKerasOperation(layer)) continue;
    const base = toSnakeCase(layer.class_name);
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    out.set(layer, n === 0 ? base : `${base}_${n}`);
  }
  return out;
}

/** keras.src.utils.naming.to_snake_case. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
