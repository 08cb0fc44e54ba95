/**
 * A training loop's mid-sized products (under 2^23 multiply-adds: the 784-100-10 MLP's) go over the
 * worker threads only after WARM_STEPS step scopes, while the worker runs its share of the parts
 * (src/backend/wasm/step-threads.ts); same bits as one thread either way.
 */
import assert from 'node:assert/strict';
import { it, mock } from 'node:test';
import type { Backend, MatmulSpec } from '../src/backend/backend.js';
import { SPIN } from '../src/backend/wasm/gemm-pool.js';
import {
  createWasmBackend,
  type GemmPool,
  type GemmPoolFactory,
  setGemmPoolFactory,
  wasmSimdSupported,
} from '../src/backend/wasm/index.js';
import { BACKOFF, FIRST_LEAD, LEAD, WARM_STEPS, WINDOW } from '../src/backend/wasm/step-threads.js';
import { Rng } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';
import { counting } from './pool-backends.js';

const rng = new Rng(11);
// An MNIST-like batch (80 % zeros: the sparse product), a weight and a layer's dZ.
const x = Float32Array.from({ length: 100 * 784 }, () => (rng.uniform() < 0.8 ? 0 : rng.uniform()));
const w = Float32Array.from({ length: 784 * 100 }, () => rng.normal());
const dz = Float32Array.from({ length: 100 * 100 }, () => rng.normal());

/** op(A)·B on `backend`, read out. */
function product(
  backend: Backend,
  a: Float32Array,
  b: Float32Array,
  spec: Pick<MatmulSpec, 'm' | 'k' | 'n' | 'transA'>,
) {
  const out = backend.alloc(spec.m * spec.n);
  const full: MatmulSpec = { ...spec, transB: false, batch: 1, aBatchStride: 0, bBatchStride: 0 };
  backend.matmul(backend.fromValues(a), backend.fromValues(b), out, full);
  return backend.read(out);
}

/** A training step's two products, a·b (m×k×n) and aᵀ·dz (k×m×n), in a step scope, read out. */
function stepOf(a: Float32Array, b: Float32Array, dz: Float32Array, m: number, k: number, n: number) {
  return (backend: Backend): Float32Array[] => {
    backend.beginStep!();
    try {
      return [
        product(backend, a, b, { m, k, n, transA: false }),
        product(backend, a, dz, { m: k, k: m, n, transA: true }),
      ];
    } finally {
      backend.endStep!();
    }
  };
}

/** One step of the MLP's first layer: x·W1 and xᵀ·dZ1 (7.8M multiply-adds each). */
const step = stepOf(x, w, dz, 100, 784, 100);

/**
 * `twoProducts` on a 2-thread backend past the warm-up: one thread through the one-thread window,
 * then split within the lead (whatever the timing said), the same bits as a one-thread backend.
 */
function assertSplitAfterWarmUp(twoProducts: (backend: Backend) => Float32Array[], what: string): void {
  setGemmPoolFactory(null);
  const expected = twoProducts(createWasmBackend());
  const pool = counting(nodeGemmPool(2)!);
  const multi = warmBackend(pool.factory);
  for (let i = 0; i < WINDOW; i++) assert.deepEqual(twoProducts(multi), expected);
  assert.equal(pool.splits(), 0, 'split before the warm-up steps and the one-thread window');
  for (let i = 0; i < FIRST_LEAD && (pool.splits() < 2 || pool.workerJobs() === 0); i++) {
    assert.deepEqual(twoProducts(multi), expected, `split step ${i}`);
  }
  assert.ok(pool.splits() >= 2, `the ${what} were not split after the warm-up`);
  assert.ok(pool.workerJobs() > 0, 'the worker thread ran none of the parts');
}

it('splits mid-sized products over the workers only after WARM_STEPS steps, with the same bits', {
  skip: !wasmSimdSupported(),
}, () => {
  assertSplitAfterWarmUp(step, 'products');
});

it("splits dense mid-sized products too (a tanh layer's 64×256×256, its Aᵀ weight gradient), same bits", {
  skip: !wasmSimdSupported(),
}, () => {
  const h = Float32Array.from({ length: 64 * 256 }, () => rng.normal());
  const w2 = Float32Array.from({ length: 256 * 256 }, () => rng.normal());
  const dz2 = Float32Array.from({ length: 64 * 256 }, () => rng.normal());
  assertSplitAfterWarmUp(stepOf(h, w2, dz2, 64, 256, 256), 'dense products');
});

/**
 * A fake clock (ms) for the step timing, so the decisions below never depend on this machine's
 * speed: each step takes `base` ms, plus `split` ms when it offered a product to the pool.
 */
class StepClock {
  t = 0;
  base = 0.3;
  split = 0;
  readonly now = (): number => this.t;
}

/** A pool whose workers never take a part (the calling thread runs them all): counts its calls. */
function idlePool(spins: number[]): { pool: GemmPool; starts: () => number } {
  let starts = 0;
  const pool: GemmPool = {
    workers: 1,
    start: () => {
      starts++;
      return false;
    },
    help: () => {},
    wait: () => {},
    jobsRunByWorkers: () => 0,
    setSpin: (polls) => spins.push(polls),
  };
  return { pool, starts: () => starts };
}

/** A wasm backend on `pool`, timed by `clock`, whose next step is its WARM_STEPS-th: the one-thread window's first. */
function warmBackend(factory: GemmPoolFactory, clock?: StepClock): Backend {
  setGemmPoolFactory(factory);
  const backend = createWasmBackend(clock ? { stepClock: clock.now } : {});
  setGemmPoolFactory(null);
  for (let i = 1; i < WARM_STEPS; i++) {
    backend.beginStep!();
    backend.endStep!();
  }
  return backend;
}

/** One step on `backend`, advancing `clock` by what it "took": base, plus the split's cost if it split. */
function clockedStep(backend: Backend, clock: StepClock, starts: () => number): Float32Array[] {
  const before = starts();
  const result = step(backend);
  clock.t += clock.base + (starts() > before ? clock.split : 0);
  return result;
}

it('drops a split that runs far slower than one thread (a stalled worker), and retries it later', {
  skip: !wasmSimdSupported(),
}, () => {
  // Every split step "takes" 3 ms more: ten times a one-thread step.
  const clock = new StepClock();
  clock.split = 3;
  const spins: number[] = [];
  const idle = idlePool(spins);
  const backend = warmBackend(() => idle.pool, clock);
  setGemmPoolFactory(null);
  const expected = step(createWasmBackend());
  for (let i = 0; i < WINDOW + FIRST_LEAD + WINDOW; i++) {
    assert.deepEqual(clockedStep(backend, clock, idle.starts), expected);
  }
  const tried = idle.starts();
  assert.ok(tried > 2 * FIRST_LEAD, `only ${tried} products offered to the pool`);
  assert.ok(tried < 2 * (FIRST_LEAD + WINDOW), 'the slow split ran its whole window');
  assert.deepEqual(spins, [100_000, SPIN], 'the workers spin long only while the split runs');
  // Dropped after its first steps, at most WINDOW steps ago: nothing split for the back-off, then
  // a one-thread window, then the split again.
  for (let i = 0; i < BACKOFF - WINDOW; i++) clockedStep(backend, clock, idle.starts);
  assert.equal(idle.starts(), tried, 'split again before the back-off ended');
  for (let i = 0; i < 2 * WINDOW + LEAD && idle.starts() === tried; i++)
    clockedStep(backend, clock, idle.starts);
  assert.ok(idle.starts() > tried, 'not retried after the back-off');
});

it('keeps a split that runs faster than one thread, until it runs slower', {
  skip: !wasmSimdSupported(),
}, () => {
  // One-thread steps "take" 3 ms and split ones 0.3 (standing in for a faster thread count); later
  // the split steps take 6 ms (standing in for a machine that got busy).
  const clock = new StepClock();
  clock.base = 3;
  clock.split = -2.7;
  const idle = idlePool([]);
  const backend = warmBackend(() => idle.pool, clock);
  for (let i = 0; i < WINDOW + FIRST_LEAD + WINDOW; i++) clockedStep(backend, clock, idle.starts);
  const measured = idle.starts();
  assert.equal(measured, 2 * (FIRST_LEAD + WINDOW), 'the split ran its lead and window');
  for (let i = 0; i < 50; i++) clockedStep(backend, clock, idle.starts);
  assert.equal(idle.starts(), measured + 100, 'the split was not kept');
  clock.split = 3;
  const kept = idle.starts();
  for (let i = 0; i < 2 * WINDOW; i++) clockedStep(backend, clock, idle.starts);
  assert.ok(idle.starts() < kept + 4 * WINDOW, 'a split that got slower was not measured again');
});

it('a pause in the one-thread window does not excuse a split whose steps stall', {
  skip: !wasmSimdSupported(),
}, () => {
  const clock = new StepClock();
  const idle = idlePool([]);
  const backend = warmBackend(() => idle.pool, clock);
  // The one-thread window: 0.3 ms steps and one 100 ms pause (a validation pass, a collection).
  for (let i = 0; i < WINDOW; i++) {
    step(backend);
    clock.t += i === WINDOW / 2 ? 100 : 0.3;
  }
  assert.equal(idle.starts(), 0, 'split during the one-thread window');
  // The split: 0.23 ms steps (faster by median), every 5th stalling 2 ms (slower in total).
  let splitSteps = 0;
  for (let i = 0; i < FIRST_LEAD + WINDOW; i++) {
    const before = idle.starts();
    step(backend);
    const split = idle.starts() > before;
    if (split) splitSteps++;
    clock.t += !split ? 0.3 : splitSteps % 5 === 0 ? 2 : 0.23;
  }
  assert.equal(splitSteps, FIRST_LEAD + WINDOW, 'the split ran its lead and window');
  const after = idle.starts();
  for (let i = 0; i < 50; i++) {
    step(backend);
    clock.t += 0.3;
  }
  assert.equal(idle.starts(), after, 'a split slower in total was kept');
});

it('a kept split goes back to the short spin when its mid-sized products stop', {
  skip: !wasmSimdSupported(),
}, () => {
  const clock = new StepClock();
  clock.base = 3;
  clock.split = -2.7;
  const spins: number[] = [];
  const idle = idlePool(spins);
  const backend = warmBackend(() => idle.pool, clock);
  for (let i = 0; i < WINDOW + FIRST_LEAD + WINDOW + 10; i++) clockedStep(backend, clock, idle.starts);
  assert.equal(spins.at(-1), 100_000, 'the split was not kept');
  // Another model on the same backend, with no mid-sized product: empty steps.
  for (let i = 0; i < 2 * WINDOW; i++) {
    backend.beginStep!();
    backend.endStep!();
    clock.t += 0.3;
  }
  assert.equal(spins.at(-1), SPIN, 'the workers still spin long with nothing split');
});

it('steps without mid-sized products (another model first) do not hold off the split', {
  skip: !wasmSimdSupported(),
}, () => {
  const clock = new StepClock();
  const idle = idlePool([]);
  const backend = warmBackend(() => idle.pool, clock);
  // A model with no mid-sized product (or one run with zeros not skipped) for a few windows.
  for (let i = 0; i < 3 * WINDOW + 7; i++) {
    backend.beginStep!();
    backend.endStep!();
    clock.t += 0.3;
  }
  // Then the MLP: split within a one-thread window (plus the one running) and the lead.
  for (let i = 0; i < 2 * WINDOW + FIRST_LEAD && idle.starts() === 0; i++)
    clockedStep(backend, clock, idle.starts);
  assert.ok(idle.starts() > 0, 'not split after the first model');
});

it('leaves predict()/evaluate() batches (a constant scope) and products of under 8 rows unsplit', {
  skip: !wasmSimdSupported(),
}, () => {
  const clock = new StepClock();
  const spins: number[] = [];
  const idle = idlePool(spins);
  const backend = warmBackend(() => idle.pool, clock);
  // The wide MLP's head at predict()'s batch of 500 (5.1 M multiply-adds, dense), its weight
  // declared constant as predict() declares it; and a 4-row product of 4.2 M (one 4-row panel).
  const h = Float32Array.from({ length: 500 * 1024 }, () => rng.normal());
  const head = backend.fromValues(Float32Array.from({ length: 1024 * 10 }, () => rng.normal()));
  const rows = backend.fromValues(Float32Array.from({ length: 4 * 1024 }, () => rng.normal()));
  const square = backend.fromValues(Float32Array.from({ length: 1024 * 1024 }, () => rng.normal()));
  const spec = (m: number, n: number): MatmulSpec => ({
    m,
    k: 1024,
    n,
    transA: false,
    transB: false,
    batch: 1,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  const a = backend.fromValues(h);
  for (let i = 0; i < 2 * WINDOW + FIRST_LEAD; i++) {
    backend.beginStep!();
    try {
      backend.withConstants!([head], () => backend.matmul(a, head, backend.alloc(500 * 10), spec(500, 10)));
      backend.matmul(rows, square, backend.alloc(4 * 1024), spec(4, 1024));
    } finally {
      backend.endStep!();
    }
    clock.t += 0.3;
  }
  // (Packing the 1024×1024 B goes over the threads by its own rule, so the pool does start.)
  assert.deepEqual(spins, [], 'the split was tried: a product there was counted as mid-sized');
});

it('a nested step scope is part of its outer step (the warm-up counts outer steps)', {
  skip: !wasmSimdSupported(),
}, () => {
  const clock = new StepClock();
  const idle = idlePool([]);
  setGemmPoolFactory(() => idle.pool);
  const backend = createWasmBackend({ stepClock: clock.now });
  setGemmPoolFactory(null);
  // GAN.fit opens each batch's scope and its training step's inside it.
  for (let i = 1; i < WARM_STEPS; i++) {
    backend.beginStep!();
    backend.beginStep!();
    backend.endStep!();
    backend.endStep!();
  }
  for (let i = 0; i < WINDOW; i++) clockedStep(backend, clock, idle.starts);
  assert.equal(idle.starts(), 0, 'split before WARM_STEPS outer steps and the one-thread window');
  for (let i = 0; i < FIRST_LEAD && idle.starts() === 0; i++) clockedStep(backend, clock, idle.starts);
  assert.ok(idle.starts() > 0, 'not split after the warm-up');
});

it('refuses a stepClock that is not a function, naming the option', () => {
  assert.throws(
    () => createWasmBackend({ stepClock: 5 as unknown as () => number }),
    (e: Error) =>
      e.name === 'ArgumentError' && /stepClock option must be a function.*got number/.test(e.message),
  );
});

it('a worker that fails in a split step: the step is redone here with the same bits, one warning', {
  skip: !wasmSimdSupported(),
}, () => {
  const warnings: string[] = [];
  const warn = mock.method(console, 'warn', (message: string) => warnings.push(message));
  try {
    setGemmPoolFactory(null);
    const expected = step(createWasmBackend());
    // Every kernel the worker calls throws (as test/threads-fault.test.ts injects faults).
    const workerPrelude = `
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function (m, imports) {
  const real = new RealInstance(m, imports).exports;
  const exports = {};
  for (const name of Object.keys(real)) exports[name] = () => { throw new Error('injected fault'); };
  return { exports };
};`;
    const backend = warmBackend(nodeGemmPool(2, { workerPrelude })!);
    let steps = 0;
    for (; warnings.length === 0 && steps < WINDOW + FIRST_LEAD + WINDOW; steps++) {
      assert.deepEqual(step(backend), expected, `step ${steps}`);
    }
    assert.equal(warnings.length, 1, `one warning within ${steps} steps`);
    assert.ok(steps > WINDOW, 'the worker failed before the split');
    for (let i = 0; i < 3; i++) assert.deepEqual(step(backend), expected, 'after the fault');
  } finally {
    warn.mock.restore();
  }
});
