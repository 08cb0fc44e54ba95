// Fused softmax + cross-entropy over rows (see Backend.softmaxCrossEntropy). Sums in float64, like
// the TypeScript kernel.

export function softmaxCrossEntropy(z: usize, y: usize, rows: i32, cols: i32, loss: usize, probs: usize): void {
  for (let r = 0; r < rows; r++) {
    const zr = z + (<usize>(r * cols) << 2);
    const yr = y + (<usize>(r * cols) << 2);
    const pr = probs + (<usize>(r * cols) << 2);
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = <f64>load<f32>(zr + (<usize>c << 2));
      if (v > max) max = v;
    }
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(<f64>load<f32>(zr + (<usize>c << 2)) - max);
    const lse = max + Math.log(sum);
    let l: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const v = <f64>load<f32>(zr + (<usize>c << 2));
      const t = <f64>load<f32>(yr + (<usize>c << 2));
      if (t != 0) l += t * (lse - v);
      store<f32>(pr + (<usize>c << 2), <f32>Math.exp(v - lse));
    }
    store<f32>(loss + (<usize>r << 2), <f32>l);
  }
}

export function softmaxCrossEntropyGrad(probs: usize, y: usize, g: usize, rows: i32, cols: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * cols) << 2;
    let sumY: f64 = 0;
    for (let c = 0; c < cols; c++) sumY += <f64>load<f32>(y + o + (<usize>c << 2));
    const gr = <f64>load<f32>(g + (<usize>r << 2));
    for (let c = 0; c < cols; c++) {
      const at = o + (<usize>c << 2);
      store<f32>(out + at, <f32>(gr * (<f64>load<f32>(probs + at) * sumY - <f64>load<f32>(y + at))));
    }
  }
}

/**
 * Softmax (or log-softmax, log ≠ 0) over rows of `cols` values, as the TypeScript kernel computes
 * it: the row max subtracted first, sums in float64 — a softmax output layer in predict(). `tmp`
 * holds a row's exponentials (cols float64s), so each is computed once.
 */
export function softmax(x: usize, rows: i32, cols: i32, out: usize, log: i32, tmp: usize): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2);
    const or = out + (<usize>(r * cols) << 2);
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = <f64>load<f32>(xr + (<usize>c << 2));
      if (v > max) max = v;
    }
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(<f64>load<f32>(xr + (<usize>c << 2)) - max);
      store<f64>(tmp + (<usize>c << 3), e);
      sum += e;
    }
    if (log) {
      const lse = max + Math.log(sum);
      for (let c = 0; c < cols; c++) store<f32>(or + (<usize>c << 2), <f32>(<f64>load<f32>(xr + (<usize>c << 2)) - lse));
    } else {
      const inv = 1 / sum;
      for (let c = 0; c < cols; c++) store<f32>(or + (<usize>c << 2), <f32>(load<f64>(tmp + (<usize>c << 3)) * inv));
    }
  }
}
