/**
 * A variational autoencoder on MNIST (grey levels in [0, 1], a Bernoulli decoder), pytorch/examples'
 * 784-400-20 network, built with the functional API and trained by the ordinary fit():
 *
 *   encoder  784 → 400 (relu) → [μ (20), logVar (20)]     a Model with two outputs
 *   decoder   20 → 400 (relu) → 784 (sigmoid)             a Sequential
 *   VAE: z = μ + exp(½·logVar)·ε (the Sampling layer), loss −ELBO = −log p(x|z) + KL(q(z|x) ‖ N(0, I))
 *
 * It prints per epoch the train and validation −ELBO in nats per image, then the test −ELBO, an
 * importance-sampled estimate of −log p(x) (a tighter bound), and checks that the VAE saved and
 * loaded back reconstructs the same digits. pytorch/examples reports a test loss of 106.7 at epoch 7
 * (on 60,000 training images; 50,000 here, 10,000 held out for validation).
 *
 *   npx tsx examples/vae.ts          options: --images 50000 --epochs 10 --samples 100 --seed 1
 */
import { Adam, Dense, input, loadMnist, Model, manualSeed, Sequential, VAE } from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const seed = arg('seed', 1);
manualSeed(seed);
const images = arg('images', 50000);
const epochs = arg('epochs', 10);
const samples = arg('samples', 100);
const { train, validation, test } = await loadMnist({
  trainLimit: images,
  testLimit: Math.min(10000, images),
});

const image = input({ shape: [784], name: 'image' });
const hidden = new Dense({ units: 400, activation: 'relu', name: 'enc_hidden' }).apply(image);
const mean = new Dense({ units: 20, name: 'mean' }).apply(hidden);
const logVar = new Dense({ units: 20, name: 'log_var' }).apply(hidden);
const encoder = new Model({ inputs: image, outputs: [mean, logVar], name: 'encoder' });
const decoder = new Sequential({
  name: 'decoder',
  layers: [
    new Dense({ units: 400, activation: 'relu', inputDim: 20, name: 'dec_hidden' }),
    new Dense({ units: 784, activation: 'sigmoid', name: 'pixels' }),
  ],
});
const vae = new VAE({ encoder, decoder, seed });
vae.compile({ optimizer: new Adam({ learningRate: 1e-3 }) });

const { reconstruction, kl } = vae.logKeys; // 'decoder_loss', 'kl_loss'
const start = performance.now();
await vae.fit(train.x, {
  batchSize: 128,
  epochs,
  verbose: 0,
  ...(validation && { validationData: validation.x }),
  callbacks: {
    onEpochEnd: (epoch, logs) => {
      const val = logs.val_loss === undefined ? '' : ` · validation ${logs.val_loss.toFixed(2)}`;
      console.log(
        `epoch ${epoch + 1}: −ELBO ${logs.loss!.toFixed(2)} (reconstruction ${logs[reconstruction]!.toFixed(2)} + KL ${logs[kl]!.toFixed(2)})${val} nats/image · ${((performance.now() - start) / 1000).toFixed(0)} s`,
      );
    },
  },
});

const elbo = vae.elbo(test.x);
console.log(
  `test −ELBO ${elbo.negativeElbo.toFixed(2)} nats/image (reconstruction ${elbo.reconstruction.toFixed(2)} + KL ${elbo.kl.toFixed(2)})`,
);
const logLikelihood = await vae.logLikelihood(test.x, { samples, seed });
console.log(
  `test −log p(x) ≈ ${(-logLikelihood).toFixed(2)} nats/image (importance-sampled, K = ${samples})`,
);

// Digits from the prior, and a save / load round trip (reconstructions decode μ: deterministic).
const drawn = vae.sample(8, { seed });
console.log(`8 digits drawn from N(0, I): ${drawn.shape.join('×')} pixel means in [0, 1]`);
await vae.save(`${OUTPUT}vae`);
const reloaded = await VAE.load(`${OUTPUT}vae`);
const few = test.x.slice(0, 100);
const gap = reloaded.reconstruct(few).sub(vae.reconstruct(few)).abs().max().item();
console.log(`VAE reloaded from ${OUTPUT}vae: max reconstruction difference ${gap}`);
