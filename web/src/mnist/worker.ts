/**
 * The MNIST trainer, in a Web Worker so the page never freezes while it trains. It imports the
 * library like the page does; inside a worker the wasm backend's own thread pool sleeps in
 * Atomics.wait instead of polling.
 */
import * as bp from 'backprop-js';
import type { FromWorker, ToWorker } from './protocol.js';

const post = (message: FromWorker): void => (self as unknown as Worker).postMessage(message);

function runtime(): string {
  const backend = bp.getBackend().name;
  if (backend !== 'wasm') return `backend: ${backend}`;
  const workers = bp.threadStats().workers;
  return `backend: wasm, ${workers + 1} thread${workers === 0 ? '' : 's'}`;
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  try {
    if (event.data.type === 'hello') post({ type: 'ready', runtime: runtime() });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
