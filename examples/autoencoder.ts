/**
 * An autoencoder built with the functional API, whose encoder is then used on its own:
 *
 *   encoder  784 → 128 (relu) → 32 (relu)        a Model of its own
 *   decoder   32 → 128 (relu) → 784 (sigmoid)    a Sequential
 *   autoencoder = decoder(encoder(image)), trained to give back its input (binary cross-entropy)
 *
 * Training the autoencoder trains the encoder's weights (they are the same tensors), so after it
 * the encoder alone turns digits into 32-number codes — checked here to equal the codes inside the
 * autoencoder, to keep digits apart (a nearest-centroid classifier on the codes), and to survive a
 * save and reload of the encoder by itself. It prints the resident memory per epoch: flat.
 *
 *   npx tsx examples/autoencoder.ts          options: --images 12800 --epochs 15 (3,000 steps of 64)
 */
import { Dense, input, loadMnist, loadModel, Model, manualSeed, Sequential, type Tensor } from 'backprop-js';
import { arg, OUTPUT } from './args.js';

manualSeed(1);
const images = arg('images', 12800);
const epochs = arg('epochs', 15);
const { train, test } = await loadMnist({ validationSize: 0, trainLimit: images, testLimit: 2000 });

const image = input({ shape: [784], name: 'image' });
const hidden = new Dense({ units: 128, activation: 'relu', name: 'enc_hidden' }).apply(image);
const code = new Dense({ units: 32, activation: 'relu', name: 'code' }).apply(hidden);
const encoder = new Model({ inputs: image, outputs: code, name: 'encoder' });

const decoder = new Sequential({
  name: 'decoder',
  layers: [
    new Dense({ units: 128, activation: 'relu', inputDim: 32, name: 'dec_hidden' }),
    new Dense({ units: 784, activation: 'sigmoid', name: 'pixels' }),
  ],
});
const autoencoder = new Model({
  inputs: image,
  outputs: decoder.apply(encoder.apply(image)),
  name: 'autoencoder',
});
autoencoder.summary();
autoencoder.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['mse'] });

const rssMB = () => process.memoryUsage().rss / 2 ** 20;
const rss: number[] = [];
const start = performance.now();
await autoencoder.fit(train.x, train.x, {
  batchSize: 64,
  epochs,
  verbose: 0,
  callbacks: {
    onEpochEnd: (epoch, logs) => {
      rss.push(rssMB());
      console.log(
        `epoch ${epoch + 1}: loss ${logs.loss!.toFixed(4)} · mse ${logs.mse!.toFixed(4)} · RSS ${rss[rss.length - 1]!.toFixed(0)} MB`,
      );
    },
  },
});
const steps = Math.ceil(train.x.shape[0]! / 64) * epochs;
console.log(
  `${steps} steps in ${((performance.now() - start) / 1000).toFixed(1)} s · peak RSS ${Math.max(...rss).toFixed(0)} MB`,
);

// The encoder alone: its codes are the autoencoder's bottleneck (the same weights).
const codes = encoder.predict(test.x) as Tensor;
const inside = new Model({ inputs: autoencoder.inputs, outputs: encoder.getLayer('code').getOutputAt(0) });
const insideCodes = inside.predict(test.x) as Tensor;
const gap = codes.sub(insideCodes).abs().max().item();
console.log(`encoder alone vs inside the autoencoder: max difference ${gap}`);
const reconstruction = autoencoder.evaluate(test.x, test.x);
console.log(
  `test reconstruction: loss ${reconstruction.loss!.toFixed(4)} · mse ${reconstruction.mse!.toFixed(4)}`,
);

// Codes keep digits apart: classify test digits by the nearest class centroid of training codes.
const trainCodes = encoder.predict(train.x) as Tensor;
const centroids = Array.from({ length: 10 }, (_, digit) => {
  const rows = [...train.labels.keys()].filter((i) => train.labels[i] === digit);
  return trainCodes.gather(rows).mean(0);
});
const distances = centroids.map((c) => codes.sub(c).square().sum(1));
let correct = 0;
const d = distances.map((t) => t.dataSync());
for (let i = 0; i < test.labels.length; i++) {
  let best = 0;
  for (let k = 1; k < 10; k++) if (d[k]![i]! < d[best]![i]!) best = k;
  if (best === test.labels[i]) correct++;
}
console.log(
  `nearest-centroid accuracy on the 32-number codes: ${((100 * correct) / test.labels.length).toFixed(1)} %`,
);

// The encoder saves and loads by itself.
await encoder.save(`${OUTPUT}encoder`);
const reloaded = await loadModel<Model>(`${OUTPUT}encoder`);
const reloadGap = (reloaded.predict(test.x) as Tensor).sub(codes).abs().max().item();
console.log(`encoder reloaded from ${OUTPUT}encoder: max difference ${reloadGap}`);
