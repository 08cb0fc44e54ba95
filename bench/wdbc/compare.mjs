// backprop side of the tabular comparison (not part of CI): the same splits as prepare.py,
// standardised on each training part, a 100-unit ReLU layer + softmax, default Adam,
// batch 200, 200 epochs (scikit-learn MLPClassifier's defaults).
//
//   node bench/wdbc/compare.mjs /tmp/wdbc
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dense, manualSeed, Sequential } from 'backprop-js';

const dir = process.argv[2] ?? '/tmp/wdbc';
const rows = readFileSync(join(dir, 'wdbc.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',').map(Number));
const splits = JSON.parse(readFileSync(join(dir, 'splits.json'), 'utf8'));
const features = rows[0].length - 1;
const accs = [];
for (const [seed, split] of splits.entries()) {
  const train = split.train.map((i) => rows[i]);
  const test = split.test.map((i) => rows[i]);
  const mean = new Array(features).fill(0);
  const variance = new Array(features).fill(0);
  for (const r of train) for (let j = 0; j < features; j++) mean[j] += r[j] / train.length;
  for (const r of train)
    for (let j = 0; j < features; j++) variance[j] += (r[j] - mean[j]) ** 2 / train.length;
  const scale = (r) => r.slice(0, features).map((v, j) => (v - mean[j]) / Math.sqrt(variance[j]));
  const oneHot = (r) => (r[features] === 1 ? [0, 1] : [1, 0]);
  manualSeed(seed);
  const model = new Sequential();
  model.add(new Dense({ units: 100, activation: 'relu', inputDim: features }));
  model.add(new Dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.map(scale), train.map(oneHot), { batchSize: 200, epochs: 200, verbose: 0 });
  accs.push(model.evaluate(test.map(scale), test.map(oneHot)).accuracy);
}
const avg = accs.reduce((a, b) => a + b) / accs.length;
console.log('backprop Dense(100, relu) + Dense(2, softmax), Adam defaults, batch 200, 200 epochs');
console.log(`  per split: ${accs.map((a) => a.toFixed(3)).join(' ')}`);
console.log(
  `  mean ${avg.toFixed(4)}  min ${Math.min(...accs).toFixed(4)}  max ${Math.max(...accs).toFixed(4)}`,
);
