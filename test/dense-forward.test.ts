/**
 * A Dense layer's forward without a gradient (ops/dense-forward.ts, Backend.matmulBiasActivation):
 * the same bits as matmul then biasActivation (or the bias add and softmax), on every backend, on
 * one thread and split over worker threads with the bias and activation chained to each part of
 * the product; and close to a float64 reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, MatmulSpec, UnaryOp } from '../src/backend/backend.js';
import { wasmSimdSupported } from '../src/backend/wasm/index.js';
import { backendByName, Dense, noGrad, Rng, Tensor, tensor } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';
import { biasActivation } from '../src/ops/bias-activation.js';
import { type DenseActivation, denseForward } from '../src/ops/dense-forward.js';
import { assertClose, describeEachBackend } from './helpers.js';
import { backends, counting, watchWarnings } from './pool-backends.js';

const ACTIVATIONS: DenseActivation[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'softmax'];

/** Values of a normal, `zeros` of them (a fraction) zero: MNIST-like inputs take the sparse product. */
function values(rng: Rng, length: number, zeros = 0): Float32Array {
  return Float32Array.from({ length }, () => (rng.uniform() < zeros ? 0 : rng.normal()));
}

/** f(x·W + b) in float64. */
function reference(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  f: DenseActivation,
) {
  const out = new Float64Array(m * n);
  const act: Record<Exclude<DenseActivation, 'softmax'>, (z: number) => number> = {
    linear: (z) => z,
    sigmoid: (z) => 1 / (1 + Math.exp(-z)),
    tanh: Math.tanh,
    relu: (z) => Math.max(z, 0),
    leakyRelu: (z) => (z > 0 ? z : 0.01 * z),
    elu: (z) => (z > 0 ? z : Math.exp(z) - 1),
  };
  for (let i = 0; i < m; i++) {
    const row = out.subarray(i * n, (i + 1) * n);
    for (let j = 0; j < n; j++) {
      let z = b[j]!;
      for (let p = 0; p < k; p++) z += x[i * k + p]! * w[p * n + j]!;
      row[j] = f === 'softmax' ? z : act[f](z);
    }
    if (f === 'softmax') {
      const max = Math.max(...row);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += row[j] = Math.exp(row[j]! - max);
      for (let j = 0; j < n; j++) row[j]! /= sum;
    }
  }
  return Array.from(out);
}

/** One m×k·k×n product, neither operand transposed. */
function plainSpec(m: number, k: number, n: number): MatmulSpec {
  return { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: m * k, bBatchStride: k * n };
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      assert.fail(`${what}: element ${i} is ${actual[i]}, unfused ${expected[i]}`);
  }
}

// [m, k, n, share of zeros in x]: the sparse product (mostly zeros), packed A (n ≥ 32), A in place
// with a ragged last panel (n < 32, m not a multiple of 4), and a single row.
const SHAPES: [number, number, number, number][] = [
  [37, 784, 100, 0.8],
  [45, 50, 40, 0],
  [23, 30, 10, 0],
  [1, 9, 5, 0],
];

describeEachBackend('denseForward', () => {
  const rng = new Rng(5);
  for (const [m, k, n, zeros] of SHAPES) {
    it(`${m}×${k}×${n}: the unfused ops' bits and the float64 values, for every activation`, () => {
      const xv = values(rng, m * k, zeros);
      const wv = values(rng, k * n).map((v) => v * 0.1);
      const bv = values(rng, n);
      const x = tensor(xv, { shape: [m, k] });
      const w = tensor(wv, { shape: [k, n] });
      const b = tensor(bv, { shape: [n] });
      for (const f of ACTIVATIONS) {
        const fused = noGrad(() => denseForward(x, w, b, f));
        const expected = noGrad(() => {
          const z = x.matmul(w);
          return f === 'softmax' ? z.add(b).softmax(-1) : biasActivation(z, b, f);
        });
        assert.deepEqual(fused.shape, [m, n]);
        assertSameBits(fused.dataSync(), expected.dataSync(), `${f}`);
        assertClose(fused, reference(xv, wv, bv, m, k, n, f), 1e-4, 1e-4);
      }
    });
  }

  it('a Dense layer gives the same bits with and without a gradient recorded', () => {
    for (const activation of ACTIVATIONS) {
      const layer = new Dense({ units: 24, activation, inputDim: 50 });
      const x = tensor(values(rng, 7 * 50, 0.5), { shape: [7, 50] });
      const recorded = layer.apply(x) as Tensor;
      const fused = noGrad(() => layer.apply(x) as Tensor);
      assert.ok(recorded.requiresGrad, 'the recorded forward keeps its graph');
      assertSameBits(fused.dataSync(), recorded.dataSync(), activation);
    }
  });
});

describe('denseForward on a backend without matmulBiasActivation', () => {
  it('composes the ops: the bits of the backend with the call', () => {
    const ts = backendByName('ts');
    const bare: Backend = { ...ts, name: 'bare', matmulBiasActivation: undefined };
    const rng = new Rng(6);
    const [xv, wv, bv] = [values(rng, 6 * 20, 0.5), values(rng, 20 * 8), values(rng, 8)];
    for (const f of ACTIVATIONS) {
      const [withCall, without] = [ts, bare].map((backend) => {
        const on = (v: Float32Array, shape: number[]) => new Tensor(backend.fromValues(v), shape, backend);
        return noGrad(() => denseForward(on(xv, [6, 20]), on(wv, [20, 8]), on(bv, [8]), f)).dataSync();
      });
      assertSameBits(without!, withCall!, f);
    }
  });
});

/** The backend's fused call, on storages of `backend`. */
function fusedCall(
  backend: Backend,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  spec: MatmulSpec,
  f: UnaryOp | 'softmax' | null,
  p0: number,
): Float32Array {
  const out = backend.alloc(spec.m * spec.n);
  backend.matmulBiasActivation!(
    backend.fromValues(x),
    backend.fromValues(w),
    out,
    spec,
    backend.fromValues(b),
    f,
    p0,
  );
  return backend.read(out);
}

/** The kernels in turn: matmul, then biasActivation (or the bias alone and softmax). */
function unfusedCall(
  backend: Backend,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  spec: MatmulSpec,
  f: UnaryOp | 'softmax' | null,
  p0: number,
): Float32Array {
  const z = backend.alloc(spec.m * spec.n);
  backend.matmul(backend.fromValues(x), backend.fromValues(w), z, spec);
  const out = backend.alloc(spec.m * spec.n);
  backend.biasActivation!(f === 'softmax' ? null : f, z, backend.fromValues(b), out, spec.n, p0);
  if (f === 'softmax') backend.softmax!(out, spec.m, spec.n, 1, out, false);
  return backend.read(out);
}

describe('matmulBiasActivation on worker threads', { skip: !wasmSimdSupported() }, () => {
  const warnings = watchWarnings();
  it('chains the bias and activation to each part: the bits of one thread and of the kernels in turn', () => {
    const pool = counting(nodeGemmPool(2)!);
    const { single, multi } = backends(pool.factory);
    const rng = new Rng(9);
    // Split products: the sparse one of predict's first layer (mostly zeros, over 2^23 multiply-adds),
    // its softmax head (≥ 512 rows, A in place, a ragged last panel), and a packed one (n ≥ 32).
    for (const [m, k, n, zeros, f, p0] of [
      [1000, 784, 100, 0.8, 'sigmoid', 0],
      [1003, 100, 10, 0, 'softmax', 0],
      [1003, 100, 10, 0, 'tanh', 0],
      [600, 300, 64, 0, 'leakyRelu', 0.01],
      [520, 200, 100, 0, null, 0],
    ] as const) {
      const x = values(rng, m * k, zeros);
      const w = values(rng, k * n).map((v) => v * 0.1);
      const b = values(rng, n);
      const spec = plainSpec(m, k, n);
      pool.reset();
      const threaded = fusedCall(multi, x, w, b, spec, f, p0);
      assert.ok(pool.splits() > 0, `${m}×${k}×${n}: not split over the workers`);
      const what = `${m}×${k}×${n} ${f}`;
      assertSameBits(threaded, unfusedCall(single, x, w, b, spec, f, p0), what);
      assertSameBits(
        fusedCall(single, x, w, b, spec, f, p0),
        unfusedCall(single, x, w, b, spec, f, p0),
        what,
      );
      assertSameBits(
        unfusedCall(multi, x, w, b, spec, f, p0),
        unfusedCall(single, x, w, b, spec, f, p0),
        what,
      );
    }
    assert.ok(pool.workerJobs() > 0, 'the worker thread ran none of the parts');
  });

  it('a worker that fails in a chained kernel, after its part wrote the rows: the call redone here, same bits', () => {
    // The product and the bias add run in the worker; its softmax throws, so its rows are left
    // half done (in place) and the caller redoes every part, chains included.
    const prelude = `
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function (m, imports) {
  const exports = { ...new RealInstance(m, imports).exports };
  exports.softmax = () => { throw new Error('injected fault in a chained kernel'); };
  return { exports };
};`;
    const { single, multi } = backends(nodeGemmPool(2, { workerPrelude: prelude })!);
    const rng = new Rng(4);
    const [m, k, n] = [1003, 100, 10];
    const x = values(rng, m * k);
    const w = values(rng, k * n).map((v) => v * 0.1);
    const b = values(rng, n);
    const spec = plainSpec(m, k, n);
    const expected = unfusedCall(single, x, w, b, spec, 'softmax', 0);
    for (let call = 0; warnings.length === 0 && call < 200; call++) {
      assertSameBits(fusedCall(multi, x, w, b, spec, 'softmax', 0), expected, `call ${call + 1}`);
    }
    assert.equal(warnings.length, 1, 'one warning');
    assert.match(warnings[0]!, /failed during a call .*redone/);
    assertSameBits(fusedCall(multi, x, w, b, spec, 'softmax', 0), expected, 'after the fault');
  });

  it('an empty product (k = 0) is f(bias) on every row', () => {
    const { single } = backends(nodeGemmPool(2)!);
    const b = Float32Array.from([0.5, -1, 2]);
    const spec: MatmulSpec = {
      batch: 1,
      m: 2,
      k: 0,
      n: 3,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
    };
    const out = fusedCall(single, new Float32Array(0), new Float32Array(0), b, spec, 'relu', 0);
    assert.deepEqual(Array.from(out), [0.5, 0, 2, 0.5, 0, 2]);
  });
});
