/**
 * `backprop train mnist --model autoencoder`: a (denoising) autoencoder — by default a
 * convolutional one with Gaussian input noise — and, beside it, a small dense autoencoder with a
 * 2-D code whose test codes are drawn coloured by digit. Both are trained by the engine's fit()
 * with the images as their own targets (binary cross-entropy per pixel).
 *
 * Reported: train/validation loss per epoch, the test reconstruction error in nats per image (the
 * per-pixel cross-entropy summed over 784 pixels) and as MSE per pixel, on clean test digits and,
 * for a denoising model, on noisy ones; pictures of test digits, their noisy versions and the
 * reconstructions; the 2-D codes; the digits the 2-D decoder draws across its code plane; and a
 * dense encoder's first-layer filters.
 */
import { join } from 'node:path';
import { ArgumentError } from '../../errors.js';
import type { Metric } from '../../metrics/metric.js';
import type { Logs } from '../../model/callbacks.js';
import type { Model } from '../../model/functional/model.js';
import type { Dense } from '../../nn/dense.js';
import { manualSeed } from '../../node/index.js';
import { lineChart } from '../../plot/specs.js';
import { Rng } from '../../random/rng.js';
import { tensor } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { makeOptimizer } from '../build.js';
import { loadMnistForRun } from '../mnist-load.js';
import { addHeadline, addPlot, finishReport, startReport } from '../report.js';
import {
  type Autoencoder,
  type AutoencoderVariant,
  buildAutoencoder,
  VARIANTS,
} from './autoencoder-models.js';
import { addCodePlane, addDenseFilters, addReconstructions } from './autoencoder-pictures.js';
import type { GenerativeMnistOptions, KindDefaults } from './options.js';

export const defaults: KindDefaults = {
  epochs: 10,
  batch: 128,
  lr: 0.002,
  variant: 'conv',
  latent: 32,
  noise: 0.5,
};

interface Split {
  x: Tensor;
  labels: Uint8Array;
}

interface Fitted {
  history: Record<string, number[]>;
  seconds: number;
}

/** Keras' clipping of probabilities in the cross-entropy (as the loss does). */
const EPSILON = 1e-7;

/**
 * The reconstruction error reported: binary cross-entropy summed over the 784 pixels, in nats per
 * image — the loss without its weight penalty, and per image rather than per pixel.
 */
const natsPerImage: Metric = {
  name: 'nats',
  fn: (y, p) => {
    const q = p.clip(EPSILON, 1 - EPSILON);
    const logLikelihood = y.mul(q.log()).add(y.neg().add(1).mul(q.neg().add(1).log()));
    return -logLikelihood.sum(1).mean().item();
  },
};

/** Reconstruction error of `model` on (input, target): cross-entropy in nats per image, MSE per pixel. */
function reconstructionError(model: Model, x: Tensor, target: Tensor): { nats: number; mse: number } {
  const r = model.evaluate(x, target, { batchSize: 500 });
  return { nats: r.nats!, mse: r.mse! };
}

async function fitAutoencoder(
  label: string,
  ae: Autoencoder,
  train: Split,
  validation: Split | null,
  o: GenerativeMnistOptions,
): Promise<Fitted> {
  const model = ae.autoencoder;
  model.compile({
    optimizer: makeOptimizer('adam', o.lr, undefined),
    loss: 'binaryCrossentropy',
    metrics: [natsPerImage, 'mse'],
  });
  const started = performance.now();
  let epochStart = started;
  const history = await model.fit(train.x, train.x, {
    batchSize: o.batch,
    epochs: o.epochs,
    seed: o.seed,
    verbose: 0,
    ...(validation && { validationData: [validation.x, validation.x] as [Tensor, Tensor] }),
    callbacks: {
      onEpochBegin: () => {
        epochStart = performance.now();
      },
      onEpochEnd: (epoch: number, logs: Logs) => {
        const val = logs.val_nats !== undefined ? ` · validation ${logs.val_nats.toFixed(2)}` : '';
        console.log(
          `  ${label} epoch ${epoch + 1}/${o.epochs}: train ${logs.nats!.toFixed(2)}${val} nats/image · mse ${logs.mse!.toFixed(4)} · ${((performance.now() - epochStart) / 1000).toFixed(1)} s`,
        );
      },
    },
  });
  return { history: history.history, seconds: (performance.now() - started) / 1000 };
}

export async function train(o: GenerativeMnistOptions): Promise<Record<string, number>> {
  const started = performance.now();
  const variant = (o.variant ?? defaults.variant) as AutoencoderVariant;
  if (!VARIANTS.includes(variant))
    throw new ArgumentError(
      `train mnist --model autoencoder: --variant must be dense or conv, got '${o.variant}'`,
    );
  const latent = o.latent ?? defaults.latent!;
  const noise = o.noise ?? 0;

  const mnist = await loadMnistForRun(o);
  const { train: trainSplit, validation, test } = mnist;
  console.log(
    `  train ${trainSplit.x.shape[0]} · validation ${validation?.x.shape[0] ?? 0} · test ${test.x.shape[0]} images`,
  );

  manualSeed(o.seed);
  const kind = `${noise > 0 ? 'denoising ' : ''}${variant} autoencoder`;
  const main = buildAutoencoder({ variant, latent, noise, seed: o.seed, name: 'autoencoder' });
  // The 2-D picture needs a 2-D code: a second, small dense model, unless the main one has one.
  const needsPlane = !(variant === 'dense' && latent === 2);
  const plane = needsPlane
    ? buildAutoencoder({ variant: 'dense', latent: 2, noise: 0, seed: o.seed, name: 'autoencoder_2d' })
    : main;

  const report = await startReport(
    o.out,
    `MNIST ${kind} (code of ${latent}${noise > 0 ? `, input noise σ ${noise}` : ''})${needsPlane ? ' and a 2-D dense autoencoder' : ''}`,
  );
  main.autoencoder.summary();
  console.log(
    `Adam (lr ${o.lr ?? 'default'}) · binary cross-entropy · batch ${o.batch} · ${o.epochs} epochs${noise > 0 ? ` · Gaussian input noise σ ${noise} in training` : ''}`,
  );
  console.log(`\nTraining the ${kind}:`);
  const mainFit = await fitAutoencoder(variant, main, trainSplit, validation, o);
  let planeFit = mainFit;
  if (needsPlane) {
    console.log(`\nTraining the dense autoencoder with a 2-D code:`);
    planeFit = await fitAutoencoder('2-D', plane, trainSplit, validation, o);
  }

  // Test reconstruction error: clean inputs, and (denoising) inputs with the training noise.
  const clean = reconstructionError(main.autoencoder, test.x, test.x);
  const testPixels = test.x.dataSync();
  let noisyPixels: Float32Array | null = null;
  let denoised: { nats: number; mse: number } | null = null;
  if (noise > 0) {
    const rng = new Rng(o.seed + 1);
    noisyPixels = Float32Array.from(testPixels, (v) => v + noise * rng.normal());
    denoised = reconstructionError(main.autoencoder, tensor(noisyPixels, { shape: test.x.shape }), test.x);
  }
  const planeError = needsPlane ? reconstructionError(plane.autoencoder, test.x, test.x) : clean;
  console.log(
    `\nTest reconstruction error (${test.x.shape[0]} images), ${kind}: ${clean.nats.toFixed(2)} nats/image · MSE ${clean.mse.toFixed(5)} per pixel`,
  );
  if (denoised)
    console.log(
      `  from noisy inputs (σ ${noise}): ${denoised.nats.toFixed(2)} nats/image · MSE ${denoised.mse.toFixed(5)} per pixel`,
    );
  if (needsPlane)
    console.log(
      `  2-D dense autoencoder: ${planeError.nats.toFixed(2)} nats/image · MSE ${planeError.mse.toFixed(5)} per pixel`,
    );

  addHeadline(report, { label: 'Test reconstruction (nats/image)', value: clean.nats, format: 'number' });
  addHeadline(report, { label: 'Test MSE per pixel', value: clean.mse, format: 'number' });
  if (denoised)
    addHeadline(report, {
      label: `Denoising, σ ${noise} (nats/image)`,
      value: denoised.nats,
      format: 'number',
    });
  if (needsPlane)
    addHeadline(report, { label: '2-D code (nats/image)', value: planeError.nats, format: 'number' });

  // Curves: nats per image, training (noisy inputs for a denoising model) vs validation (clean).
  const series: Record<string, number[]> = {};
  const add = (name: string, fit: Fitted) => {
    series[`${name} train`] = fit.history.nats!;
    if (fit.history.val_nats) series[`${name} validation`] = fit.history.val_nats;
  };
  add(variant, mainFit);
  if (needsPlane) add('2-D', planeFit);
  await addPlot(
    report,
    'loss',
    lineChart({ title: 'Reconstruction loss per epoch', series, yTitle: 'cross-entropy, nats per image' }),
    `Loss per epoch in nats per image${noise > 0 ? ` (training on noisy inputs, σ ${noise}; validation on clean ones)` : ''}`,
  );

  // Test digits, their noisy versions, the reconstructions; the 2-D codes; dense filters.
  await addReconstructions(
    report,
    main.autoencoder,
    { pixels: testPixels, labels: test.labels },
    noisyPixels && { pixels: noisyPixels, std: noise },
    kind,
  );
  await addCodePlane(report, plane, test);
  if (variant === 'dense')
    await addDenseFilters(report, 'filters', main.firstLayer as Dense, test.x, `the ${kind}`);
  if (needsPlane)
    await addDenseFilters(report, 'filters-2d', plane.firstLayer as Dense, test.x, 'the 2-D autoencoder');

  // Saved with the library's own metrics only: a file names its metrics, and a custom one (nats)
  // could not be looked up again when the model is loaded.
  main.autoencoder.compile({
    optimizer: main.autoencoder.optimizer!,
    loss: 'binaryCrossentropy',
    metrics: ['mse'],
  });
  await main.autoencoder.save(join(o.out, 'model'));
  const seconds = (performance.now() - started) / 1000;
  const figures: Record<string, number> = {
    testReconstructionNats: clean.nats,
    testReconstructionMse: clean.mse,
    ...(denoised && { testDenoisingNats: denoised.nats, testDenoisingMse: denoised.mse }),
    ...(needsPlane && { test2dCodeNats: planeError.nats, test2dCodeMse: planeError.mse }),
  };
  const html = await finishReport(report, {
    dataset: 'mnist',
    ...figures,
    trainSamples: trainSplit.x.shape[0],
    testSamples: test.x.shape[0],
    settings: { ...o, variant, latent, noise },
    history: mainFit.history,
    ...(needsPlane && { history2d: planeFit.history }),
    trainSeconds: needsPlane ? mainFit.seconds + planeFit.seconds : mainFit.seconds,
    seconds,
  });
  console.log(`\nModel: ${join(o.out, 'model')}\nReport: ${html} · ${seconds.toFixed(0)} s in all`);
  return figures;
}
