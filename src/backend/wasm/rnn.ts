/**
 * The recurrent-step kernels on the wasm backend (assembly/rnn.ts): the Backend members lstmCell,
 * lstmCellGrad, gruCell, gruCellGrad. Offsets become byte pointers; a large step's rows are split
 * over the worker threads (the gates are transcendental-heavy: a 128×128 LSTM step is ~0.2 ms on
 * one thread). A call with any operand outside this backend's memory (past the soft limit) runs
 * the TypeScript loops on views instead.
 */
import type { Backend, Storage } from '../backend.js';
import { gruCellGradKernel, gruCellKernel, lstmCellGradKernel, lstmCellKernel } from '../ts/rnn.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, type PoolKernel, partCount, runParts } from './gemm-pool.js';

type RnnKernels = Required<Pick<Backend, 'lstmCell' | 'lstmCellGrad' | 'gruCell' | 'gruCellGrad'>>;

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
  return {
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
