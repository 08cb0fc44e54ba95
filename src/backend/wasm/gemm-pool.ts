/**
 * A pool of worker threads that run kernel jobs in the wasm backend's shared memory, for any host
 * that can start workers: worker_threads in Node (src/node/threads.ts), Web Workers in browsers
 * (./web-workers.ts). A job is one compiled kernel called on one part of the work (a block of rows
 * of a product, a slice of the image batch). The caller writes each worker's job into a shared
 * control block, bumps a generation counter and notifies; workers run their part and count
 * themselves done. The call stays synchronous for ops and layers.
 *
 * Control block (Int32Array): [0] generation, [1] workers done, [2] workers ready, then SLOT ints
 * per worker: kernel index (POOL_KERNELS), MAX_ARGS arguments, active.
 */

/** The kernels a worker can run (their export names); arguments are int32s (offsets, counts). */
export const POOL_KERNELS = [
  'gemmPacked',
  'gemmRowsA',
  'gemmColsA',
  'im2col',
  'col2im',
  'maxPool',
  'maxPoolGrad',
] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

/** One part of a kernel's work: the export to call and its (integer) arguments. */
export interface GemmJob {
  kernel: PoolKernel;
  args: readonly number[];
}

/**
 * Other threads that can run GemmJobs in the same (shared) memory. The Node entry provides one
 * built on worker_threads; the browser-safe core only knows this interface.
 */
export interface GemmPool {
  /** Threads besides the calling one. */
  readonly workers: number;
  /**
   * Hand one job to each worker (fewer jobs leave some idle) and return at once; false if the
   * workers are unavailable, in which case the caller runs the jobs itself.
   */
  start(jobs: readonly GemmJob[]): boolean;
  /** Block until every job handed out by start() is done. */
  wait(): void;
}

export type GemmPoolFactory = (module: WebAssembly.Module, memory: WebAssembly.Memory) => GemmPool;

let registered: GemmPoolFactory | null = null;

/** Let wasm backends created from now on split large matrix products across threads. */
export function setGemmPoolFactory(factory: GemmPoolFactory | null): void {
  registered = factory;
}

export function registeredGemmPoolFactory(): GemmPoolFactory | null {
  return registered;
}

const HEADER = 3;
const MAX_ARGS = 10;
const SLOT = MAX_ARGS + 2;

/**
 * The loop each worker runs, as JavaScript source: it expects `module`, `memory`, `control` and
 * `index` in scope (the host's bootstrap provides them).
 */
export const WORKER_LOOP = `
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const names = ${JSON.stringify(POOL_KERNELS)};
const ctrl = new Int32Array(control);
const slot = ${HEADER} + index * ${SLOT};
Atomics.add(ctrl, 2, 1);
Atomics.notify(ctrl, 2);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  if (ctrl[slot + ${MAX_ARGS + 1}] === 1) {
    kernels[names[ctrl[slot]]](...ctrl.subarray(slot + 1, slot + ${MAX_ARGS + 1}));
  }
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
`;

export interface PoolHost {
  /** Start worker `index`; its bootstrap must run WORKER_LOOP with these four values in scope. */
  spawn(init: {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    control: SharedArrayBuffer;
    index: number;
  }): void;
  /**
   * Whether the calling thread may sleep in Atomics.wait (Node's main thread, a Web Worker). A
   * browser's main thread may not, so it polls instead — only for the length of one product.
   */
  canBlock: boolean;
  /** How long the first job may wait for the workers to start (0: never wait, retry later). */
  readyTimeoutMs: number;
  warn(message: string): void;
}

/** A job that does not finish in this long means a worker died: fail loudly instead of hanging. */
const JOB_TIMEOUT_MS = 60_000;

/** Sleep (or poll) until ctrl[at] differs from `value`, at most until `deadline` (ms since epoch). */
function waitChange(ctrl: Int32Array, at: number, value: number, deadline: number, canBlock: boolean): void {
  if (canBlock) {
    Atomics.wait(ctrl, at, value, Math.max(0, deadline - Date.now()));
    return;
  }
  for (let i = 1; Atomics.load(ctrl, at) === value; i++) {
    if ((i & 1023) === 0 && Date.now() > deadline) return;
  }
}

export function createGemmPool(threads: number, host: PoolHost): GemmPoolFactory | null {
  if (threads <= 1) return null;
  return (module, memory): GemmPool => {
    const workers = threads - 1;
    const ctrl = new Int32Array(new SharedArrayBuffer((HEADER + SLOT * workers) * 4));
    for (let index = 0; index < workers; index++)
      host.spawn({ module, memory, control: ctrl.buffer as SharedArrayBuffer, index });
    let usable: boolean | null = null; // unknown until the first product needs the workers
    const ready = (): boolean => {
      if (usable !== null) return usable;
      const deadline = Date.now() + host.readyTimeoutMs;
      for (let n = Atomics.load(ctrl, 2); n < workers; n = Atomics.load(ctrl, 2)) {
        if (host.readyTimeoutMs === 0) return false; // not yet: one thread this time, ask again next time
        if (Date.now() >= deadline) {
          host.warn(
            `backprop: wasm worker threads did not start within ${host.readyTimeoutMs / 1000} s; using one thread`,
          );
          usable = false;
          return false;
        }
        waitChange(ctrl, 2, n, deadline, host.canBlock);
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
            if (job.args.length > MAX_ARGS)
              throw new Error(`${job.kernel}: too many arguments for a pool job`);
            ctrl[slot] = POOL_KERNELS.indexOf(job.kernel);
            ctrl.fill(0, slot + 1, slot + 1 + MAX_ARGS);
            ctrl.set(job.args, slot + 1);
            ctrl[slot + MAX_ARGS + 1] = 1;
          } else ctrl[slot + MAX_ARGS + 1] = 0;
        }
        Atomics.store(ctrl, 1, 0);
        Atomics.add(ctrl, 0, 1);
        Atomics.notify(ctrl, 0);
        return true;
      },
      wait() {
        const deadline = Date.now() + JOB_TIMEOUT_MS;
        for (let done = Atomics.load(ctrl, 1); done < workers; done = Atomics.load(ctrl, 1)) {
          if (Date.now() >= deadline) {
            throw new Error('backprop: a wasm worker thread stopped responding (its job did not finish)');
          }
          waitChange(ctrl, 1, done, deadline, host.canBlock);
        }
      },
    };
  };
}

/**
 * Run `parts` (one per thread at most): the last on this thread, the others on the workers; all
 * here when there is no pool or it is not ready. Results do not depend on which thread ran what.
 */
export function runParts(pool: GemmPool | null, parts: GemmJob[], run: (job: GemmJob) => void): void {
  const mine = parts[parts.length - 1];
  if (mine === undefined) return;
  if (!pool || parts.length === 1 || !pool.start(parts.slice(0, -1))) {
    for (const part of parts) run(part);
    return;
  }
  run(mine);
  pool.wait();
}
