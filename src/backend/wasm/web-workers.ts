/**
 * Threads for the wasm backend in browsers: Web Workers sharing the WebAssembly memory. That needs
 * SharedArrayBuffer, which browsers only give cross-origin isolated pages (served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`);
 * elsewhere the backend runs on one thread. On a page's main thread, which may not sleep in
 * Atomics.wait, the caller polls for the few milliseconds a product takes; inside a worker it sleeps.
 * A worker that fails (its script refused, say, by a Content-Security-Policy without blob:) is
 * reported once and the backend goes on on one thread (see Faults in gemm-pool.ts).
 */

import type { GemmPoolFactory, PoolWorker } from './gemm-pool.js';
import { createGemmPool, WORKER_LOOP } from './gemm-pool.js';

/** What the pool needs of a Web Worker: to hear of its errors, and to stop it. */
export interface WebWorkerLike extends PoolWorker {
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
}

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string) => WebWorkerLike & { postMessage(message: unknown): void };
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL(blob: unknown): string };
  document?: unknown;
}

/** Whether this page may share wasm memory with Web Workers. */
export function webWorkersAvailable(): boolean {
  const g = globalThis as BrowserGlobals;
  return (
    g.crossOriginIsolated === true &&
    typeof g.Worker === 'function' &&
    typeof g.Blob === 'function' &&
    typeof SharedArrayBuffer === 'function'
  );
}

/**
 * A pool of `threads − 1` Web Workers (default: navigator.hardwareConcurrency), or null when the
 * page is not cross-origin isolated. `spawn` is for tests: how to start a worker from its source.
 */
export function webWorkerGemmPool(
  threads = (globalThis as BrowserGlobals).navigator?.hardwareConcurrency ?? 1,
  spawn?: (source: string, init: unknown) => WebWorkerLike,
): GemmPoolFactory | null {
  const g = globalThis as BrowserGlobals;
  if (!spawn && !webWorkersAvailable()) return null;
  const source = `self.onmessage = (event) => {\n  const { module, memory, control, index } = event.data;\n${WORKER_LOOP}};\n`;
  let url: string | undefined; // one Blob URL for every worker of the page
  const start =
    spawn ??
    ((code: string, init: unknown): WebWorkerLike => {
      url ??= g.URL!.createObjectURL(new g.Blob!([code], { type: 'text/javascript' }));
      const worker = new g.Worker!(url);
      worker.postMessage(init);
      return worker;
    });
  return createGemmPool(threads, {
    spawn: (init, failed) => {
      const worker = start(source, init);
      // A worker's error (its script not loading, an exception the loop rethrows) stops the pool.
      worker.addEventListener('error', (event) => failed(`failed: ${event.message ?? 'error event'}`));
      return worker;
    },
    // Only a page's main thread (it has a document) must poll instead of sleeping.
    canBlock: g.document === undefined,
    // A worker cannot start while the page's main thread is busy, so never wait for one there.
    readyTimeoutMs: 0,
    warn: (message) => console.warn(message),
  });
}
