/**
 * A conditional DCGAN on MNIST, scored as GAN papers on MNIST score them:
 *
 *   1. a small CNN classifier learns the digits (the judge);
 *   2. a DCGAN-style generator (noise + digit label → Dense → 7×7×64 → Conv2DTranspose 14×14×32 →
 *      UpSampling2D + Conv2D → 28×28, sigmoid) and discriminator (image + label → strided Conv2D
 *      32, 64 with LeakyReLU(0.2) and dropout → real or generated) train alternately: the
 *      discriminator by trainOnBatch, the generator in a stepScope through the frozen
 *      discriminator, each with its own Adam (beta1 0.5) — all inside `GAN.fit`;
 *   3. after each epoch the judge scores 2,000 generated digits (200 of each): its softmax gives
 *      the Inception score (10 is the most: every digit recognised, every class as often), its
 *      penultimate features the Fréchet distance to the real test digits (lower is better).
 *
 * It draws 10 digits of each class from fixed noise to output/dcgan-samples.png (one row per
 * digit) and prints the scores beside those of real test digits.
 *
 *   npx tsx examples/dcgan.ts      options: --images 60000 --epochs 3 --seed 1
 *
 * `npx backprop train mnist --model gan` is the same with a report folder (a grid per epoch,
 * curves) and `--variant dcgan` for the unconditional GAN.
 */
import {
  Adam,
  Conv2D,
  Dense,
  dcganDiscriminator,
  dcganGenerator,
  Flatten,
  featureStatistics,
  frechetDistanceFromStatistics,
  GAN,
  imageGridChart,
  inceptionScore,
  input,
  loadMnist,
  MaxPooling2D,
  Model,
  manualSeed,
  Reshape,
  type SymbolicTensor,
  savePlot,
  type Tensor,
  tensor,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const images = arg('images', 60000);
const epochs = arg('epochs', 3);
manualSeed(arg('seed', 1));
const { train, test } = await loadMnist({ validationSize: 0, trainLimit: images, testLimit: 2000 });

// 1. The judge: a small CNN; its 128 penultimate features are what the Fréchet distance compares.
const pixels = input({ shape: [784] });
let h = new Reshape({ targetShape: [28, 28, 1] }).apply(pixels) as SymbolicTensor;
h = new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }).apply(
  h,
) as SymbolicTensor;
h = new MaxPooling2D({ poolSize: 2 }).apply(h) as SymbolicTensor;
h = new Conv2D({ filters: 32, kernelSize: 5, activation: 'relu' }).apply(h) as SymbolicTensor;
h = new MaxPooling2D({ poolSize: 2 }).apply(h) as SymbolicTensor;
const features = new Dense({ units: 128, activation: 'relu' }).apply(
  new Flatten().apply(h),
) as SymbolicTensor;
const judge = new Model({
  inputs: pixels,
  outputs: new Dense({ units: 10, activation: 'softmax' }).apply(features) as SymbolicTensor,
});
const judgeFeatures = new Model({ inputs: pixels, outputs: features }); // the same weights
judge.compile({
  optimizer: new Adam({ learningRate: 2e-3 }),
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
});
await judge.fit(train.x, train.y, { epochs: 2, batchSize: 128, verbose: 0 });
console.log(`judge: test accuracy ${(judge.evaluate(test.x, test.y).accuracy! * 100).toFixed(2)} %`);

const realStats = featureStatistics(judgeFeatures.predict(test.x) as Tensor);
const scores = (digits: Tensor) => ({
  is: inceptionScore(judge.predict(digits) as Tensor).mean,
  fid: frechetDistanceFromStatistics(featureStatistics(judgeFeatures.predict(digits) as Tensor), realStats),
});
const real = scores(test.x);
console.log(`real test digits: Inception score ${real.is.toFixed(2)}`);

// 2. The conditional DCGAN.
const latentDim = 64;
const gan = new GAN({
  generator: dcganGenerator({ latentDim, classes: 10 }),
  discriminator: dcganDiscriminator({ classes: 10 }),
  latentDim,
  classes: 10,
  generatorOptimizer: new Adam({ learningRate: 5e-4, beta1: 0.5 }),
  discriminatorOptimizer: new Adam({ learningRate: 5e-4, beta1: 0.5 }),
  realLabel: 0.9, // one-sided label smoothing
});
const evalLabels = Array.from({ length: 2000 }, (_, i) => i % 10);
const start = performance.now();
await gan.fit(train.x.reshape([-1, 28, 28, 1]), {
  labels: tensor(Float32Array.from(train.labels)),
  epochs,
  batchSize: 64,
  onEpochEnd: (epoch, logs) => {
    const { is, fid } = scores(gan.generate(2000, evalLabels).reshape([2000, 784]));
    console.log(
      `epoch ${epoch + 1}/${epochs}: D loss ${logs.discriminatorLoss!.toFixed(3)} · G loss ${logs.generatorLoss!.toFixed(3)} · ` +
        `Inception score ${is.toFixed(2)} · Fréchet distance ${fid.toFixed(2)} · ${((performance.now() - start) / 1000).toFixed(0)} s`,
    );
  },
});

// 3. Ten of each digit from fixed noise: one row per digit.
const wanted = Array.from({ length: 100 }, (_, i) => Math.floor(i / 10));
const digits = gan.generate(gan.sampleNoise(100), wanted).dataSync();
const { png } = await savePlot(
  imageGridChart({
    title: 'Conditional DCGAN: row r asks for digit r',
    images: wanted.map((_, k) => digits.subarray(k * 784, (k + 1) * 784)),
    captions: wanted.map((d, k) => `${d} · ${(k % 10) + 1}`), // unique: the chart groups by caption
    width: 28,
    height: 28,
    columns: 10,
  }),
  `${OUTPUT}dcgan-samples`,
);
console.log(`picture: ${png}`);
