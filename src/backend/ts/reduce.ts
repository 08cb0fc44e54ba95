/** Reductions along the middle axis of [outer, size, inner]. Sums accumulate in float64. */
import type { ArgReduceOp, ReduceOp } from '../backend.js';

let scratch = new Float64Array(256);
function accumulator(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

export function reduceKernel(
  op: ReduceOp,
  x: Float32Array,
  outer: number,
  size: number,
  inner: number,
  out: Float32Array,
): void {
  const acc = accumulator(inner);
  const init = op === 'sum' ? 0 : op === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (let o = 0; o < outer; o++) {
    acc.fill(init, 0, inner);
    const base = o * size * inner;
    if (op === 'sum') {
      for (let s = 0; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) acc[i]! += x[row + i]!;
      }
    } else if (op === 'max') {
      for (let s = 0; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) {
          const v = x[row + i]!;
          // `!(v <= acc)` also lets NaN through, so a NaN input gives a NaN max instead of hiding.
          if (!(v <= acc[i]!)) acc[i] = v;
        }
      }
    } else {
      for (let s = 0; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) {
          const v = x[row + i]!;
          if (!(v >= acc[i]!)) acc[i] = v;
        }
      }
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i]!;
  }
}

export function argReduceKernel(
  op: ArgReduceOp,
  x: Float32Array,
  outer: number,
  size: number,
  inner: number,
  out: Float32Array,
): void {
  const sign = op === 'argmax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let best = sign * x[base]!;
      let at = 0;
      for (let s = 1; s < size; s++) {
        const v = sign * x[base + s * inner]!;
        if (v > best) {
          best = v;
          at = s;
        }
      }
      out[o * inner + i] = at;
    }
  }
}
