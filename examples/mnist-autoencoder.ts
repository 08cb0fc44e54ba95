/**
 * A denoising convolutional autoencoder on MNIST (the recipe of Keras' "Building autoencoders"):
 *
 *   GaussianNoise(σ)                 corrupts the input — in training only
 *   Conv2D 16 → MaxPooling2D         28×28 → 14×14
 *   Conv2D 8  → MaxPooling2D         14×14 → 7×7×8, the code
 *   Conv2D 8  → UpSampling2D         7×7 → 14×14
 *   Conv2D 16 → UpSampling2D         14×14 → 28×28
 *   Conv2D 1 (sigmoid)               pixel intensities
 *
 * trained with each image as its own target (binary cross-entropy). Because the noise layer is
 * active only in fit(), the trained model denoises whatever it is given at prediction time: it
 * prints the test reconstruction error of clean digits and of digits with the training noise added
 * (in nats per image and MSE per pixel, against the noisy input's own MSE), and draws test digits,
 * their noisy versions and the reconstructions to output/mnist-autoencoder-denoised.png.
 *
 *   npx tsx examples/mnist-autoencoder.ts      options: --images 12800 --epochs 5 --noise 0.5
 *
 * `npx backprop train mnist --model autoencoder` trains a larger one (strided convolutions and
 * Conv2DTranspose, a dense code) beside a 2-D autoencoder whose codes it plots, with a report.
 */
import {
  Conv2D,
  GaussianNoise,
  imageGridChart,
  loadMnist,
  MaxPooling2D,
  manualSeed,
  Rng,
  Sequential,
  savePlot,
  type Tensor,
  tensor,
  UpSampling2D,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';

manualSeed(1);
const images = arg('images', 12800);
const epochs = arg('epochs', 5);
const noise = arg('noise', 0.5);
const { train, test } = await loadMnist({ validationSize: 0, trainLimit: images, testLimit: 2000 });
const x = train.x.reshape([-1, 28, 28, 1]);
const testX = test.x.reshape([-1, 28, 28, 1]);

const conv = (filters: number) => new Conv2D({ filters, kernelSize: 3, padding: 'same', activation: 'relu' });
const model = new Sequential({
  layers: [
    new GaussianNoise({ stddev: noise, seed: 2, inputShape: [28, 28, 1] }),
    conv(16),
    new MaxPooling2D({ poolSize: 2 }),
    conv(8),
    new MaxPooling2D({ poolSize: 2 }),
    conv(8),
    new UpSampling2D({ size: 2 }),
    conv(16),
    new UpSampling2D({ size: 2 }),
    new Conv2D({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
  ],
});
model.summary();
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['mse'] });
const start = performance.now();
await model.fit(x, x, { batchSize: 64, epochs, seed: 3 });
console.log(`trained in ${((performance.now() - start) / 1000).toFixed(1)} s`);

// Keras' binaryCrossentropy is a mean over the 784 pixels: ×784 gives nats per image.
const report = (name: string, input: Tensor) => {
  const r = model.evaluate(input, testX);
  console.log(`${name}: ${(r.loss! * 784).toFixed(1)} nats/image · MSE ${r.mse!.toFixed(4)} per pixel`);
};
const rng = new Rng(4);
const pixels = testX.dataSync();
const noisy = tensor(
  Float32Array.from(pixels, (v) => v + noise * rng.normal()),
  { shape: testX.shape },
);
const noisyMse = noisy.sub(testX).square().mean().item();
report('test reconstruction, clean digits', testX);
report(`test reconstruction, noisy digits (σ ${noise}; their own MSE ${noisyMse.toFixed(4)})`, noisy);

// Ten test digits, noisy, denoised: one row each.
const shown = 10;
const denoised = (model.predict(noisy.slice(0, shown)) as Tensor).dataSync();
const noisyPixels = noisy.dataSync();
const clip = (v: number) => Math.min(1, Math.max(0, v));
const rows: [string, (i: number) => number][] = [
  ['test', (i) => pixels[i]!],
  ['noisy', (i) => clip(noisyPixels[i]!)],
  ['denoised', (i) => denoised[i]!],
];
const grid = rows.flatMap(([, value]) =>
  Array.from({ length: shown }, (_, k) => Float32Array.from({ length: 784 }, (_, p) => value(k * 784 + p))),
);
const captions = rows.flatMap(([name]) => Array.from({ length: shown }, (_, k) => `${name} ${k + 1}`));
const { png } = await savePlot(
  imageGridChart({
    title: `Test digits, with noise σ ${noise}, and denoised`,
    images: grid,
    captions,
    width: 28,
    height: 28,
    columns: shown,
  }),
  `${OUTPUT}mnist-autoencoder-denoised`,
);
console.log(`picture: ${png}`);
