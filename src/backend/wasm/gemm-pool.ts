/**
 * A pool of worker threads that run kernel jobs in the wasm backend's shared memory, for any host
 * that can start workers: worker_threads in Node (src/node/threads.ts), Web Workers in browsers
 * (./web-workers.ts). A job is one compiled kernel called on one part of the work (a block of rows
 * of a product, a slice of the image batch). The caller writes the jobs into a shared control
 * block, bumps a generation counter and notifies; then every thread, the caller included, claims
 * jobs one at a time until none are left (dynamic scheduling: a thread that was slow to wake or
 * was descheduled takes fewer parts instead of holding everyone up), and the caller waits until
 * all are done. The call stays synchronous for ops and layers.
 *
 * Control block (Int32Array): [0] generation, [1] jobs done, [2] workers ready, [3] claim word
 * (generation's low 16 bits << 16 | next job), [4] job count, [5] jobs run by workers (a
 * statistic), then SLOT ints per job: kernel index (POOL_KERNELS), MAX_ARGS arguments.
 */

/** The kernels a worker can run (their export names); arguments are int32s (offsets, counts). */
export const POOL_KERNELS = [
  'packA',
  'gemmPacked',
  'gemmRowsA',
  'gemmColsA',
  'gemmSparseA',
  'im2col',
  'col2im',
  'maxPool',
  'maxPoolGrad',
  'biasActivationBits',
  'convForwardPart',
  'convKernelGradPart',
  'convInputGradPart',
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
   * Publish the jobs (at most MAX_JOBS) for the workers to claim and return at once; false if the
   * workers are unavailable, in which case the caller runs the jobs itself.
   */
  start(jobs: readonly GemmJob[]): boolean;
  /** Run, on the calling thread, the published jobs no worker has claimed yet. */
  help(run: (job: GemmJob) => void): void;
  /** Block until every job published by start() is done. */
  wait(): void;
  /** How many jobs the workers have run so far (for tests and diagnostics). */
  jobsRunByWorkers(): number;
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

const HEADER = 6;
const MAX_ARGS = 10;
const SLOT = MAX_ARGS + 1;
/** Most jobs one call may publish; callers split into a few per thread. */
export const MAX_JOBS = 64;

/**
 * Claim the next unclaimed job of generation `gen` (-1 when none is left, or the generation is
 * over). Compare-and-swap on one word holding both, so a thread that wakes late can never take a
 * job from a later generation's table.
 */
function claim(ctrl: Int32Array, gen: number): number {
  const tag = gen & 0xffff;
  const count = ctrl[4]!;
  for (;;) {
    const word = Atomics.load(ctrl, 3);
    const next = word & 0xffff;
    if (word >>> 16 !== tag || next >= count) return -1;
    if (Atomics.compareExchange(ctrl, 3, word, word + 1) === word) return next;
  }
}

/**
 * The loop each worker runs, as JavaScript source: it expects `module`, `memory`, `control` and
 * `index` in scope (the host's bootstrap provides them).
 */
export const WORKER_LOOP = `
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const names = ${JSON.stringify(POOL_KERNELS)};
const ctrl = new Int32Array(control);
const claim = ${claim.toString()};
Atomics.add(ctrl, 2, 1);
Atomics.notify(ctrl, 2);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  for (let job = claim(ctrl, seen); job >= 0; job = claim(ctrl, seen)) {
    const slot = ${HEADER} + job * ${SLOT};
    // After the arguments, which thread this is (1…; the calling thread is 0): kernels with
    // per-thread scratch take it as their last parameter.
    kernels[names[ctrl[slot]]](...ctrl.subarray(slot + 1, slot + ${SLOT}), index + 1);
    Atomics.add(ctrl, 5, 1);
    if (Atomics.add(ctrl, 1, 1) + 1 === ctrl[4]) Atomics.notify(ctrl, 1);
  }
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
    const ctrl = new Int32Array(new SharedArrayBuffer((HEADER + SLOT * MAX_JOBS) * 4));
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
    let generation = 0;
    let published: readonly GemmJob[] = []; // this generation's jobs, for help()
    return {
      workers,
      start(jobs: readonly GemmJob[]) {
        if (jobs.length > MAX_JOBS)
          throw new Error(`a pool call may publish ${MAX_JOBS} jobs, got ${jobs.length}`);
        if (!ready()) return false;
        for (let i = 0; i < jobs.length; i++) {
          const job = jobs[i]!;
          if (job.args.length > MAX_ARGS) throw new Error(`${job.kernel}: too many arguments for a pool job`);
          const slot = HEADER + i * SLOT;
          ctrl[slot] = POOL_KERNELS.indexOf(job.kernel);
          for (let a = 0; a < MAX_ARGS; a++) ctrl[slot + 1 + a] = job.args[a] ?? 0;
        }
        published = jobs;
        // Table and count first, then the claim word, then the generation the workers wake on.
        ctrl[4] = jobs.length;
        generation = (generation + 1) | 0;
        Atomics.store(ctrl, 1, 0);
        Atomics.store(ctrl, 3, (generation & 0xffff) << 16);
        Atomics.store(ctrl, 0, generation);
        Atomics.notify(ctrl, 0);
        return true;
      },
      help(run) {
        for (let job = claim(ctrl, generation); job >= 0; job = claim(ctrl, generation)) {
          run(published[job]!);
          Atomics.add(ctrl, 1, 1);
        }
      },
      wait() {
        const count = ctrl[4]!;
        const deadline = Date.now() + JOB_TIMEOUT_MS;
        for (let done = Atomics.load(ctrl, 1); done < count; done = Atomics.load(ctrl, 1)) {
          if (Date.now() >= deadline) {
            throw new Error('backprop: a wasm worker thread stopped responding (its job did not finish)');
          }
          waitChange(ctrl, 1, done, deadline, host.canBlock);
        }
      },
      jobsRunByWorkers: () => Atomics.load(ctrl, 5),
    };
  };
}

/**
 * Run `parts` (at most MAX_JOBS): published to the pool, with this thread claiming parts too; all
 * here when there is no pool or it is not ready. Results do not depend on which thread ran what
 * (parts write disjoint outputs, each with its own scratch).
 */
export function runParts(pool: GemmPool | null, parts: GemmJob[], run: (job: GemmJob) => void): void {
  if (!pool || parts.length <= 1 || !pool.start(parts)) {
    for (const part of parts) run(part);
    return;
  }
  pool.help(run);
  pool.wait();
}

/**
 * Below this many floats moved, a memory-bound kernel (window kernels, bias + activation, packing)
 * stays on one thread: waking a worker costs more than it saves.
 */
export const PARALLEL_FLOATS = 1 << 18;

/** Parts for memory-bound work over `work` floats, cut along an axis of `most` slices. */
export function partsFor(pool: GemmPool | null, work: number, most: number): number {
  return pool && work >= PARALLEL_FLOATS ? partCount(pool.workers + 1, most) : 1;
}

/** How many parts to cut work into for `threads` threads: a few each, so claiming balances them. */
export function partCount(threads: number, most: number): number {
  return Math.max(1, Math.min(threads === 1 ? 1 : threads * 8, most, MAX_JOBS));
}
