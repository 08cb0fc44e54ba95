/**
 * A TF.js Layers model (model.json + weight shards, as tf.LayersModel.save or tensorflowjs_converter
 * write them) as a backprop model. The weights are found by the names TF.js gives them
 * (weight-names.ts) for the layers the topology plans, so the manifest's order does not matter.
 */
import { ModelFormatError } from '../../../errors.js';
import type { Model } from '../../../model/functional/model.js';
import type { Sequential } from '../../../model/sequential.js';
import { planKerasModel, unwrapTopology } from '../from-keras.js';
import { modelFromKeras } from '../keras-model.js';
import type { KerasWeight, KerasWeights } from '../keras-types.js';
import { isObject, short } from '../keras-values.js';
import { layerLabel } from '../layer-config.js';
import { shortenedName, tfjsWeightName } from '../weight-names.js';
import { tfjsRunsDifferently } from './to-tfjs.js';
import { type DecodedWeight, decodeWeights, joinShards } from './weights-manifest.js';

/**
 * Load a TF.js Layers model: `modelJson` is model.json's content (parsed), `weightData` its shards
 * (one buffer, or the shards in manifest order; Node Buffers and other byte views will do).
 * Malformed JSON, manifests or sizes are ModelFormatErrors naming what is wrong; `source` names
 * the model in them. The model comes uncompiled (TF.js' training config is not read).
 */
export function fromTfjs(
  modelJson: unknown,
  weightData: ArrayBuffer | ArrayBufferView | readonly (ArrayBuffer | ArrayBufferView)[],
  source = 'model.json',
): Sequential | Model {
  if (!isObject(modelJson))
    throw new ModelFormatError(`${source}: model.json must be an object, got ${short(modelJson)}`);
  const format = modelJson.format;
  if (format === 'graph-model') {
    throw new ModelFormatError(
      `${source}: this is a TF.js graph model (a converted SavedModel), not a Layers model; only the Layers format ('layers-model') can be loaded`,
    );
  }
  if (format !== undefined && format !== 'layers-model') {
    throw new ModelFormatError(
      `${source}: format ${short(format)} is not a TF.js Layers model ('layers-model')`,
    );
  }
  if (modelJson.modelTopology === undefined)
    throw new ModelFormatError(`${source}: model.json has no modelTopology`);
  const topology = unwrapTopology(modelJson.modelTopology, source);
  if (typeof topology.keras_version === 'string' && topology.keras_version.startsWith('tfjs-layers')) {
    refuseWhatTfjsRanOtherwise(topology, source);
  }
  const decoded = decodeWeights(modelJson.weightsManifest ?? [], joinShards(weightData, source), source);
  return modelFromKeras(topology, weightsByLayer(topology, decoded, source), source);
}

/** The manifest's weights grouped by the layer that owns them, in the layer's `get_weights()` order. */
function weightsByLayer(
  topology: ReturnType<typeof unwrapTopology>,
  decoded: DecodedWeight[],
  source: string,
): KerasWeights {
  const byName = new Map<string, DecodedWeight>();
  for (const w of decoded) {
    if (byName.has(w.name))
      throw new ModelFormatError(`${source}: the manifest lists weight '${w.name}' twice`);
    byName.set(w.name, w);
  }
  // TF.js also finds 'lstm/lstm_cell/kernel' as 'lstm/kernel' (Keras-converted files keep the cell's name).
  const shortened = new Map<string, DecodedWeight>();
  for (const w of decoded) {
    const s = shortenedName(w.name);
    if (s !== w.name && !byName.has(s)) shortened.set(s, w);
  }
  const used = new Set<DecodedWeight>();
  const out: KerasWeights = new Map();
  for (const { name, spec, weights } of planKerasModel(topology, source).layers) {
    const list: KerasWeight[] = [];
    for (const w of weights) {
      const want = tfjsWeightName(w.name, spec);
      const found = byName.get(want) ?? shortened.get(want);
      if (!found) {
        throw new ModelFormatError(
          `${source}: ${layerLabel(spec.className, name)}: weight '${want}' is missing from the weights manifest`,
        );
      }
      if (used.has(found))
        throw new ModelFormatError(`${source}: weight '${found.name}' is claimed by two layers`);
      used.add(found);
      list.push({ name: found.name, shape: found.shape, data: found.data });
    }
    if (list.length > 0) out.set(name, list);
  }
  const extra = decoded.filter((w) => !used.has(w));
  if (extra.length > 0) {
    throw new ModelFormatError(
      `${source}: the weights manifest has weights no layer uses: ${extra
        .slice(0, 10)
        .map((w) => w.name)
        .join(', ')}${extra.length > 10 ? ', …' : ''}`,
    );
  }
  return out;
}

/**
 * A file TF.js wrote was trained and run by tfjs-layers: where it computes a layer otherwise than
 * Keras (tfjsRunsDifferently), backprop would give other predictions than the model had — refused.
 */
function refuseWhatTfjsRanOtherwise(node: unknown, source: string): void {
  if (Array.isArray(node)) {
    for (const n of node) refuseWhatTfjsRanOtherwise(n, source);
    return;
  }
  if (!isObject(node)) return;
  const c = isObject(node.config) ? node.config : {};
  const why = tfjsRunsDifferently(node.class_name, c);
  if (why !== null) {
    throw new ModelFormatError(
      `${source}: ${layerLabel(String(node.class_name), c.name)} (written by TF.js) ${why.replace('so it would predict', 'so backprop would predict')}`,
    );
  }
  for (const v of Object.values(node)) refuseWhatTfjsRanOtherwise(v, source);
}
