// Matrix products (see index.ts for conventions).
//
// matmul: C[m×n] = op(A)·op(B) with op(A)(i, p) = A[i·ars + p·acs] and op(B)(p, j) = B[p·brs + j·bcs]
// (element strides, so transposes are only strides). Both operands are packed into panels —
// A by 4 rows, B by 8 columns, interleaved along k — and a 4×8 tile of C is accumulated in eight
// f32x4 registers (4×4 for a last panel of ≤ 4 columns; see NARROW). Every C element is summed in the same order (p ascending) whatever its tile,
// so results do not depend on the batch a row was computed in.

import { madd, storeTile, transposeStore } from './simd';

@inline function f32At(ptr: usize, index: i32): f32 {
  return load<f32>(ptr + (<usize>index << 2));
}

/** One row of a panel, element by element (edges, odd strides); rows past `m` are zero. */
function packRowScalar(a: usize, rowOff: i32, stride: i32, k: i32, base: usize, step: usize, valid: bool): void {
  for (let p = 0; p < k; p++) {
    store<f32>(base + <usize>p * step, valid ? f32At(a, rowOff + p * stride) : 0);
  }
}

/**
 * A into panels of 4 rows interleaved along k. Contiguous rows (acs = 1) are moved 4×4 blocks at a
 * time through a register transpose; a transposed A (ars = 1) already has the 4 values of each k
 * side by side.
 */
export function packA(a: usize, ars: i32, acs: i32, m: i32, k: i32, dst: usize): void {
  const mFull = m & ~3;
  const k4 = k & ~3;
  for (let i = 0; i < mFull; i += 4) {
    const panel = dst + (<usize>(i * k) << 2);
    if (acs == 1) {
      const r0 = a + (<usize>(i * ars) << 2);
      const rs = <usize>ars << 2;
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        transposeStore(
          v128.load(r0 + o),
          v128.load(r0 + rs + o),
          v128.load(r0 + 2 * rs + o),
          v128.load(r0 + 3 * rs + o),
          panel + (<usize>p << 4),
          16,
        );
      }
      for (let r = 0; r < 4; r++) {
        const rowOff = (i + r) * ars + k4;
        packRowScalar(a, rowOff, 1, k - k4, panel + (<usize>k4 << 4) + (<usize>r << 2), 16, true);
      }
    } else if (ars == 1) {
      for (let p = 0; p < k; p++) {
        v128.store(panel + (<usize>p << 4), v128.load(a + (<usize>(i + p * acs) << 2)));
      }
    } else {
      for (let r = 0; r < 4; r++) packRowScalar(a, (i + r) * ars, acs, k, panel + (<usize>r << 2), 16, true);
    }
  }
  const mp = (m + 3) & ~3;
  for (let i = mFull; i < mp; i++) {
    const base = dst + (<usize>(((i >> 2) * 4 * k) + (i & 3)) << 2);
    packRowScalar(a, i * ars, acs, k, base, 16, i < m);
  }
}

/**
 * B into panels of 8 columns interleaved along k. Row-major B (bcs = 1) has each k's 8 values
 * side by side; a transposed B (brs = 1) goes through 4×4 register transposes.
 */
export function packB(b: usize, brs: i32, bcs: i32, k: i32, n: i32, dst: usize): void {
  const nFull = n & ~7;
  const k4 = k & ~3;
  for (let j = 0; j < nFull; j += 8) {
    const panel = dst + (<usize>(j * k) << 2);
    if (bcs == 1) {
      for (let p = 0; p < k; p++) {
        const src = b + (<usize>(p * brs + j) << 2);
        const o = panel + (<usize>p << 5);
        v128.store(o, v128.load(src));
        v128.store(o, v128.load(src, 16), 16);
      }
    } else if (brs == 1) {
      const cs = <usize>bcs << 2;
      for (let half = 0; half < 2; half++) {
        const c0 = b + (<usize>((j + half * 4) * bcs) << 2);
        for (let p = 0; p < k4; p += 4) {
          const o = <usize>p << 2;
          transposeStore(
            v128.load(c0 + o),
            v128.load(c0 + cs + o),
            v128.load(c0 + 2 * cs + o),
            v128.load(c0 + 3 * cs + o),
            panel + (<usize>p << 5) + (<usize>half << 4),
            32,
          );
        }
      }
      for (let q = 0; q < 8; q++) {
        packRowScalar(b, (j + q) * bcs + k4, 1, k - k4, panel + (<usize>k4 << 5) + (<usize>q << 2), 32, true);
      }
    } else {
      for (let q = 0; q < 8; q++) packRowScalar(b, (j + q) * bcs, brs, k, panel + (<usize>q << 2), 32, true);
    }
  }
  const np = (n + 7) & ~7;
  for (let j = nFull; j < np; j++) {
    const base = dst + (<usize>(((j >> 3) * 8 * k) + (j & 7)) << 2);
    packRowScalar(b, j * bcs, brs, k, base, 32, j < n);
  }
}

// NARROW: a last panel of B with ≤ 4 real columns (n = 10's second panel, n = 4) runs a 4×4 tile
// over the left half of each packed row, instead of a 4×8 tile of which half is padding: the
// classifier heads' 10-column products took 16 columns of work for 10. Each element keeps its
// madd chain from +0 in k order, so results are bit-identical; the panel layout is unchanged.

/** The part of C's 4×8 tile at (i, j) that exists, copied into `tile` scratch (zeros elsewhere). */
function loadEdgeTile(c: usize, i: i32, j: i32, m: i32, n: i32, tile: usize): void {
  memory.fill(tile, 0, 128);
  const rows = min(4, m - i);
  const cols = min(8, n - j);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      store<f32>(tile + (<usize>(r * 8 + q) << 2), f32At(c, (i + r) * n + j + q));
    }
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
      // Pointers step through the panels (immediate offsets, no index arithmetic per step).
      const aEnd = aBase + (<usize>k << 4);
      if (j + 4 >= n) {
        // A last panel of ≤ 4 columns: its left half only (see NARROW).
        for (let ao = aBase, bo = bBase; ao < aEnd; ao += 16, bo += 32) {
          const b0 = v128.load(bo);
          c0a = madd(v128.load32_splat(ao), b0, c0a);
          c1a = madd(v128.load32_splat(ao, 4), b0, c1a);
          c2a = madd(v128.load32_splat(ao, 8), b0, c2a);
          c3a = madd(v128.load32_splat(ao, 12), b0, c3a);
        }
        storeTile(c, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
        continue;
      }
      for (let ao = aBase, bo = bBase; ao < aEnd; ao += 16, bo += 32) {
        const b0 = v128.load(bo);
        const b1 = v128.load(bo, 16);
        const a0 = v128.load32_splat(ao);
        const a1 = v128.load32_splat(ao, 4);
        const a2 = v128.load32_splat(ao, 8);
        const a3 = v128.load32_splat(ao, 12);
        c0a = madd(a0, b0, c0a);
        c0b = madd(a0, b1, c0b);
        c1a = madd(a1, b0, c1a);
        c1b = madd(a1, b1, c1b);
        c2a = madd(a2, b0, c2a);
        c2b = madd(a2, b1, c2b);
        c3a = madd(a3, b0, c3a);
        c3b = madd(a3, b1, c3b);
      }
      storeTile(c, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
    }
  }
}

/**
 * C = A · packed B for row-major A (row stride ars elements, contiguous along k), read in place:
 * no packing of A. m must be a multiple of 4 (the caller packs a ragged last panel).
 */
export function gemmRowsA(a: usize, ars: i32, bp: usize, c: usize, m: i32, k: i32, n: i32, tile: usize): void {
  const rs = <usize>ars << 2;
  for (let i = 0; i < m; i += 4) {
    const r0 = a + <usize>i * rs;
    const r1 = r0 + rs;
    const r2 = r1 + rs;
    const r3 = r2 + rs;
    for (let j = 0; j < n; j += 8) {
      const bBase = bp + (<usize>(j * k) << 2);
      let c0a = f32x4.splat(0), c0b = f32x4.splat(0);
      let c1a = f32x4.splat(0), c1b = f32x4.splat(0);
      let c2a = f32x4.splat(0), c2b = f32x4.splat(0);
      let c3a = f32x4.splat(0), c3b = f32x4.splat(0);
      // Four row pointers stepped along k (V8 recomputed row i + r from i·stride every step when
      // they were offsets from one base).
      const bEnd = bBase + (<usize>k << 5);
      if (j + 4 >= n) {
        // A last panel of ≤ 4 columns: its left half only (see NARROW).
        for (let p0 = r0, p1 = r1, p2 = r2, p3 = r3, bo = bBase; bo < bEnd; p0 += 4, p1 += 4, p2 += 4, p3 += 4, bo += 32) {
          const b0 = v128.load(bo);
          c0a = madd(v128.load32_splat(p0), b0, c0a);
          c1a = madd(v128.load32_splat(p1), b0, c1a);
          c2a = madd(v128.load32_splat(p2), b0, c2a);
          c3a = madd(v128.load32_splat(p3), b0, c3a);
        }
        storeTile(c, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
        continue;
      }
      for (let p0 = r0, p1 = r1, p2 = r2, p3 = r3, bo = bBase; bo < bEnd; p0 += 4, p1 += 4, p2 += 4, p3 += 4, bo += 32) {
        const b0 = v128.load(bo);
        const b1 = v128.load(bo, 16);
        const a0 = v128.load32_splat(p0);
        const a1 = v128.load32_splat(p1);
        const a2 = v128.load32_splat(p2);
        const a3 = v128.load32_splat(p3);
        c0a = madd(a0, b0, c0a);
        c0b = madd(a0, b1, c0b);
        c1a = madd(a1, b0, c1a);
        c1b = madd(a1, b1, c1b);
        c2a = madd(a2, b0, c2a);
        c2b = madd(a2, b1, c2b);
        c3a = madd(a3, b0, c3a);
        c3b = madd(a3, b1, c3b);
      }
      storeTile(c, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
    }
  }
}

/** Pixels (k steps) per block of gemmColsA: the block of A it reads is re-read from L2, not memory. */
const K_BLOCK = 256;

/**
 * C = op(A) · packed B for a transposed A stored [k, m] (column stride acs = m elements): the four
 * rows of a panel sit side by side at each p, so four broadcast loads replace packing.
 * m must be a multiple of 4 (the caller packs a ragged last panel).
 *
 * A long k (the weight gradient of a convolution: k = every pixel of the batch) is cut into blocks:
 * each block's slice of A (K_BLOCK rows of m floats) stays in cache while every tile of C is
 * updated from it, instead of all of A streaming from memory once per tile. The accumulation order
 * is the same as in one pass (partial sums are f32 either way), so the result is bit-identical.
 */
export function gemmColsA(a: usize, acs: i32, bp: usize, c: usize, m: i32, k: i32, n: i32, tile: usize): void {
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    gemmColsABlock(a + <usize>k0 * (<usize>acs << 2), acs, bp + (<usize>k0 << 5), c, m, k, min(K_BLOCK, k - k0), n, tile, k0 > 0);
  }
}

/**
 * Steps [0, kLen) of C (+)= op(A) · packed B: `bp` points at this block's first row in panel 0 (the
 * panels are `k` rows long); with `accumulate`, the tile starts from C's current values.
 */
export function gemmColsABlock(
  a: usize, acs: i32, bp: usize, c: usize, m: i32, k: i32, kLen: i32, n: i32, tile: usize, accumulate: bool,
): void {
  const cs = <usize>acs << 2;
  for (let i = 0; i < m; i += 4) {
    const aBase = a + (<usize>i << 2);
    for (let j = 0; j < n; j += 8) {
      const bBase = bp + (<usize>(j * k) << 2);
      if (j + 8 < n && j + 12 >= n && (cs & 4095) == 0) {
        colsATile12(aBase, cs, kLen, bBase, bBase + (<usize>(k << 3) << 2), c, i, j, m, n, tile, accumulate);
        break;
      }
      let c0a = f32x4.splat(0), c0b = f32x4.splat(0);
      let c1a = f32x4.splat(0), c1b = f32x4.splat(0);
      let c2a = f32x4.splat(0), c2b = f32x4.splat(0);
      let c3a = f32x4.splat(0), c3b = f32x4.splat(0);
      if (accumulate) {
        let src = c + (<usize>(i * n + j) << 2);
        let rs = <usize>n << 2;
        if (i + 4 > m || j + 8 > n) {
          loadEdgeTile(c, i, j, m, n, tile);
          src = tile;
          rs = 32;
        }
        c0a = v128.load(src);
        c0b = v128.load(src, 16);
        c1a = v128.load(src + rs);
        c1b = v128.load(src + rs, 16);
        c2a = v128.load(src + 2 * rs);
        c2b = v128.load(src + 2 * rs, 16);
        c3a = v128.load(src + 3 * rs);
        c3b = v128.load(src + 3 * rs, 16);
      }
      const aEnd = aBase + <usize>kLen * cs;
      if (j + 4 >= n) {
        // A last panel of ≤ 4 columns: its left half only (see NARROW).
        for (let ao = aBase, bo = bBase; ao < aEnd; ao += cs, bo += 32) {
          const b0 = v128.load(bo);
          c0a = madd(v128.load32_splat(ao), b0, c0a);
          c1a = madd(v128.load32_splat(ao, 4), b0, c1a);
          c2a = madd(v128.load32_splat(ao, 8), b0, c2a);
          c3a = madd(v128.load32_splat(ao, 12), b0, c3a);
        }
        storeTile(c, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
        continue;
      }
      for (let ao = aBase, bo = bBase; ao < aEnd; ao += cs, bo += 32) {
        const b0 = v128.load(bo);
        const b1 = v128.load(bo, 16);
        // Four broadcast loads, not one load and four lane shuffles: shuffles compete with the
        // multiplies and adds for the vector pipes, loads do not.
        const a0 = v128.load32_splat(ao);
        const a1 = v128.load32_splat(ao, 4);
        const a2 = v128.load32_splat(ao, 8);
        const a3 = v128.load32_splat(ao, 12);
        c0a = madd(a0, b0, c0a);
        c0b = madd(a0, b1, c0b);
        c1a = madd(a1, b0, c1a);
        c1b = madd(a1, b1, c1b);
        c2a = madd(a2, b0, c2a);
        c2b = madd(a2, b1, c2b);
        c3a = madd(a3, b0, c3a);
        c3b = madd(a3, b1, c3b);
      }
      storeTile(c, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
    }
  }
}

/**
 * gemmColsABlock's last 9–12 columns as one 4×12 tile (a full panel at `b8` and the left half of
 * the next at `b4`): each row of the transposed A is read once, not once per panel. Taken only when
 * A's rows are a multiple of 4 KB apart (the wide MLP's 1024-unit hidden layer: its classifier
 * head's weight gradient, 1024×128×10): every row then falls in the same L1 cache set, so each
 * read comes from L2 and halving them took that product from 19 to 26–28 GFLOP/s. Otherwise the
 * 4×8 + 4×4 tiles are faster (35–41 vs 24–27 GFLOP/s: twelve accumulators spill registers).
 */
function colsATile12(
  aBase: usize, cs: usize, kLen: i32, b8: usize, b4: usize, c: usize, i: i32, j: i32, m: i32, n: i32,
  tile: usize, accumulate: bool,
): void {
  let c0a = f32x4.splat(0), c0b = f32x4.splat(0), c0c = f32x4.splat(0);
  let c1a = f32x4.splat(0), c1b = f32x4.splat(0), c1c = f32x4.splat(0);
  let c2a = f32x4.splat(0), c2b = f32x4.splat(0), c2c = f32x4.splat(0);
  let c3a = f32x4.splat(0), c3b = f32x4.splat(0), c3c = f32x4.splat(0);
  if (accumulate) {
    let src = c + (<usize>(i * n + j) << 2);
    let rs = <usize>n << 2;
    if (i + 4 > m) {
      loadEdgeTile(c, i, j, m, n, tile);
      src = tile;
      rs = 32;
    }
    c0a = v128.load(src);
    c0b = v128.load(src, 16);
    c1a = v128.load(src + rs);
    c1b = v128.load(src + rs, 16);
    c2a = v128.load(src + 2 * rs);
    c2b = v128.load(src + 2 * rs, 16);
    c3a = v128.load(src + 3 * rs);
    c3b = v128.load(src + 3 * rs, 16);
    loadEdgeTile(c, i, j + 8, m, n, tile);
    c0c = v128.load(tile);
    c1c = v128.load(tile, 32);
    c2c = v128.load(tile, 64);
    c3c = v128.load(tile, 96);
  }
  const aEnd = aBase + <usize>kLen * cs;
  for (let ao = aBase, bo = b8, bq = b4; ao < aEnd; ao += cs, bo += 32, bq += 32) {
    const b0 = v128.load(bo);
    const b1 = v128.load(bo, 16);
    const b2 = v128.load(bq);
    const a0 = v128.load32_splat(ao);
    c0a = madd(a0, b0, c0a);
    c0b = madd(a0, b1, c0b);
    c0c = madd(a0, b2, c0c);
    const a1 = v128.load32_splat(ao, 4);
    c1a = madd(a1, b0, c1a);
    c1b = madd(a1, b1, c1b);
    c1c = madd(a1, b2, c1c);
    const a2 = v128.load32_splat(ao, 8);
    c2a = madd(a2, b0, c2a);
    c2b = madd(a2, b1, c2b);
    c2c = madd(a2, b2, c2c);
    const a3 = v128.load32_splat(ao, 12);
    c3a = madd(a3, b0, c3a);
    c3b = madd(a3, b1, c3b);
    c3c = madd(a3, b2, c3c);
  }
  storeTile(c, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
  const z = f32x4.splat(0);
  storeTile(c, i, j + 8, m, n, tile, c0c, z, c1c, z, c2c, z, c3c, z);
}
