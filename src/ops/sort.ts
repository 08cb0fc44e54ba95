/**
 * sort and topk: the order is found on the host (a stable sort of each line along the axis), then
 * the values are gathered from x by flat position — so they are differentiable (the gradient of
 * each value goes back to the entry it came from) while the indices are plain data.
 *
 * NaN counts as larger than every number (NumPy puts it last in an ascending sort). Ties keep the
 * lower index first, as TF.js's topk does.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, normalizeAxis, splitAtAxis } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { gather } from './indexing.js';
import { reshape } from './layout.js';

export interface SortResult {
  /** The sorted (or top) values: differentiable. */
  values: Tensor;
  /** Where each value was along the axis, as float32 numbers (like argmax); no gradient. */
  indices: Tensor;
}

export interface SortOptions {
  /** Largest first. Default false (ascending, as NumPy and PyTorch). */
  descending?: boolean;
}

export interface TopkOptions {
  /** Return the k values largest first (default true); false keeps them in their original order. */
  sorted?: boolean;
}

/** x sorted along `axis` (default the last), with the positions the values came from. */
export function sort(x: Tensor, axis = -1, options: SortOptions = {}): SortResult {
  if (x.ndim === 0) throw new ShapeError('sort: needs a tensor with at least one axis, got a scalar');
  const a = normalizeAxis(axis, x.ndim, 'sort');
  return select(x, a, x.shape[a]!, options.descending ?? false, true);
}

/** The k largest entries along the last axis, with their positions (TF.js's `tf.topk`). */
export function topk(x: Tensor, k = 1, options: TopkOptions = {}): SortResult {
  if (x.ndim === 0) throw new ShapeError('topk: needs a tensor with at least one axis, got a scalar');
  const n = x.shape[x.ndim - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ArgumentError(
      `topk: k = ${k} must be an integer in [0, ${n}] (the last axis of ${formatShape(x.shape)})`,
    );
  }
  return select(x, x.ndim - 1, k, true, options.sorted ?? true);
}

/** The first k entries of each line along axis a in sorted order (or in index order when !sorted). */
function select(x: Tensor, a: number, k: number, descending: boolean, sorted: boolean): SortResult {
  const { outer, size, inner } = splitAtAxis(x.shape, a);
  const values = x.dataSync();
  const flat = new Int32Array(outer * k * inner);
  const positions = new Float32Array(outer * k * inner);
  const line = new Array<number>(size);
  const key = (p: number): number => {
    const v = values[p]!;
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  const nanRank = (p: number): number => (Number.isNaN(values[p]!) ? 1 : 0);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      for (let s = 0; s < size; s++) line[s] = s;
      // NaN above +∞, then ties by index (Array.prototype.sort is stable).
      const cmp = (p: number, q: number): number => {
        const pp = base + p * inner;
        const qq = base + q * inner;
        const d = key(pp) - key(qq) || nanRank(pp) - nanRank(qq);
        return descending ? -d : d;
      };
      line.sort(cmp);
      const chosen = line.slice(0, k);
      if (!sorted) chosen.sort((p, q) => p - q);
      chosen.forEach((s, j) => {
        const at = (o * k + j) * inner + i;
        flat[at] = base + s * inner;
        positions[at] = s;
      });
    }
  }
  const shape = x.shape.map((d, i) => (i === a ? k : d));
  return {
    values: reshape(gather(reshape(x, [-1]), flat), shape),
    indices: new Tensor(x.backend.fromValues(positions), shape, x.backend),
  };
}
