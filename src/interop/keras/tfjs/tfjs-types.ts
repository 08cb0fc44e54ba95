/**
 * TF.js' Layers-model format: model.json with the Keras topology and a weights manifest, the
 * weights in binary shards beside it (tfjs-core io/types.ts, tfjs-layers models.ts).
 */
import type { KerasModelJson } from '../keras-types.js';

/** One weight in a manifest group; `quantization` when tensorflowjs_converter quantized it. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

/** A group of weights stored in the shards `paths`, one after another. */
export interface TfjsManifestGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: KerasModelJson;
  weightsManifest: TfjsManifestGroup[];
}

/** TF.js' converter (and this module) cut the weights into shards of 4 MB. */
export const TFJS_SHARD_BYTES = 4 * 1024 * 1024;

/** The converter's shard names: group1-shard1of3.bin … */
export function shardPaths(byteLength: number): string[] {
  const count = Math.max(1, Math.ceil(byteLength / TFJS_SHARD_BYTES));
  return Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
}
