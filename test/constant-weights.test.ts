/**
 * predict() and evaluate() declare the model's weights constant around their batch loop
 * (Backend.withConstants), so the wasm backend packs each weight once per call instead of once per
 * batch (constant-packs.ts). The predictions must be the bits of the same calls without the
 * reuse: on the zero-skipping path (B in 24-column panels, and B read in place with only its
 * finite check kept), on the dense path (8-column panels), and with an Inf in a weight (the dense
 * path, however many zeros the input has). Nothing kept may outlive the call: a weight changed
 * between two calls, or after a scope that threw, is read afresh.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Storage } from '../src/backend/backend.js';
import { sparseProductCount } from '../src/backend/wasm/index.js';
import { Dense, getBackend, manualSeed, Rng, Sequential, type Tensor, tensor } from '../src/index.js';
import { describeEachBackend } from './helpers.js';

const SAMPLES = 64;
const BATCH = 16;

/**
 * 784-256-300-10: the first product's B (784×256) goes in sparse panels, the second's (256×300,
 * under 2^17 values) is read in place with only its finite check kept, the last (n = 10) takes
 * the dense kernel's panels. With sigmoid and an input without zeros, every product is dense.
 */
function model(activation: 'relu' | 'sigmoid' = 'relu'): Sequential {
  manualSeed(7);
  const m = new Sequential();
  m.add(new Dense({ units: 256, activation, inputDim: 784 }));
  m.add(new Dense({ units: 300, activation }));
  m.add(new Dense({ units: 10, activation: 'softmax' }));
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return m;
}

/** SAMPLES×784 normal values, `zeros` of them zero (MNIST-like pixels: 0.8). */
function inputs(zeros: number, seed = 3): Tensor {
  const rng = new Rng(seed);
  const v = Float32Array.from({ length: SAMPLES * 784 }, () => (rng.uniform() < zeros ? 0 : rng.normal()));
  return tensor(v, { shape: [SAMPLES, 784] });
}

function oneHot(): Tensor {
  const v = new Float32Array(SAMPLES * 10);
  for (let i = 0; i < SAMPLES; i++) v[i * 10 + ((i * 7) % 10)] = 1;
  return tensor(v, { shape: [SAMPLES, 10] });
}

/** fn run with the backend's constant scope switched off: every product packs its B itself. */
function withoutReuse<T>(fn: () => T): T {
  const backend = getBackend();
  const saved = backend.withConstants;
  backend.withConstants = undefined;
  try {
    return fn();
  } finally {
    backend.withConstants = saved;
  }
}

function assertSameBits(actual: Tensor | Float32Array, expected: Tensor | Float32Array, what: string): void {
  const a = actual instanceof Float32Array ? actual : actual.dataSync();
  const e = expected instanceof Float32Array ? expected : expected.dataSync();
  assert.equal(a.length, e.length, what);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], e[i])) assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

/** A weight's values overwritten where the backend does not see the write (through its view). */
function overwrite(w: Tensor, f: (v: number, i: number) => number): void {
  const view = w.storage.view();
  for (let i = 0; i < view.length; i++) view[i] = f(view[i]!, i);
}

describeEachBackend('predict/evaluate with the weights packed once per call', () => {
  for (const [path, zeros, activation] of [
    ['zero-skipping', 0.8, 'relu'],
    ['dense', 0, 'sigmoid'],
  ] as const) {
    it(`gives the bits of the same calls without the reuse (${path} path)`, () => {
      const m = model(activation);
      const x = inputs(zeros);
      const y = oneHot();
      const sparse0 = sparseProductCount();
      const expected = withoutReuse(() => m.predict(x, { batchSize: BATCH }));
      const sparseProducts = sparseProductCount() - sparse0;
      const expectedLogs = withoutReuse(() => m.evaluate(x, y, { batchSize: BATCH }));
      if (getBackend().name === 'wasm') {
        // Each batch: the first two products skip zeros on the sparse path, none on the dense one.
        if (zeros > 0) assert.equal(sparseProducts, (2 * SAMPLES) / BATCH);
        else assert.equal(sparseProducts, 0);
      }
      assertSameBits(m.predict(x, { batchSize: BATCH }), expected, 'predict');
      assert.deepEqual(m.evaluate(x, y, { batchSize: BATCH }), expectedLogs);
    });
  }

  it('takes the dense path for a weight with an Inf, as without the reuse', () => {
    const m = model();
    const x = inputs(0.8);
    const kernel = m.weights[0]!.tensor;
    assert.deepEqual(kernel.shape, [784, 256]);
    // Row 5 of the first kernel: a sample whose pixel 5 is zero gets NaN (0·Inf) on the dense path
    // only; skipping its zeros would give finite predictions.
    overwrite(kernel, (v, i) => (i === 5 * 256 + 3 ? Number.POSITIVE_INFINITY : v));
    const expected = withoutReuse(() => m.predict(x, { batchSize: BATCH })).dataSync();
    const pixels = x.dataSync();
    let zeroAt5 = 0;
    for (let s = 0; s < SAMPLES; s++) {
      if (pixels[s * 784 + 5] !== 0) continue;
      zeroAt5++;
      assert.ok(expected.subarray(s * 10, s * 10 + 10).every(Number.isNaN), `sample ${s}: 0·Inf`);
    }
    assert.ok(zeroAt5 > SAMPLES / 2);
    assertSameBits(m.predict(x, { batchSize: BATCH }), expected, 'predict');
  });

  it('reads a weight changed between two predict() calls afresh', () => {
    const m = model();
    const twin = model(); // the same weights in storages no scope has seen
    const x = inputs(0.8);
    const before = m.predict(x, { batchSize: BATCH }).dataSync();
    // Every weight changed in place, unseen by the backend: a packed copy kept past the first call
    // would give the first call's products.
    for (const mm of [m, twin]) for (const w of mm.weights) overwrite(w.tensor, (v) => v * 0.5 + 0.01);
    const expected = twin.predict(x, { batchSize: BATCH }).dataSync();
    assert.ok(!expected.every((v, i) => Object.is(v, before[i])), 'the change moves the predictions');
    assertSameBits(m.predict(x, { batchSize: BATCH }), expected, 'after an in-place change');
    // And through setWeights (the backend's copy), too.
    const negated = twin.weights.map((w) => w.tensor.mul(-1));
    m.setWeights(negated);
    twin.setWeights(negated);
    assertSameBits(
      m.predict(x, { batchSize: BATCH }),
      twin.predict(x, { batchSize: BATCH }),
      'after setWeights',
    );
  });

  it('drops what it kept of a weight the backend writes inside the scope (setWeights)', () => {
    const backend = getBackend();
    const m = model();
    const x = inputs(0.8);
    const w = m.weights[0]!.tensor;
    const changed = w.mul(0.5);
    const expected = x.matmul(changed).dataSync();
    const run = <T>(constants: Storage[], fn: () => T): T =>
      backend.withConstants ? backend.withConstants(constants, fn) : fn();
    run([w.storage], () => {
      x.matmul(w).dataSync();
      m.setWeights([changed, ...m.getWeights().slice(1)]);
      assertSameBits(x.matmul(w), expected, 'after setWeights in the scope');
    });
  });

  it('drops what it kept of a weight written through a slice, by stridedCopy or by a scatter-add', () => {
    const backend = getBackend();
    const m = model();
    const run = <T>(constants: Storage[], fn: () => T): T =>
      backend.withConstants ? backend.withConstants(constants, fn) : fn();
    // The first kernel (784×256: sparse panels kept) and the second (256×300: only "all finite"
    // kept, B read in place); an Inf written into the second must send its product down the dense
    // path (0·Inf is NaN), as a fresh copy of it does.
    for (const [index, k, n] of [
      [0, 784, 256],
      [2, 256, 300],
    ] as const) {
      const w = m.weights[index]!.tensor;
      const rng = new Rng(5);
      const x = tensor(
        Float32Array.from({ length: SAMPLES * k }, () => (rng.uniform() < 0.8 ? 0 : rng.normal())),
        { shape: [SAMPLES, k] },
      );
      const values = (count: number, value: number) =>
        backend.fromValues(new Float32Array(count).fill(value));
      const writes: [string, () => void][] = [
        [
          'copy into a slice of it',
          () => backend.copy(values(n, Infinity), backend.slice(w.storage, 3 * n, 4 * n)),
        ],
        [
          'stridedCopy',
          () => backend.stridedCopy(values(7, -2), 0, [1], w.storage, 5 * n + 1, [n], [7], false),
        ],
        [
          'scatterAddRows',
          () => backend.scatterAddRows(values(2 * n, 1.5), n, Int32Array.of(1, k - 1), w.storage),
        ],
        [
          'scatterAddAxis',
          () => backend.scatterAddAxis(values(n, 0.25), 1, k, n, Int32Array.of(2), w.storage),
        ],
      ];
      const original = tensor(w.dataSync(), { shape: w.shape });
      for (const [what, write] of writes) {
        // Each write on the original weight (an Inf left by the first would send every later
        // product down the dense path, which reads the weight in place).
        backend.copy(original.storage, w.storage);
        run([w.storage], () => {
          x.matmul(w).dataSync();
          write();
          const fresh = tensor(w.dataSync(), { shape: w.shape });
          assertSameBits(x.matmul(w), x.matmul(fresh), `kernel ${index}, ${what}`);
        });
      }
    }
  });

  it('leaves nothing kept behind a scope that threw', () => {
    const backend = getBackend();
    const m = model();
    const x = inputs(0.8);
    const w = m.weights[0]!.tensor;
    const run = <T>(constants: Storage[], fn: () => T): T =>
      backend.withConstants ? backend.withConstants(constants, fn) : fn();
    assert.throws(
      () =>
        run([w.storage], () => {
          x.matmul(w).dataSync();
          throw new Error('boom');
        }),
      /boom/,
    );
    overwrite(w, (v) => -v);
    // Outside any scope now: the product must read the changed weight, as a fresh copy of it does.
    const fresh = tensor(w.dataSync(), { shape: w.shape });
    assertSameBits(x.matmul(w), x.matmul(fresh), 'after the throw');
    // And a later scope packs afresh too.
    run([w.storage], () => {
      assertSameBits(x.matmul(w), x.matmul(fresh), 'in a later scope');
    });
  });
});
