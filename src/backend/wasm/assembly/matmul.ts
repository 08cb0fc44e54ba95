// Matrix products (see index.ts for conventions).
//
// matmul: C[m×n] = op(A)·op(B) with op(A)(i, p) = A[i·ars + p·acs] and op(B)(p, j) = B[p·brs + j·bcs]
// (element strides, so transposes are only strides). Both operands are packed into panels —
// A by 4 rows, B by 8 columns, interleaved along k — and a 4×8 tile of C is accumulated in eight
// f32x4 registers. Every C element is summed in the same order (p ascending) whatever its tile,
// so results do not depend on the batch a row was computed in.

@inline function f32At(ptr: usize, index: i32): f32 {
  return load<f32>(ptr + (<usize>index << 2));
}

export function packA(a: usize, ars: i32, acs: i32, m: i32, k: i32, dst: usize): void {
  const mp = (m + 3) & ~3;
  for (let i = 0; i < mp; i++) {
    const base = dst + (<usize>(((i >> 2) * 4 * k) + (i & 3)) << 2);
    if (i >= m) {
      for (let p = 0; p < k; p++) store<f32>(base + (<usize>p << 4), 0);
      continue;
    }
    const rowOff = i * ars;
    for (let p = 0; p < k; p++) store<f32>(base + (<usize>p << 4), f32At(a, rowOff + p * acs));
  }
}

export function packB(b: usize, brs: i32, bcs: i32, k: i32, n: i32, dst: usize): void {
  const np = (n + 7) & ~7;
  for (let j = 0; j < np; j++) {
    const base = dst + (<usize>(((j >> 3) * 8 * k) + (j & 7)) << 2);
    if (j >= n) {
      for (let p = 0; p < k; p++) store<f32>(base + (<usize>p << 5), 0);
      continue;
    }
    const colOff = j * bcs;
    for (let p = 0; p < k; p++) store<f32>(base + (<usize>p << 5), f32At(b, colOff + p * brs));
  }
}

/** C = packed A · packed B; `tile` is 32 floats of scratch for edge tiles. */
export function gemmPacked(ap: usize, bp: usize, c: usize, m: i32, k: i32, n: i32, tile: usize): void {
  for (let i = 0; i < m; i += 4) {
    const aBase = ap + (<usize>(i * k) << 2);
    for (let j = 0; j < n; j += 8) {
      const bBase = bp + (<usize>(j * k) << 2);
      let c0a = f32x4.splat(0), c0b = f32x4.splat(0);
      let c1a = f32x4.splat(0), c1b = f32x4.splat(0);
      let c2a = f32x4.splat(0), c2b = f32x4.splat(0);
      let c3a = f32x4.splat(0), c3b = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const bo = bBase + (<usize>p << 5);
        const b0 = v128.load(bo);
        const b1 = v128.load(bo, 16);
        const ao = aBase + (<usize>p << 4);
        const a0 = v128.load32_splat(ao);
        const a1 = v128.load32_splat(ao + 4);
        const a2 = v128.load32_splat(ao + 8);
        const a3 = v128.load32_splat(ao + 12);
        c0a = f32x4.add(c0a, f32x4.mul(a0, b0));
        c0b = f32x4.add(c0b, f32x4.mul(a0, b1));
        c1a = f32x4.add(c1a, f32x4.mul(a1, b0));
        c1b = f32x4.add(c1b, f32x4.mul(a1, b1));
        c2a = f32x4.add(c2a, f32x4.mul(a2, b0));
        c2b = f32x4.add(c2b, f32x4.mul(a2, b1));
        c3a = f32x4.add(c3a, f32x4.mul(a3, b0));
        c3b = f32x4.add(c3b, f32x4.mul(a3, b1));
      }
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
            store<f32>(c + (<usize>((i + r) * n + j + q) << 2), f32At(tile, r * 8 + q));
          }
        }
      }
    }
  }
}
