/**
 * Train in PyTorch, fine-tune and run here: a CNN that PyTorch trained on MNIST and exported with
 * torch.onnx.export (test/fixtures/onnx/cnn.onnx, made by make_torch.py there: Conv2d, BatchNorm2d,
 * max and average pooling, dropout, Linear, LogSoftmax; one epoch on the first 20,000 training
 * digits) is imported with fromOnnx. It scores here what it scored in PyTorch, image for image;
 * then it trains on 20,000 digits PyTorch never saw, predicts, and is saved in backprop's format.
 *
 *   npx tsx examples/pytorch-import.ts                (about 10 s)
 *   options: --onnx FILE (your own export: a [batch, 1, 28, 28] input, 10 log-probabilities out)
 *            --images 20000 --epochs 1
 */
import { readFileSync } from 'node:fs';
import { fromOnnx, loadMnist, loadModel, type Model, type Tensor } from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const fixture = new URL('../test/fixtures/onnx/cnn.onnx', import.meta.url).pathname;
const onnxOption = process.argv.indexOf('--onnx');
const file = onnxOption < 0 ? fixture : process.argv[onnxOption + 1]!;
const images = arg('images', 20000);
const epochs = arg('epochs', 1);

const model = fromOnnx(new Uint8Array(readFileSync(file)));
console.log(`Imported ${file}:`);
model.summary();

// PyTorch's layout: [batch, channels, height, width], pixels 0–1 as make_torch.py trained on.
const { train, test } = await loadMnist({ trainLimit: 20000 + images, validationSize: 0 });
const asImages = (x: Tensor): Tensor => x.reshape([x.shape[0]!, 1, 28, 28]);
const fresh = Array.from({ length: images }, (_, i) => 20000 + i);
const xTrain = asImages(train.x.gather(fresh));
const yTrain = train.y.gather(fresh);
const xTest = asImages(test.x);

function accuracy(m: Model): { correct: number; predicted: Float32Array } {
  const logProbs = m.predict(xTest) as Tensor;
  const predicted = Float32Array.from(logProbs.argmax(-1).dataSync());
  const correct = predicted.reduce((n, p, i) => n + (p === test.labels[i] ? 1 : 0), 0);
  return { correct, predicted };
}

const before = accuracy(model);
let pytorch = '';
if (file === fixture) {
  // make_torch.py recorded PyTorch's class for every test digit.
  const recorded = JSON.parse(readFileSync(fixture.replace(/\.onnx$/, '.json'), 'utf8'));
  const theirs: string = recorded.pytorchTestPredictions;
  const differ = before.predicted.reduce((n, d, i) => n + (String(d) === theirs[i] ? 0 : 1), 0);
  pytorch = ` (PyTorch: ${recorded.pytorchTestCorrect} / 10000; ${differ} images classified differently)`;
}
console.log(`\nTest accuracy as imported: ${before.correct} / ${test.labels.length}${pytorch}`);

// The network ends in LogSoftmax: log-probabilities are logits to a softmax cross-entropy.
model.compile({
  optimizer: 'adam',
  loss: 'categoricalCrossentropy',
  lossOptions: { fromLogits: true },
  metrics: ['accuracy'],
});
const t0 = performance.now();
const history = await model.fit(xTrain, yTrain, { epochs, batchSize: 64, verbose: 0, seed: 1 });
const after = accuracy(model);
console.log(
  `Fine-tuned here on ${images} new digits, ${epochs} epoch(s) (${((performance.now() - t0) / 1000).toFixed(1)} s, loss ${history.history.loss!.at(-1)!.toFixed(4)}): test accuracy ${after.correct} / ${test.labels.length}`,
);

const first = (model.predict(xTest.gather([0, 1, 2, 3, 4, 5, 6, 7])) as Tensor).exp();
const p = first.dataSync();
const shown = Array.from({ length: 8 }, (_, i) => {
  const d = after.predicted[i]!;
  return `${test.labels[i]}→${d} (${p[i * 10 + d]!.toFixed(3)})`;
});
console.log(`First test digits, true→predicted (probability): ${shown.join(', ')}`);

const dir = `${OUTPUT}pytorch-cnn-fine-tuned`;
await model.save(dir);
const reloaded = await loadModel<Model>(dir);
const same = accuracy(reloaded).predicted.every((d, i) => d === after.predicted[i]);
console.log(
  `Saved to ${dir}; reloaded, it predicts ${same ? 'the same' : 'DIFFERENT'} classes for all test images`,
);
if (!same) process.exitCode = 1;
