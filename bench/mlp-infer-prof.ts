/**
 * Where the small MLP's inference time goes (issue 19, the mlp-infer row): model.predict on
 * 784-100-10 sigmoid, batch 1000, the 10,000 MNIST test images — cold and warm — then each op of
 * one batch on its own. SAVE=file writes the predictions' bits, CMP=file counts those that differ
 * (Object.is) from a saved run: a speed change must leave them all equal.
 *
 *   flock /tmp/cpu.lock node --import tsx bench/mlp-infer-prof.ts
 */
import { Dense, loadMnist, manualSeed, noGrad, Sequential, type Tensor } from '../src/node/index.js';

manualSeed(0);
const { test } = await loadMnist({ validationSize: 0, oneHot: true });
const x = test.x;
const model = new Sequential();
model.add(new Dense({ units: 100, activation: 'sigmoid', inputDim: 784 }));
model.add(new Dense({ units: 10, activation: 'softmax' }));
model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
function time(fn: () => unknown, reps = 5) {
  fn();
  const t: number[] = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    t.push((performance.now() - t0) / reps);
  }
  return med(t);
}
const t0 = performance.now();
const p0 = model.predict(x, { batchSize: 1000 });
const cold = performance.now() - t0;
const warm = time(() => model.predict(x, { batchSize: 1000 }), 1);
console.log(
  `cold ${cold.toFixed(2)} ms warm ${warm.toFixed(2)} ms  ${Math.round((10000 / warm) * 1000)} img/s`,
);
if (process.env.SAVE) {
  const fs = await import('node:fs');
  fs.writeFileSync(process.env.SAVE, Buffer.from((p0.dataSync() as Float32Array).buffer));
}
if (process.env.CMP) {
  const fs = await import('node:fs');
  const ref = new Float32Array(new Uint8Array(fs.readFileSync(process.env.CMP)).buffer);
  const v = p0.dataSync();
  let bad = 0;
  for (let i = 0; i < v.length; i++) if (!Object.is(v[i], ref[i])) bad++;
  console.log(`compare: ${bad} differing of ${v.length}`);
}
const xb = x.slice(0, 1000) as Tensor;
const [w1, b1, w2] = model.getWeights() as Tensor[];
noGrad(() => {
  const h = xb.matmul(w1!).add(b1!).sigmoid();
  const rows: [string, () => unknown][] = [
    ['slice 1000', () => x.slice(0, 1000)],
    ['x·W1', () => xb.matmul(w1!)],
    ['h·W2', () => h.matmul(w2!)],
    ['add b1 sigmoid', () => xb.matmul(w1!).add(b1!).sigmoid()],
    ['layer0', () => model.layers[0]!.apply(xb)],
    ['layer1', () => model.layers[1]!.apply(h)],
    ['dataSync out', () => h.matmul(w2!).dataSync()],
  ];
  for (const [n, f] of rows) console.log(`  ${n.padEnd(20)} ${time(f, 10).toFixed(3)} ms`);
});
