/**
 * A training loop whose products are dense and mid-sized (2²²–2²³ multiply-adds: split over the
 * threads only while timed windows of steps say it pays, src/backend/wasm/step-threads.ts): a
 * 784-256-256-10 tanh MLP, SGD, batch 64, on 30,000 MNIST images an epoch. Its 64×256×256 product,
 * the gradient through it and its weight gradient are 4.2 M multiply-adds each, with no zeros to
 * skip. Prints each epoch's wall time; SAVE=file writes the trained weights' bits (compare two
 * trees' files with cmp: a speed change must leave them equal).
 *
 *   flock /tmp/cpu.lock node --import tsx bench/dense-mlp-prof.ts [--epochs N]
 */
import { Dense, loadMnist, manualSeed, Sequential } from '../src/node/index.js';

const argv = process.argv.slice(2);
const epochs = Number(argv[argv.indexOf('--epochs') + 1]) || 8;
const { train } = await loadMnist({ validationSize: 0, oneHot: true });
manualSeed(1);
const model = new Sequential();
model.add(new Dense({ units: 256, activation: 'tanh', inputDim: 784 }));
model.add(new Dense({ units: 256, activation: 'tanh' }));
model.add(new Dense({ units: 10, activation: 'softmax' }));
model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
const x = train.x.slice(0, 30000);
const y = train.y.slice(0, 30000);
for (let e = 0; e < epochs; e++) {
  const t0 = performance.now();
  await model.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0 });
  console.log(`epoch ${e + 1}: ${((performance.now() - t0) / 1000).toFixed(3)} s`);
}
if (process.env.SAVE) {
  const fs = await import('node:fs');
  const bits = model.getWeights().flatMap((w) => [...w.dataSync()]);
  fs.writeFileSync(process.env.SAVE, Buffer.from(new Float32Array(bits).buffer));
}
