/**
 * The saved form of a model, independent of where it is stored (docs/model-format.md):
 *
 *   model.json  { format: 'backprop-model', formatVersion: 2, modelTopology, trainingConfig?,
 *                 weightsManifest: { path, byteLength, crc32, weights: [{ name, shape, dtype, byteOffset }] },
 *                 trainingState?: { path, byteLength, crc32, json }, jsonCrc32 }
 *   weights-<crc32>.bin         raw little-endian float32 values of every weight, in manifest order
 *   training-state-<crc32>.bin  (optional) the raw part of an exact-resume training state
 *
 * Version 1 files (weights.bin, no jsonCrc32) still load. What loading checks, and in which order,
 * is in manifest.ts (the JSON) and architecture.ts (the JSON against the layers it describes).
 */
import { ModelFormatError } from '../errors.js';
import { crc32 } from './crc32.js';

export const MODEL_FORMAT = 'backprop-model';
export const MODEL_FORMAT_VERSION = 2;
/** Versions this code reads: 1 (weights.bin, no jsonCrc32) and the current one. */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];
/** The weight file name of format version 1, kept so that old folders still load. */
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

/** Where a binary part of the model lives and how to recognise it. */
export interface BinaryRef {
  /** A plain file name beside model.json (no folders, no '..'). */
  path: string;
  byteLength: number;
  crc32: number;
}

export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  generatedBy: string;
  /**
   * A Sequential: its input shape and layer list. A functional Model (className 'Model'): its
   * layers with their inbound nodes, and inputLayers/outputLayers (functional/graph-config.ts).
   */
  modelTopology: {
    className: 'Sequential' | 'Model';
    name: string;
    /** Sequential: one sample's input shape (no batch axis); saved models are built, so never null in files. */
    inputShape?: number[] | null;
    layers: (LayerSpec & { name?: string; inboundNodes?: [string, number, number][][] })[];
    trainable?: boolean;
    inputLayers?: [string, number, number][];
    outputLayers?: [string, number, number][];
  };
  /** How the model was compiled, so a loaded model can go on training. */
  trainingConfig?: {
    /** One loss, or one per output (functional models with several outputs). */
    loss: string | string[];
    lossOptions: { fromLogits: boolean; reduction: string };
    /** Metric names, or a list per output. */
    metrics: string[] | string[][];
    /** Per output, with several outputs. */
    lossWeights?: number[];
    optimizer: { className: string; config: Record<string, unknown> };
  };
  weightsManifest: BinaryRef & { weights: WeightEntry[] };
  /** Present when a training state (exact resume) was saved with the model. */
  trainingState?: BinaryRef & { json: Record<string, unknown> };
  /** CRC-32 of this JSON without this field (format 2): a hand-edited or damaged model.json is refused. */
  jsonCrc32?: number;
}

/** The JSON part and the bytes of a training state (what goes inside is training-state.ts's business). */
export interface TrainingStateArtifacts {
  json: Record<string, unknown>;
  data: ArrayBuffer;
}

/** Everything a storage medium has to keep: the JSON and the binary parts it names. */
export interface ModelArtifacts {
  modelJson: ModelJson;
  weightData: ArrayBuffer;
  /** Optional exact-resume state, written and committed together with the model. */
  trainingState?: TrainingStateArtifacts;
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

/** A copy of the `length` float32 values at entry.byteOffset. */
export function readWeight(data: ArrayBuffer, entry: WeightEntry, length: number): Float32Array {
  if (littleEndian) return new Float32Array(data.slice(entry.byteOffset, entry.byteOffset + length * 4));
  return weightView(data, entry, length);
}

/**
 * The values at entry.byteOffset without a copy where the machine is little-endian (the loader
 * checks offsets are 4-byte aligned, and tensor() copies anyway), so loading does not hold the
 * weights twice over.
 */
export function weightView(data: ArrayBuffer, entry: WeightEntry, length: number): Float32Array {
  if (littleEndian) return new Float32Array(data, entry.byteOffset, length);
  const view = new DataView(data, entry.byteOffset, length * 4);
  return Float32Array.from({ length }, (_, i) => view.getFloat32(i * 4, true));
}

export function checksum(data: ArrayBuffer): number {
  return crc32(new Uint8Array(data));
}

/** The weight file name for format 2: named by content, so a new save never overwrites the committed one. */
export function weightsFileName(crc: number): string {
  return `weights-${hex32(crc)}.bin`;
}

export function trainingStateFileName(crc: number): string {
  return `training-state-${hex32(crc)}.bin`;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Check one binary part's bytes against its reference: exact size first, then the checksum. */
export function checkBinary(ref: BinaryRef, data: ArrayBuffer, source: string, what: string): void {
  const bytes = data.byteLength;
  if (bytes < ref.byteLength) {
    throw new ModelFormatError(
      `${source}: ${ref.path} (${what}) is truncated: it has ${bytes} bytes but model.json describes ${ref.byteLength}`,
    );
  }
  if (bytes > ref.byteLength) {
    throw new ModelFormatError(
      `${source}: ${ref.path} (${what}) has ${bytes} bytes but model.json describes ${ref.byteLength} (the files do not belong together)`,
    );
  }
  if (checksum(data) !== ref.crc32) {
    throw new ModelFormatError(
      `${source}: ${ref.path} (${what}) is corrupted or does not belong to this model.json (CRC-32 mismatch)`,
    );
  }
}
