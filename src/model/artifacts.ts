/**
 * The saved form of a model, independent of where it is stored (docs/model-format.md):
 *
 *   model.json  { format: 'backprop-model', formatVersion: 1, modelTopology, trainingConfig?,
 *                 weightsManifest: { path, byteLength, crc32, weights: [{ name, shape, dtype, byteOffset }] } }
 *   weights.bin raw little-endian float32 values of every weight, back to back, in manifest order
 *
 * Reading checks everything before building anything, so a bad file never yields a half-loaded
 * model: the format tag, the version, the byte length (truncation), the checksum (corruption),
 * the architecture, and every weight's name and shape against what the architecture creates.
 */
import { ModelFormatError } from '../errors.js';
import { crc32 } from './crc32.js';

export const MODEL_FORMAT = 'backprop-model';
export const MODEL_FORMAT_VERSION = 1;
export const WEIGHTS_FILE = 'weights.bin';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  byteOffset: number;
}

export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
}

export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  generatedBy: string;
  modelTopology: {
    className: 'Sequential';
    name: string;
    /** One sample's input shape (no batch axis), or null if the model was never built. */
    inputShape: number[] | null;
    layers: LayerSpec[];
  };
  /** How the model was compiled, so a loaded model can go on training. */
  trainingConfig?: {
    loss: string;
    lossOptions: { fromLogits: boolean; reduction: string };
    metrics: string[];
    optimizer: { className: string; config: Record<string, unknown> };
  };
  weightsManifest: {
    path: string;
    byteLength: number;
    crc32: number;
    weights: WeightEntry[];
  };
}

/** Everything a storage medium has to keep: the JSON and the weight bytes. */
export interface ModelArtifacts {
  modelJson: ModelJson;
  weightData: ArrayBuffer;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Pack float32 arrays back to back, little-endian. */
export function packWeights(arrays: readonly Float32Array[]): ArrayBuffer {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  if (!littleEndian) {
    const view = new DataView(out.buffer);
    for (let i = 0; i < total; i++) view.setFloat32(i * 4, out[i]!, true);
  }
  return out.buffer;
}

export function readWeight(data: ArrayBuffer, entry: WeightEntry, length: number): Float32Array {
  if (littleEndian) return new Float32Array(data.slice(entry.byteOffset, entry.byteOffset + length * 4));
  const view = new DataView(data, entry.byteOffset, length * 4);
  return Float32Array.from({ length }, (_, i) => view.getFloat32(i * 4, true));
}

export function checksum(data: ArrayBuffer): number {
  return crc32(new Uint8Array(data));
}

/** Check the JSON's shape and the weight bytes; throws ModelFormatError saying what is wrong. */
export function validateArtifacts(artifacts: ModelArtifacts, source: string): void {
  const json = artifacts.modelJson as Partial<ModelJson> | null;
  if (json === null || typeof json !== 'object' || json.format !== MODEL_FORMAT) {
    throw new ModelFormatError(
      `${source}: not a backprop model (model.json has no "format": "${MODEL_FORMAT}")`,
    );
  }
  if (!Number.isInteger(json.formatVersion)) {
    throw new ModelFormatError(
      `${source}: model.json is corrupted (formatVersion is missing or not an integer)`,
    );
  }
  if (json.formatVersion !== MODEL_FORMAT_VERSION) {
    const newer = json.formatVersion! > MODEL_FORMAT_VERSION;
    throw new ModelFormatError(
      `${source}: unsupported model format version ${json.formatVersion} (this backprop reads version ${MODEL_FORMAT_VERSION}` +
        `${newer ? '; the file was written by a newer backprop — upgrade to load it' : ''})`,
    );
  }
  const topology = json.modelTopology;
  const manifest = json.weightsManifest;
  if (!topology || !Array.isArray(topology.layers) || !manifest || !Array.isArray(manifest.weights)) {
    throw new ModelFormatError(
      `${source}: model.json is corrupted (modelTopology or weightsManifest is missing)`,
    );
  }
  const bytes = artifacts.weightData.byteLength;
  if (bytes < manifest.byteLength) {
    throw new ModelFormatError(
      `${source}: ${manifest.path} is truncated: it has ${bytes} bytes but model.json describes ${manifest.byteLength}`,
    );
  }
  if (bytes > manifest.byteLength) {
    throw new ModelFormatError(
      `${source}: ${manifest.path} has ${bytes} bytes but model.json describes ${manifest.byteLength} (the files do not belong together)`,
    );
  }
  if (checksum(artifacts.weightData) !== manifest.crc32) {
    throw new ModelFormatError(
      `${source}: ${manifest.path} is corrupted or does not belong to this model.json (CRC-32 mismatch)`,
    );
  }
}
