/**
 * Softmax and log-softmax along the middle axis of [outer, size, inner], with their backward.
 * Subtracting the max first keeps exp() ≤ 1, so inputs of ±1000 give exact 0/1, never NaN.
 */

export function softmaxKernel(
  x: Float32Array,
  outer: number,
  size: number,
  inner: number,
  out: Float32Array,
  log: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < size; s++) {
        const v = x[base + s * inner]!;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let s = 0; s < size; s++) sum += Math.exp(x[base + s * inner]! - max);
      if (log) {
        const lse = max + Math.log(sum);
        for (let s = 0; s < size; s++) out[base + s * inner] = x[base + s * inner]! - lse;
      } else {
        const inv = 1 / sum;
        for (let s = 0; s < size; s++) out[base + s * inner] = Math.exp(x[base + s * inner]! - max) * inv;
      }
    }
  }
}

export function softmaxGradKernel(
  y: Float32Array,
  dy: Float32Array,
  outer: number,
  size: number,
  inner: number,
  out: Float32Array,
  log: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let dot = 0;
      if (log) {
        // y = log p: dx = dy − p·Σdy
        for (let s = 0; s < size; s++) dot += dy[base + s * inner]!;
        for (let s = 0; s < size; s++) {
          const at = base + s * inner;
          out[at] = dy[at]! - Math.exp(y[at]!) * dot;
        }
      } else {
        // y = p: dx = p·(dy − Σ dy·p)
        for (let s = 0; s < size; s++) dot += dy[base + s * inner]! * y[base + s * inner]!;
        for (let s = 0; s < size; s++) {
          const at = base + s * inner;
          out[at] = y[at]! * (dy[at]! - dot);
        }
      }
    }
  }
}
