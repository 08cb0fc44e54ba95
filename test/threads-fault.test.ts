/**
 * Worker threads that fail must not hurt the host: a worker whose kernels throw, that exits or
 * hangs while holding a part of the work, or that cannot start, is reported once (one warning) and
 * the wasm backend goes on on one thread with the right results. Faults are injected through the
 * worker's prelude (nodeGemmPool's test option), which patches WebAssembly.Instance in the worker
 * only: the pool, its protocol and the Node host's event wiring are the real ones.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend } from '../src/backend/backend.js';
import { type GemmPool, wasmSimdSupported } from '../src/backend/wasm/index.js';
import { webWorkerGemmPool } from '../src/backend/wasm/web-workers.js';
import { ArgumentError } from '../src/errors.js';
import { Rng } from '../src/index.js';
import { type NodeGemmPoolOptions, nodeGemmPool } from '../src/node/threads.js';
import { spawnLikeABrowser } from './fixtures/browser-worker.js';
import { backends, watchWarnings } from './pool-backends.js';

const skip = !wasmSimdSupported();

/** A prelude that wraps every kernel the worker calls: `fault` is JavaScript run instead of it. */
const kernelsThat = (fault: string) => `
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function (m, imports) {
  const real = new RealInstance(m, imports).exports;
  const exports = {};
  for (const name of Object.keys(real)) exports[name] = (...args) => { ${fault} };
  return { exports };
};`;

const warnings = watchWarnings();

const faulty = (options: NodeGemmPoolOptions) => backends(nodeGemmPool(2, options)!);

const rng = new Rng(11);
const [m, k, n] = [256, 512, 136]; // 17.8M multiply-adds: split into 16 parts over the threads
const aValues = Float32Array.from({ length: m * k }, () => rng.normal());
const bValues = Float32Array.from({ length: k * n }, () => rng.normal());

function product(backend: Backend): Float32Array {
  const out = backend.alloc(m * n);
  backend.matmul(backend.fromValues(aValues), backend.fromValues(bValues), out, {
    m,
    k,
    n,
    transA: false,
    transB: false,
    batch: 1,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  return Float32Array.from(backend.read(out));
}

/**
 * Products until the pool has given its workers up (a worker claims a part of one of the first
 * few: parts are claimed by whichever thread is free), each compared with one thread's bits; then
 * a few more, which must run on this thread alone.
 */
function productsThroughTheFault(single: Backend, multi: Backend, pool: () => GemmPool): void {
  const expected = product(single);
  let calls = 0;
  for (; warnings.length === 0 && calls < 200; calls++) {
    assert.deepEqual(product(multi), expected, `product ${calls + 1}`);
  }
  assert.equal(warnings.length, 1, `one warning within ${calls} products`);
  const ranByWorkers = pool().jobsRunByWorkers();
  for (let i = 0; i < 3; i++) assert.deepEqual(product(multi), expected, 'after the fault');
  assert.equal(pool().jobsRunByWorkers(), ranByWorkers, 'no part went to a worker after the fault');
}

/** Let events (a Worker's 'error' and 'exit') arrive, as they do between a program's steps. */
const eventsArrive = () => new Promise((resolve) => setTimeout(resolve, 100));

it('a worker whose kernel throws: the call is redone here, one warning, then one thread', {
  skip,
}, async () => {
  const { single, multi, pool } = faulty({
    workerPrelude: kernelsThat("throw new Error('injected fault');"),
  });
  productsThroughTheFault(single, multi, pool);
  assert.match(warnings[0]!, /wasm worker thread failed during a call .*redone.*one thread/);
  await eventsArrive(); // the worker's 'error' event (it rethrew), then its 'exit': no more warnings
  assert.deepEqual(product(multi), product(single));
  assert.equal(warnings.length, 1, warnings.join('\n'));
});

it('a worker that exits while holding a part: its exit is reported in the control block', {
  skip,
}, async () => {
  const { single, multi, pool } = faulty({ workerPrelude: kernelsThat('process.exit(3);') });
  productsThroughTheFault(single, multi, pool);
  assert.match(warnings[0]!, /wasm worker thread failed during a call .*redone.*one thread/);
  await eventsArrive();
  assert.equal(warnings.length, 1, warnings.join('\n'));
});

it('a worker that stops responding while holding a part: given up after the job timeout', {
  skip,
}, async () => {
  // Sleeps forever inside its first part, as a worker killed without a word would never finish it.
  const { single, multi, pool } = faulty({
    workerPrelude: kernelsThat('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);'),
    jobTimeoutMs: 200,
  });
  productsThroughTheFault(single, multi, pool);
  assert.match(warnings[0]!, /stopped responding .*within 0\.2 s.*redone on this thread.*one thread/);
  await eventsArrive(); // the hung worker was terminated: its 'exit' adds no warning
  assert.equal(warnings.length, 1, warnings.join('\n'));
});

it('a worker that cannot instantiate the kernels is noticed at once, not after the ready timeout', {
  skip,
}, () => {
  const { single, multi } = faulty({
    workerPrelude: "WebAssembly.Instance = function () { throw new Error('injected: no instance'); };",
    readyTimeoutMs: 60_000, // a wait this long would stall the test: the fault ends it
  });
  assert.deepEqual(product(multi), product(single));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /worker threads failed to start.*one thread/);
});

it('a worker whose module fails to load: its error event stops the pool, the process goes on', {
  skip,
}, async () => {
  const { single, multi, pool } = faulty({ workerPrelude: "throw new Error('injected: bad bootstrap');" });
  await eventsArrive(); // without a listener this 'error' event would crash the process
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /wasm worker thread 1 failed: injected: bad bootstrap; .*one thread/);
  assert.deepEqual(product(multi), product(single));
  assert.equal(pool().jobsRunByWorkers(), 0);
  assert.equal(warnings.length, 1);
});

it('workers that never start: the first product waits readyTimeoutMs, then one thread', { skip }, () => {
  // The product comes before any event can arrive, so only the ready timeout notices.
  const { single, multi } = faulty({
    workerPrelude: "throw new Error('injected: bad bootstrap');",
    readyTimeoutMs: 200,
  });
  assert.deepEqual(product(multi), product(single));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /did not start within 0\.2 s; .*one thread/);
});

it('the browser pool: a Web Worker that fails is reported once, the page goes on on one thread', {
  skip,
}, () => {
  // Web Workers simulated with worker_threads (fixtures/browser-worker.ts); their kernels throw.
  // A worker (no document): it sleeps in Atomics.wait, so the first product waits for the workers.
  const { single, multi, pool } = backends(
    webWorkerGemmPool(2, spawnLikeABrowser(kernelsThat("throw new Error('injected fault');")))!,
  );
  productsThroughTheFault(single, multi, pool);
  assert.match(warnings[0]!, /wasm worker thread failed during a call .*redone.*one thread/);
});

it('nodeGemmPool refuses a thread count that is not a whole number from 1 to 64', () => {
  for (const threads of [0, -1, 2.5, Number.NaN, 65, 1000]) {
    assert.throws(() => nodeGemmPool(threads), ArgumentError, String(threads));
  }
  assert.equal(nodeGemmPool(1), null, 'one thread: no pool');
});
