/**
 * Shared by the worker-pool tests (threads, threads-fault, threads-update, rnn-whole-sequence): a
 * one-thread wasm backend beside one whose pool a given factory builds, the console warnings the
 * pool prints, and a pool factory that counts the calls it splits.
 */
import { afterEach, beforeEach, mock } from 'node:test';
import type { Backend } from '../src/backend/backend.js';
import {
  createWasmBackend,
  type GemmPool,
  type GemmPoolFactory,
  setGemmPoolFactory,
} from '../src/backend/wasm/index.js';

/**
 * The warnings printed in each test, in an array emptied before each (console.warn is mocked);
 * the pool factory is reset after each.
 */
export function watchWarnings(): string[] {
  const warnings: string[] = [];
  beforeEach(() => {
    warnings.length = 0;
    mock.method(console, 'warn', (message: string) => warnings.push(message));
  });
  afterEach(() => {
    mock.restoreAll();
    setGemmPoolFactory(null);
  });
  return warnings;
}

/** A wasm backend on one thread, and one whose pool `factory` builds (kept to read its counts). */
export function backends(factory: GemmPoolFactory): {
  single: Backend;
  multi: Backend;
  pool: () => GemmPool;
} {
  setGemmPoolFactory(null);
  const single = createWasmBackend();
  let pool: GemmPool | null = null;
  setGemmPoolFactory((module, memory) => (pool = factory(module, memory)));
  const multi = createWasmBackend();
  setGemmPoolFactory(null);
  return { single, multi, pool: () => pool! };
}

/**
 * A pool factory that counts the calls handed to the pool and reads how many jobs the workers
 * really ran, so a silent fallback to one thread cannot pass.
 */
export function counting(factory: GemmPoolFactory): {
  factory: GemmPoolFactory;
  splits: () => number;
  workerJobs: () => number;
  reset: () => void;
} {
  let splits = 0;
  let inner: GemmPool | null = null;
  return {
    factory: (module, memory) => {
      const pool = factory(module, memory);
      inner = pool;
      return {
        workers: pool.workers,
        start: (jobs) => {
          const started = pool.start(jobs);
          if (started) splits++;
          return started;
        },
        help: (run) => pool.help(run),
        wait: () => pool.wait(),
        jobsRunByWorkers: () => pool.jobsRunByWorkers(),
        // Only where the inner pool has it: without it a backend never splits mid-sized products.
        ...(pool.setSpin ? { setSpin: (polls: number) => pool.setSpin!(polls) } : {}),
      };
    },
    splits: () => splits,
    workerJobs: () => inner?.jobsRunByWorkers() ?? 0,
    reset: () => {
      splits = 0;
    },
  };
}
