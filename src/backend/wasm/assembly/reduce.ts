// Sums along the middle axis of [outer, size, inner], accumulated in float64 like the TypeScript
// kernel (so both backends give the same bits): each column's sum adds its rows in order.

/** Four float64 sums (columns 0–1 in lo, 2–3 in hi) stored as float32s at dst. */
@inline function storeSums(dst: usize, lo: v128, hi: v128): void {
  store<f32>(dst, <f32>f64x2.extract_lane(lo, 0));
  store<f32>(dst, <f32>f64x2.extract_lane(lo, 1), 4);
  store<f32>(dst, <f32>f64x2.extract_lane(hi, 0), 8);
  store<f32>(dst, <f32>f64x2.extract_lane(hi, 1), 12);
}

export function sum(x: usize, outer: i32, size: i32, inner: i32, out: usize): void {
  // Columns in float64 registers, up to 16 per pass over the rows (a strided pass when rows are
  // long: a dense layer's bias gradient, [batch, units]): each column's sum is a chain of dependent
  // additions, and several chains side by side hide their latency. An accumulator row in memory,
  // added to one float at a time, took 3× longer on [128, 1024].
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>(o * size * inner) << 2);
    const end = base + <usize>size * rowBytes;
    const dst = out + (<usize>(o * inner) << 2);
    let j = 0;
    for (; j + 16 <= inner; j += 16) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
      let s4 = f64x2.splat(0), s5 = f64x2.splat(0), s6 = f64x2.splat(0), s7 = f64x2.splat(0);
      for (let at = base + (<usize>j << 2); at < end; at += rowBytes) {
        const v0 = v128.load(at);
        const v1 = v128.load(at, 16);
        const v2 = v128.load(at, 32);
        const v3 = v128.load(at, 48);
        s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0));
        s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v0, v0, 2, 3, 0, 1)));
        s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1));
        s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.shuffle<f32>(v1, v1, 2, 3, 0, 1)));
        s4 = f64x2.add(s4, f64x2.promote_low_f32x4(v2));
        s5 = f64x2.add(s5, f64x2.promote_low_f32x4(v128.shuffle<f32>(v2, v2, 2, 3, 0, 1)));
        s6 = f64x2.add(s6, f64x2.promote_low_f32x4(v3));
        s7 = f64x2.add(s7, f64x2.promote_low_f32x4(v128.shuffle<f32>(v3, v3, 2, 3, 0, 1)));
      }
      const d = dst + (<usize>j << 2);
      storeSums(d, s0, s1);
      storeSums(d + 16, s2, s3);
      storeSums(d + 32, s4, s5);
      storeSums(d + 48, s6, s7);
    }
    for (; j + 8 <= inner; j += 8) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
      for (let at = base + (<usize>j << 2); at < end; at += rowBytes) {
        const v0 = v128.load(at);
        const v1 = v128.load(at, 16);
        s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0));
        s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v0, v0, 2, 3, 0, 1)));
        s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1));
        s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.shuffle<f32>(v1, v1, 2, 3, 0, 1)));
      }
      const d = dst + (<usize>j << 2);
      storeSums(d, s0, s1);
      storeSums(d + 16, s2, s3);
    }
    for (; j + 4 <= inner; j += 4) {
      let lo = f64x2.splat(0);
      let hi = f64x2.splat(0);
      for (let at = base + (<usize>j << 2); at < end; at += rowBytes) {
        const v = v128.load(at);
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
      }
      storeSums(dst + (<usize>j << 2), lo, hi);
    }
    // The last columns (fewer than 4; a sum over a whole axis has inner 1) one at a time.
    for (; j < inner; j++) {
      let s: f64 = 0;
      for (let at = base + (<usize>j << 2); at < end; at += rowBytes) s += <f64>load<f32>(at);
      store<f32>(dst + (<usize>j << 2), <f32>s);
    }
  }
}
