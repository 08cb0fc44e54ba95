/**
 * Multi-threaded matrix products for the wasm backend in Node: worker_threads computing in the
 * backend's shared WebAssembly.Memory. The main thread writes each worker's job into a shared
 * control block, bumps a generation counter and notifies; workers run their rows of C and count
 * themselves done. The call stays synchronous for the caller (Atomics.wait is allowed on Node's
 * main thread), so ops and layers do not change.
 *
 * Control block (Int32Array): [0] generation, [1] workers done, [2] workers ready, then 10 ints
 * per worker: ap, bp, c, rows, k, n, tile, layout, stride, active (see GemmJob).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GemmJob, GemmPool, GemmPoolFactory } from '../backend/wasm/index.js';

const HEADER = 3;
const SLOT = 10;

// The worker is a few lines of plain JavaScript run with `eval: true`: no file to resolve, so it
// works the same from src/ (under tsx) and from dist/.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(control);
const slot = ${HEADER} + index * ${SLOT};
Atomics.add(ctrl, 2, 1);
Atomics.notify(ctrl, 2);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  if (ctrl[slot + 9] === 1) {
    const [ap, bp, c, rows, k, n, tile, layout, stride] = ctrl.subarray(slot, slot + 9);
    if (layout === 0) kernels.gemmPacked(ap, bp, c, rows, k, n, tile);
    else if (layout === 1) kernels.gemmRowsA(ap, stride, bp, c, rows, k, n, tile);
    else kernels.gemmColsA(ap, stride, bp, c, rows, k, n, tile);
  }
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
`;

/** BACKPROP_THREADS, or one thread per core. */
export function defaultThreadCount(): number {
  const fromEnv = Number(process.env.BACKPROP_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
}

/** How long to wait for workers to start, and for a job, before giving up on them. */
const READY_TIMEOUT_MS = 10_000;
const JOB_TIMEOUT_MS = 60_000;

export function nodeGemmPool(threads = defaultThreadCount()): GemmPoolFactory | null {
  if (threads <= 1) return null;
  return (module, memory): GemmPool => {
    const workers = threads - 1;
    const ctrl = new Int32Array(new SharedArrayBuffer((HEADER + SLOT * workers) * 4));
    for (let index = 0; index < workers; index++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, control: ctrl.buffer, index },
      });
      worker.unref(); // idle workers never keep the process alive
    }
    let usable: boolean | null = null; // unknown until the first product needs the workers
    const ready = (): boolean => {
      if (usable !== null) return usable;
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (let n = Atomics.load(ctrl, 2); n < workers; n = Atomics.load(ctrl, 2)) {
        const left = deadline - Date.now();
        if (left <= 0) {
          console.warn(
            `backprop: wasm worker threads did not start within ${READY_TIMEOUT_MS / 1000} s; using one thread`,
          );
          usable = false;
          return false;
        }
        Atomics.wait(ctrl, 2, n, left);
      }
      usable = true;
      return true;
    };
    return {
      workers,
      start(jobs: readonly GemmJob[]) {
        if (!ready()) return false;
        for (let w = 0; w < workers; w++) {
          const slot = HEADER + w * SLOT;
          const job = jobs[w];
          if (job) {
            ctrl.set(
              [job.ap, job.bp, job.c, job.rows, job.k, job.n, job.tile, job.layout, job.stride, 1],
              slot,
            );
          } else ctrl[slot + 9] = 0;
        }
        Atomics.store(ctrl, 1, 0);
        Atomics.add(ctrl, 0, 1);
        Atomics.notify(ctrl, 0);
        return true;
      },
      wait() {
        const deadline = Date.now() + JOB_TIMEOUT_MS;
        for (let done = Atomics.load(ctrl, 1); done < workers; done = Atomics.load(ctrl, 1)) {
          const left = deadline - Date.now();
          if (left <= 0)
            throw new Error(
              'backprop: a wasm worker thread stopped responding (matrix product not finished)',
            );
          Atomics.wait(ctrl, 1, done, left);
        }
      },
    };
  };
}
