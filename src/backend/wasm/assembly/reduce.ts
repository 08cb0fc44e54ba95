// Sums along the middle axis of [outer, size, inner], accumulated in float64 like the TypeScript
// kernel (so both backends give the same bits). `acc` is inner float64s of scratch.

export function sum(x: usize, outer: i32, size: i32, inner: i32, out: usize, acc: usize): void {
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
