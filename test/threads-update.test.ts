/**
 * Adam's update over worker threads (src/backend/wasm/update.ts): a large buffer is cut into parts
 * that update in place, with the same bits as one thread — and, since a part must never run twice,
 * a worker fault redoes only the parts that never started, and a part left half done throws. And
 * the activation gradients (unaryGrad) of large tensors, cut into parts the same way.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend, UpdateRule } from '../src/backend/backend.js';
import { wasmSimdSupported } from '../src/backend/wasm/index.js';
import { TrainingError } from '../src/errors.js';
import { Rng } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';
import { backends, watchWarnings } from './pool-backends.js';

const skip = !wasmSimdSupported();

const warnings = watchWarnings();

// Over the parallel threshold, and not a multiple of 4: the last part ends with single values.
const n = 150_003;
const rng = new Rng(7);
const w0 = Float32Array.from({ length: n }, () => rng.normal());
const grads = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.normal() * 0.1));

/** Adam's rule at step t (as Adam.fusedRule works it out). */
function rule(t: number): UpdateRule {
  const [lr, beta1, beta2, eps] = [1e-3, 0.9, 0.999, 1e-7];
  const c1 = 1 - beta1 ** t;
  const c2 = 1 - beta2 ** t;
  return { kind: 'adam', stepSize: (lr * Math.sqrt(c2)) / c1, beta1, beta2, epsilonHat: eps * Math.sqrt(c2) };
}

/** Three Adam steps on `backend`: the weights and both moments after them. */
function steps(backend: Backend): Float32Array[] {
  const w = backend.fromValues(w0);
  const state = [backend.alloc(n), backend.alloc(n)];
  grads.forEach((g, i) => {
    backend.update!(rule(i + 1), w, backend.fromValues(g), state);
  });
  return [w, ...state].map((s) => Float32Array.from(backend.read(s)));
}

it('splits a large Adam update over the workers, with the same bits as one thread', { skip }, () => {
  const { single, multi, pool } = backends(nodeGemmPool(2)!);
  const expected = steps(single);
  // Parts are claimed by whichever thread is free: run until a worker has taken some.
  for (let i = 0; i < 50 && pool().jobsRunByWorkers() === 0; i++) {
    assert.deepEqual(steps(multi), expected, `run ${i + 1}`);
  }
  assert.ok(pool().jobsRunByWorkers() > 0, 'the worker thread ran none of the parts');
  // And the update is Adam's: one value against float64 arithmetic.
  const g = grads[0]![5]!;
  const m = 0.1 * g;
  const v = 0.001 * g * g;
  const first = single.fromValues(w0);
  single.update!(rule(1), first, single.fromValues(grads[0]!), [single.alloc(n), single.alloc(n)]);
  const want =
    w0[5]! - (rule(1) as { stepSize: number }).stepSize * (m / (Math.sqrt(v) + 1e-7 * Math.sqrt(0.001)));
  assert.ok(Math.abs(single.read(first)[5]! - want) < 1e-6, `${single.read(first)[5]} vs ${want}`);
});

it('a worker whose kernel throws: the parts it never started are redone here, none twice', {
  skip,
}, () => {
  const { single, multi, pool } = backends(
    nodeGemmPool(2, {
      workerPrelude: `
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function (m, imports) {
  const exports = { ...new RealInstance(m, imports).exports };
  exports.adamPart = () => { throw new Error('injected fault'); };
  return { exports };
};`,
    })!,
  );
  const expected = steps(single);
  for (let i = 0; i < 50 && warnings.length === 0; i++)
    assert.deepEqual(steps(multi), expected, `run ${i + 1}`);
  assert.equal(warnings.length, 1, 'one warning');
  assert.match(warnings[0]!, /failed during a call/);
  assert.deepEqual(steps(multi), expected, 'after the fault, on one thread');
  assert.equal(pool().jobsRunByWorkers(), 0);
});

it('a worker that dies in the middle of a part: the update throws instead of applying it twice', {
  skip,
}, () => {
  const { multi } = backends(
    nodeGemmPool(2, {
      // Marks its part started (as the kernel does first), then exits before finishing it.
      workerPrelude: `
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function (m, imports) {
  const exports = { ...new RealInstance(m, imports).exports };
  exports.adamPart = (...args) => {
    new Int32Array(imports.env.memory.buffer)[args[11] >> 2] = 1;
    process.exit(3);
  };
  return { exports };
};`,
    })!,
  );
  assert.throws(
    () => {
      for (let i = 0; i < 50; i++) steps(multi);
    },
    (error: Error) =>
      error instanceof TrainingError &&
      /failed in the middle of its update of 150003 weights.*inconsistent/.test(error.message),
  );
});

it('splits large activation gradients (unaryGrad) over the workers, with the same bits', { skip }, () => {
  const { single, multi, pool } = backends(nodeGemmPool(2)!);
  const size = 64 * 28 * 28 * 8 + 3; // a conv layer's output, plus a ragged end
  const x = Float32Array.from({ length: size }, () => rng.normal());
  x[10] = 0;
  x[11] = Number.NaN;
  const dy = Float32Array.from({ length: size }, () => rng.normal());
  for (const [op, p0] of [
    ['relu', 0],
    ['leakyRelu', 0.2],
    ['sigmoid', 0],
    ['tanh', 0],
  ] as const) {
    const results = [single, multi].map((backend) => {
      const xs = backend.fromValues(x);
      const y = backend.alloc(size);
      backend.unary!(op, xs, y, p0);
      const out = backend.alloc(size);
      backend.unaryGrad!(op, xs, y, backend.fromValues(dy), out, p0);
      return Float32Array.from(backend.read(out));
    });
    assert.deepEqual(results[1], results[0], op);
    // relu's gradient passes dy where x > 0 and 0 elsewhere (NaN included).
    if (op === 'relu')
      for (const i of [0, 10, 11, size - 1]) assert.equal(results[0]![i], x[i]! > 0 ? dy[i] : 0);
  }
  for (let i = 0; i < 50 && pool().jobsRunByWorkers() === 0; i++) {
    const out = multi.alloc(size);
    multi.unaryGrad!('relu', multi.fromValues(x), multi.fromValues(x), multi.fromValues(dy), out, 0);
  }
  assert.ok(pool().jobsRunByWorkers() > 0, 'the worker thread ran none of the parts');
});
