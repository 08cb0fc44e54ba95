/**
 * Keras 3 `.keras` files (a zip of config.json, metadata.json and model.weights.h5) and legacy
 * Keras `.h5` model files, loaded as backprop models. The topology goes to modelFromKeras as Keras
 * wrote it (it reads Keras 3's wiring and config objects); what is specific to the files is here:
 * the zip, the HDF5 weights and where Keras keeps each layer's variables in them.
 */
import { ArgumentError, ModelFormatError } from '../../../errors.js';
import type { Model } from '../../../model/functional/model.js';
import type { Sequential } from '../../../model/sequential.js';
import { modelFromKeras } from '../keras-model.js';
import type { KerasModelJson, PendingKerasWeight, PendingKerasWeights } from '../keras-types.js';
import { isObject } from '../keras-values.js';
import { type Hdf5Dataset, openHdf5 } from './hdf5.js';
import { readKeras3Weights } from './keras3-weights.js';
import { ZipArchive } from './zip.js';

export interface KerasFileOptions {
  /** Names the file in error messages (default 'model.keras' / 'model.h5'). */
  source?: string;
}

/**
 * Loads a Keras 3 `.keras` file from its bytes. Unsupported layers, shapes that do not match and
 * malformed files are ModelFormatErrors naming the file, the layer and the Keras version that saved it.
 */
export async function fromKeras(
  bytes: Uint8Array,
  options: KerasFileOptions = {},
): Promise<Sequential | Model> {
  const source = options.source ?? 'model.keras';
  if (!(bytes instanceof Uint8Array))
    throw new ArgumentError(`${source}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (isHdf5(bytes)) {
    throw new ModelFormatError(
      `${source}: this is an HDF5 file (a legacy Keras .h5 model?): load it with fromKerasH5`,
    );
  }
  const zip = ZipArchive.open(bytes, source);
  let version = 'an unknown Keras version';
  if (zip.has('metadata.json')) {
    const meta = parseJson(await zip.readText('metadata.json'), `${source}: metadata.json`);
    if (isObject(meta) && typeof meta.keras_version === 'string') version = `Keras ${meta.keras_version}`;
  }
  const label = `${source} (saved by ${version})`;
  if (!zip.has('config.json')) {
    throw new ModelFormatError(
      `${label}: no config.json in the archive (is it a .keras file? it holds ${zip.names().join(', ')})`,
    );
  }
  const config = parseJson(await zip.readText('config.json'), `${label}: config.json`);
  const topology = asTopology(config, version, label);
  let weights: PendingKerasWeights = new Map();
  if (zip.has('model.weights.h5')) {
    const h5bytes = await zip.read('model.weights.h5');
    const h5 = openHdf5(h5bytes, `${label}: model.weights.h5`);
    weights = readKeras3Weights(
      h5,
      topology,
      `${label}: model.weights.h5`,
      weightReader(h5bytes.length, label),
    );
  } else if (zip.has('model.weights.npz')) {
    throw new ModelFormatError(
      `${label}: weights in model.weights.npz are not supported (model.weights.h5 only)`,
    );
  }
  return modelFromKeras(topology, weights, label);
}

/**
 * Loads a legacy Keras `.h5` model file (`model.save('x.h5')`): the topology in the root's
 * model_config attribute, the weights in model_weights/<layer>/ under the names its weight_names
 * attribute lists, in get_weights() order.
 */
export function fromKerasH5(bytes: Uint8Array, options: KerasFileOptions = {}): Sequential | Model {
  const source = options.source ?? 'model.h5';
  if (!(bytes instanceof Uint8Array))
    throw new ArgumentError(`${source}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) {
    throw new ModelFormatError(
      `${source}: this is a zip archive (a Keras 3 .keras file?): load it with fromKeras`,
    );
  }
  const root = openHdf5(bytes, source);
  const attrs = root.attrs();
  const version =
    typeof attrs.get('keras_version') === 'string' ? `Keras ${attrs.get('keras_version')}` : 'Keras';
  const label = `${source} (saved by ${version})`;
  const configText = attrs.get('model_config');
  if (typeof configText !== 'string') {
    throw new ModelFormatError(
      `${label}: no model_config attribute (a weights-only .h5 file holds no model)`,
    );
  }
  const topology = asTopology(parseJson(configText, `${label}: model_config`), version, label);
  const group = root.has('model_weights') ? root.group('model_weights') : root;
  const weights: PendingKerasWeights = new Map();
  const reader = weightReader(bytes.length, label);
  const layerNames = group.attr('layer_names');
  if (!Array.isArray(layerNames))
    throw new ModelFormatError(`${label}: model_weights has no layer_names attribute`);
  for (const name of layerNames) {
    const layerName = String(name);
    const g = group.group(layerName);
    const names = g.attr('weight_names') ?? [];
    if (!Array.isArray(names))
      throw new ModelFormatError(`${label}: layer '${layerName}': weight_names is not a list`);
    const unique = new Set(names.map(String));
    if (unique.size !== names.length)
      throw new ModelFormatError(`${label}: layer '${layerName}': weight_names lists a weight twice`);
    // Opened (shape and type from the header), not read: modelFromKeras checks counts and shapes first.
    if (names.length > 0)
      weights.set(
        layerName,
        names.map((w) => reader(g.dataset(String(w)), String(w), layerName)),
      );
  }
  return modelFromKeras(topology, weights, label);
}

/**
 * A dataset as a weight whose values are read when modelFromKeras asks (after checking the counts
 * and shapes). Reads are budgeted: Keras stores every weight, so all of them together cannot be
 * more than the file's bytes — 64× that (unwritten chunks read as zeros) is refused, whatever
 * the file repeats or links twice.
 */
export function weightReader(
  fileBytes: number,
  label: string,
): (d: Hdf5Dataset, name: string, layer: string) => PendingKerasWeight {
  const budget = 64 * fileBytes + 4096;
  let spent = 0;
  return (d, name, layer) => {
    const shape = d.shape;
    return {
      name,
      shape,
      data: () => {
        spent += shape.reduce((a, b) => a * b, 1) * 4;
        if (spent > budget) {
          throw new ModelFormatError(
            `${label}: layer '${layer}': the weights add up to more than ${budget} bytes, which a ${fileBytes}-byte file cannot hold`,
          );
        }
        const data = d.read();
        if (!(data instanceof Float32Array || data instanceof Float64Array)) {
          throw new ModelFormatError(
            `${label}: layer '${layer}': weight '${name}' is ${d.dtype}, not a float`,
          );
        }
        return data instanceof Float32Array ? data : Float32Array.from(data);
      },
    };
  };
}

function asTopology(config: unknown, version: string, label: string): KerasModelJson {
  if (!isObject(config) || typeof config.class_name !== 'string' || !isObject(config.config)) {
    throw new ModelFormatError(`${label}: the model config is not a Keras model ({class_name, config})`);
  }
  const topology = dropNullInitializerAxes(config) as KerasModelJson;
  const m = /^Keras (\S+)$/.exec(version);
  return m && topology.keras_version === undefined ? { ...topology, keras_version: m[1]! } : topology;
}

/**
 * Keras 3.12+ writes `input_axes: null, output_axes: null` into variance-scaling initialisers
 * (GlorotUniform…): null is "Keras' default fan computation", which is backprop's, so the keys are
 * dropped; a non-null value is left for the layer translation to refuse.
 */
function dropNullInitializerAxes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNullInitializerAxes);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  const initializer = v.module === 'keras.initializers' && isObject(v.config);
  for (const [key, value] of Object.entries(v)) {
    if (initializer && key === 'config') {
      const config = { ...(value as Record<string, unknown>) };
      for (const axes of ['input_axes', 'output_axes']) if (config[axes] === null) delete config[axes];
      out[key] = config;
    } else out[key] = dropNullInitializerAxes(value);
  }
  return out;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`${what} is not valid JSON (${(e as Error).message})`);
  }
}

/** HDF5's signature at the start (where h5py puts the superblock). */
export function isHdf5(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46
  );
}
