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

/** Fused softmax + cross-entropy per row (see Backend.softmaxCrossEntropy); sums in float64. */
export function softmaxCrossEntropyKernel(
  z: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  loss: Float32Array,
  probs: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) if (z[base + c]! > max) max = z[base + c]!;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(z[base + c]! - max);
    const lse = max + Math.log(sum);
    let l = 0;
    for (let c = 0; c < cols; c++) {
      const v = z[base + c]!;
      const t = y[base + c]!;
      if (t !== 0) l += t * (lse - v); // 0·(lse − z) stays 0 even where z is −Infinity
      probs[base + c] = Math.exp(v - lse);
    }
    loss[r] = l;
  }
}

export function softmaxCrossEntropyGradKernel(
  probs: Float32Array,
  y: Float32Array,
  g: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sumY = 0;
    for (let c = 0; c < cols; c++) sumY += y[base + c]!;
    const gr = g[r]!;
    for (let c = 0; c < cols; c++) out[base + c] = gr * (probs[base + c]! * sumY - y[base + c]!);
  }
}
