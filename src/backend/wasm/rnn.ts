/**
 * The recurrent-step kernels on the wasm backend (assembly/rnn.ts): the Backend members lstmCell,
 * lstmCellGrad, gruCell, gruCellGrad. Offsets become byte pointers; a large step's rows are split
 * over the worker threads (the gates are transcendental-heavy: a 128×128 LSTM step is ~0.2 ms on
 * one thread). A call with any operand outside this backend's memory (past the soft limit) runs
 * the TypeScript loops on views instead.
 */
import type { Backend, LstmWeightGradients, LstmWeightGradientsDone, Storage } from '../backend.js';
import { gruCellGradKernel, gruCellKernel, lstmCellGradKernel, lstmCellKernel } from '../ts/rnn.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, MAX_JOBS, type PoolKernel, partCount, runParts } from './gemm-pool.js';
import { mostlyZeros } from './sparse.js';

type RnnKernels = Required<
  Pick<
    Backend,
    'lstmCell' | 'lstmCellGrad' | 'gruCell' | 'gruCellGrad' | 'lstmSequenceForward' | 'lstmSequenceBackward'
  >
>;

/**
 * Parts per thread of the recurrent kernel's gradient (dU's rows): each part reads all of dz once
 * from memory (7 MB a training step of 128 × 28 × 128), so few, large parts.
 */
const DU_PARTS_PER_THREAD = 1;
/** Rows per block of lstmInputGradPart's lists (assembly/rnn.ts DW_K_BLOCK): sizes their scratch. */
const DW_K_BLOCK = 256;
/**
 * Most parts of each of the three kinds (x's lists, dU, db) published together in one pool call,
 * which takes at most MAX_JOBS: with many threads (one per core, up to 64) the three at one part
 * per thread each would exceed it.
 */
const GROUP_PARTS = Math.floor(MAX_JOBS / 3);

/** Below this many units × rows a step stays on one thread (waking a worker costs ~10–50 µs). */
const PARALLEL_CELLS = 1 << 13;

export function rnnKernels(ctx: WasmContext, pool: GemmPool | null): RnnKernels {
  const threads = (pool?.workers ?? 0) + 1;
  const inWasm = (...list: Array<Storage | null>) => list.every((s) => s === null || ctx.isWasm(s));
  /** Byte pointer of element `at` of s (0 for a missing bias). */
  const p = (s: Storage | null, at = 0) => (s === null ? 0 : ctx.ptr(s) + at * 4);
  /**
   * Run `kernel` over `rows`, in parts of rows on the pool when the step is large. `operands` are
   * [pointer, floats per row] pairs (a pointer of 0 — no bias — stays 0, and a bias does not move
   * with the rows: its floats per row are 0).
   */
  const run = (
    kernel: PoolKernel,
    rows: number,
    units: number,
    operands: ReadonlyArray<[number, number]>,
  ) => {
    const parts = pool && rows * units >= PARALLEL_CELLS ? partCount(threads, rows) : 1;
    const jobs: GemmJob[] = [];
    for (let part = 0; part < parts; part++) {
      const r0 = Math.floor((rows * part) / parts);
      const r1 = Math.floor((rows * (part + 1)) / parts);
      if (r1 === r0) continue;
      const args = [
        r1 - r0,
        units,
        ...operands.map(([ptr, perRow]) => (ptr === 0 ? 0 : ptr + r0 * perRow * 4)),
      ];
      jobs.push({ kernel, args });
    }
    runParts(pool, jobs, ctx.runJob);
  };
  /**
   * The batch's rows in blocks of a multiple of 4 (gemmRowsA's panels), one block per thread: the
   * recurrence of a row never reads another row, so each thread runs every step of its block.
   */
  const rowBlocks = (batch: number): Array<[number, number]> => {
    const parts = Math.max(1, Math.min(threads, batch >> 2));
    const blocks: Array<[number, number]> = [];
    for (let part = 0; part < parts; part++) {
      const r0 = Math.floor((batch * part) / parts / 4) * 4;
      const r1 = part === parts - 1 ? batch : Math.floor((batch * (part + 1)) / parts / 4) * 4;
      if (r1 > r0) blocks.push([r0, r1]);
    }
    return blocks;
  };
  /**
   * The LSTM's weight gradients from dz packed in 8-column panels (`zp`, k = time·batch rows), on
   * the threads: dU = (h_0 … h_{T−1})ᵀ · dz from h as the forward packed it (`hp`, 0: not kept),
   * k in blocks (lstmRecurrentGradPart); db = dz's column sums (the reduce kernel over the panels:
   * each column's rows in order, in float64, as backend.reduce sums dz); and dW = xsᵀ · dz skipping
   * x's zeros (lstmListInputs, then lstmInputGradPart) when x is mostly zeros (`sparseX`) and every
   * dz finite (the flags lstmBackwardRows left in `tiles`); else left to the caller, unless dz was
   * not kept (`oneStep`): then from lists of every value of x, a dense product's terms. Returns
   * which it wrote.
   */
  const weightGradients = (
    w: LstmWeightGradients,
    units: number,
    time: number,
    batch: number,
    zp: number,
    hp: number,
    tiles: readonly number[],
    sparseX: boolean,
    oneStep: boolean,
  ): LstmWeightGradientsDone => {
    const width = 4 * units;
    const k = time * batch;
    const { features } = w;
    const finite = tiles.every((t) => new Int32Array(ctx.heap.memory.buffer, t, 1)[0] === 1);
    const sparseDw = sparseX && (finite || oneStep);
    const allEntries = finite ? 0 : 1;
    const withDu = w.du !== null && hp !== 0;
    // Scratch first (allocating may grow the memory), then pointers.
    const lists = sparseDw
      ? ctx.scratch(features * (k + Math.ceil(k / DW_K_BLOCK) + 3) * 8, 'lstmDwLists')
      : 0;
    const duParts = withDu ? Math.min(threads * DU_PARTS_PER_THREAD, units / 4, GROUP_PARTS) : 0;
    const duTiles = Array.from({ length: duParts }, (_, i) => ctx.scratch(32 * 4, `lstmDuTile${i}`));
    const panels = width / 8;
    const parts: GemmJob[] = [];
    if (sparseDw) {
      // x's nonzeros listed first (the products below need them), features split over the threads.
      const listParts = Math.min(threads, features, GROUP_PARTS);
      for (let i = 0; i < listParts; i++) {
        const f0 = Math.floor((features * i) / listParts);
        const f1 = Math.floor((features * (i + 1)) / listParts);
        if (f1 > f0) {
          parts.push({ kernel: 'lstmListInputs', args: [p(w.xs), features, k, f0, f1, lists, allEntries] });
        }
      }
    }
    if (withDu) {
      const chunk = Math.ceil(units / duParts / 4) * 4;
      for (let i0 = 0, t = 0; i0 < units; i0 += chunk, t++) {
        const rows = Math.min(chunk, units - i0);
        parts.push({
          kernel: 'lstmRecurrentGradPart',
          args: [hp + i0 * k * 4, zp, p(w.du!, i0 * width), rows, k, width, duTiles[t]!],
        });
      }
    }
    if (w.db !== null) {
      // Blocks of panels: a sum over [panels, k, 8] gives each panel's 8 column sums.
      const dbParts = Math.min(threads, panels, GROUP_PARTS);
      for (let i = 0; i < dbParts; i++) {
        const q0 = Math.floor((panels * i) / dbParts);
        const q1 = Math.floor((panels * (i + 1)) / dbParts);
        if (q1 > q0) parts.push({ kernel: 'sum', args: [zp + q0 * k * 32, q1 - q0, k, 8, p(w.db, q0 * 8)] });
      }
    }
    runParts(pool, parts, ctx.runJob);
    if (sparseDw) {
      // Columns in blocks of whole 8-column panels, one block per thread.
      const dwParts = Math.min(threads, panels, MAX_JOBS);
      const dw: GemmJob[] = [];
      for (let i = 0; i < dwParts; i++) {
        const j0 = Math.floor((panels * i) / dwParts) * 8;
        const j1 = Math.floor((panels * (i + 1)) / dwParts) * 8;
        if (j1 > j0) {
          dw.push({ kernel: 'lstmInputGradPart', args: [zp, features, k, width, p(w.dw!), j0, j1, lists] });
        }
      }
      runParts(pool, dw, ctx.runJob);
    }
    return { du: withDu, dw: sparseDw, db: w.db !== null };
  };
  /**
   * Whether the whole-sequence forward keeps h_0 … h_{T−1} packed (4-unit groups as packA's
   * panels) after c and tanh(c) in cs: when cs has room and units is a multiple of 4, so each
   * group of four units is one vector and dz's gate columns fall four at a time in one 8-column panel.
   */
  const packsH = (units: number, time: number, row: number, cs: Storage): boolean =>
    units % 4 === 0 && cs.length >= (3 * time + 1) * row && p(cs) % 16 === 0;
  /** The recurrent kernel [units, 4·units] packed as B once per sequence (or transposed: Bᵀ). */
  const packRecurrent = (u: Storage, units: number, transposed: boolean): number => {
    const width = 4 * units;
    const [k, n] = transposed ? [width, units] : [units, width];
    const dst = ctx.scratch(((n + 7) & ~7) * k * 4, transposed ? 'lstmPackUt' : 'lstmPackU');
    // U is row-major [units, width]: as B it has row stride width; as Bᵀ, column stride width.
    if (transposed) ctx.kernels.packB(p(u), 1, width, k, n, dst);
    else ctx.kernels.packB(p(u), width, 1, k, n, dst);
    return dst;
  };
  return {
    lstmSequenceForward: (batch, units, time, xz, gates, u, bias, cs, hs) => {
      // cs has room for tanh(c_1) … tanh(c_T) after c_0 … c_T (the backward reads them).
      if (batch % 4 !== 0 || cs.length < (2 * time + 1) * batch * units) return false;
      if (!inWasm(xz, gates, u, bias, cs, hs)) return false;
      const width = 4 * units;
      const blocks = rowBlocks(batch);
      // Scratch first (allocating may grow the memory), then pointers.
      const scratch = blocks.map(([r0, r1], i) => ctx.scratch(((r1 - r0) * width + 32) * 4, `lstmHz${i}`));
      const bp = packRecurrent(u, units, false);
      // h_0 all zeros (a layer's default start) and U finite: step 0's h·U is exactly +0, skipped.
      const row = batch * units;
      const zeroStart =
        ctx.kernels.countZeros(p(hs), row) === row && ctx.kernels.allFinite(p(u), units * width) === 1;
      // h_0 … h_{T−1} packed for the recurrent kernel's gradient, after tanh(c_1) … tanh(c_T).
      // (16-byte aligned: it shares a job argument with the zeroStart flag, in its low bit).
      const hp = packsH(units, time, row, cs) ? p(cs, (2 * time + 1) * row) : 0;
      const jobs: GemmJob[] = blocks.map(([r0, r1], i) => ({
        kernel: 'lstmForwardRows',
        args: [
          r1 - r0,
          units,
          time,
          batch,
          p(xz, r0 * width),
          p(gates, r0 * width),
          bp,
          p(bias),
          p(cs, r0 * units),
          p(hs, r0 * units),
          scratch[i]!,
          (hp === 0 ? 0 : hp + r0 * 16) | (zeroStart ? 1 : 0),
        ],
      }));
      runParts(pool, jobs, ctx.runJob);
      return true;
    },
    lstmSequenceBackward: (batch, units, time, gates, u, cs, gh, dhdc, dz, wantH0, weights = null) => {
      if (batch % 4 !== 0 || cs.length < (2 * time + 1) * batch * units) return false;
      if (!inWasm(gates, u, cs, gh, dhdc, dz)) return false;
      const width = 4 * units;
      const k = time * batch;
      const blocks = rowBlocks(batch);
      const tiles = blocks.map((_, i) => ctx.scratch(32 * 4, `lstmTile${i}`));
      // The weight gradients here, from dz packed as B's 8-column panels while the recurrence has
      // each step's dz in cache: matmul would pack it again for each of them (dz is 7 MB a training
      // step of 128 × 28 × 128), and the bias's sum reads the panels' rows contiguously.
      const w =
        weights !== null && units % 4 === 0 && inWasm(weights.xs, weights.du, weights.dw, weights.db)
          ? weights
          : null;
      const hp = w && packsH(units, time, batch * units, cs) ? p(cs, (2 * time + 1) * batch * units) : 0;
      const sparseX = w !== null && w.dw !== null && mostlyZeros(ctx, p(w.xs), k * w.features);
      // dz itself is left unwritten (each step's in one step's place) when nobody reads it: every
      // gradient asked for is computed here (dW from lists of x, also when dz is not finite).
      const oneStep = w !== null && !w.dzWanted && (w.dw === null || sparseX) && (w.du === null || hp !== 0);
      // 16-byte aligned (scratch blocks are): it shares a job argument with the flags.
      const zp = w ? ctx.scratch(k * width * 4, 'lstmPackDz') : 0;
      const bpT = packRecurrent(u, units, true);
      const jobs: GemmJob[] = blocks.map(([r0, r1], i) => ({
        kernel: 'lstmBackwardRows',
        args: [
          r1 - r0,
          units,
          time,
          batch,
          p(gates, r0 * width),
          p(cs, r0 * units),
          p(gh, r0 * units),
          p(dhdc, r0 * units),
          p(dz, r0 * width),
          bpT,
          tiles[i]!,
          (zp === 0 ? 0 : zp + r0 * 32) | (wantH0 ? 1 : 0) | (oneStep ? 2 : 0),
        ],
      }));
      runParts(pool, jobs, ctx.runJob);
      if (!w) return true;
      return weightGradients(w, units, time, batch, zp, hp, tiles, sparseX, oneStep);
    },
    lstmCell: (rows, units, xz, xzAt, hz, bias, cs, cPrevAt, cAt, hs, hAt, gates, gatesAt) => {
      if (!inWasm(xz, hz, bias, cs, hs, gates)) {
        lstmCellKernel(rows, units, xz, xzAt, hz, bias, cs, cPrevAt, cAt, hs, hAt, gates, gatesAt);
        return;
      }
      const w = 4 * units;
      run('lstmCell', rows, units, [
        [p(xz, xzAt), w],
        [p(hz), w],
        [p(bias), 0],
        [p(cs, cPrevAt), units],
        [p(cs, cAt), units],
        [p(hs, hAt), units],
        [p(gates, gatesAt), w],
      ]);
    },
    lstmCellGrad: (rows, units, gates, gatesAt, cs, cPrevAt, cAt, gh, ghAt, dhCarry, dc, dz, dzAt) => {
      if (!inWasm(gates, cs, gh, dhCarry, dc, dz)) {
        lstmCellGradKernel(rows, units, gates, gatesAt, cs, cPrevAt, cAt, gh, ghAt, dhCarry, dc, dz, dzAt);
        return;
      }
      const w = 4 * units;
      run('lstmCellGrad', rows, units, [
        [p(gates, gatesAt), w],
        [p(cs, cPrevAt), units],
        [p(cs, cAt), units],
        [p(gh, ghAt), units],
        [p(dhCarry), units],
        [p(dc), units],
        [p(dz, dzAt), w],
      ]);
    },
    gruCell: (rows, units, xz, xzAt, hz, biasIn, biasRec, hs, hPrevAt, hAt, gates, gatesAt) => {
      if (!inWasm(xz, hz, biasIn, biasRec, hs, gates)) {
        gruCellKernel(rows, units, xz, xzAt, hz, biasIn, biasRec, hs, hPrevAt, hAt, gates, gatesAt);
        return;
      }
      const w = 3 * units;
      run('gruCell', rows, units, [
        [p(xz, xzAt), w],
        [p(hz), w],
        [p(biasIn), 0],
        [p(biasRec), 0],
        [p(hs, hPrevAt), units],
        [p(hs, hAt), units],
        [p(gates, gatesAt), 4 * units],
      ]);
    },
    gruCellGrad: (rows, units, gates, gatesAt, hs, hPrevAt, gh, ghAt, dhCarry, dhDirect, dxz, drec, dAt) => {
      if (!inWasm(gates, hs, gh, dhCarry, dhDirect, dxz, drec)) {
        gruCellGradKernel(
          rows,
          units,
          gates,
          gatesAt,
          hs,
          hPrevAt,
          gh,
          ghAt,
          dhCarry,
          dhDirect,
          dxz,
          drec,
          dAt,
        );
        return;
      }
      const w = 3 * units;
      run('gruCellGrad', rows, units, [
        [p(gates, gatesAt), 4 * units],
        [p(hs, hPrevAt), units],
        [p(gh, ghAt), units],
        [p(dhCarry), units],
        [p(dhDirect), units],
        [p(dxz, dAt), w],
        [p(drec, dAt), w],
      ]);
    },
  };
}
