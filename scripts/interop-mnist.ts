/**
 * The target: "the MNIST CNN exported to ONNX and to TF.js gives the same test accuracy as
 * in backprop, to the last image". Loads a CNN trained by `backprop train mnist --model cnn` (or
 * trains one here), exports it with toOnnx and toTfjs, runs all 10,000 MNIST test images in
 * backprop, ONNX Runtime (onnxruntime-web, wasm, one thread) and TF.js (wasm backend, else cpu),
 * and prints each engine's accuracy, the images whose predicted class differs between two
 * engines, and the largest |Δ probability|.
 *
 *   npx backprop train mnist --model cnn --epochs 3 --out runs/cnn
 *   npx tsx scripts/interop-mnist.ts --model runs/cnn/model
 *   npx tsx scripts/interop-mnist.ts            # trains a CNN for --epochs 1 first
 *
 * --limit N runs the first N test images only.
 */
import { buildCnn } from '../src/cli/build.js';
import { loadModel, manualSeed, type Sequential, toOnnx, toTfjs } from '../src/node/index.js';
import { loadMnist } from '../src/node/mnist.js';
import {
  compareEngines,
  runBackprop,
  runOnnxRuntime,
  runTfjs,
  tfjsBackend,
} from '../test/interop-engines.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const modelDir = option('model');
const epochs = Number(option('epochs') ?? 1);
const limit = option('limit') === undefined ? undefined : Number(option('limit'));

const { train, test } = await loadMnist({ ...(limit !== undefined && { testLimit: limit }) });
let model: Sequential;
if (modelDir !== undefined) {
  model = await loadModel<Sequential>(modelDir);
  console.log(`CNN from ${modelDir} (${model.countParams().toLocaleString('en-US')} parameters)`);
} else {
  manualSeed(1);
  model = buildCnn({ dropout: 0.4, outputActivation: 'softmax' });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 128, verbose: 0, seed: 1 });
  console.log(
    `CNN trained here: ${epochs} epoch(s) on 50,000 images in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

const x = Float32Array.from(test.x.dataSync());
const sample = [784];
const timed = async (label: string, run: () => Float32Array | Promise<Float32Array>) => {
  const t0 = performance.now();
  const p = await run();
  console.log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return p;
};
const onnx = toOnnx(model);
const tfjs = toTfjs(model);
console.log(
  `Exported: ONNX ${(onnx.length / 1024).toFixed(1)} kB · TF.js ${(tfjs.weightData.byteLength / 1024).toFixed(1)} kB of weights; TF.js backend '${await tfjsBackend()}'`,
);
console.log(`Predicting ${test.labels.length.toLocaleString('en-US')} test images:`);
const probabilities = {
  backprop: await timed('backprop', () => runBackprop(model, x, sample)),
  'ONNX Runtime': await timed('ONNX Runtime', () => runOnnxRuntime(onnx, x, sample)),
  'TF.js': await timed('TF.js', () => runTfjs(tfjs, x, sample)),
};
const result = compareEngines(probabilities, test.labels);
console.log('\nTest accuracy:');
for (const [engine, accuracy] of Object.entries(result.accuracy))
  console.log(
    `  ${engine.padEnd(13)} ${(accuracy * 100).toFixed(2)} % (${result.correct[engine]} / ${test.labels.length})`,
  );
console.log('Between engines:');
for (const [pair, { differentClass, maxAbsDiff }] of Object.entries(result.pairs))
  console.log(
    `  ${pair.padEnd(28)} ${differentClass} images with another class · max |Δ probability| ${maxAbsDiff.toExponential(2)}`,
  );
const same = Object.values(result.pairs).every((p) => p.differentClass === 0);
console.log(
  same ? 'Same class for every image in all three engines.' : 'The engines disagree on some images.',
);
if (!same) process.exitCode = 1;
