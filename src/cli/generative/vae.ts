/**
 * `backprop train mnist --model vae`: a fully connected variational autoencoder on continuous-valued
 * MNIST (grey levels in [0, 1], a Bernoulli decoder as in pytorch/examples' VAE), trained by the
 * engine's fit() on −ELBO in nats per image.
 *
 * Printed per epoch: train and validation −ELBO with its two terms (reconstruction −log p(x|z),
 * i.e. cross-entropy summed over 784 pixels, and KL(q(z|x) ‖ N(0, I))) and the seconds the epoch
 * took. At the end: the test −ELBO and the importance-sampled −log p(x) (K draws per image).
 *
 * The report: curves, test digits above their reconstructions, digits drawn from the prior, and a
 * 2-D latent space — the test codes coloured by digit and the digits the decoder draws across the
 * code plane — from the model itself with --latent 2, else from a small 2-D VAE trained beside it.
 */
import { join } from 'node:path';
import type { Logs } from '../../model/callbacks.js';
import { denseVAE } from '../../model/vae/dense-vae.js';
import type { VAE } from '../../model/vae/vae.js';
import { manualSeed } from '../../node/index.js';
import { lineChart } from '../../plot/specs.js';
import type { Tensor } from '../../tensor/tensor.js';
import { makeOptimizer } from '../build.js';
import { loadMnistForRun } from '../mnist-load.js';
import { addHeadline, addPlot, finishReport, startReport } from '../report.js';
import type { GenerativeMnistOptions, KindDefaults } from './options.js';
import { addImageGrid } from './pictures.js';
import { addLatentPlane, reconstructionPairs } from './vae-pictures.js';

export const defaults: KindDefaults = { epochs: 20, batch: 128, lr: 0.001, latent: 32 };

/**
 * Hidden layers of the main model (the decoder mirrors them). pytorch/examples' 784-400-20 reaches
 * ~103 nats here after 30 epochs; 784-512-256-32 reaches ~101 after 20 in about the same time.
 */
const HIDDEN = [512, 256];
/** The small model whose 2-D codes are drawn when the main one has more: hidden sizes and epochs. */
const PLANE_HIDDEN = [256];
const PLANE_EPOCHS = 10;
/** Importance samples per test image for the −log p(x) estimate. */
const IMPORTANCE_SAMPLES = 100;
/** Pictures: test digits reconstructed, and digits drawn from the prior. */
const RECONSTRUCTED = 30;
const SAMPLES = 100;

export interface Split {
  x: Tensor;
  labels: Uint8Array;
}

const nats = (v: number) => v.toFixed(2);

/** Fit with a line per epoch; returns the history and the seconds per epoch. */
async function fitVae(
  label: string,
  vae: VAE,
  train: Split,
  validation: Split | null,
  o: GenerativeMnistOptions,
  epochs: number,
): Promise<{ history: Record<string, number[]>; seconds: number[] }> {
  vae.compile({ optimizer: makeOptimizer('adam', o.lr, undefined) });
  const keys = vae.logKeys;
  const seconds: number[] = [];
  let epochStart = performance.now();
  const terms = (logs: Logs, prefix: string) =>
    `${nats(logs[`${prefix}loss`]!)} (reconstruction ${nats(logs[`${prefix}${keys.reconstruction}`]!)} + KL ${nats(logs[`${prefix}${keys.kl}`]!)})`;
  const history = await vae.fit(train.x, {
    batchSize: o.batch,
    epochs,
    seed: o.seed,
    verbose: 0,
    ...(validation && { validationData: validation.x }),
    callbacks: {
      onEpochBegin: () => {
        epochStart = performance.now();
      },
      onEpochEnd: (epoch: number, logs: Logs) => {
        seconds.push((performance.now() - epochStart) / 1000);
        const val = logs.val_loss !== undefined ? ` · validation ${terms(logs, 'val_')}` : '';
        console.log(
          `  ${label}epoch ${epoch + 1}/${epochs}: train −ELBO ${terms(logs, '')}${val} nats/image · ${seconds.at(-1)!.toFixed(1)} s`,
        );
      },
    },
  });
  return { history: history.history, seconds };
}

export async function train(o: GenerativeMnistOptions): Promise<Record<string, number>> {
  const started = performance.now();
  const latent = o.latent ?? defaults.latent!;
  const mnist = await loadMnistForRun(o);
  const trainSplit: Split = { x: mnist.train.x, labels: mnist.train.labels };
  const validation: Split | null = mnist.validation
    ? { x: mnist.validation.x, labels: mnist.validation.labels }
    : null;
  const test: Split = { x: mnist.test.x, labels: mnist.test.labels };
  console.log(
    `  train ${trainSplit.x.shape[0]} · validation ${validation?.x.shape[0] ?? 0} · test ${test.x.shape[0]} images` +
      ` (${o.binarize ? 'binarised' : 'grey levels in [0, 1]'})`,
  );

  manualSeed(o.seed);
  const vae = denseVAE({ inputDim: 784, hidden: HIDDEN, latent, seed: o.seed });
  vae.model.summary();
  console.log(
    `VAE 784-${HIDDEN.join('-')}-${latent}, Bernoulli decoder; Adam lr ${o.lr ?? 0.001}, batch ${o.batch}, ${o.epochs} epochs`,
  );
  const fitStart = performance.now();
  const { history, seconds } = await fitVae('', vae, trainSplit, validation, o, o.epochs);
  const trainSeconds = (performance.now() - fitStart) / 1000;

  const elbo = vae.elbo(test.x, { batchSize: 500 });
  console.log(
    `Test −ELBO: ${nats(elbo.negativeElbo)} nats/image (reconstruction ${nats(elbo.reconstruction)} + KL ${nats(elbo.kl)})`,
  );
  const llStart = performance.now();
  const logLikelihood = await vae.logLikelihood(test.x, { samples: IMPORTANCE_SAMPLES, seed: o.seed });
  const llSeconds = (performance.now() - llStart) / 1000;
  console.log(
    `Test −log p(x) ≈ ${nats(-logLikelihood)} nats/image (importance-sampled, K = ${IMPORTANCE_SAMPLES} per image, ${llSeconds.toFixed(1)} s)`,
  );

  const dir = o.out;
  const report = await startReport(dir, 'Variational autoencoder on MNIST');
  addHeadline(report, { label: 'test −ELBO (nats/image)', value: elbo.negativeElbo, format: 'number' });
  addHeadline(report, {
    label: `test −log p(x), K = ${IMPORTANCE_SAMPLES} (nats/image)`,
    value: -logLikelihood,
    format: 'number',
  });
  const keys = vae.logKeys;
  const curve = (key: string) => ({
    train: history[key] ?? [],
    ...(history[`val_${key}`] && { validation: history[`val_${key}`]! }),
  });
  await addPlot(
    report,
    'negative-elbo',
    lineChart({ title: '−ELBO per epoch', series: curve('loss'), yTitle: 'nats per image' }),
    `−ELBO (reconstruction + KL) per epoch, train (average over the epoch's batches) and validation. Test: ${nats(elbo.negativeElbo)}.`,
  );
  const parts = curve(keys.reconstruction);
  const kl = curve(keys.kl);
  await addPlot(
    report,
    'elbo-terms',
    lineChart({
      title: 'The two terms of −ELBO',
      series: {
        'train reconstruction': parts.train,
        ...(parts.validation && { 'validation reconstruction': parts.validation }),
        'train KL': kl.train,
        ...(kl.validation && { 'validation KL': kl.validation }),
      },
      yTitle: 'nats per image',
    }),
    'Reconstruction −log p(x|z) (cross-entropy summed over the 784 pixels) and KL(q(z|x) ‖ N(0, I)) per epoch.',
  );
  const shown = Math.min(RECONSTRUCTED, Math.floor(test.x.shape[0]! / 10) * 10);
  if (shown > 0) {
    const originals = test.x.slice(0, shown);
    await addImageGrid(
      report,
      'reconstructions',
      reconstructionPairs(originals, vae.reconstruct(originals), shown),
      2 * shown,
      {
        width: 28,
        height: 28,
        columns: 10,
        caption: `Test digits (rows 1, 3, 5) above their reconstructions (rows 2, 4, 6): the decoder's pixel means for the code μ of q(z|x).`,
      },
    );
  }
  await addImageGrid(report, 'samples', vae.sample(SAMPLES, { seed: o.seed }).dataSync(), SAMPLES, {
    width: 28,
    height: 28,
    columns: 10,
    caption: `${SAMPLES} digits from the prior: codes z ~ N(0, I) through the decoder (its pixel means, not binary draws).`,
  });

  let planeSeconds = 0;
  if (latent === 2) {
    await addLatentPlane(report, vae, test, 'The model (latent 2)');
  } else {
    console.log(`A small 2-D VAE (784-${PLANE_HIDDEN.join('-')}-2) for the latent-space pictures:`);
    const planeStart = performance.now();
    const plane = denseVAE({ inputDim: 784, hidden: PLANE_HIDDEN, latent: 2, seed: o.seed });
    const planeEpochs = Math.min(PLANE_EPOCHS, o.epochs);
    await fitVae('2-D ', plane, trainSplit, validation, o, planeEpochs);
    const planeElbo = plane.elbo(test.x, { batchSize: 500 });
    console.log(`  2-D VAE test −ELBO: ${nats(planeElbo.negativeElbo)} nats/image`);
    planeSeconds = (performance.now() - planeStart) / 1000;
    await addLatentPlane(
      report,
      plane,
      test,
      `A 784-${PLANE_HIDDEN.join('-')}-2 VAE trained ${planeEpochs} epochs beside the main model (test −ELBO ${nats(planeElbo.negativeElbo)})`,
    );
  }

  await vae.save(join(dir, 'model'));
  const totalSeconds = (performance.now() - started) / 1000;
  const metrics = {
    testNegativeElbo: elbo.negativeElbo,
    testReconstruction: elbo.reconstruction,
    testKL: elbo.kl,
    testNegativeLogLikelihood: -logLikelihood,
    importanceSamples: IMPORTANCE_SAMPLES,
    architecture: `784-${HIDDEN.join('-')}-${latent}`,
    data: o.binarize ? 'binarised' : 'grey levels in [0, 1]',
    epochs: o.epochs,
    batch: o.batch,
    lr: o.lr ?? 0.001,
    seed: o.seed,
    epochSeconds: seconds.map((s) => Number(s.toFixed(2))),
    trainSeconds,
    logLikelihoodSeconds: llSeconds,
    latentPlaneSeconds: planeSeconds,
    totalSeconds,
    history,
  };
  const page = await finishReport(report, metrics);
  console.log(
    `Report: ${page} · ${totalSeconds.toFixed(1)} s in all (training ${trainSeconds.toFixed(1)} s)`,
  );
  return { testNegativeElbo: elbo.negativeElbo, testNegativeLogLikelihood: -logLikelihood };
}
