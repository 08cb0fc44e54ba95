/**
 * oneHot(indices, depth): a trailing axis of `depth` entries, 1 at the index and 0 elsewhere
 * (TF.js's `tf.oneHot`; labels for categorical cross-entropy). Not differentiable: indices are data.
 */
import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export interface OneHotOptions {
  /** The value at the index. Default 1. */
  onValue?: number;
  /** The value elsewhere. Default 0. */
  offValue?: number;
}

/** Shape: the indices' shape plus a last axis of `depth` (an array of n indices gives [n, depth]). */
export function oneHot(
  indices: Tensor | Int32Array | readonly number[],
  depth: number,
  options: OneHotOptions = {},
): Tensor {
  if (!Number.isInteger(depth) || depth < 1) {
    throw new ArgumentError(`oneHot: depth must be a positive integer, got ${depth}`);
  }
  const on = options.onValue ?? 1;
  const off = options.offValue ?? 0;
  let values: ArrayLike<number>;
  let shape: number[];
  if (indices instanceof Tensor) {
    values = indices.dataSync();
    shape = [...indices.shape];
  } else if (Array.isArray(indices) || indices instanceof Int32Array) {
    values = indices;
    shape = [indices.length];
  } else {
    throw new ArgumentError('oneHot: indices must be a Tensor, an Int32Array or an array of numbers');
  }
  const out = new Float32Array(values.length * depth);
  if (off !== 0) out.fill(off);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= depth) {
      throw new ArgumentError(`oneHot: index ${v} at position ${i} is not an integer in [0, ${depth})`);
    }
    out[i * depth + v] = on;
  }
  const backend = indices instanceof Tensor ? indices.backend : getBackend();
  return new Tensor(backend.fromValues(out), [...shape, depth], backend);
}
