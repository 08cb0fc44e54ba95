/**
 * Repetition: tile (whole tensor, TF.js's `tf.tile`) and repeat (each entry, NumPy's `repeat` /
 * PyTorch's `repeat_interleave`). Both are a reshape, a broadcast and a reshape (or a gather for
 * per-entry counts), so their gradients — sums over the copies — come from those ops.
 */
import { ArgumentError } from '../errors.js';
import { formatShape, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { gather } from './indexing.js';
import { broadcastTo, reshape } from './layout.js';

/** x repeated `reps[d]` times along each axis d: tile([1, 2], [3]) is [1, 2, 1, 2, 1, 2]. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  if (!Array.isArray(reps) || reps.length !== x.ndim || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new ArgumentError(
      `tile: reps ${JSON.stringify(reps)} for shape ${formatShape(x.shape)} needs one non-negative integer per axis (${x.ndim})`,
    );
  }
  // [d0, d1] → [1, d0, 1, d1] → broadcast [r0, d0, r1, d1] → [r0·d0, r1·d1]: copy r0 of the whole
  // block, each row of which is r1 copies of the row.
  const interleaved = x.shape.flatMap((d) => [1, d]);
  const spread = x.shape.flatMap((d, i) => [reps[i]!, d]);
  return reshape(
    broadcastTo(reshape(x, interleaved), spread),
    x.shape.map((d, i) => d * reps[i]!),
  );
}

/**
 * Each entry repeated along `axis`: `repeats` times, or `repeats[i]` times for entry i.
 * repeat([1, 2], 2) is [1, 1, 2, 2]. With no axis, x is flattened first (as NumPy does).
 */
export function repeat(x: Tensor, repeats: number | readonly number[], axis?: number): Tensor {
  if (axis === undefined) return repeat(reshape(x, [-1]), repeats, 0);
  if (x.ndim === 0) return repeat(reshape(x, [1]), repeats, 0);
  const a = normalizeAxis(axis, x.ndim, 'repeat');
  const n = x.shape[a]!;
  const where = `repeat: repeats ${JSON.stringify(repeats)} along axis ${a} of shape ${formatShape(x.shape)}`;
  if (typeof repeats === 'number') {
    if (!Number.isInteger(repeats) || repeats < 0) {
      throw new ArgumentError(`${where}: must be a non-negative integer`);
    }
    const inserted = [...x.shape.slice(0, a + 1), 1, ...x.shape.slice(a + 1)];
    const spread = [...x.shape.slice(0, a + 1), repeats, ...x.shape.slice(a + 1)];
    return reshape(
      broadcastTo(reshape(x, inserted), spread),
      x.shape.map((d, i) => (i === a ? d * repeats : d)),
    );
  }
  if (
    !Array.isArray(repeats) ||
    repeats.length !== n ||
    !repeats.every((r) => Number.isInteger(r) && r >= 0)
  ) {
    throw new ArgumentError(`${where}: needs a non-negative integer, or one per entry (${n})`);
  }
  const indices: number[] = [];
  repeats.forEach((r, i) => {
    for (let k = 0; k < r; k++) indices.push(i);
  });
  return gather(x, indices, a);
}
