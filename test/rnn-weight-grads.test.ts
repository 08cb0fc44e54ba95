/**
 * The wasm backend's whole-sequence LSTM backward also computes the weight gradients from dz as it
 * packs it (lstmSequenceBackward's `weights`): dU by k-blocked products, db by column sums over
 * the packed panels, and dW = xᵀ·dz skipping x's zeros (lstmListInputs + lstmInputGradPart) when x
 * is mostly zeros and dz finite. Each must give the bits the step-by-step path gives (matmul and
 * reduce), with zeros skipped or not, on one thread and two, and stay close to the TypeScript
 * backend (an independent implementation); with Inf/NaN in dz, dW is left to matmul.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend } from '../src/backend/backend.js';
import { backendByName } from '../src/backend/registry.js';
import { tsBackend } from '../src/backend/ts/index.js';
import { type GemmJob, MAX_JOBS } from '../src/backend/wasm/gemm-pool.js';
import { createWasmBackend, setGemmPoolFactory, setSkipZeros } from '../src/backend/wasm/index.js';
import { Rng, Tensor, wasmSimdSupported } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';
import { lstmValues, runLstm } from './lstm-sequence-runs.js';

const skip = !wasmSimdSupported();

/** x [batch, time, features] with `zeros` of its values +0 or −0 (MNIST-like), the rest normal. */
function sparseInput(shape: [number, number, number], zeros: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const n = shape[0] * shape[1] * shape[2];
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform() < zeros ? (i % 3 === 0 ? -0 : 0) : rng.normal();
  return new Tensor(tsBackend.fromValues(v), shape, tsBackend);
}

/** Wraps a wasm backend: the step-by-step path, and one counting the weight gradients taken. */
function variants(wasm: Backend) {
  const taken = { calls: 0, du: 0, dw: 0, db: 0 };
  const steps: Backend = {
    ...wasm,
    name: 'wasm-steps',
    lstmSequenceForward: undefined,
    lstmSequenceBackward: undefined,
  };
  const whole: Backend = {
    ...wasm,
    name: 'wasm-whole',
    lstmSequenceBackward: (...a) => {
      const ok = wasm.lstmSequenceBackward!(...a);
      if (ok !== false) taken.calls++;
      if (typeof ok === 'object') {
        if (ok.du) taken.du++;
        if (ok.dw) taken.dw++;
        if (ok.db) taken.db++;
      }
      return ok;
    },
  };
  return { steps, whole, taken };
}

/** [batch, time, features, units]: k = time·batch over a block of 256 rows or not; width 16 (panels
 * one by one), 48 (a 32-column group and two panels) and 128; features odd and 28. */
const SHAPES: [number, number, number, number][] = [
  [4, 3, 5, 4],
  [64, 5, 7, 12],
  [8, 40, 28, 32],
];

function valuesFor(shape: [number, number, number, number], seed: number): Tensor[] {
  return lstmValues(shape, seed, sparseInput([shape[0], shape[1], shape[2]], 0.8, seed));
}

it('wasm: the LSTM weight gradients from the whole backward equal the step path bit for bit', {
  skip,
}, () => {
  const { steps, whole, taken } = variants(backendByName('wasm'));
  let seed = 1;
  for (const shape of SHAPES) {
    const values = valuesFor(shape, (seed += 10));
    // Without x's gradient dz is not kept (each step's in one place; dW, dU, db from the packed dz).
    for (const [bias, states, goBackwards, xGrad] of [
      [true, true, false, true],
      [false, false, true, true],
      [true, false, false, false],
    ] as const) {
      const options = { bias, states, goBackwards, xGrad };
      for (const skipZeros of [true, false]) {
        setSkipZeros(skipZeros);
        try {
          const before = { ...taken };
          const got = runLstm(whole, values, options);
          assert.equal(taken.calls, before.calls + 1, 'the whole backward ran');
          assert.equal(taken.du, before.du + 1, 'it gave dU');
          assert.equal(taken.db, before.db + (bias ? 1 : 0), 'it gave db when there is a bias');
          // x is 80 % zeros: dW skips them unless skipping is off (then matmul computes it).
          assert.equal(taken.dw, before.dw + (skipZeros ? 1 : 0), 'it gave dW when skipping zeros');
          const want = runLstm(steps, values, options);
          for (const [i, v] of got.entries()) {
            assert.deepEqual(
              v,
              want[i],
              `${shape} ${JSON.stringify(options)} skip ${skipZeros}: result ${i}`,
            );
          }
        } finally {
          setSkipZeros(true);
        }
      }
      // An independent implementation (the TypeScript backend's loops) agrees closely.
      const ts = runLstm(tsBackend, values, options);
      const got = runLstm(whole, values, options);
      for (const [i, v] of got.entries()) {
        const ref = ts[i]!;
        let scale = 0;
        for (const r of ref) scale = Math.max(scale, Math.abs(r));
        for (let j = 0; j < v.length; j++) {
          assert.ok(
            Math.abs(v[j]! - ref[j]!) <= 1e-4 * (scale + 1),
            `${shape} ${JSON.stringify(options)}: result ${i}[${j}] ${v[j]} vs the TypeScript backend's ${ref[j]}`,
          );
        }
      }
    }
  }
});

it('wasm: with Inf/NaN in dz the input kernel gradient keeps the dense product bits', { skip }, () => {
  const { steps, whole, taken } = variants(backendByName('wasm'));
  const values = valuesFor([8, 6, 5, 8], 500);
  // With x's gradient dz is kept and dW left to matmul; without, dW lists every value of x.
  for (const xGrad of [true, false]) {
    const options = { bias: true, states: false, goBackwards: false, poison: true, xGrad };
    const before = taken.dw;
    const got = runLstm(whole, values, options);
    assert.equal(taken.dw, before + (xGrad ? 0 : 1), `xGrad ${xGrad}: dW from the backward`);
    const want = runLstm(steps, values, options);
    const dw = got[xGrad ? 3 : 2]!;
    assert.ok(
      dw.some((v) => Number.isNaN(v)),
      'NaN reaches the kernel gradient',
    );
    for (const [i, v] of got.entries()) assert.deepEqual(v, want[i], `xGrad ${xGrad}: result ${i}`);
  }
});

/**
 * On `wasm` (a pooled backend), with and without x's gradient: dW comes from the sparse kernel and
 * every output and gradient has the bits of the step-by-step path.
 */
function sameBitsAsSteps(wasm: Backend, shape: [number, number, number, number], seed: number): void {
  const { steps, whole, taken } = variants(wasm);
  const values = valuesFor(shape, seed);
  for (const xGrad of [true, false]) {
    const options = { bias: true, states: true, goBackwards: false, xGrad };
    const before = taken.dw;
    const got = runLstm(whole, values, options);
    assert.equal(taken.dw, before + 1, 'dW from the sparse kernel');
    const want = runLstm(steps, values, options);
    for (const [i, v] of got.entries()) assert.deepEqual(v, want[i], `xGrad ${xGrad}: result ${i}`);
  }
}

it('wasm: with worker threads the weight gradients give the same bits', { skip }, () => {
  const inner = nodeGemmPool(2);
  assert.ok(inner, 'worker threads are available');
  setGemmPoolFactory(inner);
  const threaded = createWasmBackend();
  setGemmPoolFactory(null);
  sameBitsAsSteps(threaded, [64, 6, 28, 32], 900);
});

it('wasm: with many threads (40) the weight gradients stay within the job limit of a pool call, same bits', {
  skip,
}, () => {
  // A pool reporting 40 workers that runs every part here, and refuses a call publishing more than
  // MAX_JOBS as the real pool does: x's lists, dU and db at a part per thread each were 3 × 40.
  let published: readonly GemmJob[] = [];
  let largest = 0;
  setGemmPoolFactory(() => ({
    workers: 39,
    start: (jobs) => {
      if (jobs.length > MAX_JOBS)
        throw new Error(`a pool call may publish ${MAX_JOBS} jobs, got ${jobs.length}`);
      largest = Math.max(largest, jobs.length);
      published = jobs;
      return true;
    },
    help: (run) => {
      for (const job of published) run(job);
    },
    wait: () => {},
    jobsRunByWorkers: () => 0,
  }));
  const many = createWasmBackend();
  setGemmPoolFactory(null);
  sameBitsAsSteps(many, [64, 6, 28, 128], 950);
  assert.ok(largest > 40, `the calls were split over the 40 threads (largest call: ${largest} parts)`);
});

it('wasm: gradients the whole backward leaves undone go into the storage offered to it', { skip }, () => {
  // The op allocates dU, dW and db before offering them to the backend; what the backend does not
  // write (it refuses the call, or writes only some) is computed into that storage, not beside it.
  const wasm = backendByName('wasm');
  const { steps } = variants(wasm);
  const refuses: Backend = { ...wasm, name: 'wasm-refuses', lstmSequenceBackward: () => false };
  let offered = 0;
  const onlyDw: Backend = {
    ...wasm,
    name: 'wasm-only-dw',
    lstmSequenceBackward: (batch, units, time, gates, u, cs, gs, dhdc, dz, h0Grad, weights) => {
      if (weights?.du) offered++;
      // Asked for dW alone, the backend writes dz too (the op reads it for dU and db).
      const only = weights ? { ...weights, du: null, db: null, dzWanted: true } : null;
      const done = wasm.lstmSequenceBackward!(batch, units, time, gates, u, cs, gs, dhdc, dz, h0Grad, only);
      return typeof done === 'object' ? { ...done, du: false, db: false } : done;
    },
  };
  let seed = 700;
  for (const shape of SHAPES) {
    const values = valuesFor(shape, (seed += 10));
    for (const xGrad of [true, false]) {
      const options = { bias: true, states: true, goBackwards: false, xGrad };
      const want = runLstm(steps, values, options);
      for (const backend of [refuses, onlyDw]) {
        const got = runLstm(backend, values, options);
        for (const [i, v] of got.entries())
          assert.deepEqual(v, want[i], `${backend.name} ${shape} xGrad ${xGrad}: result ${i}`);
      }
    }
  }
  assert.ok(offered > 0, 'the backend was offered dU');
});
