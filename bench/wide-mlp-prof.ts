/**
 * Where the wide MLP's products spend their time (issue 19: wide-mlp and wide-mlp-infer rows):
 * 784-1024-1024-10 ReLU, Adam, batch 128, as bench/pytorch.ts builds it. Trains 100 steps (12,800
 * images, as the bench row does, so the ReLU outputs have their trained share of zeros), then
 * times every product the backend runs — in predict (batch 500, the 10,000 test images) and in
 * training steps — grouped by shape: calls, ms per call, which path it took (dense: B packed, A
 * packed or read in place; sparse: A's zeros skipped), A's share of zeros, GFLOP/s counted as
 * dense work (2mkn), and the share of the call's parts that the worker thread ran. Also the cost
 * of packing a 1024×1024 B (a 4×1024×1024 product is nearly all packing), the dense kernel's
 * GFLOP/s at the wide shapes (the dense limit), and where skipping zeros pays: each wide product
 * with 40–80 % zeros in A, zeros skipped and not. Also every backend call of a training step
 * (Adam, bias + activation, ReLU gradients, …) and the JavaScript between them.
 *
 *   flock /tmp/cpu.lock node --import tsx bench/wide-mlp-prof.ts
 */
import type { MatmulSpec, Storage } from '../src/backend/backend.js';
import { sparseProductCount } from '../src/backend/wasm/index.js';
import { defaultThreadCount, getBackend, loadMnist, randn, threadStats } from '../src/node/index.js';
import { wideMlp } from './workloads.js';

const { train, test } = await loadMnist({ validationSize: 0, oneHot: true });
const model = wideMlp();
const xTrain = train.x.slice(0, 12800);
const yTrain = train.y.slice(0, 12800);
let t0 = performance.now();
await model.fit(xTrain, yTrain, { batchSize: 128, epochs: 1, verbose: 0 });
console.log(
  `threads ${defaultThreadCount()}; fit 12,800 images (100 steps): ${((performance.now() - t0) / 1000).toFixed(2)} s`,
);

const backend = getBackend();
const original = backend.matmul.bind(backend);
interface Stat {
  calls: number;
  ms: number;
  sparse: number;
  zeros: number;
  parts: number;
  byWorker: number;
  flops: number;
}
let stats = new Map<string, Stat>();
let measureZeros = false;
backend.matmul = (a: Storage, b: Storage, out: Storage, s: MatmulSpec) => {
  const key = `${s.m}×${s.k}×${s.n}${s.transA ? ' Aᵀ' : ''}${s.transB ? ' Bᵀ' : ''}`;
  const sparse0 = sparseProductCount();
  const jobs0 = threadStats().jobsRunByWorkers;
  const start = performance.now();
  original(a, b, out, s);
  const ms = performance.now() - start;
  const st = stats.get(key) ?? { calls: 0, ms: 0, sparse: 0, zeros: 0, parts: 0, byWorker: 0, flops: 0 };
  st.calls++;
  st.ms += ms;
  st.sparse += sparseProductCount() - sparse0;
  st.byWorker += threadStats().jobsRunByWorkers - jobs0;
  st.flops += 2 * s.batch * s.m * s.k * s.n;
  if (measureZeros) {
    const v = a.view();
    let z = 0;
    for (let i = 0; i < v.length; i++) if (v[i] === 0) z++;
    st.zeros += z / v.length;
  }
  stats.set(key, st);
};
function report(title: string, per: number, perLabel: string): void {
  console.log(`\n${title}`);
  console.log(
    `  product (m×k×n)          calls  ms/${perLabel.padEnd(6)} ms/call  path    zeros(A)  GFLOP/s  worker jobs/call`,
  );
  let total = 0;
  for (const [key, st] of stats) {
    total += st.ms;
    const path =
      st.sparse === st.calls ? 'sparse' : st.sparse === 0 ? 'dense' : `mixed ${st.sparse}/${st.calls}`;
    console.log(
      `  ${key.padEnd(24)} ${String(st.calls / per).padStart(6)} ${(st.ms / per).toFixed(2).padStart(9)} ${(st.ms / st.calls).toFixed(2).padStart(8)}  ${path.padEnd(7)} ${measureZeros ? `${((100 * st.zeros) / st.calls).toFixed(0).padStart(6)} %` : '      — '} ${(st.flops / st.ms / 1e6).toFixed(1).padStart(8)}  ${(st.byWorker / st.calls).toFixed(1).padStart(8)}`,
    );
  }
  console.log(`  all products: ${(total / per).toFixed(2)} ms per ${perLabel}`);
}

// Predict: the bench row's work (10,000 test images, batch 500), warm.
const x = test.x;
model.predict(x, { batchSize: 500 });
for (const zeros of [true, false]) {
  measureZeros = zeros;
  stats = new Map();
  const rounds = zeros ? 1 : 3;
  t0 = performance.now();
  for (let r = 0; r < rounds; r++) model.predict(x, { batchSize: 500 });
  const ms = (performance.now() - t0) / rounds;
  if (!zeros) {
    report('predict 10,000 images, batch 500 (per predict call)', rounds, 'call');
    console.log(`  predict: ${ms.toFixed(1)} ms, ${Math.round(10000 / (ms / 1000))} img/s`);
  } else report('zeros of A, one predict call', 1, 'call');
}

// Training steps: 10 steps of batch 128, per step.
for (const zeros of [true, false]) {
  measureZeros = zeros;
  stats = new Map();
  const n = zeros ? 1280 : 3840;
  t0 = performance.now();
  await model.fit(train.x.slice(12800, 12800 + n), train.y.slice(12800, 12800 + n), {
    batchSize: 128,
    epochs: 1,
    verbose: 0,
  });
  const ms = (performance.now() - t0) / (n / 128);
  if (!zeros) {
    report('training step, batch 128 (per step)', n / 128, 'step');
    console.log(`  whole step: ${ms.toFixed(2)} ms (${((ms * 469) / 1000).toFixed(2)} s per 60k epoch)`);
  } else report('zeros of A, training steps', n / 128, 'step');
}

// Every backend call of a training step, products included (each timed as a whole; a call made
// inside another is counted in its caller): what the step spends outside the products, and the
// JavaScript between calls (the whole step less the calls).
backend.matmul = original;
{
  const calls = new Map<string, { calls: number; ms: number }>();
  const target = backend as unknown as Record<string, unknown>;
  const names = new Set<string>();
  for (let o: object | null = backend; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  const originals = new Map<string, unknown>();
  let depth = 0;
  for (const name of names) {
    const fn = target[name];
    if (name === 'constructor' || typeof fn !== 'function') continue;
    originals.set(name, fn);
    target[name] = (...args: unknown[]) => {
      if (depth > 0) return fn.apply(backend, args);
      depth++;
      const start = performance.now();
      try {
        return fn.apply(backend, args);
      } finally {
        depth--;
        const s = args[3] as MatmulSpec;
        const key =
          name === 'matmul'
            ? `matmul ${s.m}×${s.k}×${s.n}${s.transA ? ' Aᵀ' : ''}${s.transB ? ' Bᵀ' : ''}`
            : name === 'update'
              ? `update ${(args[0] as { kind: string }).kind} ${(args[1] as Storage).length}`
              : name;
        const st = calls.get(key) ?? { calls: 0, ms: 0 };
        st.calls++;
        st.ms += performance.now() - start;
        calls.set(key, st);
      }
    };
  }
  const n = 3840;
  const steps = n / 128;
  t0 = performance.now();
  await model.fit(train.x.slice(16640, 16640 + n), train.y.slice(16640, 16640 + n), {
    batchSize: 128,
    epochs: 1,
    verbose: 0,
  });
  const step = (performance.now() - t0) / steps;
  for (const [name, fn] of originals) target[name] = fn;
  console.log('\nevery backend call of a training step (per step)');
  let total = 0;
  for (const [key, st] of [...calls].sort((p, q) => q[1].ms - p[1].ms)) {
    total += st.ms;
    if (st.ms / steps >= 0.005) {
      console.log(
        `  ${key.padEnd(30)} ${(st.calls / steps).toFixed(1).padStart(5)} calls ${(st.ms / steps).toFixed(3).padStart(7)} ms`,
      );
    }
  }
  console.log(
    `  backend calls ${(total / steps).toFixed(2)} ms of a ${step.toFixed(2)} ms step: ${(step - total / steps).toFixed(2)} ms of JavaScript between them`,
  );
}

// Packing B: a 4-row product of a 1024×1024 B is nearly all packing (its 8M multiply-adds take
// ~0.15 ms at 58 GFLOP/s); and dense products at the wide shapes, on random (zero-free) data.
const time = (fn: () => void, reps: number): number => {
  fn();
  const t: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) fn();
    t.push((performance.now() - s) / reps);
  }
  return t.sort((p, q) => p - q)[2]!;
};
console.log('\ndense products on random data (ms, GFLOP/s)');
const w = randn([1024, 1024]);
for (const [m, k, n, transA, transB] of [
  [4, 1024, 1024, false, false],
  [500, 1024, 1024, false, false],
  [128, 1024, 1024, false, false],
  [128, 1024, 1024, false, true],
  [1024, 128, 1024, true, false],
  [500, 784, 1024, false, false],
] as [number, number, number, boolean, boolean][]) {
  const a = randn(transA ? [k, m] : [m, k]);
  const b = transB ? randn([n, k]) : k === 1024 && n === 1024 ? w : randn([k, n]);
  const out = randn([m, n]);
  const spec: MatmulSpec = { batch: 1, m, k, n, transA, transB, aBatchStride: 0, bBatchStride: 0 };
  const jobs0 = threadStats().jobsRunByWorkers;
  let calls = 0;
  const ms = time(() => {
    calls++;
    backend.matmul(a.storage, b.storage, out.storage, spec);
  }, 5);
  const jobs = (threadStats().jobsRunByWorkers - jobs0) / calls;
  console.log(
    `  ${`${m}×${k}×${n}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`.padEnd(24)} ${ms.toFixed(2).padStart(7)} ms ${((2 * m * k * n) / ms / 1e6).toFixed(1).padStart(7)} GFLOP/s  worker jobs/call ${jobs.toFixed(1)}`,
  );
}

// Where skipping zeros pays (SPARSE_MIN_ZEROS): the same product with A's zeros skipped and not,
// at several shares of zeros (random positions, as ReLU outputs), alternately.
console.log('\nsparse vs dense kernel by share of zeros in A (ms per product; dense = zeros not skipped)');
const { setSkipZeros } = await import('../src/backend/wasm/index.js');
const { tensor, Rng } = await import('../src/node/index.js');
const rng = new Rng(5);
for (const [m, k, n, transA, transB] of [
  [500, 1024, 1024, false, false],
  [128, 1024, 1024, false, false],
  [128, 1024, 1024, false, true],
  [1024, 128, 1024, true, false],
] as [number, number, number, boolean, boolean][]) {
  const b = randn(transB ? [n, k] : [k, n]);
  const out = randn([m, n]);
  const spec: MatmulSpec = { batch: 1, m, k, n, transA, transB, aBatchStride: 0, bBatchStride: 0 };
  const cells: string[] = [];
  for (const zero of [0.4, 0.5, 0.6, 0.7, 0.8]) {
    const vals = new Float32Array(m * k);
    for (let i = 0; i < vals.length; i++) vals[i] = rng.uniform() < zero ? 0 : rng.normal();
    const a = tensor(vals, { shape: transA ? [k, m] : [m, k] });
    const ms = [true, false].map((skip) => {
      setSkipZeros(skip);
      return time(() => backend.matmul(a.storage, b.storage, out.storage, spec), 3);
    });
    setSkipZeros(true);
    cells.push(`${Math.round(zero * 100)} %: ${ms[0]!.toFixed(2)} / ${ms[1]!.toFixed(2)}`);
  }
  console.log(
    `  ${`${m}×${k}×${n}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`.padEnd(18)} ${cells.join('   ')}`,
  );
}
