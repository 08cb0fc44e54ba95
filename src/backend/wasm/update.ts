/**
 * The optimiser updates on the wasm backend: one kernel call per parameter buffer — Adam's on a
 * large buffer cut into parts over the threads (its square root and division per value keep one
 * core busy, where the others are a pass over memory).
 */
import { TrainingError } from '../../errors.js';
import type { Storage, UpdateRule } from '../backend.js';
import { updateKernel } from '../ts/update.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, MAX_JOBS, PARALLEL_FLOATS, partCount } from './gemm-pool.js';

/** Parts are whole vectors of 4 and at least this many values. */
const MIN_PART = 4096;

export function createUpdate(
  ctx: WasmContext,
  pool: GemmPool | null = null,
): (rule: UpdateRule, w: Storage, g: Storage, state: readonly Storage[]) => void {
  const floatBits = new Int32Array(1);
  const floatView = new Float32Array(floatBits.buffer);
  const bits = (x: number): number => {
    floatView[0] = x;
    return floatBits[0]!;
  };

  /**
   * Adam over `n` values in parts on the pool. A part updates in place, so it must never run twice:
   * each sets its mark word to 1 when it starts and 2 when done, and when a worker fault makes the
   * pool redo the call on this thread, only the parts that never started run again. A part a dying
   * worker left half done cannot be redone or undone: that throws (its buffers are inconsistent).
   */
  const adamParts = (
    pool: GemmPool,
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    args: number[],
  ) => {
    const parts = partCount(pool.workers + 1, Math.min(MAX_JOBS, Math.floor(n / MIN_PART)));
    const per = Math.ceil(n / parts / 4) * 4;
    const marks = ctx.scratch(MAX_JOBS * 4, 'adamMarks');
    const jobs: GemmJob[] = [];
    for (let start = 0; start < n; start += per) {
      const o = start * 4;
      const mark = marks + jobs.length * 4;
      jobs.push({
        kernel: 'adamPart',
        args: [w + o, g + o, m + o, v + o, Math.min(per, n - start), ...args, mark],
      });
    }
    const markWords = new Int32Array(ctx.heap.memory.buffer, marks, jobs.length);
    markWords.fill(0);
    if (!pool.start(jobs)) {
      for (const job of jobs) ctx.runJob(job);
      return;
    }
    let helped = false;
    let halfDone = 0;
    pool.help((job) => {
      if (!helped) {
        ctx.runJob(job);
        return;
      }
      // The pool redoing the call after a fault: skip what ran, run what never started.
      const state = Atomics.load(markWords, jobs.indexOf(job));
      if (state === 0) ctx.runJob(job);
      else if (state === 1) halfDone++;
    });
    helped = true;
    pool.wait();
    if (halfDone > 0) {
      throw new TrainingError(
        `Adam: a wasm worker thread failed in the middle of its update of ${n} weights; ` +
          'those weights and their moments are now inconsistent: restore them from a checkpoint',
      );
    }
  };
  const update = (rule: UpdateRule, w: Storage, g: Storage, state: readonly Storage[]): void => {
    if (!ctx.isWasm(w) || !ctx.isWasm(g) || !state.every((s) => ctx.isWasm(s))) {
      // e.g. a gradient copy made on another backend: the TypeScript loops on views
      updateKernel(
        rule,
        w.view(),
        g.view(),
        state.map((s) => s.view()),
      );
      return;
    }
    const n = w.length;
    const [s0, s1] = state.map((s) => ctx.ptr(s));
    switch (rule.kind) {
      case 'sgd':
        ctx.kernels.sgd(ctx.ptr(w), ctx.ptr(g), n, rule.lr);
        break;
      case 'momentum':
        ctx.kernels.momentum(ctx.ptr(w), ctx.ptr(g), s0!, n, rule.lr, rule.momentum, rule.nesterov ? 1 : 0);
        break;
      case 'adagrad':
        ctx.kernels.adagrad(ctx.ptr(w), ctx.ptr(g), s0!, n, rule.lr, rule.epsilon);
        break;
      case 'rmsprop':
        ctx.kernels.rmsprop(ctx.ptr(w), ctx.ptr(g), s0!, n, rule.lr, rule.rho, 1 - rule.rho, rule.epsilon);
        break;
      case 'adam':
        if (pool !== null && n * 7 >= PARALLEL_FLOATS && n >= 2 * MIN_PART) {
          adamParts(pool, ctx.ptr(w), ctx.ptr(g), s0!, s1!, n, [
            bits(rule.stepSize),
            bits(rule.beta1),
            bits(rule.beta2),
            bits(1 - rule.beta1),
            bits(1 - rule.beta2),
            bits(rule.epsilonHat),
          ]);
          break;
        }
        ctx.kernels.adam(
          ctx.ptr(w),
          ctx.ptr(g),
          s0!,
          s1!,
          n,
          rule.stepSize,
          rule.beta1,
          rule.beta2,
          1 - rule.beta1,
          1 - rule.beta2,
          rule.epsilonHat,
        );
        break;
      default: {
        // A rule kind added to UpdateRule without a case here fails to compile.
        const _exhaustive: never = rule;
        throw new Error(`update: no wasm kernel for ${JSON.stringify(_exhaustive)}`);
      }
    }
  };

  return update;
}
