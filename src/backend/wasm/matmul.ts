/**
 * Matrix products on the wasm backend: B packed into 8-column panels; A packed into 4-row panels
 * when B has many columns, else read in place by the micro-kernels (a ragged last panel of < 4 rows
 * packed); rows of C cut into parts that worker threads claim, for large products. See
 * assembly/matmul.ts for the kernels.
 */
import type { MatmulSpec, Storage } from '../backend.js';
import type { ConstantPacks } from './constant-packs.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, MAX_JOBS, partCount, partsFor, runParts } from './gemm-pool.js';
import { allocateSparseLists, countSparseProduct, mostlyZeros } from './sparse.js';
import { splitMidSized } from './step-threads.js';

/**
 * Below this many multiply-adds (~0.3 ms of work) a product stays on one thread. Parts are claimed
 * dynamically (gemm-pool.ts), so a worker that is slow to wake costs at most one part; still, the
 * MLP's 100×784×100 products (7.8M) ran faster on one thread — a bench run gave 0.65 s per epoch
 * on one thread and 0.74 s with them split over two — while the CNN's products (10–40M per batch)
 * and inference chunks gain from the split. A training loop's products (zero-skipping or dense)
 * are split from 2^22 once past its first steps, while that measures faster (step-threads.ts).
 */
const PARALLEL_MIN = 1 << 23;
/**
 * A product with A read row by row and at least this many rows (an inference batch: predict()'s
 * 1000 rows) is split from PARALLEL_ROWS_MIN_WORK multiply-adds on: the 784-100-10 MLP's
 * 1000×100×10 output product (1M) took 0.07 ms on one thread, and with it split, predict() on
 * the 10,000 MNIST test images ran 3–4 % faster (bench/mlp-infer-prof.ts, 2 threads; the worker
 * also stays awake for the softmax that follows). Training's smaller products keep PARALLEL_MIN
 * (batches of ≤ 256 rows; weight gradients read A transposed).
 */
const PARALLEL_ROWS_MIN = 512;
const PARALLEL_ROWS_MIN_WORK = 1 << 19;
/** A is packed when B has at least this many columns (four 8-column panels). */
const PACK_A_MIN_COLUMNS = 32;
/**
 * Products whose A is mostly zeros skip them (sparse.ts) when B has enough columns for the
 * 24-column kernel and A enough rows to be worth counting its zeros.
 */
const SPARSE_MIN_COLUMNS = 16;
const SPARSE_MIN_ROWS = 8;
/**
 * Wide products (B with this many columns: a wide MLP's 1024-unit layers, the Keras CNN's 9216-wide
 * dZ·Wᵀ) skip zeros from 30 % of A on: with B packed in 48-column panels the sparse kernel broke
 * even with the dense one (packing included) at 18–26 % zeros on one thread and 16–30 % on two, on
 * the wide MLP's training and inference shapes, and at 30 % took 0–14 % less time
 * (bench/sparse-threshold.ts) — the wide MLP's hidden ReLUs have 43–51 % zeros in its first steps.
 * Narrower products keep SPARSE_MIN_ZEROS.
 */
const WIDE_COLUMNS = 256;
const WIDE_MIN_ZEROS = 0.3;
/** Columns per panel of B in the sparse kernel (assembly/sparse.ts, PANEL). */
const PANEL = 48;
/** B is packed in panels for the sparse kernel from this size on (512 KB: half an L2 cache here). */
const PANELS_MIN_FLOATS = 1 << 17;

/**
 * The in-place sparse kernel lists SPARSE_GROUP_ROWS rows of A before multiplying them when A has
 * at least this many bytes (an L2's worth; predict's batches of 1000 MNIST images are 3.1 MB): A
 * then streams from memory faster (the 1000×784×100 product 0.58 ms on two threads instead of
 * 0.66), but with A in cache (training's 100×784 batches, 313 KB) grouping ran 5–8 % slower.
 */
const SPARSE_GROUP_MIN_BYTES = 1 << 20;
const SPARSE_GROUP_ROWS = 8;

/**
 * Kernels to run on `rows` rows of C at byte offset `c`, chained to the part that wrote them
 * (a layer's bias and activation, while the rows are in cache: one pass over C and one pool call
 * fewer). `part` numbers the parts of one call, for per-part scratch. Each must compute from the
 * rows alone, so a redone part (gemm-pool.ts, Faults) gives the same bits.
 */
export type MatmulEpilogue = (c: number, rows: number, part: number) => GemmJob[];

export function createMatmul(
  ctx: WasmContext,
  pool: GemmPool | null,
  packs: ConstantPacks | null = null,
): (a: Storage, b: Storage, out: Storage, s: MatmulSpec, epilogue?: MatmulEpilogue) => void {
  // One edge-tile scratch per part (parts run concurrently on any thread).
  const tiles = Array.from({ length: pool ? MAX_JOBS : 1 }, () => ctx.heap.allocate(32 * 4));
  const threads = (pool?.workers ?? 0) + 1;
  /**
   * Whether a mid-sized product (under PARALLEL_MIN) is split now: only in a training loop's steps
   * (step-threads.ts), not in predict()'s or evaluate()'s batches (a constant scope is open), whose
   * splits are decided by their own rules above.
   */
  const midSizedInTraining = (work: number): boolean =>
    pool !== null && !packs?.open && splitMidSized(ctx, work);

  /** A's layouts: packed panels (0), row-major rows `stride` apart (1), transposed (2). */
  const job = (
    a: number,
    layout: 0 | 1 | 2,
    stride: number,
    pb: number,
    c: number,
    rows: number,
    k: number,
    n: number,
    tile: number,
  ): GemmJob =>
    layout === 0
      ? { kernel: 'gemmPacked', args: [a, pb, c, rows, k, n, tile] }
      : { kernel: layout === 1 ? 'gemmRowsA' : 'gemmColsA', args: [a, stride, pb, c, rows, k, n, tile] };
  /**
   * C = A·packed B, rows of C split into blocks of whole 4-row panels, a few per thread, claimed
   * by whichever thread is free. A is read in place unless packed (layout 0); m is a multiple of 4 then.
   */
  const gemm = (
    a: number,
    layout: 0 | 1 | 2,
    stride: number,
    pb: number,
    c: number,
    m: number,
    k: number,
    n: number,
  ): void => {
    // Bytes from one row of A to the next: a packed panel row, a row, or one float (transposed).
    const rowBytes = layout === 0 ? k * 4 : layout === 1 ? stride * 4 : 4;
    const work = m * k * n;
    const split =
      work >= PARALLEL_MIN ||
      (layout === 1 && m >= PARALLEL_ROWS_MIN && work >= PARALLEL_ROWS_MIN_WORK) ||
      // Mid-sized products too once a training loop is past its first steps (step-threads.ts).
      (m >= 8 && midSizedInTraining(work));
    const count = split ? partCount(threads, Math.floor(m / 4)) : 1;
    const chunk = Math.ceil(m / count / 4) * 4;
    const parts: GemmJob[] = [];
    for (let i0 = 0; i0 < m; i0 += chunk) {
      const rows = Math.min(chunk, m - i0);
      const part = job(
        a + i0 * rowBytes,
        layout,
        stride,
        pb,
        c + i0 * n * 4,
        rows,
        k,
        n,
        tiles[parts.length]!,
      );
      if (epilogue) part.after = epilogue(c + i0 * n * 4, rows, parts.length);
      parts.push(part);
    }
    runParts(pool, parts, run);
  };
  /** Pack rows of A into 4-row panels, blocks of panels over the threads when A is large. */
  const packA = (a: number, ars: number, acs: number, m: number, k: number, dst: number): void => {
    const panels = Math.ceil(m / 4);
    const count = partsFor(pool, m * k, panels);
    const per = Math.ceil(panels / count) * 4;
    const parts: GemmJob[] = [];
    for (let i0 = 0; i0 < m; i0 += per) {
      parts.push({
        kernel: 'packA',
        args: [a + i0 * ars * 4, ars, acs, Math.min(per, m - i0), k, dst + i0 * k * 4],
      });
    }
    runParts(pool, parts, run);
  };
  /** One i32 per part of packPanels: whether the values it copied were all finite. */
  const finiteFlags = ctx.heap.allocate(MAX_JOBS * 4);
  /**
   * Pack B's n columns into panels of `width` columns (packB: 8, packPanels: 24), blocks of
   * panels over the threads when B is large: a 1024×1024 B took 0.6 ms on one thread, a fifth of a
   * 128×1024×1024 product on two. Part j0 (a multiple of `width`) lands at dst + j0·k floats.
   * Returns the number of parts (packPanels: part i's finiteness flag at finiteFlags + 4i).
   */
  const packColumns = (
    kernel: 'packB' | 'packPanels',
    width: number,
    b: number,
    brs: number,
    bcs: number,
    k: number,
    n: number,
    dst: number,
  ): number => {
    const panels = Math.ceil(n / width);
    const count = partsFor(pool, n * k, panels);
    const per = Math.ceil(panels / count) * width;
    const parts: GemmJob[] = [];
    for (let j0 = 0; j0 < n; j0 += per) {
      const args = [b + j0 * bcs * 4, brs, bcs, k, Math.min(per, n - j0), dst + j0 * k * 4];
      if (kernel === 'packPanels') args.push(finiteFlags + parts.length * 4);
      parts.push({ kernel, args });
    }
    runParts(pool, parts, run);
    return parts.length;
  };
  /** Whether every part of the last packPanels found its values finite. */
  const panelsFinite = (parts: number): boolean => {
    const flags = new Int32Array(ctx.heap.memory.buffer, finiteFlags, parts);
    return flags.every((f) => f === 1);
  };
  const lists = allocateSparseLists(ctx, threads);
  /** The current call's epilogue, chained to every part that writes rows of C. */
  let epilogue: MatmulEpilogue | undefined;
  /**
   * Whether B is all finite, as the sparse kernel needs: B (k·n contiguous values) checked in place,
   * or packed into panels at `at` by packPanels, which checks what it copies.
   */
  const checkB = (
    panels: boolean,
    b: number,
    brs: number,
    bcs: number,
    k: number,
    n: number,
    at: number,
  ): boolean =>
    panels
      ? panelsFinite(packColumns('packPanels', PANEL, b, brs, bcs, k, n, at))
      : ctx.kernels.allFinite(b, k * n) === 1;
  /** Where the B now packed in the sparse panels lives, within one matmul call (-1: none). */
  let panelsOf = -1;
  /**
   * C = op(A) · B skipping A's zeros (assembly/sparse.ts), when A is mostly zeros and B has no Inf
   * or NaN (0·Inf is NaN, so skipping would change the result); false if not taken. B's rows are
   * read in place (a transposed B is laid out as rows first); a transposed A is turned row-major
   * (rows are listed eight values at a time). Rows of C are split over the threads as in gemm.
   * `constB`: B's storage when declared constant for the scope (its panels and check are kept).
   */
  const trySparse = (
    a: number,
    transA: boolean,
    b: number,
    constB: Storage | null,
    brs: number,
    bcs: number,
    c: number,
    m: number,
    k: number,
    n: number,
  ): boolean => {
    if (n < SPARSE_MIN_COLUMNS || m < SPARSE_MIN_ROWS) return false;
    if (!mostlyZeros(ctx, a, m * k, n >= WIDE_COLUMNS ? WIDE_MIN_ZEROS : undefined)) return false;
    // B's rows in place when they are rows (bcs = 1) and B fits in half the L2 cache or is one
    // block of columns (n ≤ 48); else packed into panels of 48 columns (assembly/sparse.ts,
    // packPanels): in place, the rows of a larger B (a 1024×1024 weight, 4 MB, rows 4 KB apart)
    // fell into the same cache sets and B was re-read from memory for every row of A.
    const panels = bcs !== 1 || (n > PANEL && k * n >= PANELS_MIN_FLOATS);
    const panelBytes = Math.ceil(n / PANEL) * PANEL * k * 4;
    // A constant B (predict's weights: constant-packs.ts) is packed and checked once per scope.
    const kind = panels ? 'panels' : 'finite';
    const kept =
      constB &&
      packs?.packed(constB, kind, b, k, n, brs, bcs, panels ? panelBytes : 0, (at) =>
        checkB(panels, b, brs, bcs, k, n, at),
      );
    let bp = b;
    if (kept) {
      if (!kept.finite) return false;
      if (panels) bp = kept.at;
    } else if (!panels) {
      if (!checkB(false, b, brs, bcs, k, n, b)) return false;
      panelsOf = -1;
    } else {
      bp = ctx.scratch(panelBytes, 'sparseB');
      if (panelsOf !== b) {
        // A batch that repeats B (batch stride 0) packs it once per call.
        panelsOf = -1;
        if (!checkB(true, b, brs, bcs, k, n, bp)) return false;
      }
      panelsOf = b;
    }
    // A transposed A (a weight gradient's Hᵀ) is listed from rows: the panels kernel turns each
    // group of rows row-major itself, inside the parts (on every thread, in cache); for the in-place
    // kernel all of A is transposed here first.
    const inRows = !transA || !panels;
    let rowsOfA = a;
    if (transA && !panels) {
      rowsOfA = ctx.scratch(m * k * 4, 'sparseA');
      ctx.kernels.transpose(a, k, m, rowsOfA);
    }
    // Mid-sized products too once a training loop is past its first steps (step-threads.ts).
    const work = m * k * n;
    const midSized = work < PARALLEL_MIN && midSizedInTraining(work);
    const count = work >= PARALLEL_MIN || midSized ? partCount(threads, m) : 1;
    const chunk = Math.ceil(m / count);
    // An A past the L2 comes from memory: its rows are listed in groups (assembly/sparse.ts).
    const group = m * k * 4 >= SPARSE_GROUP_MIN_BYTES ? SPARSE_GROUP_ROWS : 1;
    const parts: GemmJob[] = [];
    for (let i0 = 0; i0 < m; i0 += chunk) {
      const rows = Math.min(chunk, m - i0);
      const at = inRows ? rowsOfA + i0 * k * 4 : a + i0 * 4;
      const cAt = c + i0 * n * 4;
      const part: GemmJob = panels
        ? {
            kernel: 'gemmSparsePanels',
            args: [at, inRows ? k : 1, bp, cAt, rows, k, n, lists, inRows ? 1 : m],
          }
        : { kernel: 'gemmSparseA', args: [at, k, bp, n * 4, cAt, rows, k, n, lists, group] };
      if (epilogue) part.after = epilogue(cAt, rows, parts.length);
      parts.push(part);
    }
    runParts(pool, parts, run);
    countSparseProduct(!panels && group > 1);
    return true;
  };
  const run = ctx.runJob;
  /**
   * C = op(A)·op(B), then `after` (if any) on every block of rows of C right after the part that
   * wrote it. C must live in this backend's memory when `after` is given.
   */
  const matmul = (a: Storage, b: Storage, out: Storage, s: MatmulSpec, after?: MatmulEpilogue): void => {
    epilogue = after;
    try {
      product(a, b, out, s);
    } finally {
      epilogue = undefined;
    }
  };
  const product = (a: Storage, b: Storage, out: Storage, s: MatmulSpec): void => {
    const { m, k, n } = s;
    const ars = s.transA ? 1 : k;
    const acs = s.transA ? m : 1;
    const brs = s.transB ? 1 : n;
    const bcs = s.transB ? k : 1;
    if (k === 0) {
      out.view().fill(0);
      if (epilogue && m > 0) {
        for (let t = 0; t < s.batch; t++)
          for (const j of epilogue(ctx.ptr(out) + t * m * n * 4, m, 0)) run(j);
      }
      return;
    }
    // Allocate scratch before taking pointers: allocation may grow (and move) memory views,
    // but byte offsets stay valid.
    // With several column panels A is packed (its panels are re-read once per panel of B, and the
    // packed kernel needs a quarter of the in-place kernels' address arithmetic: 100×784×100 runs
    // at ~42 GFLOP/s packed vs ~35 in place, packing included). With one or two panels (conv
    // layers' few filters) packing costs more than it saves: A is read in place (row-major, or
    // transposed with a panel's rows side by side), all but a ragged last panel of < 4 rows.
    const inPlace = n >= PACK_A_MIN_COLUMNS ? 0 : m & ~3;
    const layout = s.transA ? 2 : 1;
    const stride = s.transA ? m : k;
    const pa = ctx.scratch(((m - inPlace + 3) & ~3) * k * 4, 'packA');
    const pbBytes = ((n + 7) & ~7) * k * 4;
    const pb = ctx.scratch(pbBytes, 'packB');
    const aAt = ctx.staged(a, 'stageA');
    const bAt = ctx.staged(b, 'stageB');
    const outAt = ctx.isWasm(out) ? ctx.ptr(out) : ctx.scratch(out.length * 4, 'stageOut');
    // Packed operands are reused over the batch when they repeat (batch stride 0), and a B
    // declared constant (predict's weights) over the scope (constant-packs.ts).
    const constB = packs?.isConstant(b) ? b : null;
    let packedB = false;
    let packedA = false;
    panelsOf = -1;
    for (let t = 0; t < s.batch; t++) {
      const aT = aAt + t * s.aBatchStride * 4;
      const bT = bAt + t * s.bBatchStride * 4;
      const cT = outAt + t * m * n * 4;
      if (trySparse(aT, s.transA, bT, constB, brs, bcs, cT, m, k, n)) continue;
      const kept =
        constB &&
        packs!.packed(constB, 'packB', bT, k, n, brs, bcs, pbBytes, (at) => {
          packColumns('packB', 8, bT, brs, bcs, k, n, at);
          return true;
        });
      const pbT = kept ? kept.at : pb;
      if (!kept && (!packedB || s.bBatchStride !== 0)) packColumns('packB', 8, bT, brs, bcs, k, n, pb);
      if (!kept) packedB = true;
      if (inPlace > 0) gemm(aT, layout, stride, pbT, cT, inPlace, k, n);
      if (inPlace < m) {
        // The rows not read in place, packed.
        if (!packedA || s.aBatchStride !== 0) packA(aT + inPlace * ars * 4, ars, acs, m - inPlace, k, pa);
        packedA = true;
        gemm(pa, 0, 0, pbT, cT + inPlace * n * 4, m - inPlace, k, n);
      }
    }
    if (!ctx.isWasm(out)) out.view().set(new Float32Array(ctx.heap.memory.buffer, outAt, out.length));
  };

  return matmul;
}
