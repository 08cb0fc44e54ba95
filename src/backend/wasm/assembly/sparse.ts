import { copyFloats, madd, transposeStore } from './simd';

// Products whose left operand is mostly zeros (images with a blank background — MNIST is 81 %
// zeros —, one-hot columns, ReLU outputs): each row of A is listed as its nonzero entries, and only
// those rows of B are multiplied in. Skipping a zero term leaves a float sum unchanged, and the
// terms that remain are added in the same order (p ascending) as in matmul.ts's kernels, so the
// result has the same bits — except where B holds Inf or NaN (0·Inf is NaN): the caller checks B
// first (allFinite), and only takes this path when at least half of A is zeros (../sparse.ts).
//
// Per listed entry and 48 columns (24 for narrower B): one broadcast, twelve loads of B, twelve
// multiplies and adds. Each row of C is worked on alone, so B's values are not reused from
// registers as in the dense 4×8 tile: per multiply-add this costs about 1.3× the dense kernel (the
// plain SIMD build has no fused multiply-add; the instructions per multiply-add set the pace), and
// wins from ~40 % zeros on for a wide B in panels (packPanels), from ~50 % on in place.

/**
 * A row's list holds the entries of K_BLOCK steps of k at most (longer rows are listed block by
 * block): offsets (i32) first, values (f32) VALUES_AT bytes on, so the inner loops read both
 * through one pointer.
 */
const K_BLOCK = 1024;
/**
 * Steps of k per block with B in panels (packPanels): 128 steps of a 48-column panel are 24 KB,
 * which stay in L1 while a group of rows (GROUP) runs over them. With 24-column panels, 500×1024×1024
 * at 60 % zeros took 5.8 ms on two threads with blocks of 256 steps (24 KB), 6.7 ms with blocks of
 * 1024; with 48-column panels blocks of 128 and 192 steps ran 2–4 % faster than 256 (48 KB).
 */
const PANEL_K_BLOCK = 128;
const VALUES_AT = (K_BLOCK + 4) << 2;
const ROW_LIST_BYTES = 2 * VALUES_AT;
/**
 * Rows of A listed together when B is in panels, then multiplied block of columns by block of
 * columns: a block's rows of B come from memory once for the group and from cache for its other
 * rows, instead of all of B (a 1024×1024 weight: 4 MB) streaming from memory once per row of A.
 * 8 rows ran 500×1024×1024 at 80 % zeros in 0.38 of the dense kernel's time, 1 row in 0.52
 * (bench/wide-mlp-prof.ts, k blocks of 1024); 16 rows measured no better. A B in place (small
 * enough to stay in L2) goes row by row, as gemmSparseA always has.
 */
const GROUP = 8;
/**
 * A transposed A's GROUP rows for one block of k (gemmSparsePanels with acs ≠ 1), turned row-major
 * before listing: rows PANEL_K_BLOCK floats apart.
 */
const ROWS_BLOCK_BYTES = GROUP * PANEL_K_BLOCK * 4;
/**
 * Most rows of A gemmSparseAGrouped lists before multiplying them. 16 rows ran the inference
 * product no faster than 8 and need a larger scratch per thread.
 */
const COLD_GROUP = 8;
/**
 * Bytes of list scratch per thread, after the patterns (sparseScratchBytes): GROUP lists, then a
 * rows block (gemmSparsePanels); or COLD_GROUP lists, then their counts (gemmSparseAGrouped).
 */
const LIST_BYTES = max(GROUP * ROW_LIST_BYTES + ROWS_BLOCK_BYTES, COLD_GROUP * (ROW_LIST_BYTES + 4));
const PATTERN_BYTES = 256;

/**
 * v's lanes as a pattern from writeCompactPatterns picks them. Its byte indices are all below 16,
 * where relaxed_swizzle is defined to give swizzle's result; V8 then leaves out the add that
 * swizzle needs before each x64 pshufb to zero out-of-range lanes. The relaxed builds list 18–20 %
 * faster (100×784 and 784×100 MNIST batches, same lists).
 */
@inline function compactLanes(v: v128, pattern: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(v, pattern);
  return i8x16.swizzle(v, pattern);
}

/**
 * listNonzeros' step: the nonzeros among the eight values at `at` (their offsets in B `offsets`
 * and `offsets` + `step`) appended to the list's `count` entries; returns the new count.
 */
@inline function list8(at: usize, offsets: v128, step: v128, list: usize, count: i32, compact: usize, zero: v128): i32 {
  const v0 = v128.load(at);
  const v1 = v128.load(at, 16);
  const m0 = i32x4.bitmask(f32x4.ne(v0, zero));
  const m1 = i32x4.bitmask(f32x4.ne(v1, zero));
  const pattern0 = v128.load(compact + (<usize>m0 << 4));
  const pattern1 = v128.load(compact + (<usize>m1 << 4));
  const e0 = list + (<usize>count << 2);
  const c0 = popcnt(m0);
  const e1 = e0 + (<usize>c0 << 2);
  v128.store(e0, compactLanes(offsets, pattern0));
  v128.store(e0, compactLanes(v0, pattern0), VALUES_AT);
  v128.store(e1, compactLanes(i32x4.add(offsets, step), pattern1));
  v128.store(e1, compactLanes(v1, pattern1), VALUES_AT);
  return count + c0 + popcnt(m1);
}

/**
 * The nonzero entries among k contiguous values at `row` (p counted from `p0`) into `list`: the byte
 * offset of B's row p (p·rowBytes) and the value. Returns their number; NaN counts as nonzero.
 *
 * Four values at a time without branches (a blank stretch and a stroke cost the same, and MNIST's
 * rows switch between them too often for a branch to be predicted; only long blank stretches are
 * passed over, below): the nonzero lanes are moved to
 * the front by a swizzle from `compact` (16 patterns, one per lane mask), both vectors are stored
 * whole at the list's end, and the end moves on by the number of nonzeros.
 */
function listNonzeros(row: usize, p0: i32, k: i32, rowBytes: i32, list: usize, compact: usize): i32 {
  let count = 0;
  let p = 0;
  const zero = f32x4.splat(0);
  let offsets = i32x4.add(i32x4.splat(p0 * rowBytes), i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(rowBytes)));
  const step = i32x4.splat(rowBytes << 2);
  // Eight values a step, the second four's place found from the first four's count: half the
  // loop control and list-end updates of four a step; 3–4 µs less in each of the MLP's
  // 100×784×100 products (~125 µs, shuffled MNIST batches), the same lists.
  const step2 = i32x4.splat(rowBytes << 3);
  // Stretches of 32 values that are all +0 (their bits ORed together are zero) are passed over
  // whole: 27 % of an MNIST row's 32-value stretches (its blank top, bottom and margins), and
  // blank and inked stretches alternate at only 8 % of them, so this branch is well predicted
  // where the eight-value one would not be. A -0 or NaN falls through to the listing below,
  // which lists NaN and not -0, as before: the same lists.
  const step32 = i32x4.splat(rowBytes << 5);
  for (const k32 = k & ~31; p < k32; ) {
    const at = row + (<usize>p << 2);
    const ink = v128.or(
      v128.or(v128.or(v128.load(at), v128.load(at, 16)), v128.or(v128.load(at, 32), v128.load(at, 48))),
      v128.or(v128.or(v128.load(at, 64), v128.load(at, 80)), v128.or(v128.load(at, 96), v128.load(at, 112))),
    );
    if (!v128.any_true(ink)) {
      offsets = i32x4.add(offsets, step32);
      p += 32;
      continue;
    }
    for (const end = p + 32; p < end; p += 8) {
      count = list8(row + (<usize>p << 2), offsets, step, list, count, compact, zero);
      offsets = i32x4.add(offsets, step2);
    }
  }
  for (const k8 = k & ~7; p < k8; p += 8) {
    count = list8(row + (<usize>p << 2), offsets, step, list, count, compact, zero);
    offsets = i32x4.add(offsets, step2);
  }
  for (const k4 = k & ~3; p < k4; p += 4) {
    const v = v128.load(row + (<usize>p << 2));
    const mask = i32x4.bitmask(f32x4.ne(v, zero));
    const pattern = v128.load(compact + (<usize>mask << 4));
    const e = list + (<usize>count << 2);
    v128.store(e, compactLanes(offsets, pattern));
    v128.store(e, compactLanes(v, pattern), VALUES_AT);
    count += popcnt(mask);
    offsets = i32x4.add(offsets, step);
  }
  for (; p < k; p++) {
    const x = load<f32>(row + (<usize>p << 2));
    const e = list + (<usize>count << 2);
    store<i32>(e, (p0 + p) * rowBytes);
    store<f32>(e, x, VALUES_AT);
    count += i32(x != 0);
  }
  return count;
}

/** Bytes of scratch gemmSparseA needs for `threads` threads: the patterns, then a list per thread. */
export function sparseScratchBytes(threads: i32): i32 {
  return PATTERN_BYTES + threads * LIST_BYTES;
}

/** The 16 swizzle patterns listNonzeros uses, written to `dst` (256 bytes). */
export function writeCompactPatterns(dst: usize): void {
  for (let mask = 0; mask < 16; mask++) {
    let slot = 0;
    for (let lane = 0; lane < 4; lane++) {
      if ((mask >> lane) & 1) {
        for (let b = 0; b < 4; b++) store<u8>(dst + <usize>(mask * 16 + slot * 4 + b), <u8>(lane * 4 + b));
        slot++;
      }
    }
    for (; slot < 4; slot++) {
      for (let b = 0; b < 4; b++) store<u8>(dst + <usize>(mask * 16 + slot * 4 + b), <u8>b);
    }
  }
}

/**
 * Columns [0, 24) of a row of C at `at` (+)= the listed entries · B's rows (row-major: `b` is the
 * block's first column in row 0). One base register per entry and immediate offsets: with B in
 * 8-column panels the loop needed an address per panel, and V8 spilled them.
 */
@inline function sparse24(list: usize, count: i32, b: usize, at: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(at);
    c1 = v128.load(at, 16);
    c2 = v128.load(at, 32);
    c3 = v128.load(at, 48);
    c4 = v128.load(at, 64);
    c5 = v128.load(at, 80);
  }
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    const r = b + <usize>load<i32>(e);
    const a = v128.load32_splat(e, VALUES_AT);
    c0 = madd(a, v128.load(r), c0);
    c1 = madd(a, v128.load(r, 16), c1);
    c2 = madd(a, v128.load(r, 32), c2);
    c3 = madd(a, v128.load(r, 48), c3);
    c4 = madd(a, v128.load(r, 64), c4);
    c5 = madd(a, v128.load(r, 80), c5);
  }
  v128.store(at, c0);
  v128.store(at, c1, 16);
  v128.store(at, c2, 32);
  v128.store(at, c3, 48);
  v128.store(at, c4, 64);
  v128.store(at, c5, 80);
}

/**
 * Columns [0, 28) at `at`, as sparse24: a last block of 24 columns with 4 more (n = 76), so the
 * last 4 columns do not walk the list again on their own.
 */
@inline function sparse28(list: usize, count: i32, b: usize, at: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(at);
    c1 = v128.load(at, 16);
    c2 = v128.load(at, 32);
    c3 = v128.load(at, 48);
    c4 = v128.load(at, 64);
    c5 = v128.load(at, 80);
    c6 = v128.load(at, 96);
  }
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    const r = b + <usize>load<i32>(e);
    const a = v128.load32_splat(e, VALUES_AT);
    c0 = madd(a, v128.load(r), c0);
    c1 = madd(a, v128.load(r, 16), c1);
    c2 = madd(a, v128.load(r, 32), c2);
    c3 = madd(a, v128.load(r, 48), c3);
    c4 = madd(a, v128.load(r, 64), c4);
    c5 = madd(a, v128.load(r, 80), c5);
    c6 = madd(a, v128.load(r, 96), c6);
  }
  v128.store(at, c0);
  v128.store(at, c1, 16);
  v128.store(at, c2, 32);
  v128.store(at, c3, 48);
  v128.store(at, c4, 64);
  v128.store(at, c5, 80);
  v128.store(at, c6, 96);
}

/**
 * Columns [0, 48) at `at`, as sparse24: twelve accumulators, so an entry's offset, broadcast and
 * loop step serve twice the columns (per entry 44 instructions for 48 columns, against 2 × 25.5).
 * With B in L1, 37 ps per entry and column against sparse24's 44 (the dense 4×8 tile: ~35).
 *
 * A function, not @inline, and called from two places (gemmSparseA, sparseRows) so that binaryen
 * keeps it one: V8 unrolls small loops nested deep in a function (sparseRows' third level) and then
 * schedules all of an iteration's loads before its arithmetic — 12 loaded vectors, 12 accumulators
 * and the broadcast do not fit in x64's 16 xmm registers: spilled, 128×1024×1024 at 47 % zeros
 * took 6.8 ms on one thread, against 3.8 with sparse24 and 3.3 now. Alone in its function the loop
 * is not unrolled, and V8 keeps each load next to its multiply-add. (sparse24's 6 + 6 + 1 registers
 * fit either way; 32 or 40 columns inlined spilled.)
 */
function sparse48(list: usize, count: i32, b: usize, at: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  let c8 = f32x4.splat(0), c9 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(at);
    c1 = v128.load(at, 16);
    c2 = v128.load(at, 32);
    c3 = v128.load(at, 48);
    c4 = v128.load(at, 64);
    c5 = v128.load(at, 80);
    c6 = v128.load(at, 96);
    c7 = v128.load(at, 112);
    c8 = v128.load(at, 128);
    c9 = v128.load(at, 144);
    c10 = v128.load(at, 160);
    c11 = v128.load(at, 176);
  }
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    const r = b + <usize>load<i32>(e);
    const a = v128.load32_splat(e, VALUES_AT);
    c0 = madd(a, v128.load(r), c0);
    c1 = madd(a, v128.load(r, 16), c1);
    c2 = madd(a, v128.load(r, 32), c2);
    c3 = madd(a, v128.load(r, 48), c3);
    c4 = madd(a, v128.load(r, 64), c4);
    c5 = madd(a, v128.load(r, 80), c5);
    c6 = madd(a, v128.load(r, 96), c6);
    c7 = madd(a, v128.load(r, 112), c7);
    c8 = madd(a, v128.load(r, 128), c8);
    c9 = madd(a, v128.load(r, 144), c9);
    c10 = madd(a, v128.load(r, 160), c10);
    c11 = madd(a, v128.load(r, 176), c11);
  }
  v128.store(at, c0);
  v128.store(at, c1, 16);
  v128.store(at, c2, 32);
  v128.store(at, c3, 48);
  v128.store(at, c4, 64);
  v128.store(at, c5, 80);
  v128.store(at, c6, 96);
  v128.store(at, c7, 112);
  v128.store(at, c8, 128);
  v128.store(at, c9, 144);
  v128.store(at, c10, 160);
  v128.store(at, c11, 176);
}

/**
 * Columns [0, 52) at `at`, as sparse48 with a thirteenth accumulator: n = 100 (the MLP's units) in
 * two walks of the list (52 + 48) instead of three (48 + 24 + 28). 13 accumulators, the broadcast
 * and one loaded vector of B are 15 registers: x64 V8 allocates xmm0–xmm14 (xmm15 is its scratch).
 * A function of its own for the same reason as sparse48.
 */
function sparse52(list: usize, count: i32, b: usize, at: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  let c8 = f32x4.splat(0), c9 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c12 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(at);
    c1 = v128.load(at, 16);
    c2 = v128.load(at, 32);
    c3 = v128.load(at, 48);
    c4 = v128.load(at, 64);
    c5 = v128.load(at, 80);
    c6 = v128.load(at, 96);
    c7 = v128.load(at, 112);
    c8 = v128.load(at, 128);
    c9 = v128.load(at, 144);
    c10 = v128.load(at, 160);
    c11 = v128.load(at, 176);
    c12 = v128.load(at, 192);
  }
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    const r = b + <usize>load<i32>(e);
    const a = v128.load32_splat(e, VALUES_AT);
    c0 = madd(a, v128.load(r), c0);
    c1 = madd(a, v128.load(r, 16), c1);
    c2 = madd(a, v128.load(r, 32), c2);
    c3 = madd(a, v128.load(r, 48), c3);
    c4 = madd(a, v128.load(r, 64), c4);
    c5 = madd(a, v128.load(r, 80), c5);
    c6 = madd(a, v128.load(r, 96), c6);
    c7 = madd(a, v128.load(r, 112), c7);
    c8 = madd(a, v128.load(r, 128), c8);
    c9 = madd(a, v128.load(r, 144), c9);
    c10 = madd(a, v128.load(r, 160), c10);
    c11 = madd(a, v128.load(r, 176), c11);
    c12 = madd(a, v128.load(r, 192), c12);
  }
  v128.store(at, c0);
  v128.store(at, c1, 16);
  v128.store(at, c2, 32);
  v128.store(at, c3, 48);
  v128.store(at, c4, 64);
  v128.store(at, c5, 80);
  v128.store(at, c6, 96);
  v128.store(at, c7, 112);
  v128.store(at, c8, 128);
  v128.store(at, c9, 144);
  v128.store(at, c10, 160);
  v128.store(at, c11, 176);
  v128.store(at, c12, 192);
}

/** Columns [0, 8) at `at`, as sparse24. */
@inline function sparse8(list: usize, count: i32, b: usize, at: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(at);
    c1 = v128.load(at, 16);
  }
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    const r = b + <usize>load<i32>(e);
    const a = v128.load32_splat(e, VALUES_AT);
    c0 = madd(a, v128.load(r), c0);
    c1 = madd(a, v128.load(r, 16), c1);
  }
  v128.store(at, c0);
  v128.store(at, c1, 16);
}

/** Columns [0, 4) at `at`, as sparse24. */
@inline function sparse4(list: usize, count: i32, b: usize, at: usize, accumulate: bool): void {
  let c0 = accumulate ? v128.load(at) : f32x4.splat(0);
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    c0 = madd(v128.load32_splat(e, VALUES_AT), v128.load(b + <usize>load<i32>(e)), c0);
  }
  v128.store(at, c0);
}

/** One column at `at` (n % 4 of them end a row), with the same float32 arithmetic as a lane. */
@inline function sparse1(list: usize, count: i32, b: usize, at: usize, accumulate: bool): void {
  // In lane 0 of a vector: madd is a fused multiply-add in the relaxed builds, as in the lanes.
  let c0 = f32x4.splat(accumulate ? load<f32>(at) : 0);
  const end = list + (<usize>count << 2);
  for (let e = list; e < end; e += 4) {
    c0 = madd(v128.load32_splat(e, VALUES_AT), v128.load32_splat(b + <usize>load<i32>(e)), c0);
  }
  store<f32>(at, f32x4.extract_lane(c0, 0));
}

/**
 * B[k × n] (element strides brs, bcs) into rows of `np` floats (np ≥ n, zero padded): a transposed B
 * in the layout gemmSparseA reads. Vector copies: memory.copy on shared memory is slow.
 */
export function packRows(b: usize, brs: i32, bcs: i32, k: i32, n: i32, dst: usize, np: i32): void {
  for (let p = 0; p < k; p++) {
    const row = dst + (<usize>(p * np) << 2);
    const src = b + (<usize>(p * brs) << 2);
    let j = 0;
    if (bcs == 1) {
      copyFloats(row, src, n);
      j = n;
    }
    for (; j < n; j++) store<f32>(row + (<usize>j << 2), load<f32>(src + (<usize>(j * bcs) << 2)));
    for (; j < np; j++) store<f32>(row + (<usize>j << 2), 0);
  }
}

/**
 * C[m × n] = A · B for row-major A (rows `ars` apart) and B in rows of `rowBytes` (in place, or
 * laid out by packRows), skipping A's zeros. Only B's n columns are read. k is listed in blocks
 * of K_BLOCK; partial sums are stored as float32 between blocks, as in one pass, so the bits do
 * not change. `lists` holds the swizzle patterns, then LIST_BYTES of scratch per thread; `thread`
 * (filled in by the pool after its twelve argument slots, hence the `_pad`s) picks one. `group`
 * > 1 (an A larger than the L2, from memory): rows listed that many at a time (gemmSparseAGrouped).
 */
export function gemmSparseA(
  a: usize, ars: i32, b: usize, rowBytes: i32, c: usize, m: i32, k: i32, n: i32, lists: usize, group: i32,
  _pad1: i32, _pad2: i32, thread: i32,
): void {
  const list = lists + PATTERN_BYTES + <usize>thread * LIST_BYTES;
  if (group > 1) {
    gemmSparseAGrouped(a, ars, b, rowBytes, c, m, k, n, list, lists, min(group, COLD_GROUP));
    return;
  }
  // Row by row keeps its own loop, the column split worked out once: run as gemmSparseAGrouped
  // with groups of one (sparseRow per row), the MLP's 100×784×100 and 784×100×100 products were
  // 2–5 % slower.
  const n4 = n & ~3;
  // 48-column blocks, but for 4 columns left over: those go with the last 48 (n = 100: 48, 52).
  let n48 = n4 - (n4 % 48);
  if (n4 - n48 == 4 && n48 > 0) n48 -= 48;
  const n52 = n4 % 48 == 4 && n4 > 48;
  const n24 = n4 - (n4 % 24);
  const n8 = n4 & ~7;
  // With 4 columns past the 24-column blocks, the last block takes them (sparse28).
  const n28 = n4 - n24 == 4 && n24 > n48 ? n24 + 4 : 0;
  const last24 = n28 > 0 ? n24 - 24 : n24;
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const accumulate = k0 > 0;
    const len = min(K_BLOCK, k - k0);
    for (let i = 0; i < m; i++) {
      const count = listNonzeros(a + (<usize>(i * ars + k0) << 2), k0, len, rowBytes, list, lists);
      if (count == 0 && accumulate) continue;
      const crow = c + (<usize>(i * n) << 2);
      let j = 0;
      for (; j < n48; j += 48) sparse48(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
      if (n52) {
        sparse52(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
        j += 52;
      }
      for (; j < last24; j += 24) sparse24(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
      if (j < n28) {
        sparse28(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
        j += 28;
      }
      for (; j < n24; j += 24) sparse24(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
      for (; j < n8; j += 8) sparse8(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
      if (j < n4) {
        sparse4(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
        j += 4;
      }
      for (; j < n; j++) sparse1(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
    }
  }
}

/**
 * gemmSparseA for an A read from memory (an inference batch: 1000 MNIST images, 3.1 MB, far past
 * the L2): `group` rows (at most COLD_GROUP) are listed back to back, then multiplied one by one,
 * so the listing streams A without the multiplies between its rows. The 1000×784×100 product on
 * fresh batches took 0.58 ms on two threads instead of 0.66 (predict() on the 10,000 MNIST test
 * images 7.6 ms instead of 8.2); with A in cache (training's 100×784 batches, 313 KB) grouping was
 * 5–8 % slower, so matmul.ts picks it by A's size. The same lists and sums as row by row: the same
 * bits. `list` is the thread's scratch: COLD_GROUP lists, then the rows' counts.
 */
function gemmSparseAGrouped(
  a: usize, ars: i32, b: usize, rowBytes: i32, c: usize, m: i32, k: i32, n: i32, list: usize, compact: usize,
  group: i32,
): void {
  const counts = list + COLD_GROUP * ROW_LIST_BYTES;
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const accumulate = k0 > 0;
    const len = min(K_BLOCK, k - k0);
    for (let i0 = 0; i0 < m; i0 += group) {
      const rows = min(group, m - i0);
      for (let r = 0; r < rows; r++) {
        const at = a + (<usize>((i0 + r) * ars + k0) << 2);
        const count = listNonzeros(at, k0, len, rowBytes, list + <usize>r * ROW_LIST_BYTES, compact);
        store<i32>(counts + (<usize>r << 2), count);
      }
      for (let r = 0; r < rows; r++) {
        const count = load<i32>(counts + (<usize>r << 2));
        if (count == 0 && accumulate) continue;
        sparseRow(list + <usize>r * ROW_LIST_BYTES, count, b, c + (<usize>((i0 + r) * n) << 2), n, accumulate);
      }
    }
  }
}

/** A row of C (`crow`, n columns) (+)= a listed row of A · B, in gemmSparseA's blocks of columns. */
function sparseRow(list: usize, count: i32, b: usize, crow: usize, n: i32, accumulate: bool): void {
  const n4 = n & ~3;
  let n48 = n4 - (n4 % 48);
  if (n4 - n48 == 4 && n48 > 0) n48 -= 48;
  // n ≡ 4 (mod 48) past 48 (n = 100): the last 52 columns in one walk of the list (sparse52).
  const n52 = n4 % 48 == 4 && n4 > 48;
  const n24 = n4 - (n4 % 24);
  const n8 = n4 & ~7;
  const n28 = n4 - n24 == 4 && n24 > n48 ? n24 + 4 : 0;
  const last24 = n28 > 0 ? n24 - 24 : n24;
  let j = 0;
  for (; j < n48; j += 48) sparse48(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
  if (n52) {
    sparse52(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
    j += 52;
  }
  for (; j < last24; j += 24) sparse24(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
  if (j < n28) {
    sparse28(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
    j += 28;
  }
  for (; j < n24; j += 24) sparse24(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
  for (; j < n8; j += 8) sparse8(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
  if (j < n4) {
    sparse4(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
    j += 4;
  }
  for (; j < n; j++) sparse1(list, count, b + (<usize>j << 2), crow + (<usize>j << 2), accumulate);
}

/** Columns per panel of packPanels: one block of sparse48. */
const PANEL = 48;
/** packPanels copies a row-major B in tiles of this many panels × rows. */
const PANELS_BLOCK = 2;
const ROWS_BLOCK = 32;

/**
 * B[k × n] (element strides brs, bcs) into panels of 48 columns, each k rows of 48 floats (192
 * bytes; the last panel's columns past n are left unwritten and never read): the layout
 * gemmSparsePanels reads. B's rows in place are n floats apart, and with rows 4 KB apart (n =
 * 1024) every row's slice of a block of columns falls in the same few cache sets: the kernel then
 * read B from memory at every row of A however small the block (of the 1 MB L2, 16 KB usable). A panel's rows are contiguous. Columns [0, n) of a part go to dst + j·k floats for
 * a part starting at column j (a multiple of 48), so the pool can pack parts side by side.
 * Writes 1 to the i32 at `finite` when every value it copied is finite (no Inf, no NaN), else 0:
 * the check the sparse kernel needs, without a second pass over a large B.
 */
export function packPanels(b: usize, brs: i32, bcs: i32, k: i32, n: i32, dst: usize, finite: usize): void {
  // v·0 is 0 for a finite v and NaN for ±Inf or NaN; NaN survives the sums (as allFinite).
  const zero = f32x4.splat(0);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let s: f32 = 0;
  // Row-major B: its whole panels go in tiles of PANELS_BLOCK panels × ROWS_BLOCK rows (each row's
  // 384 bytes read left to right, each panel's 6 KB written in order). With 24-column panels, panel
  // by panel down all k rows, every 96-byte read was a new 4 KB page, beyond the prefetchers; and a
  // tile as wide as all the panels wrote to places 96 KB apart (k = 1024), all in the same cache
  // sets. On two threads a 1024×1024 B just written packed in 0.17 ms instead of 0.19, one read from
  // L3 in 0.19 instead of 0.22, a 784×1024 B in 0.089 instead of 0.094 (means of 2–6 runs).
  const whole = bcs == 1 ? n / PANEL * PANEL : 0;
  for (let g = 0; g < whole; g += PANELS_BLOCK * PANEL) {
    const gEnd = min(whole, g + PANELS_BLOCK * PANEL);
    for (let p0 = 0; p0 < k; p0 += ROWS_BLOCK) {
      const rows = min(ROWS_BLOCK, k - p0);
      for (let j = g; j < gEnd; j += PANEL) {
        let src = b + (<usize>(p0 * brs + j) << 2);
        let o = dst + (<usize>(j * k + p0 * PANEL) << 2);
        for (let r = 0; r < rows; r++) {
          // A panel's row in two halves of 24 floats.
          for (let h: usize = 0; h < <usize>(PANEL << 2); h += 96) {
            const v0 = v128.load(src + h);
            const v1 = v128.load(src + h, 16);
            const v2 = v128.load(src + h, 32);
            const v3 = v128.load(src + h, 48);
            const v4 = v128.load(src + h, 64);
            const v5 = v128.load(src + h, 80);
            v128.store(o + h, v0);
            v128.store(o + h, v1, 16);
            v128.store(o + h, v2, 32);
            v128.store(o + h, v3, 48);
            v128.store(o + h, v4, 64);
            v128.store(o + h, v5, 80);
            // Each value times 0 before any sum (a sum of large finite values could overflow to Inf).
            s0 = f32x4.add(s0, f32x4.add(f32x4.add(f32x4.mul(v0, zero), f32x4.mul(v1, zero)), f32x4.mul(v2, zero)));
            s1 = f32x4.add(s1, f32x4.add(f32x4.add(f32x4.mul(v3, zero), f32x4.mul(v4, zero)), f32x4.mul(v5, zero)));
          }
          src += <usize>brs << 2;
          o += PANEL << 2;
        }
      }
    }
  }
  // A ragged last panel, and a transposed B.
  for (let j = whole; j < n; j += PANEL) {
    const w = min(PANEL, n - j);
    const panel = dst + (<usize>(j * k) << 2);
    if (brs == 1 && w == PANEL) {
      // Transposed B (column j's k values contiguous): 4×4 blocks through a register transpose.
      const cs = <usize>bcs << 2;
      const k4 = k & ~3;
      for (let q = 0; q < PANEL; q += 4) {
        const c0 = b + (<usize>((j + q) * bcs) << 2);
        for (let p = 0; p < k4; p += 4) {
          const o = <usize>p << 2;
          const v0 = v128.load(c0 + o);
          const v1 = v128.load(c0 + cs + o);
          const v2 = v128.load(c0 + 2 * cs + o);
          const v3 = v128.load(c0 + 3 * cs + o);
          transposeStore(v0, v1, v2, v3, panel + <usize>p * (PANEL << 2) + (<usize>q << 2), PANEL << 2);
          s0 = f32x4.add(s0, f32x4.add(f32x4.mul(v0, zero), f32x4.mul(v1, zero)));
          s1 = f32x4.add(s1, f32x4.add(f32x4.mul(v2, zero), f32x4.mul(v3, zero)));
        }
        for (let r = 0; r < 4; r++) {
          for (let p = k4; p < k; p++) {
            const x = load<f32>(c0 + <usize>r * cs + (<usize>p << 2));
            store<f32>(panel + <usize>p * (PANEL << 2) + (<usize>(q + r) << 2), x);
            s += x * 0;
          }
        }
      }
    } else {
      // Column by column (a ragged last panel, odd strides): a transposed B is read along its rows.
      for (let q = 0; q < w; q++) {
        const o = panel + (<usize>q << 2);
        for (let p = 0; p < k; p++) {
          const x = load<f32>(b + (<usize>(p * brs + (j + q) * bcs) << 2));
          store<f32>(o + <usize>p * (PANEL << 2), x);
          s += x * 0;
        }
      }
    }
  }
  const v = f32x4.add(s0, s1);
  s += f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
  store<i32>(finite, i32(s == 0));
}

/**
 * C[m × n] = A · B as gemmSparseA, for B packed by packPanels (panels of k rows of 48 floats, `bp`
 * the first). A's element (i, p) is at a + (i·ars + p·acs) floats: acs = 1 for rows, else a
 * transposed A (ars = 1: a weight gradient's Hᵀ), whose group of rows is turned row-major block by
 * block here (rowsBlock), in the thread's cache, instead of all of A transposed by one thread
 * before the product.
 */
export function gemmSparsePanels(
  a: usize, ars: i32, bp: usize, c: usize, m: i32, k: i32, n: i32, lists: usize, acs: i32, _pad1: i32,
  _pad2: i32, _pad3: i32, thread: i32,
): void {
  const list = lists + PATTERN_BYTES + <usize>thread * LIST_BYTES;
  const block = list + GROUP * ROW_LIST_BYTES;
  const rowBytes = PANEL << 2;
  const panelBytes = k * (PANEL << 2);
  for (let k0 = 0; k0 < k; k0 += PANEL_K_BLOCK) {
    const accumulate = k0 > 0;
    const len = min(PANEL_K_BLOCK, k - k0);
    // This block's rows of the panels.
    const bk = bp + <usize>k0 * <usize>rowBytes;
    for (let i0 = 0; i0 < m; i0 += GROUP) {
      const rows = min(GROUP, m - i0);
      if (acs != 1) rowsBlock(a + (<usize>(i0 * ars + k0 * acs) << 2), ars, acs, rows, len, block);
      // Each row's entries in its own list, its count in the list's slot K_BLOCK + 3 (listNonzeros
      // writes entries below K_BLOCK only).
      for (let g = 0; g < rows; g++) {
        const at = list + <usize>g * ROW_LIST_BYTES;
        const row =
          acs != 1 ? block + <usize>g * (PANEL_K_BLOCK << 2) : a + (<usize>((i0 + g) * ars + k0) << 2);
        const count = listNonzeros(row, 0, len, rowBytes, at, lists);
        store<i32>(at + ((<usize>K_BLOCK + 3) << 2), count);
      }
      sparseRows(list, rows, bk, panelBytes, c + (<usize>(i0 * n) << 2), n, accumulate);
    }
  }
}

/**
 * `rows` (≤ GROUP) rows of len (≤ PANEL_K_BLOCK) values, element (g, p) at x + (g·ars + p·acs)
 * floats, into `dst` row-major (rows PANEL_K_BLOCK floats apart): eight rows of a transposed A
 * (ars = 1) are eight contiguous floats of each of its stored rows, four of which go through a
 * register transpose at a time.
 */
function rowsBlock(x: usize, ars: i32, acs: i32, rows: i32, len: i32, dst: usize): void {
  const rs = <usize>PANEL_K_BLOCK << 2;
  const cs = <usize>acs << 2;
  let p = 0;
  if (ars == 1 && rows == GROUP) {
    for (const len4 = len & ~3; p < len4; p += 4) {
      const src = x + <usize>p * cs;
      const o = dst + (<usize>p << 2);
      transposeStore(v128.load(src), v128.load(src + cs), v128.load(src + 2 * cs), v128.load(src + 3 * cs), o, rs);
      const src4 = src + 16;
      transposeStore(v128.load(src4), v128.load(src4 + cs), v128.load(src4 + 2 * cs), v128.load(src4 + 3 * cs), o + 4 * rs, rs);
    }
  }
  for (let g = 0; g < rows; g++) {
    for (let q = p; q < len; q++) {
      store<f32>(dst + <usize>g * rs + (<usize>q << 2), load<f32>(x + (<usize>(g * ars) << 2) + <usize>q * cs));
    }
  }
}

/**
 * C's `rows` rows at `c` (+)= the listed entries of each row (list g at list + g·ROW_LIST_BYTES, its
 * count stored at entry K_BLOCK + 3) · B's rows, a block of columns at a time for all the rows.
 */
function sparseRows(list: usize, rows: i32, b: usize, panelBytes: i32, c: usize, n: i32, accumulate: bool): void {
  const n4 = n & ~3;
  const whole = n4 - (n4 % PANEL);
  const n24 = n4 - (n4 % 24);
  const n8 = n4 & ~7;
  const rowC = <usize>n << 2;
  const countAt = (<usize>K_BLOCK + 3) << 2;
  let j = 0;
  for (; j < whole; j += PANEL) {
    const bj = b + <usize>(j / PANEL) * <usize>panelBytes;
    for (let g = 0; g < rows; g++) {
      const at = list + <usize>g * ROW_LIST_BYTES;
      const count = load<i32>(at + countAt);
      if (count == 0 && accumulate) continue;
      sparse48(at, count, bj, c + <usize>g * rowC + (<usize>j << 2), accumulate);
    }
  }
  // The columns past the last whole panel lie in one (narrower) panel.
  const last = b + <usize>(whole / PANEL) * <usize>panelBytes;
  if (j < n24) {
    const bj = last + (<usize>(j - whole) << 2);
    for (let g = 0; g < rows; g++) {
      const at = list + <usize>g * ROW_LIST_BYTES;
      const count = load<i32>(at + countAt);
      if (count == 0 && accumulate) continue;
      sparse24(at, count, bj, c + <usize>g * rowC + (<usize>j << 2), accumulate);
    }
    j += 24;
  }
  for (; j < n8; j += 8) {
    const bj = last + (<usize>(j - whole) << 2);
    for (let g = 0; g < rows; g++) {
      const at = list + <usize>g * ROW_LIST_BYTES;
      const count = load<i32>(at + countAt);
      if (count == 0 && accumulate) continue;
      sparse8(at, count, bj, c + <usize>g * rowC + (<usize>j << 2), accumulate);
    }
  }
  if (j < n4) {
    const bj = last + (<usize>(j - whole) << 2);
    for (let g = 0; g < rows; g++) {
      const at = list + <usize>g * ROW_LIST_BYTES;
      const count = load<i32>(at + countAt);
      if (count == 0 && accumulate) continue;
      sparse4(at, count, bj, c + <usize>g * rowC + (<usize>j << 2), accumulate);
    }
    j += 4;
  }
  for (; j < n; j++) {
    const bj = last + (<usize>(j - whole) << 2);
    for (let g = 0; g < rows; g++) {
      const at = list + <usize>g * ROW_LIST_BYTES;
      const count = load<i32>(at + countAt);
      if (count == 0 && accumulate) continue;
      sparse1(at, count, bj, c + <usize>g * rowC + (<usize>j << 2), accumulate);
    }
  }
}

/** out[m × k] = the transpose of x[k × m] (row-major both). */
export function transpose(x: usize, k: i32, m: i32, out: usize): void {
  const m4 = m & ~3;
  const k4 = k & ~3;
  const xs = <usize>m << 2;
  const os = <usize>k << 2;
  for (let i = 0; i < m4; i += 4) {
    for (let p = 0; p < k4; p += 4) {
      const src = x + <usize>p * xs + (<usize>i << 2);
      transposeStore(v128.load(src), v128.load(src + xs), v128.load(src + 2 * xs), v128.load(src + 3 * xs), out + <usize>i * os + (<usize>p << 2), os);
    }
    for (let p = k4; p < k; p++) {
      for (let r = 0; r < 4; r++) store<f32>(out + <usize>(i + r) * os + (<usize>p << 2), load<f32>(x + <usize>p * xs + (<usize>(i + r) << 2)));
    }
  }
  for (let i = m4; i < m; i++) {
    for (let p = 0; p < k; p++) store<f32>(out + <usize>i * os + (<usize>p << 2), load<f32>(x + <usize>p * xs + (<usize>i << 2)));
  }
}

/** How many of x's len values are exactly zero (±0). */
export function countZeros(x: usize, len: i32): i32 {
  const zero = f32x4.splat(0);
  let counts = i32x4.splat(0);
  let i = 0;
  // f32x4.eq gives -1 per equal lane: subtracting counts them.
  for (const len4 = len & ~3; i < len4; i += 4) {
    counts = i32x4.sub(counts, f32x4.eq(v128.load(x + (<usize>i << 2)), zero));
  }
  let count =
    i32x4.extract_lane(counts, 0) + i32x4.extract_lane(counts, 1) + i32x4.extract_lane(counts, 2) + i32x4.extract_lane(counts, 3);
  for (; i < len; i++) count += i32(load<f32>(x + (<usize>i << 2)) == 0);
  return count;
}

/** 1 when all len values are finite (no Inf, no NaN), else 0. */
export function allFinite(x: usize, len: i32): i32 {
  // x·0 is 0 for a finite x and NaN for ±Inf or NaN; NaN survives the sums. Four independent
  // sums, so the additions' latency does not set the pace.
  const zero = f32x4.splat(0);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let i = 0;
  for (const len16 = len & ~15; i < len16; i += 16) {
    const at = x + (<usize>i << 2);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(at), zero));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(at, 16), zero));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(at, 32), zero));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(at, 48), zero));
  }
  const v = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  let s = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
  for (; i < len; i++) s += load<f32>(x + (<usize>i << 2)) * 0;
  return i32(s == 0);
}
