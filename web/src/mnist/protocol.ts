/** Messages between the MNIST page and its training worker (worker.ts). */

/** Page → worker. */
export type ToWorker = { type: 'hello' };

/** Worker → page: it loaded the library; `runtime` says how it runs there (backend, threads). */
export interface WorkerReady {
  type: 'ready';
  runtime: string;
}

/** Worker → page: something failed in the worker. */
export interface WorkerFailed {
  type: 'error';
  message: string;
}

export type FromWorker = WorkerReady | WorkerFailed;
