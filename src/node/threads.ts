/**
 * Multi-threaded matrix products for the wasm backend in Node: worker_threads computing in the
 * backend's shared WebAssembly.Memory (the protocol is in src/backend/wasm/gemm-pool.ts, shared
 * with the browsers' Web Workers).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GemmPoolFactory } from '../backend/wasm/gemm-pool.js';
import { createGemmPool, WORKER_LOOP } from '../backend/wasm/gemm-pool.js';

// The worker is a few lines of plain JavaScript run with `eval: true`: no file to resolve, so it
// works the same from src/ (under tsx) and from dist/.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index } = workerData;
${WORKER_LOOP}`;

/** BACKPROP_THREADS, or one thread per core. */
export function defaultThreadCount(): number {
  const fromEnv = Number(process.env.BACKPROP_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
}

export function nodeGemmPool(threads = defaultThreadCount()): GemmPoolFactory | null {
  return createGemmPool(threads, {
    spawn: (workerData) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      worker.unref(); // idle workers never keep the process alive
    },
    canBlock: true, // Node's main thread may sleep in Atomics.wait
    readyTimeoutMs: 10_000,
    warn: (message) => console.warn(message),
  });
}
