// Fused softmax + cross-entropy over rows (see Backend.softmaxCrossEntropy). Sums in float64, like
// the TypeScript kernel.
import { expd2 } from './exp64';

/** Two float32s at p, as two float64 lanes. */
@inline function loadPair(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

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
    // The exponentials two at a time (expd2: Math.exp's bits), summed one by one in column order.
    const vmax = f64x2.splat(max);
    let sum: f64 = 0;
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const e = expd2(f64x2.sub(loadPair(zr + (<usize>c << 2)), vmax));
      sum += f64x2.extract_lane(e, 0);
      sum += f64x2.extract_lane(e, 1);
    }
    if (c < cols) sum += Math.exp(<f64>load<f32>(zr + (<usize>c << 2)) - max);
    const lse = max + Math.log(sum);
    let l: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const v = <f64>load<f32>(zr + (<usize>c << 2));
      const t = <f64>load<f32>(yr + (<usize>c << 2));
      if (t != 0) l += t * (lse - v);
    }
    store<f32>(loss + (<usize>r << 2), <f32>l);
    const vlse = f64x2.splat(lse);
    c = 0;
    for (; c + 2 <= cols; c += 2) {
      const p = expd2(f64x2.sub(loadPair(zr + (<usize>c << 2)), vlse));
      store<f32>(pr + (<usize>c << 2), <f32>f64x2.extract_lane(p, 0));
      store<f32>(pr + (<usize>c << 2), <f32>f64x2.extract_lane(p, 1), 4);
    }
    if (c < cols) store<f32>(pr + (<usize>c << 2), <f32>Math.exp(<f64>load<f32>(zr + (<usize>c << 2)) - lse));
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
    // The exponentials two at a time (expd2: Math.exp's bits), summed one by one in column order.
    const vmax = f64x2.splat(max);
    let sum: f64 = 0;
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const e = expd2(f64x2.sub(loadPair(xr + (<usize>c << 2)), vmax));
      v128.store(tmp + (<usize>c << 3), e);
      sum += f64x2.extract_lane(e, 0);
      sum += f64x2.extract_lane(e, 1);
    }
    if (c < cols) {
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
