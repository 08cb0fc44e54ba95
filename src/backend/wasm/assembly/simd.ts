// SIMD helpers shared by the kernel files (not exported from the module: index.ts leaves this out).

/** 4×4 transpose of rows r0..r3, stored as four consecutive vectors at dst (columns become rows). */
@inline export function transposeStore(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** n floats from src to dst, 4 at a time; the last 4 overlap the previous ones instead of a scalar tail. */
@inline export function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
    return;
  }
  const bytes = <usize>n << 2;
  for (let o: usize = 0; o + 16 < bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  v128.store(dst + bytes - 16, v128.load(src + bytes - 16));
}

/**
 * c + a·b, lane-wise: with relaxed SIMD (the `relaxed` builds of scripts/build-wasm.mjs) one fused
 * multiply-add where the CPU has one (a single rounding, so the last bit can differ from the plain
 * build), else a multiply then an add (two roundings). The branch is decided at compile time.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Write a 4×8 tile of C at (i, j); edge tiles go through `tile` scratch, keeping rows < m, columns < n. */
@inline export function storeTile(
  c: usize, i: i32, j: i32, m: i32, n: i32, tile: usize,
  c0a: v128, c0b: v128, c1a: v128, c1b: v128, c2a: v128, c2b: v128, c3a: v128, c3b: v128,
): void {
  if (i + 4 <= m && j + 8 <= n) {
    const o = c + (<usize>(i * n + j) << 2);
    const row = <usize>n << 2;
    v128.store(o, c0a);
    v128.store(o, c0b, 16);
    v128.store(o + row, c1a);
    v128.store(o + row, c1b, 16);
    v128.store(o + 2 * row, c2a);
    v128.store(o + 2 * row, c2b, 16);
    v128.store(o + 3 * row, c3a);
    v128.store(o + 3 * row, c3b, 16);
  } else {
    // Edge tile: spill to scratch, copy the rows and columns that exist.
    v128.store(tile, c0a);
    v128.store(tile, c0b, 16);
    v128.store(tile, c1a, 32);
    v128.store(tile, c1b, 48);
    v128.store(tile, c2a, 64);
    v128.store(tile, c2b, 80);
    v128.store(tile, c3a, 96);
    v128.store(tile, c3b, 112);
    const rows = min(4, m - i);
    const cols = min(8, n - j);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        store<f32>(c + (<usize>((i + r) * n + j + q) << 2), load<f32>(tile + (<usize>(r * 8 + q) << 2)));
      }
    }
  }
}
