/** The wasm backend's worker-thread matmul (Node): same bits as one thread, for every row split. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { Backend } from '../src/backend/backend.js';
import { createWasmBackend, setGemmPoolFactory, wasmSimdSupported } from '../src/backend/wasm/index.js';
import { webWorkerGemmPool } from '../src/backend/wasm/web-workers.js';
import { Rng } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';

it('splits large products over worker threads with bit-identical results', {
  skip: !wasmSimdSupported(),
}, () => {
  setGemmPoolFactory(null);
  const single = createWasmBackend();
  // Count the products the workers really took part in, so a silent fallback cannot pass.
  let splits = 0;
  const factory = nodeGemmPool(2)!;
  setGemmPoolFactory((module, memory) => {
    const pool = factory(module, memory);
    return {
      workers: pool.workers,
      start: (jobs) => {
        const started = pool.start(jobs);
        if (started) splits++;
        return started;
      },
      wait: () => pool.wait(),
    };
  });
  const multi = createWasmBackend();
  setGemmPoolFactory(null);
  const rng = new Rng(3);
  // Shapes above the parallel threshold (2^24 multiply-adds), with row counts that do and do not divide evenly.
  for (const [m, k, n, transA, transB] of [
    [256, 512, 136, false, false],
    [257, 700, 101, false, true],
    [130, 1024, 130, true, false],
    [61, 2000, 140, true, true],
  ] as const) {
    const aValues = Float32Array.from({ length: m * k }, () => rng.normal());
    const bValues = Float32Array.from({ length: k * n }, () => rng.normal());
    const results = [single, multi].map((backend) => {
      const out = backend.alloc(m * n);
      backend.matmul(backend.fromValues(aValues), backend.fromValues(bValues), out, {
        batch: 1,
        m,
        k,
        n,
        transA,
        transB,
        aBatchStride: 0,
        bBatchStride: 0,
      });
      return backend.read(out);
    });
    assert.deepEqual(results[1], results[0], `${m}×${k}×${n} transA=${transA} transB=${transB}`);
    assert.ok(splits > 0, `${m}×${k}×${n}: the product was not split over the workers`);
    splits = 0;
    // And the product is right: spot-check one element against a float64 dot product.
    const A = (i: number, p: number) => (transA ? aValues[p * m + i]! : aValues[i * k + p]!);
    const B = (p: number, j: number) => (transB ? bValues[j * k + p]! : bValues[p * n + j]!);
    let expected = 0;
    for (let p = 0; p < k; p++) expected += A(m - 1, p) * B(p, n - 1);
    assert.ok(
      Math.abs(results[0]![m * n - 1]! - expected) < 1e-3 * Math.max(1, Math.abs(expected)),
      'last element',
    );
  }
});

it('the browser pool (Web Workers) runs the same protocol, polling on a page main thread', {
  skip: !wasmSimdSupported(),
}, async () => {
  // Web Workers simulated with worker_threads: `self.onmessage` gets the init message as a browser
  // worker would. `document` marks a page's main thread, which must poll instead of sleeping.
  const spawnLikeABrowser = (source: string, init: unknown) => {
    const bootstrap = `const { parentPort } = require('node:worker_threads');
const self = {};
${source}
parentPort.once('message', (data) => self.onmessage({ data }));`;
    const worker = new Worker(bootstrap, { eval: true });
    worker.unref();
    worker.postMessage(init);
  };
  const g = globalThis as { document?: unknown };
  g.document = {};
  let splits = 0;
  try {
    const factory = webWorkerGemmPool(2, spawnLikeABrowser)!;
    setGemmPoolFactory((module, memory) => {
      const pool = factory(module, memory);
      return {
        workers: pool.workers,
        start: (jobs) => {
          const started = pool.start(jobs);
          if (started) splits++;
          return started;
        },
        wait: () => pool.wait(),
      };
    });
    const multi = createWasmBackend();
    setGemmPoolFactory(null);
    const single = createWasmBackend();
    const rng = new Rng(4);
    const [m, k, n] = [260, 520, 130];
    const aValues = Float32Array.from({ length: m * k }, () => rng.normal());
    const bValues = Float32Array.from({ length: k * n }, () => rng.normal());
    const spec = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const product = (backend: Backend) => {
      const out = backend.alloc(m * n);
      backend.matmul(backend.fromValues(aValues), backend.fromValues(bValues), out, spec);
      return backend.read(out);
    };
    const expected = product(single);
    // Until the workers report ready, products run on one thread (never waiting for them).
    for (let tries = 0; splits === 0 && tries < 250; tries++) {
      assert.deepEqual(product(multi), expected, 'before the workers are ready');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(splits > 0, 'the Web Worker pool never took a product');
    assert.deepEqual(product(multi), expected, 'split over the workers');
  } finally {
    delete g.document;
    setGemmPoolFactory(null);
  }
});
