/** The wasm backend's worker-thread matmul (Node): same bits as one thread, for every row split. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend, MatmulSpec } from '../src/backend/backend.js';
import {
  createWasmBackend,
  type GemmPoolFactory,
  setGemmPoolFactory,
  setSkipZeros,
  sparseProductCount,
  wasmSimdSupported,
} from '../src/backend/wasm/index.js';
import { webWorkerGemmPool } from '../src/backend/wasm/web-workers.js';
import { Rng } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';
import { windowGeometry } from '../src/ops/conv.js';
import { spawnLikeABrowser } from './fixtures/browser-worker.js';
import { counting } from './pool-backends.js';

/** One wasm backend on a single thread, and one whose pool (built by `factory`) is counted. */
function backendPair(factory: GemmPoolFactory) {
  setGemmPoolFactory(null);
  const single = createWasmBackend();
  const pool = counting(factory);
  setGemmPoolFactory(pool.factory);
  const multi = createWasmBackend();
  setGemmPoolFactory(null);
  return { single, multi, pool };
}

/** op(A)·op(B) for values given as flat arrays, on `backend`. */
function product(
  backend: Backend,
  a: Float32Array,
  b: Float32Array,
  spec: Omit<MatmulSpec, 'batch' | 'aBatchStride' | 'bBatchStride'>,
) {
  const out = backend.alloc(spec.m * spec.n);
  backend.matmul(backend.fromValues(a), backend.fromValues(b), out, {
    ...spec,
    batch: 1,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  return backend.read(out);
}

it('splits large products over worker threads with bit-identical results', {
  skip: !wasmSimdSupported(),
}, () => {
  const { single, multi, pool } = backendPair(nodeGemmPool(2)!);
  const rng = new Rng(3);
  // Shapes above the parallel threshold (2^23 multiply-adds), with row counts that do and do not divide evenly.
  for (const [m, k, n, transA, transB] of [
    [256, 512, 136, false, false],
    [257, 700, 101, false, true],
    [130, 1024, 130, true, false],
    [61, 2000, 140, true, true],
    [64, 600, 1001, false, false], // B over the packing threshold: its panels packed in parts, a ragged last one
  ] as const) {
    const aValues = Float32Array.from({ length: m * k }, () => rng.normal());
    const bValues = Float32Array.from({ length: k * n }, () => rng.normal());
    const results = [single, multi].map((backend) =>
      product(backend, aValues, bValues, { m, k, n, transA, transB }),
    );
    assert.deepEqual(results[1], results[0], `${m}×${k}×${n} transA=${transA} transB=${transB}`);
    assert.ok(pool.splits() > 0, `${m}×${k}×${n}: the product was not split over the workers`);
    pool.reset();
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
  // Parts are claimed by whichever thread is free: over these products the worker must have run some.
  assert.ok(pool.workerJobs() > 0, 'the worker thread ran none of the parts');
});

it("splits an inference batch's narrow product (1000 rows, under 2^23 multiply-adds), with the same bits", {
  skip: !wasmSimdSupported(),
}, () => {
  const { single, multi, pool } = backendPair(nodeGemmPool(2)!);
  const rng = new Rng(7);
  // predict()'s output layer on a batch of 1000 (784-100-10 MLP), and a ragged row count.
  for (const [m, k, n] of [
    [1000, 100, 10],
    [1022, 64, 9],
  ] as const) {
    const aValues = Float32Array.from({ length: m * k }, () => rng.normal());
    const bValues = Float32Array.from({ length: k * n }, () => rng.normal());
    const results = [single, multi].map((backend) =>
      product(backend, aValues, bValues, { m, k, n, transA: false, transB: false }),
    );
    assert.deepEqual(results[1], results[0], `${m}×${k}×${n}`);
    assert.ok(pool.splits() > 0, `${m}×${k}×${n}: the product was not split over the workers`);
    pool.reset();
    for (const i of [0, 517, m - 1]) {
      let expected = 0;
      for (let p = 0; p < k; p++) expected += aValues[i * k + p]! * bValues[p * n + n - 1]!;
      assert.ok(
        Math.abs(results[1]![i * n + n - 1]! - expected) < 1e-4 * (1 + Math.abs(expected)),
        `row ${i}`,
      );
    }
  }
  // A training batch's product of that size stays on one thread.
  product(multi, new Float32Array(128 * 100).fill(1), new Float32Array(100 * 10).fill(1), {
    m: 128,
    k: 100,
    n: 10,
    transA: false,
    transB: false,
  });
  assert.equal(pool.splits(), 0, 'a 128-row product was split');
});

it('splits products that skip a mostly-zero A over the workers, with the same bits', {
  skip: !wasmSimdSupported(),
}, () => {
  const { single, multi, pool } = backendPair(nodeGemmPool(2)!);
  const rng = new Rng(5);
  for (const [m, k, n, transA] of [
    [1000, 784, 100, false], // MNIST-like inference: 1000 images × 784 pixels, mostly background
    [784, 1200, 102, true], // a weight gradient's Xᵀ·dY, ragged columns, k over one list block
    [300, 1024, 1030, false], // a wide layer: B's 24-column panels packed in parts, a ragged last one
    [1030, 130, 1024, true], // a wide weight gradient Hᵀ·dZ: B in panels, each part turns its rows of Hᵀ
  ] as const) {
    const aValues = Float32Array.from({ length: m * k }, () => (rng.uniform() < 0.8 ? 0 : rng.normal()));
    const bValues = Float32Array.from({ length: k * n }, () => rng.normal());
    const before = sparseProductCount();
    const results = [single, multi].map((backend) =>
      product(backend, aValues, bValues, { m, k, n, transA, transB: false }),
    );
    assert.equal(sparseProductCount(), before + 2, `${m}×${k}×${n}: the zeros were not skipped`);
    assert.deepEqual(results[1], results[0], `${m}×${k}×${n} transA=${transA}`);
    assert.ok(pool.splits() > 0, `${m}×${k}×${n}: the product was not split over the workers`);
    pool.reset();
  }
  assert.ok(pool.workerJobs() > 0, 'the worker thread ran none of the parts');
});

it('the browser pool (Web Workers) runs the same protocol, polling on a page main thread', {
  skip: !wasmSimdSupported(),
}, async () => {
  // Web Workers simulated with worker_threads (fixtures/browser-worker.ts). `document` marks a
  // page's main thread, which must poll instead of sleeping.
  const g = globalThis as { document?: unknown };
  g.document = {};
  try {
    const { single, multi, pool } = backendPair(webWorkerGemmPool(2, spawnLikeABrowser())!);
    const rng = new Rng(4);
    const [m, k, n] = [260, 520, 130];
    const aValues = Float32Array.from({ length: m * k }, () => rng.normal());
    const bValues = Float32Array.from({ length: k * n }, () => rng.normal());
    const spec = { m, k, n, transA: false, transB: false };
    const expected = product(single, aValues, bValues, spec);
    // Until the workers report ready, products run on one thread (never waiting for them).
    for (let tries = 0; pool.splits() === 0 && tries < 250; tries++) {
      assert.deepEqual(product(multi, aValues, bValues, spec), expected, 'before the workers are ready');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(pool.splits() > 0, 'the Web Worker pool never took a product');
    assert.deepEqual(product(multi, aValues, bValues, spec), expected, 'split over the workers');
  } finally {
    delete g.document;
    setGemmPoolFactory(null);
  }
});

it('splits im2col, col2im, max pooling and bias + activation over the workers, with identical results', {
  skip: !wasmSimdSupported(),
}, () => {
  const { single, multi, pool } = backendPair(nodeGemmPool(2)!);
  const rng = new Rng(6);
  // 33 images of 15×13×3 under a 5×5 'same' window: 33·195·75 ≈ 480k floats unfolded; and
  // 64 images of 28×28×8 max-pooled 3×3 / 2 'same': ≈ 400k floats read, above the split threshold.
  const g = windowGeometry('test', [33, 15, 13, 3], [5, 5], [1, 1], [1, 1], 'same');
  const pg = windowGeometry('test', [64, 28, 28, 8], [3, 3], [2, 2], [1, 1], 'same');
  const normals = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const image = normals(33 * 15 * 13 * 3);
  const sg = windowGeometry('test', [40, 28, 28, 1], [5, 5], [1, 1], [1, 1], 'same');
  const small = normals(40 * 28 * 28);
  const cols = normals(33 * g.outH * g.outW * 25 * 3);
  const big = normals(64 * 28 * 28 * 8);
  const pooledSize = 64 * pg.outH * pg.outW * 8;
  const dy = normals(pooledSize);
  const bias = normals(8);
  const run = (b: Backend) => {
    const unfolded = b.alloc(cols.length);
    b.im2col(b.fromValues(image), g, unfolded, 0);
    // One channel: runs of 5 floats, copied 8 at a time except each image's last (parts must not
    // write into each other's rows).
    const digits = b.alloc(40 * 784 * 25);
    b.im2col(b.fromValues(small), sg, digits, 0);
    const folded = b.alloc(image.length);
    b.col2im(b.fromValues(cols), g, folded);
    const pooled = b.alloc(pooledSize);
    const argmax = b.alloc(pooledSize);
    b.maxPool(b.fromValues(big), pg, pooled, argmax);
    const dx = b.alloc(big.length);
    b.maxPoolGrad(b.fromValues(dy), argmax, pg, dx);
    // A conv layer's output, 8 channels: leaky ReLU carries a parameter through the integer-only job.
    const activated = b.alloc(big.length);
    b.biasActivation!('leakyRelu', b.fromValues(big), b.fromValues(bias), activated, 8, 0.3);
    return [unfolded, folded, pooled, argmax, dx, activated, digits].map((s) => Array.from(b.read(s)));
  };
  const want = run(single);
  // Parts are claimed by whichever thread is free (a busy machine may leave the worker asleep
  // through these short calls): run until it has taken some.
  for (let r = 0; r < 50 && (r === 0 || pool.workerJobs() === 0); r++) {
    pool.reset();
    const got = run(multi);
    ['im2col', 'col2im', 'maxPool', 'argmax', 'maxPoolGrad', 'biasActivation', 'im2col (1 channel)'].forEach(
      (name, i) => {
        assert.deepEqual(got[i], want[i], name);
      },
    );
    assert.equal(pool.splits(), 6, 'every kernel was split over the workers');
  }
  assert.ok(pool.workerJobs() > 0, "the worker thread ran none of the window kernels' parts");
});

it("splits a predict() batch's softmax (and log-softmax) over the workers, with the same bits", {
  skip: !wasmSimdSupported(),
}, () => {
  const { single, multi, pool } = backendPair(nodeGemmPool(2)!);
  const rng = new Rng(19);
  // 1000 rows of 10 (an MNIST output layer at batch 1000), 997 ragged rows of 13 and 300 of 37
  // (each part's row of exponentials over several 128-byte blocks): all above the split
  // threshold, the second with a short last block.
  const shapes: [number, number][] = [
    [1000, 10],
    [997, 13],
    [300, 37],
  ];
  const inputs = shapes.map(([rows, cols]) =>
    Float32Array.from({ length: rows * cols }, () => 4 * rng.normal()),
  );
  const run = (b: Backend) =>
    shapes.flatMap(([rows, cols], i) =>
      [false, true].map((log) => {
        const out = b.alloc(rows * cols);
        b.softmax!(b.fromValues(inputs[i]!), rows, cols, 1, out, log);
        return Array.from(b.read(out));
      }),
    );
  const want = run(single);
  // Parts are claimed by whichever thread is free (a busy machine may leave the worker asleep
  // through a few short calls): run until it has taken some.
  for (let r = 0; r < 50 && (r === 0 || pool.workerJobs() === 0); r++) {
    pool.reset();
    const got = run(multi);
    got.forEach((values, i) => {
      assert.deepEqual(values, want[i], `softmax case ${i}`);
    });
    assert.equal(pool.splits(), 6, 'every softmax was split over the workers');
  }
  assert.ok(pool.workerJobs() > 0, "the worker thread ran none of the softmax's parts");
});

it('runs convolution in parts over the workers (forward, dW, dX) with the same bits as one thread', {
  skip: !wasmSimdSupported(),
}, () => {
  const { single, multi, pool } = backendPair(nodeGemmPool(2)!);
  const rng = new Rng(8);
  const normals = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  // 40 one-channel digits under 5×5×8 'same' (7 parts of 6 images), 24 maps of 14×14×8 under 5×5×16.
  for (const [shape, filters] of [
    [[40, 28, 28, 1], 8],
    [[24, 14, 14, 8], 16],
  ] as const) {
    const g = windowGeometry('test', shape, [5, 5], [1, 1], [1, 1], 'same');
    const x = normals((shape as readonly number[]).reduce((a, b) => a * b, 1));
    const w = normals(25 * shape[3] * filters);
    const dense = normals(g.batch * g.outH * g.outW * filters);
    // As after ReLU and max pooling: most of dY zero, so dW and dX skip the zeros.
    const sparse = dense.map((v, i) => (i % 7 === 0 || rng.uniform() < 0.2 ? v : 0));
    for (const dy of [dense, sparse]) {
      const label = `${shape.join('×')} ${dy === sparse ? 'mostly-zero' : 'dense'} dY`;
      const run = (b: Backend) => {
        const out = b.alloc(dy.length);
        const dw = b.alloc(w.length);
        const dx = b.alloc(x.length);
        assert.ok(b.convForward?.(b.fromValues(x), g, b.fromValues(w), filters, out), 'forward taken');
        assert.ok(b.convKernelGrad?.(b.fromValues(x), g, b.fromValues(dy), filters, dw), 'dW taken');
        assert.ok(b.convInputGrad?.(b.fromValues(dy), g, b.fromValues(w), filters, dx), 'dX taken');
        return [out, dw, dx].map((s) => Array.from(b.read(s)));
      };
      const before = sparseProductCount();
      const want = run(single);
      const skipped = sparseProductCount() - before;
      assert.equal(skipped, dy === dense ? 0 : 2, `${label}: products that skipped zeros`);
      const got = run(multi);
      ['forward', 'dW', 'dX'].forEach((name, i) => {
        assert.deepEqual(got[i], want[i], `${label} ${name}: threads`);
      });
      // Skipping zeros gives the dense kernels' bits.
      setSkipZeros(false);
      const denseKernels = run(single);
      setSkipZeros(true);
      ['forward', 'dW', 'dX'].forEach((name, i) => {
        assert.deepEqual(denseKernels[i], want[i], `${label} ${name}: skipping zeros or not`);
      });
    }
  }
  assert.ok(pool.workerJobs() > 0, 'the worker thread ran none of the convolution parts');
});
