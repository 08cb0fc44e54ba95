/**
 * Multi-threaded matrix products for the wasm backend in Node: worker_threads computing in the
 * backend's shared WebAssembly.Memory (the protocol, and how a failing worker is handled, are in
 * src/backend/wasm/gemm-pool.ts, shared with the browsers' Web Workers).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GemmPoolFactory } from '../backend/wasm/gemm-pool.js';
import { createGemmPool, MAX_JOBS, WORKER_LOOP } from '../backend/wasm/gemm-pool.js';
import { ArgumentError } from '../errors.js';

/**
 * The worker is an ES module in a `data:` URL, started with no Node flags of its own (`execArgv:
 * []`): nothing to resolve on disk (so it works the same from src/ under tsx, from dist/ and from
 * a bundle), and nothing inherited from how the parent was started. An `eval: true` CommonJS worker
 * inherits the parent's flags, and under `--input-type=module` (eval, stdin) or a default-type flag
 * its `require` does not exist; a data: URL is an ES module whatever the flags. Preloads
 * (`--import`/`--require`, also from NODE_OPTIONS) are left out: the worker needs none, and one
 * that fails in a worker would only cost the threads.
 */
function workerUrl(prelude: string): URL {
  const source = `import { workerData } from 'node:worker_threads';
const { module, memory, control, index } = workerData;
${prelude}
${WORKER_LOOP}`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** Threads the pool can use at most: a call publishes at most MAX_JOBS parts. */
export const MAX_THREADS = MAX_JOBS;

/** The most threads BACKPROP_THREADS may ask for: more than a few per core only costs memory. */
export function threadCap(cores = availableParallelism()): number {
  return Math.min(MAX_THREADS, 4 * cores);
}

/**
 * The thread count a BACKPROP_THREADS value asks for, and what to tell the user about it. Unset or
 * empty: one thread per core. Not a whole number ≥ 1: the default, with a warning naming the value
 * — a warning, not an error at import, because the count only changes speed (never results) and
 * throwing would stop every program that imports the library, even one that never multiplies a
 * matrix. Above threadCap(): capped, with a warning.
 */
export function threadsFromEnv(
  value: string | undefined,
  cores = availableParallelism(),
): { threads: number; warning?: string } {
  const fallback = Math.min(cores, threadCap(cores));
  if (value === undefined || value.trim() === '') return { threads: fallback };
  const text = value.trim();
  const cap = threadCap(cores);
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    return {
      threads: fallback,
      warning:
        `backprop: BACKPROP_THREADS=${JSON.stringify(value)} is not a whole number ≥ 1 ` +
        `(1 means no worker threads); using ${fallback} (one per core)`,
    };
  }
  const asked = Number(text);
  if (asked > cap) {
    return {
      threads: cap,
      warning:
        `backprop: BACKPROP_THREADS=${text} is more than this machine can use ` +
        `(${cores} cores; at most ${cap}); using ${cap}`,
    };
  }
  return { threads: asked };
}

let warnedAbout: string | undefined;

/** BACKPROP_THREADS (checked, capped; one warning per bad value), or one thread per core. */
export function defaultThreadCount(): number {
  const value = process.env.BACKPROP_THREADS;
  const { threads, warning } = threadsFromEnv(value);
  if (warning && warnedAbout !== value) {
    warnedAbout = value;
    console.warn(warning);
  }
  return threads;
}

/** For tests of the fault handling: code run in each worker before its loop, and shorter timeouts. */
export interface NodeGemmPoolOptions {
  /** JavaScript run in each worker before the loop (it sees `module`, `memory`, `control`, `index`). */
  workerPrelude?: string;
  /** How long the first product waits for the workers to start (default 10 s). */
  readyTimeoutMs?: number;
  /** How long a call waits for a worker's part before giving the workers up (default 60 s). */
  jobTimeoutMs?: number;
}

export function nodeGemmPool(
  threads = defaultThreadCount(),
  options: NodeGemmPoolOptions = {},
): GemmPoolFactory | null {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new ArgumentError(
      `nodeGemmPool: threads must be a whole number from 1 to ${MAX_THREADS}, got ${String(threads)}`,
    );
  }
  const url = workerUrl(options.workerPrelude ?? '');
  return createGemmPool(threads, {
    spawn: (workerData, failed) => {
      const worker = new Worker(url, { workerData, execArgv: [], env: workerEnv() });
      // Listened to, a worker's error or exit is reported (once, by the pool) instead of taking
      // the process down; the pool then runs on one thread.
      worker.on('error', (error) => failed(`failed: ${error instanceof Error ? error.message : error}`));
      worker.on('exit', (code) => failed(`exited (code ${code})`));
      worker.unref(); // idle workers never keep the process alive
      return worker;
    },
    canBlock: true, // Node's main thread may sleep in Atomics.wait
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    jobTimeoutMs: options.jobTimeoutMs,
    warn: (message) => console.warn(message),
  });
}

/** The workers' environment: the parent's, without NODE_OPTIONS (see workerUrl). */
function workerEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _, ...env } = process.env;
  return env;
}
