// Sums along the middle axis of [outer, size, inner], accumulated in float64 like the TypeScript
// kernel (so both backends give the same bits). `acc` is inner float64s of scratch.

export function sum(x: usize, outer: i32, size: i32, inner: i32, out: usize, acc: usize): void {
  // Few columns (a layer's bias gradient: [pixels·batch, filters]): four columns at a time in
  // float64 registers instead of an accumulator row in memory — the same additions in the same order.
  if (inner <= 64 && (inner & 3) == 0) {
    for (let o = 0; o < outer; o++) {
      const base = x + (<usize>(o * size * inner) << 2);
      const rowBytes = <usize>inner << 2;
      for (let j = 0; j < inner; j += 4) {
        let lo = f64x2.splat(0);
        let hi = f64x2.splat(0);
        const end = base + <usize>size * rowBytes;
        for (let at = base + (<usize>j << 2); at < end; at += rowBytes) {
          const v = v128.load(at);
          lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
          hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
        }
        const dst = out + (<usize>(o * inner + j) << 2);
        store<f32>(dst, <f32>f64x2.extract_lane(lo, 0));
        store<f32>(dst, <f32>f64x2.extract_lane(lo, 1), 4);
        store<f32>(dst, <f32>f64x2.extract_lane(hi, 0), 8);
        store<f32>(dst, <f32>f64x2.extract_lane(hi, 1), 12);
      }
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    memory.fill(acc, 0, <usize>inner << 3);
    const base = x + (<usize>(o * size * inner) << 2);
    for (let s = 0; s < size; s++) {
      const row = base + (<usize>(s * inner) << 2);
      for (let i = 0; i < inner; i++) {
        const at = acc + (<usize>i << 3);
        store<f64>(at, load<f64>(at) + <f64>load<f32>(row + (<usize>i << 2)));
      }
    }
    const dst = out + (<usize>(o * inner) << 2);
    for (let i = 0; i < inner; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  }
}
