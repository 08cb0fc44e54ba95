/**
 * Cutting a tensor into pieces along an axis: split (TF.js), chunk (PyTorch), unstack. Every piece
 * is a slice, so the pieces' gradients add into one buffer (see shared-grad.ts): splitting into n
 * pieces costs O(size of x) in backward, not n times that.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape } from './layout.js';
import { sliceAxis } from './slice.js';

/**
 * Pieces along `axis` (default 0): `sizesOrCount` a number n cuts n equal pieces (the axis must
 * divide evenly), an array gives each piece's size (one entry may be -1: the rest).
 */
export function split(x: Tensor, sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
  if (x.ndim === 0) throw new ShapeError('split: needs a tensor with at least one axis, got a scalar');
  const a = normalizeAxis(axis, x.ndim, 'split');
  const n = x.shape[a]!;
  const where = `split: ${JSON.stringify(sizesOrCount)} along axis ${a} of shape ${formatShape(x.shape)}`;
  let sizes: number[];
  if (typeof sizesOrCount === 'number') {
    if (!Number.isInteger(sizesOrCount) || sizesOrCount < 1) {
      throw new ArgumentError(`${where}: the number of pieces must be a positive integer`);
    }
    if (n % sizesOrCount !== 0) {
      throw new ShapeError(`${where}: ${n} entries do not split into ${sizesOrCount} equal pieces`);
    }
    sizes = new Array<number>(sizesOrCount).fill(n / sizesOrCount);
  } else {
    if (!Array.isArray(sizesOrCount) || sizesOrCount.length === 0) {
      throw new ArgumentError(`${where}: needs a piece count or a non-empty array of sizes`);
    }
    sizes = [...sizesOrCount];
    const rest = sizes.indexOf(-1);
    if (rest !== sizes.lastIndexOf(-1)) throw new ArgumentError(`${where}: only one size can be -1`);
    if (!sizes.every((s) => s === -1 || (Number.isInteger(s) && s >= 0))) {
      throw new ArgumentError(`${where}: sizes must be non-negative integers (or one -1)`);
    }
    const known = sizes.reduce((t, s) => (s === -1 ? t : t + s), 0);
    if (rest >= 0) {
      if (known > n) throw new ShapeError(`${where}: the sizes add up to more than ${n}`);
      sizes[rest] = n - known;
    } else if (known !== n) {
      throw new ShapeError(`${where}: the sizes add up to ${known}, not ${n}`);
    }
  }
  const pieces: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    pieces.push(sliceAxis(x, a, at, at + s));
    at += s;
  }
  return pieces;
}

/**
 * At most `chunks` pieces of ⌈size / chunks⌉ entries along `axis`, the last one shorter when the
 * axis does not divide evenly (PyTorch's `chunk`; fewer pieces when there are too few entries).
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  if (x.ndim === 0) throw new ShapeError('chunk: needs a tensor with at least one axis, got a scalar');
  if (!Number.isInteger(chunks) || chunks < 1) {
    throw new ArgumentError(`chunk: the number of chunks must be a positive integer, got ${chunks}`);
  }
  const a = normalizeAxis(axis, x.ndim, 'chunk');
  const n = x.shape[a]!;
  const step = Math.max(1, Math.ceil(n / chunks));
  const pieces: Tensor[] = [];
  for (let at = 0; at < n; at += step) pieces.push(sliceAxis(x, a, at, Math.min(n, at + step)));
  return pieces.length > 0 ? pieces : [x];
}

/** The entries along `axis` as separate tensors without that axis: a [3, 4] unstacked on 0 is three [4]. */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  if (x.ndim === 0) throw new ShapeError('unstack: needs a tensor with at least one axis, got a scalar');
  const a = normalizeAxis(axis, x.ndim, 'unstack');
  const shape = x.shape.filter((_, i) => i !== a);
  return Array.from({ length: x.shape[a]! }, (_, i) => reshape(sliceAxis(x, a, i, i + 1), shape));
}
