/**
 * Train here, serve anywhere: a small MNIST CNN trained with backprop, exported with toOnnx and run
 * in ONNX Runtime (onnxruntime-web in Node; the same file runs in onnxruntime-node, Python's
 * onnxruntime, on servers, GPUs and phones). It prints the accuracy in both engines on the test
 * images, the images they classify differently (none) and the largest |Δ probability|.
 *
 *   npx tsx examples/onnx-serve.ts                   (about 5 s)
 *   options: --images 20000 (training images) --epochs 2 --test 10000
 *
 * It writes examples/output/mnist-cnn.onnx; in Python:
 *   import onnxruntime as ort
 *   session = ort.InferenceSession('mnist-cnn.onnx')
 *   name = session.get_inputs()[0].name                 # the first layer's input: 'pixels_input'
 *   probabilities = session.run(None, {name: pixels.reshape(-1, 784).astype('float32')})[0]
 */
import { writeFile } from 'node:fs/promises';
import {
  Conv2D,
  Dense,
  Flatten,
  loadMnist,
  MaxPooling2D,
  manualSeed,
  Reshape,
  Sequential,
  toOnnx,
} from 'backprop-js';
import * as ort from 'onnxruntime-web';
import { arg, OUTPUT } from './args.js';

const images = arg('images', 20000);
const epochs = arg('epochs', 2);
const testImages = arg('test', 10000);

const { train, test } = await loadMnist({ trainLimit: images, testLimit: testImages, validationSize: 0 });

manualSeed(1);
// Channels-last like Keras and TF.js; the ONNX file keeps this layout at its input and output and
// transposes to ONNX's channels-first inside the graph.
const model = new Sequential({ name: 'mnist_cnn' });
model.add(new Reshape({ targetShape: [28, 28, 1], inputShape: [784], name: 'pixels' }));
model.add(new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu' }));
model.add(new MaxPooling2D({ poolSize: 2 }));
model.add(new Conv2D({ filters: 16, kernelSize: 3, activation: 'relu' }));
model.add(new MaxPooling2D({ poolSize: 2 }));
model.add(new Flatten());
model.add(new Dense({ units: 64, activation: 'relu' }));
model.add(new Dense({ units: 10, activation: 'softmax' }));
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
let t0 = performance.now();
await model.fit(train.x, train.y, { epochs, batchSize: 64, verbose: 0, seed: 1 });
console.log(
  `Trained a CNN (${model.countParams().toLocaleString('en-US')} parameters) on ${train.labels.length} images, ${epochs} epoch(s): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const bytes = toOnnx(model);
const file = `${OUTPUT}mnist-cnn.onnx`;
await writeFile(file, bytes);
console.log(`Exported ${file} (${(bytes.length / 1024).toFixed(1)} kB)`);

// ONNX Runtime: the graph's input and output names are the model's.
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
console.log(`ONNX Runtime session: input '${session.inputNames[0]}', output '${session.outputNames[0]}'`);
const n = test.labels.length;
const pixels = Float32Array.from(test.x.dataSync());
t0 = performance.now();
const result = await session.run({
  [session.inputNames[0]!]: new ort.Tensor('float32', pixels, [n, 784]),
});
const ortTime = performance.now() - t0;
const served = result[session.outputNames[0]!]!.data as Float32Array;
await session.release();

t0 = performance.now();
const here = model.predict(test.x).dataSync();
const hereTime = performance.now() - t0;

const argmax = (p: ArrayLike<number>, i: number): number => {
  let best = 0;
  for (let c = 1; c < 10; c++) if (p[i * 10 + c]! > p[i * 10 + best]!) best = c;
  return best;
};
let correctHere = 0;
let correctServed = 0;
let differ = 0;
let maxDiff = 0;
for (let i = 0; i < n; i++) {
  const a = argmax(here, i);
  const b = argmax(served, i);
  if (a === test.labels[i]) correctHere++;
  if (b === test.labels[i]) correctServed++;
  if (a !== b) differ++;
  for (let c = 0; c < 10; c++) maxDiff = Math.max(maxDiff, Math.abs(here[i * 10 + c]! - served[i * 10 + c]!));
}
console.log(`Test accuracy on ${n} images:`);
console.log(`  backprop      ${((correctHere / n) * 100).toFixed(2)} % (${(hereTime / 1000).toFixed(2)} s)`);
console.log(`  ONNX Runtime  ${((correctServed / n) * 100).toFixed(2)} % (${(ortTime / 1000).toFixed(2)} s)`);
console.log(`Images classified differently: ${differ}; max |Δ probability| ${maxDiff.toExponential(2)}`);
