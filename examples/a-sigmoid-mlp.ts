/**
 * Tutorial 000 (Vietnamese, "NN class"): sigmoid networks [784, 100, 10] and [784, 100, 200, 10],
 * weights and biases drawn from N(0, 1), cross-entropy cost, mini-batch SGD with η = 3.0,
 * batch 100, 30 epochs, trained on the 50,000-image training split; accuracy on the 10,000 test
 * images.
 *
 * The tutorial's cost sums the cross-entropy over the 10 outputs (its output delta is a − y);
 * backprop's binaryCrossentropy averages over them, so the same update needs η·10 = 30.
 *
 *   npx tsx examples/a-sigmoid-mlp.ts            (about 10 minutes; --epochs N to shorten)
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

const epochs = arg('epochs', 30);
const { train, test } = await loadMnist();
const curves: Record<string, number[]> = {};

for (const layers of [
  [784, 100, 10],
  [784, 100, 200, 10],
]) {
  manualSeed(0);
  const model = new Sequential();
  const normal = initializers.randomNormal({ stddev: 1 });
  layers.slice(1).forEach((units, i) => {
    model.add(
      new Dense({
        units,
        activation: 'sigmoid',
        kernelInitializer: normal,
        biasInitializer: normal,
        ...(i === 0 && { inputDim: 784 }),
      }),
    );
  });
  model.compile({
    optimizer: new SGD({ learningRate: 30 }),
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  console.log(
    `\nNN([${layers.join(', ')}]), SGD η = 3.0 (30 on the output-averaged cost), batch 100, ${epochs} epochs`,
  );
  const t0 = performance.now();
  const history = await model.fit(train.x, train.y, { batchSize: 100, epochs, seed: 0 });
  const { accuracy } = model.evaluate(test.x, test.y);
  const correct = Math.round(accuracy! * test.x.shape[0]!);
  // The tutorial prints: correct, total, percentage.
  console.log(
    `NN([${layers.join(', ')}]): ${correct} ${test.x.shape[0]} ${(accuracy! * 100).toFixed(2)}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
  // Cross-entropy summed over the outputs, as the tutorial's cost() reports it.
  curves[`[${layers.join(', ')}]`] = history.history.loss!.map((l) => l * 10);
}
await savePlot(
  lineChart({
    title: 'Training cost per epoch (tutorial 000 networks)',
    series: curves,
    yTitle: 'cross-entropy cost',
  }),
  `${OUTPUT}a-sigmoid-mlp-cost`,
);
console.log(`\nCost curves: ${OUTPUT}a-sigmoid-mlp-cost.png`);
