/**
 * Tutorial 001 (Korean, "NeuralNet"): [784, 32, 10], ReLU hidden layer, softmax output,
 * Xavier-initialised weights N(0, 2/(fan_in + fan_out)), per-sample SGD (batch 1) with learning
 * rate 0.05, images binarised to 0/1, trained on the 50,000-image split; "up to 97 % (50 epochs)".
 *
 *   npx tsx examples/b-relu-softmax.ts            (about 35 minutes; --epochs N to shorten)
 *
 * Differences, on purpose: the tutorial's code also passes the output layer through ReLU before
 * the softmax (its delta is (p − y)·[z > 0]); here the output is a plain softmax.
 */
import {
  Dense,
  initializers,
  lineChart,
  loadMnist,
  manualSeed,
  Sequential,
  SGD,
  savePlot,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const epochs = arg('epochs', 50);
const { train, validation, test } = await loadMnist({ binarize: true, trainLimit: arg('limit', 50000) });
manualSeed(arg('seed', 0));
// The tutorial's Xavier: randn · sqrt(2 / (fan_in + fan_out)), biases start at 0.
const xavier = initializers.varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal' });
const model = new Sequential();
model.add(new Dense({ units: 32, activation: 'relu', kernelInitializer: xavier, inputDim: 784 }));
model.add(new Dense({ units: 10, activation: 'softmax', kernelInitializer: xavier }));
const lr = arg('lr', 0.05);
model.compile({
  optimizer: new SGD({ learningRate: lr }),
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
});
const t0 = performance.now();
const history = await model.fit(train.x, train.y, {
  batchSize: 1,
  epochs,
  validationData: [validation!.x, validation!.y],
  seed: 0,
});
const { accuracy } = model.evaluate(test.x, test.y);
console.log(
  `[784, 32, 10] ReLU + softmax, per-sample SGD lr ${lr}, ${epochs} epochs: test accuracy ${(accuracy! * 100).toFixed(2)}% (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
);
await savePlot(
  lineChart({
    title: 'ReLU + softmax network (tutorial 001)',
    series: { train: history.history.accuracy!, validation: history.history.val_accuracy! },
    yTitle: 'accuracy',
  }),
  `${OUTPUT}b-relu-softmax-accuracy`,
);
console.log(`plot: ${OUTPUT}b-relu-softmax-accuracy.png`);
