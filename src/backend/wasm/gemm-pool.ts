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
 * statistic), [6] faults (workers that failed or left), [7] polls a worker spins before it sleeps
 * (SPIN unless setSpin changed it), then SLOT ints per job: up to CHAIN links
 * of kernel index (POOL_KERNELS) and MAX_ARGS arguments, a kernel index of -1 ending the chain.
 *
 * Faults. A worker that cannot start or dies must never crash or stall the caller, nor hand it
 * garbage; the pool then stops using its workers (one warning) and every later call runs on the
 * calling thread. How each fault is noticed:
 * - an exception in a worker (instantiating the kernels, running a job) or a worker's own
 *   process.exit: the worker loop counts a fault in [6], counts the job it held as done so the
 *   caller's wait ends, and notifies; the caller sees the fault when the wait ends (or while it
 *   waits for the workers to start) and redoes the whole call on its own thread;
 * - a worker the host sees fail or exit (a module that does not load, a worker killed from
 *   outside): the host's listener reports it (Node: the Worker's 'error' and 'exit' events; a
 *   browser: 'error'), which takes effect from the next call — events only arrive between calls;
 * - a worker that dies without a word while holding a job (a fatal error in its isolate): the
 *   caller's wait gives up after jobTimeoutMs (60 s: thousands of times a part's length), stops
 *   the workers and redoes the call itself. This last resort takes a worker silent for that long
 *   for dead. One that was only descheduled for a whole minute is stopped by terminate() as soon
 *   as it runs again (V8 interrupts wasm loops), but could still write some of its part before
 *   that: for a pure kernel the values the redone part wrote, but for a link chained in place (a
 *   product's bias and activation, below) a second application to rows the caller has finished.
 *   That is the one window left unguarded, since nothing on the calling thread can see another
 *   thread stop. Workers that never report ready are given up after readyTimeoutMs.
 * Redoing a call is safe because every pool kernel computes its outputs from inputs that no job of
 * the call writes (no job accumulates into its output or works in place), so running a part again,
 * after a partial run or a complete one, gives the same bits. Kernels chained to a part (a
 * product's bias and activation) work in place on the rows the part's first kernel writes afresh,
 * so a chain redone by the caller after a fault (the worker stopped first) gives the same bits
 * too. The one exception, adamPart (an optimiser update, in place), marks each part started and
 * done, and its caller's runner redoes only the parts that never started (update.ts).
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
  'softmax',
  'convForwardPart',
  'convKernelGradPart',
  'convInputGradPart',
  'lstmCell',
  'lstmCellGrad',
  'gruCell',
  'gruCellGrad',
  'lstmForwardRows',
  'lstmBackwardRows',
  'packB',
  'packPanels',
  'gemmSparsePanels',
  'adamPart',
  'unaryGradBits',
  'lstmListInputs',
  'lstmInputGradPart',
  'lstmRecurrentGradPart',
  'sum',
] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

/** One part of a kernel's work: the export to call and its (integer) arguments. */
export interface GemmJob {
  kernel: PoolKernel;
  args: readonly number[];
  /**
   * Kernels the same thread runs right after, on the part's output while it is still in cache
   * (a product's bias and activation: matmul.ts); at most CHAIN - 1, none of them chained again.
   */
  after?: readonly GemmJob[];
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
  /**
   * How many polls (~4.6 ns each here) a worker spins for the next call before it sleeps: SPIN
   * unless a training loop asks for longer (step-threads.ts).
   */
  setSpin?(polls: number): void;
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

const GENERATION = 0;
const DONE = 1;
const READY = 2;
const CLAIM = 3;
const COUNT = 4;
const WORKER_JOBS = 5;
const FAULTS = 6;
const SPIN_POLLS = 7;
const HEADER = 8;
/**
 * Argument slots per job. Kernels with per-thread scratch take the thread index after all of them
 * (conv.ts and sparse.ts pad their parameter lists to this count): change them together.
 */
const MAX_ARGS = 12;
const LINK = MAX_ARGS + 1;
/** Kernels one job may chain: a product, its bias (+ activation), a softmax. */
export const CHAIN = 3;
const SLOT = LINK * CHAIN;
const NONE: readonly GemmJob[] = [];
/** Most jobs one call may publish; callers split into a few per thread. */
export const MAX_JOBS = 64;

/**
 * Claim the next unclaimed job of generation `gen` (-1 when none is left, or the generation is
 * over). Compare-and-swap on one word holding both, so a thread that wakes late can never take a
 * job from a later generation's table. Its source is copied into the workers', so it names the
 * control words by number (3: CLAIM, 4: COUNT), not by constants that are not in scope there.
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
 * Polls of a control word before a thread goes to sleep on it (a few tens of µs): a caller's next
 * call, or a worker's last part, usually comes sooner than a sleeping thread wakes up.
 */
export const SPIN = 20_000;

/** A link's MAX_ARGS arguments as the worker loop reads them from its slot (`ctrl[at + 1], …`). */
const JOB_ARGUMENTS = Array.from({ length: MAX_ARGS }, (_, a) => `ctrl[at + ${a + 1}]`).join(', ');

/**
 * The loop each worker runs, as JavaScript source: it expects `module`, `memory`, `control` and
 * `index` in scope (the host's bootstrap provides them). Anything that goes wrong in it is
 * reported through the control block before the worker dies (see Faults above).
 */
export const WORKER_LOOP = `
const names = ${JSON.stringify(POOL_KERNELS)};
const ctrl = new Int32Array(control);
const claim = ${claim.toString()};
let current = -1; // the job this worker is running
let left = false;
// Count this worker out: a fault, and the job it held (if any) as done so the caller's wait ends;
// the caller sees the fault and redoes the call.
const leave = () => {
  if (left) return;
  left = true;
  Atomics.add(ctrl, ${FAULTS}, 1);
  if (current >= 0) Atomics.add(ctrl, ${DONE}, 1);
  current = -1;
  Atomics.notify(ctrl, ${DONE});
  Atomics.notify(ctrl, ${READY});
};
// Node: process.exit() anywhere in the worker runs this (a terminated worker cannot run anything).
globalThis.process?.on?.('exit', leave);
try {
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.add(ctrl, ${READY}, 1);
  Atomics.notify(ctrl, ${READY});
  let seen = 0;
  for (;;) {
    // Spin a little before sleeping: a model's ops publish calls back to back (a layer's product,
    // then its bias and activation), and waking a sleeping thread costs tens of µs each time.
    const polls = Atomics.load(ctrl, ${SPIN_POLLS});
    for (let i = 0; i < polls && Atomics.load(ctrl, ${GENERATION}) === seen; i++);
    Atomics.wait(ctrl, ${GENERATION}, seen);
    seen = Atomics.load(ctrl, ${GENERATION});
    for (let job = claim(ctrl, seen); job >= 0; job = claim(ctrl, seen)) {
      current = job;
      const slot = ${HEADER} + job * ${SLOT};
      // After the arguments, which thread this is (1…; the calling thread is 0): kernels with
      // per-thread scratch take it as their last parameter. The arguments are read one by one:
      // spreading a subarray allocates and iterates, ~0.3 µs a part against ~5 ns.
      for (let at = slot; at < slot + ${SLOT} && ctrl[at] >= 0; at += ${LINK}) {
        kernels[names[ctrl[at]]](${JOB_ARGUMENTS}, index + 1);
      }
      current = -1;
      Atomics.add(ctrl, ${WORKER_JOBS}, 1);
      if (Atomics.add(ctrl, ${DONE}, 1) + 1 === ctrl[${COUNT}]) Atomics.notify(ctrl, ${DONE});
    }
  }
} catch (error) {
  leave();
  throw error; // the host hears of it too (Node: the Worker's 'error' event)
}
`;

/** A started worker, as far as the pool needs it. */
export interface PoolWorker {
  /** Stop it (after a fault the pool stops all its workers). */
  terminate(): void;
}

export interface PoolHost {
  /**
   * Start worker `index`; its bootstrap must run WORKER_LOOP with these four values in scope.
   * `failed` is for the host to call when it learns the worker failed or exited (an event), with
   * what happened; it may throw if the worker cannot be started at all.
   */
  spawn(
    init: {
      module: WebAssembly.Module;
      memory: WebAssembly.Memory;
      control: SharedArrayBuffer;
      index: number;
    },
    failed: (what: string) => void,
  ): PoolWorker;
  /**
   * Whether the calling thread may sleep in Atomics.wait (Node's main thread, a Web Worker). A
   * browser's main thread may not, so it polls instead — only for the length of one product.
   */
  canBlock: boolean;
  /** How long the first job may wait for the workers to start (0: never wait, retry later). */
  readyTimeoutMs: number;
  /** How long a call may wait for a worker's part before the worker is given up for dead. */
  jobTimeoutMs?: number;
  warn(message: string): void;
}

/** A job that does not finish in this long means a worker died: last resort, see Faults above. */
const JOB_TIMEOUT_MS = 60_000;

/** What the pools created so far have done (diagnostics, and how tests see the workers work). */
export interface ThreadStats {
  /** Worker threads started by all pools. */
  workers: number;
  /** Jobs those workers ran. */
  jobsRunByWorkers: number;
  /** Pools that gave up their workers after a fault and went on on one thread. */
  fallbacks: number;
}

const poolStats: Array<() => ThreadStats> = [];

/** Totals over every pool created in this thread (one per wasm backend). */
export function threadStats(): ThreadStats {
  const total: ThreadStats = { workers: 0, jobsRunByWorkers: 0, fallbacks: 0 };
  for (const stats of poolStats) {
    const s = stats();
    total.workers += s.workers;
    total.jobsRunByWorkers += s.jobsRunByWorkers;
    total.fallbacks += s.fallbacks;
  }
  return total;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Sleep (or poll) until ctrl[at] differs from `value`, at most until `deadline` (ms since epoch). */
function waitChange(ctrl: Int32Array, at: number, value: number, deadline: number, canBlock: boolean): void {
  if (canBlock) {
    for (let i = 0; i < SPIN; i++) if (Atomics.load(ctrl, at) !== value) return;
    Atomics.wait(ctrl, at, value, Math.max(0, deadline - Date.now()));
    return;
  }
  for (let i = 1; Atomics.load(ctrl, at) === value; i++) {
    if ((i & 1023) === 0 && Date.now() > deadline) return;
  }
}

export function createGemmPool(threads: number, host: PoolHost): GemmPoolFactory | null {
  if (threads <= 1) return null;
  const jobTimeoutMs = host.jobTimeoutMs ?? JOB_TIMEOUT_MS;
  return (module, memory): GemmPool => {
    const workers = threads - 1;
    const ctrl = new Int32Array(new SharedArrayBuffer((HEADER + SLOT * MAX_JOBS) * 4));
    ctrl[SPIN_POLLS] = SPIN;
    let usable: boolean | null = null; // unknown until the first product needs the workers
    let stopped = false;
    const running: PoolWorker[] = [];
    let spawned = 0;
    /** Give the workers up for good: one warning, the workers stopped, one thread from now on. */
    const fault = (what: string): void => {
      if (stopped) return;
      stopped = true;
      usable = false;
      host.warn(`backprop: ${what}; the wasm backend goes on on one thread`);
      for (const worker of running.splice(0)) {
        try {
          worker.terminate();
        } catch {
          // Already gone: nothing left to stop.
        }
      }
    };
    for (let index = 0; index < workers && !stopped; index++) {
      try {
        const worker = host.spawn(
          { module, memory, control: ctrl.buffer as SharedArrayBuffer, index },
          (what) => fault(`wasm worker thread ${index + 1} ${what}`),
        );
        spawned++;
        if (stopped) worker.terminate();
        else running.push(worker);
      } catch (error) {
        fault(`could not start wasm worker threads (${messageOf(error)})`);
      }
    }
    poolStats.push(() => ({
      workers: spawned,
      jobsRunByWorkers: Atomics.load(ctrl, WORKER_JOBS),
      fallbacks: stopped ? 1 : 0,
    }));
    const ready = (): boolean => {
      if (usable !== null) return usable;
      const deadline = Date.now() + host.readyTimeoutMs;
      for (let n = Atomics.load(ctrl, READY); n < workers; n = Atomics.load(ctrl, READY)) {
        if (Atomics.load(ctrl, FAULTS) !== 0) {
          fault('wasm worker threads failed to start');
          return false;
        }
        if (host.readyTimeoutMs === 0) return false; // not yet: one thread this time, ask again next time
        if (Date.now() >= deadline) {
          fault(`wasm worker threads did not start within ${host.readyTimeoutMs / 1000} s`);
          return false;
        }
        waitChange(ctrl, READY, n, deadline, host.canBlock);
      }
      usable = true;
      return true;
    };
    let generation = 0;
    let published: readonly GemmJob[] = []; // this generation's jobs, for help()
    let runner: ((job: GemmJob) => void) | null = null; // help()'s, to redo a call after a fault
    /** After a fault: stop the workers, then do every part of the call here (see Faults above). */
    const redo = (what: string): void => {
      fault(what);
      if (!runner) throw new Error('backprop: a pool call was waited on without help()');
      for (const job of published) runner(job);
    };
    /** One kernel of a job's chain into the table at `at`: its index, then its arguments. */
    const writeLink = (at: number, job: GemmJob): void => {
      if (job.args.length > MAX_ARGS) throw new Error(`${job.kernel}: too many arguments for a pool job`);
      ctrl[at] = POOL_KERNELS.indexOf(job.kernel);
      for (let a = 0; a < MAX_ARGS; a++) ctrl[at + 1 + a] = job.args[a] ?? 0;
    };
    return {
      workers,
      start(jobs: readonly GemmJob[]) {
        if (jobs.length > MAX_JOBS)
          throw new Error(`a pool call may publish ${MAX_JOBS} jobs, got ${jobs.length}`);
        if (!ready()) return false;
        for (let i = 0; i < jobs.length; i++) {
          const job = jobs[i]!;
          const after = job.after ?? NONE;
          if (after.length >= CHAIN)
            throw new Error(`${job.kernel}: a pool job chains at most ${CHAIN} kernels`);
          const slot = HEADER + i * SLOT;
          writeLink(slot, job);
          for (let l = 0; l < after.length; l++) writeLink(slot + (l + 1) * LINK, after[l]!);
          if (after.length + 1 < CHAIN) ctrl[slot + (after.length + 1) * LINK] = -1;
        }
        published = jobs;
        // Table and count first, then the claim word, then the generation the workers wake on.
        ctrl[COUNT] = jobs.length;
        generation = (generation + 1) | 0;
        Atomics.store(ctrl, DONE, 0);
        Atomics.store(ctrl, CLAIM, (generation & 0xffff) << 16);
        Atomics.store(ctrl, GENERATION, generation);
        Atomics.notify(ctrl, GENERATION);
        return true;
      },
      help(run) {
        runner = run;
        for (let job = claim(ctrl, generation); job >= 0; job = claim(ctrl, generation)) {
          run(published[job]!);
          Atomics.add(ctrl, DONE, 1);
        }
      },
      wait() {
        const count = ctrl[COUNT]!;
        const deadline = Date.now() + jobTimeoutMs;
        for (let done = Atomics.load(ctrl, DONE); done < count; done = Atomics.load(ctrl, DONE)) {
          if (Date.now() >= deadline) {
            redo(
              `a wasm worker thread stopped responding (its part of the work did not finish within ${jobTimeoutMs / 1000} s; redone on this thread)`,
            );
            return;
          }
          waitChange(ctrl, DONE, done, deadline, host.canBlock);
        }
        if (Atomics.load(ctrl, FAULTS) !== 0)
          redo('a wasm worker thread failed during a call (the call was redone on this thread)');
      },
      jobsRunByWorkers: () => Atomics.load(ctrl, WORKER_JOBS),
      setSpin(polls: number) {
        Atomics.store(ctrl, SPIN_POLLS, polls);
      },
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
