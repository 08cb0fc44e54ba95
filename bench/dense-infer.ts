/**
 * Where the wide MLP's inference time goes (issue 19): model.predict on 784-1024-1024-10 ReLU,
 * batch 500, 2000 MNIST test images (as ../shared/peers/vs/big_bp.mjs times it), then each op of
 * one batch on its own: the three products (fresh weights each call vs the same weights), bias +
 * activation, and the softmax. Threads as the Node entry sets them (BACKPROP_THREADS).
 *
 *   flock /tmp/cpu.lock node --import tsx bench/dense-infer.ts [rounds]
 */
import { Dense, loadMnist, manualSeed, noGrad, randn, Sequential, type Tensor } from '../src/node/index.js';

const rounds = Number(process.argv[2] ?? 7);
manualSeed(1);
const { test } = await loadMnist({ validationSize: 0, oneHot: true });
const x = test.x.slice(0, 2000);
const model = new Sequential();
model.add(new Dense({ units: 1024, activation: 'relu', inputDim: 784 }));
model.add(new Dense({ units: 1024, activation: 'relu' }));
model.add(new Dense({ units: 10, activation: 'softmax' }));
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
/** Median ms of `fn` over the rounds, after one warm-up call. */
function time(fn: () => void, reps = 1): number {
  fn();
  const t: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    t.push((performance.now() - t0) / reps);
  }
  return median(t);
}

const first = performance.now();
model.predict(x, { batchSize: 500 });
const cold = performance.now() - first;
const warm = time(() => model.predict(x, { batchSize: 500 }));
// CPU time of this thread and the workers together: what the work costs, whatever else runs here.
const cpu0 = process.cpuUsage();
for (let r = 0; r < rounds; r++) model.predict(x, { batchSize: 500 });
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000 / rounds;
console.log(
  `predict 2000 images, batch 500: first call ${cold.toFixed(1)} ms (${Math.round(2000 / (cold / 1000))} img/s)`,
);
console.log(
  `  warm ${warm.toFixed(1)} ms (${Math.round(2000 / (warm / 1000))} img/s), CPU time ${cpuMs.toFixed(1)} ms`,
);

// Per op, one batch of 500.
const xb = x.slice(0, 500) as Tensor;
const [w1, b1, w2, , w3] = model.getWeights() as Tensor[];
noGrad(() => {
  const h1 = xb.matmul(w1!).relu();
  const h2 = h1.matmul(w2!).relu();
  const dense = randn([500, 784]);
  const rows: [string, () => unknown][] = [
    ['x·W1 (MNIST, mostly zeros) 500×784×1024', () => xb.matmul(w1!)],
    ['dense·W1 500×784×1024', () => dense.matmul(w1!)],
    ['h1·W2 500×1024×1024', () => h1.matmul(w2!)],
    ['h2·W3 500×1024×10', () => h2.matmul(w3!)],
    ['relu 500×1024', () => h1.relu()],
    ['add bias 500×1024', () => h1.add(b1!)],
    ['softmax 500×10', () => h2.matmul(w3!).softmax()],
    ['layer 1 (Dense call)', () => model.layers[0]!.apply(xb)],
    ['layer 2 (Dense call)', () => model.layers[1]!.apply(h1)],
  ];
  for (const [name, fn] of rows) console.log(`  ${name.padEnd(44)} ${time(fn, 4).toFixed(2).padStart(7)} ms`);
});
