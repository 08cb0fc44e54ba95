/**
 * A restricted Boltzmann machine learns MNIST digits without labels, then a softmax layer (logistic
 * regression) learns the labels from the RBM's hidden probabilities, with the RBM frozen:
 *
 *   RBM 784 → 256 binary hidden units, CD-1, momentum 0.5 → 0.9      unsupervised
 *   features = rbm.transform(images) = p(h = 1 | v)                     [n, 256]
 *   softmax 256 → 10 on the features                                    supervised
 *
 * and, for comparison, the same softmax on the raw pixels. Each epoch prints the RBM's
 * reconstruction error, pseudo-likelihood and free-energy gap (validation − training; a gap that
 * keeps growing means overfitting). At the end a Gibbs chain started at a test digit is shown
 * after 1 and 1,000 steps, and the filter of hidden unit 0 is printed as ASCII.
 *
 *   npx tsx examples/rbm.ts          options: --images 10000 --hidden 256 --epochs 10 --seed 1
 */
import { Dense, loadMnist, manualSeed, RBM, Sequential, type Tensor } from 'backprop-js';
import { arg } from './args.js';

const seed = arg('seed', 1);
const images = arg('images', 10000);
const hiddenUnits = arg('hidden', 256);
const epochs = arg('epochs', 10);
manualSeed(seed);
const { train, validation, test } = await loadMnist({
  trainLimit: images,
  validationSize: 2000,
  testLimit: Math.max(1000, images / 5),
});

const rbm = new RBM({ visibleUnits: 784, hiddenUnits, seed });
let started = performance.now();
rbm.fit(train.x, {
  epochs,
  batchSize: 50,
  learningRate: 0.05,
  momentum: (epoch) => (epoch < 5 ? 0.5 : 0.9),
  weightDecay: 2e-4,
  validation: validation!.x,
  onEpoch: (epoch, logs) => {
    console.log(
      `RBM epoch ${epoch + 1}/${epochs}: reconstruction error ${logs.reconstructionError.toFixed(4)} · ` +
        `pseudo-likelihood ${logs.pseudoLikelihood!.toFixed(1)} · free-energy gap ${logs.freeEnergyGap!.toFixed(2)} · ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    started = performance.now();
  },
});

/** A softmax layer trained on fixed inputs; its test accuracy. */
async function softmaxAccuracy(x: Tensor, xTest: Tensor): Promise<number> {
  const model = new Sequential({
    layers: [new Dense({ units: 10, activation: 'softmax', inputShape: [x.shape[1]!] })],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(x, train.y, { epochs: 30, batchSize: 50, verbose: 0, seed });
  return model.evaluate(xTest, test.y).accuracy!;
}

const onFeatures = await softmaxAccuracy(rbm.transform(train.x), rbm.transform(test.x));
const onPixels = await softmaxAccuracy(train.x, test.x);
console.log(
  `softmax on the frozen RBM's ${hiddenUnits} features: test accuracy ${(onFeatures * 100).toFixed(2)}%`,
);
console.log(`softmax on the 784 raw pixels:            test accuracy ${(onPixels * 100).toFixed(2)}%`);

// A Gibbs chain v → h → v … from a test digit, shown after 1 and 1,000 steps. One step is a
// reconstruction; a long CD-1 chain drifts away from the data (CD-1 learns features, not a good
// sampler — persistent: true trains a better one).
const start = test.x.sliceAxis(0, 0, 1);
const oneStep = rbm.visibleProbs(rbm.sampleHidden(start));
const after = rbm.visibleProbs(rbm.sampleHidden(rbm.gibbs(start, 1000)));
/** A 28×28 image as 14 lines of characters; values 0–1, or rescaled to their own range (filters). */
const ascii = (t: Tensor, rescale = false) => {
  const v = t.dataSync();
  const lo = rescale ? Math.min(...v) : 0;
  const hi = rescale ? Math.max(...v) : 1;
  const rows: string[] = [];
  for (let y = 0; y < 28; y += 2) {
    let line = '';
    for (let x = 0; x < 28; x++)
      line += ' .:-=+*#%@'[Math.min(9, Math.floor((10 * (v[y * 28 + x]! - lo)) / (hi - lo + 1e-9)))];
    rows.push(line);
  }
  return rows;
};
const [a, b, c] = [ascii(start), ascii(oneStep), ascii(after)];
console.log(
  `\ntest digit ${test.labels[0]}${' '.repeat(17)}after 1 Gibbs step${' '.repeat(12)}after 1,000 Gibbs steps`,
);
for (let r = 0; r < a.length; r++) console.log(`${a[r]}  ${b[r]}  ${c[r]}`);
// The weights of hidden unit 0 as a picture: its filter (light = positive).
const filter = rbm.kernel.sliceAxis(1, 0, 1).reshape(1, 784);
console.log('\nfilter of hidden unit 0');
for (const line of ascii(filter, true)) console.log(line);
