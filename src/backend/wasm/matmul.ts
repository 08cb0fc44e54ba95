/**
 * Matrix products on the wasm backend: B packed into 8-column panels; A packed into 4-row panels
 * when B has many columns, else read in place by the micro-kernels (a ragged last panel of < 4 rows
 * packed); rows of C cut into parts that worker threads claim, for large products. See
 * assembly/matmul.ts for the kernels.
 */
import type { MatmulSpec, Storage } from '../backend.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, MAX_JOBS, partCount, partsFor, runParts } from './gemm-pool.js';
import { allocateSparseLists, countSparseProduct, mostlyZeros } from './sparse.js';

/**
 * Below this many multiply-adds (~0.3 ms of work) a product stays on one thread. Parts are claimed
 * dynamically (gemm-pool.ts), so a worker that is slow to wake costs at most one part; still, the
 * MLP's 100×784×100 products (7.8M) ran faster on one thread — a bench run gave 0.65 s per epoch
 * on one thread and 0.74 s with them split over two — while the CNN's products (10–40M per batch)
 * and inference chunks gain from the split.
 */
const PARALLEL_MIN = 1 << 23;
/** A is packed when B has at least this many columns (four 8-column panels). */
const PACK_A_MIN_COLUMNS = 32;
/**
 * Products whose A is mostly zeros skip them (sparse.ts) when B has enough columns for the
 * 24-column kernel and A enough rows to be worth counting its zeros.
 */
const SPARSE_MIN_COLUMNS = 16;
const SPARSE_MIN_ROWS = 8;

export function createMatmul(
  ctx: WasmContext,
  pool: GemmPool | null,
): (a: Storage, b: Storage, out: Storage, s: MatmulSpec) => void {
  // One edge-tile scratch per part (parts run concurrently on any thread).
  const tiles = Array.from({ length: pool ? MAX_JOBS : 1 }, () => ctx.heap.allocate(32 * 4));
  const threads = (pool?.workers ?? 0) + 1;

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
    const count = m * k * n < PARALLEL_MIN ? 1 : partCount(threads, Math.floor(m / 4));
    const chunk = Math.ceil(m / count / 4) * 4;
    const parts: GemmJob[] = [];
    for (let i0 = 0; i0 < m; i0 += chunk) {
      const rows = Math.min(chunk, m - i0);
      parts.push(
        job(a + i0 * rowBytes, layout, stride, pb, c + i0 * n * 4, rows, k, n, tiles[parts.length]!),
      );
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
  const lists = allocateSparseLists(ctx, threads);
  /**
   * C = op(A) · B skipping A's zeros (assembly/sparse.ts), when A is mostly zeros and B has no Inf
   * or NaN (0·Inf is NaN, so skipping would change the result); false if not taken. B's rows are
   * read in place (a transposed B is laid out as rows first); a transposed A is turned row-major
   * (rows are listed four values at a time). Rows of C are split over the threads as in gemm.
   */
  const trySparse = (
    a: number,
    transA: boolean,
    b: number,
    brs: number,
    bcs: number,
    c: number,
    m: number,
    k: number,
    n: number,
  ): boolean => {
    if (n < SPARSE_MIN_COLUMNS || m < SPARSE_MIN_ROWS) return false;
    if (!mostlyZeros(ctx, a, m * k)) return false;
    // B's rows in place (brs = n), or — B transposed — laid out as rows first.
    let rowsOfB = b;
    if (bcs !== 1) {
      rowsOfB = ctx.scratch(n * k * 4, 'sparseB');
      ctx.kernels.packRows(b, brs, bcs, k, n, rowsOfB, n);
    }
    if (ctx.kernels.allFinite(rowsOfB, k * n) !== 1) return false;
    let rowsOfA = a;
    if (transA) {
      rowsOfA = ctx.scratch(m * k * 4, 'sparseA');
      ctx.kernels.transpose(a, k, m, rowsOfA);
    }
    const count = m * k * n < PARALLEL_MIN ? 1 : partCount(threads, m);
    const chunk = Math.ceil(m / count);
    const parts: GemmJob[] = [];
    for (let i0 = 0; i0 < m; i0 += chunk) {
      const rows = Math.min(chunk, m - i0);
      parts.push({
        kernel: 'gemmSparseA',
        args: [rowsOfA + i0 * k * 4, k, rowsOfB, n * 4, c + i0 * n * 4, rows, k, n, lists],
      });
    }
    runParts(pool, parts, run);
    countSparseProduct();
    return true;
  };
  const run = ctx.runJob;
  const matmul = (a: Storage, b: Storage, out: Storage, s: MatmulSpec): void => {
    const { m, k, n } = s;
    const ars = s.transA ? 1 : k;
    const acs = s.transA ? m : 1;
    const brs = s.transB ? 1 : n;
    const bcs = s.transB ? k : 1;
    if (k === 0) {
      out.view().fill(0);
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
    const pb = ctx.scratch(((n + 7) & ~7) * k * 4, 'packB');
    const aAt = ctx.staged(a, 'stageA');
    const bAt = ctx.staged(b, 'stageB');
    const outAt = ctx.isWasm(out) ? ctx.ptr(out) : ctx.scratch(out.length * 4, 'stageOut');
    // Packed operands are reused over the batch when they repeat (batch stride 0).
    let packedB = false;
    let packedA = false;
    for (let t = 0; t < s.batch; t++) {
      const aT = aAt + t * s.aBatchStride * 4;
      const bT = bAt + t * s.bBatchStride * 4;
      const cT = outAt + t * m * n * 4;
      if (trySparse(aT, s.transA, bT, brs, bcs, cT, m, k, n)) continue;
      if (!packedB || s.bBatchStride !== 0) ctx.kernels.packB(bT, brs, bcs, k, n, pb);
      packedB = true;
      if (inPlace > 0) gemm(aT, layout, stride, pb, cT, inPlace, k, n);
      if (inPlace < m) {
        // The rows not read in place, packed.
        if (!packedA || s.aBatchStride !== 0) packA(aT + inPlace * ars * 4, ars, acs, m - inPlace, k, pa);
        packedA = true;
        gemm(pa, 0, 0, pb, cT + inPlace * n * 4, m - inPlace, k, n);
      }
    }
    if (!ctx.isWasm(out)) out.view().set(new Float32Array(ctx.heap.memory.buffer, outAt, out.length));
  };

  return matmul;
}
