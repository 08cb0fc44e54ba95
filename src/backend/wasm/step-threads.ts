/**
 * Threads for a training loop's mid-sized products, 2²²–2²³ multiply-adds, zero-skipping or dense
 * (the 784-100-10 MLP's 100×784×100 pair, ~70 µs each on one thread; a 256-unit tanh layer's
 * 64×256×256 products). Split, such a product only gains if the worker is awake when it is
 * published and has a CPU of its own, and how much the second vCPU gives varies:
 * - a worker asleep in Atomics.wait took 21–31 µs to start after the call's notify (43–83 µs in a
 *   process's first epoch), a third to a half of the product. With the pool's usual spin (~94 µs)
 *   the worker fell asleep in ~550 of the MLP's 600 steps an epoch (the gap from x·W1 to xᵀ·dZ1
 *   was longer) and split epochs took 0.19–0.20 s against 0.178 on one thread; spinning through
 *   a step (STEP_SPIN) it slept in ~10, and they took 0.135–0.155 s;
 * - in a process's first steps V8 compiles the training loop's JavaScript on a background thread
 *   (90–110 ms of the second vCPU in the MLP's first epoch): a worker spinning on that vCPU slows
 *   the compiles and with them every step (first epoch 0.25–0.28 s against 0.225 split from the
 *   first step), so nothing is split in the first WARM_STEPS;
 * - beside another busy process the worker is descheduled, holding parts the caller then waits
 *   for (split epochs 0.24–0.34 s against 0.17–0.23), and at other times the same split ran 10–15 %
 *   slower than one thread with the worker taking its full share of the parts.
 * So the split is measured: a window of steps on one thread, then one split (after a few steps
 * for the worker to get going), each timed per step; the split is kept if its median step was
 * faster and its total no slower, else dropped for a while (backing off, and at once if it starts
 * far slower). A kept split is measured again after KEEP steps, or as soon as a window of its
 * steps takes longer than the one-thread window did or has no mid-sized product. When training
 * ends with the split kept, the worker still spins ~0.5 ms after each pool call before it sleeps.
 * Steps are counted per backend, not per model: a second model on a warm backend is not warmed
 * again (V8's compiles are per process).
 * Which thread runs which part never changes the results.
 */
import type { WasmContext } from './context.js';
import { type GemmPool, SPIN } from './gemm-pool.js';

/** Steps (step scopes: fit's batches) before mid-sized products are split: three epochs of the MLP. */
export const WARM_STEPS = 1800;
/** Products from this many multiply-adds (~35 µs on one thread) are split after WARM_STEPS. */
const MID_SIZED_MIN = 1 << 22;
/** Polls a worker spins between calls while steps split products: ~0.5 ms, more than a step's gaps. */
const STEP_SPIN = 100_000;
/** Steps timed in each mode. */
export const WINDOW = 100;
/**
 * Split steps not timed before the split window: in the first 50 a backend splits, the worker ran
 * only 14–23 % of the parts on a quiet machine (40–50 % from then on; later retries started at
 * 0.49), and a worker asleep needs a step or two to spin.
 */
export const FIRST_LEAD = 60;
export const LEAD = 5;
/** The split is kept when its median step is at most this fraction of one thread's. */
const GAIN = 0.95;
/** After this many split steps, a split this much slower than one thread (by mean) is dropped. */
const ABORT_STEPS = 20;
const ABORT = 1.5;
/**
 * Steps the split is kept before it is measured again, unless a window of them is slower than
 * one thread's was before that.
 */
const KEEP = 10_000;
/**
 * In the windows' totals a step counts at most CLIP one-thread medians. A pause in the one-thread
 * window (the gap between two fit() calls, a validation pass, a collection: up to 11.8 ms against
 * a 0.33 ms median in one MLP run) would otherwise excuse a split whose steps stall; a split step
 * that stalls longer still counts CLIP medians.
 */
const CLIP = 4;
/** Steps on one thread after a split that did not pay: doubled after each, up to MAX_BACKOFF. */
export const BACKOFF = 300;
const MAX_BACKOFF = 4800;

type Phase = 'warm' | 'single' | 'lead' | 'split' | 'kept' | 'dropped';

/** Per backend: the phase, when it ends, and the steps being timed. */
export interface StepThreads {
  /** Outermost step scopes begun on this backend (fit, evaluate and predict batches). */
  steps: number;
  phase: Phase;
  /** Step at which the phase ends. */
  until: number;
  splitting: boolean;
  backoff: number;
  /** Whether the split ran before (its first lead is longer). */
  ran: boolean;
  /** Median step of the last one-thread window, and the window's total (ms). */
  single: number;
  singleSum: number;
  /** When the last step began (ms; set as a timed phase starts), and this window's step times. */
  last: number;
  times: Float64Array;
  count: number;
  sum: number;
  /** Mid-sized products seen this window (none: nothing to split, nothing to time). */
  products: number;
  /** The clock steps are timed with (ms): performance.now, or a test's fake one. */
  now: () => number;
}

export const stepThreadsState = (now: () => number = () => performance.now()): StepThreads => ({
  steps: 0,
  phase: 'warm',
  until: WARM_STEPS,
  splitting: false,
  backoff: BACKOFF,
  ran: false,
  single: 0,
  singleSum: 0,
  last: 0,
  times: new Float64Array(WINDOW),
  count: 0,
  sum: 0,
  products: 0,
  now,
});

/** Whether a product of `work` multiply-adds, below the pool's usual threshold, is split now. */
export function splitMidSized(ctx: WasmContext, work: number): boolean {
  if (work < MID_SIZED_MIN) return false;
  ctx.stepThreads.products++;
  return ctx.stepThreads.splitting;
}

/** The sum of the first `count` times, each at most `cap`. */
function clippedSum(times: Float64Array, count: number, cap: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.min(times[i]!, cap);
  return sum;
}

function median(times: Float64Array, count: number): number {
  const sorted = times.subarray(0, count).sort();
  return sorted[count >> 1]!;
}

/** Enter `phase` for `steps` steps from `step`: the split on or off, the workers' spin to match. */
function enter(s: StepThreads, pool: GemmPool, phase: Phase, step: number, steps: number): void {
  s.phase = phase;
  s.until = step + steps;
  const splitting = phase === 'lead' || phase === 'split' || phase === 'kept';
  if (splitting !== s.splitting) pool.setSpin?.(splitting ? STEP_SPIN : SPIN);
  s.splitting = splitting;
  s.count = 0;
  s.sum = 0;
  s.products = 0;
}

/** At a step's start: count it, time the step that ended, and move on when a phase ends. */
export function beginStepThreads(ctx: WasmContext, pool: GemmPool | null): void {
  const s = ctx.stepThreads;
  const step = ++s.steps;
  const timed = s.phase === 'single' || s.phase === 'split' || s.phase === 'kept';
  if (!pool?.setSpin || (!timed && step < s.until)) return;
  const now = s.now();
  if (timed && s.count < WINDOW) {
    const t = now - s.last;
    s.times[s.count++] = t;
    // The one-thread window's total is clipped once its median is known (below).
    s.sum += s.phase === 'single' ? t : Math.min(t, CLIP * s.single);
  }
  s.last = now;
  // A split already ABORT times slower than one thread over its first steps (a busy machine, where a
  // descheduled worker stalls whole steps) is dropped at once: its window would cost most.
  if (s.phase === 'split' && s.count >= ABORT_STEPS && s.sum * WINDOW > ABORT * s.singleSum * s.count)
    s.until = step;
  // A kept split whose last WINDOW steps took longer than one thread's (a machine that got busy),
  // or saw no mid-sized product (another model now: the long spin would only cost), is measured
  // again at once.
  if (s.phase === 'kept' && s.count === WINDOW) {
    if (s.sum > s.singleSum || s.products === 0) s.until = step;
    s.count = 0;
    s.sum = 0;
    s.products = 0;
  }
  if (step < s.until) return;
  switch (s.phase) {
    case 'warm':
    case 'kept':
    case 'dropped':
      enter(s, pool, 'single', step, WINDOW);
      break;
    case 'single':
      if (s.products === 0) {
        // No mid-sized product (yet: a model without them, or one with them set aside as zeros are
        // not skipped): nothing to split; the next window looks again. Waiting longer here would
        // leave the next model's steps unsplit for as long, and a one-thread window costs a clock
        // read a step.
        enter(s, pool, 'single', step, WINDOW);
        break;
      }
      s.single = median(s.times, s.count);
      s.singleSum = clippedSum(s.times, s.count, CLIP * s.single);
      enter(s, pool, 'lead', step, s.ran ? LEAD : FIRST_LEAD);
      s.ran = true;
      break;
    case 'lead':
      enter(s, pool, 'split', step, WINDOW);
      break;
    case 'split':
      // Kept when faster by median (typical steps) and not slower by mean (stalls included).
      if (s.count === WINDOW && median(s.times, s.count) <= GAIN * s.single && s.sum <= s.singleSum) {
        s.backoff = BACKOFF;
        enter(s, pool, 'kept', step, KEEP);
      } else {
        enter(s, pool, 'dropped', step, s.backoff);
        s.backoff = Math.min(2 * s.backoff, MAX_BACKOFF);
      }
      break;
  }
}
