/**
 * Tutorial 004: a two-layer sigmoid network from scratch on its 4-sample, 3-input set, trained
 * for 1,500 iterations of full-batch gradient descent on the sum-of-squares loss.
 *
 * The tutorial's network: weights1 3×4 and weights2 4×1 from np.random.rand (uniform [0, 1)),
 * no biases, update w += Σ 2(y − ŷ)·…, i.e. the gradient of Σ(y − ŷ)² with step 1 — which is
 * ½Σ(y − ŷ)² (our sumOfSquares, reduction 'sum') with learning rate 2.
 *
 *   npx tsx examples/f-toy-network.ts
 */
import { Dense, initializers, lineChart, manualSeed, Sequential, SGD, savePlot } from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const X = [
  [0, 0, 1],
  [0, 1, 1],
  [1, 0, 1],
  [1, 1, 1],
];
const y = [[0], [1], [1], [0]];

manualSeed(arg('seed', 1));
const uniform01 = initializers.randomUniform({ minval: 0, maxval: 1 });
const model = new Sequential();
model.add(
  new Dense({ units: 4, activation: 'sigmoid', useBias: false, kernelInitializer: uniform01, inputDim: 3 }),
);
model.add(new Dense({ units: 1, activation: 'sigmoid', useBias: false, kernelInitializer: uniform01 }));
model.compile({
  optimizer: new SGD({ learningRate: 2 }),
  loss: 'sumOfSquares',
  lossOptions: { reduction: 'sum' },
});
const history = await model.fit(X, y, {
  batchSize: 4,
  epochs: arg('iterations', 1500),
  shuffle: false,
  verbose: 0,
});

// Report the tutorial's loss, Σ(y − ŷ)² (twice our ½Σ form).
const loss = history.history.loss!.map((l) => 2 * l);
console.log(`loss Σ(y − ŷ)²: first iteration ${loss[0]!.toFixed(4)}, last ${loss.at(-1)!.toFixed(6)}`);
const predictions = model.predict(X).dataSync();
console.log('predictions after training (target → output):');
y.forEach(([t], i) => {
  console.log(`  [${X[i]!.join(', ')}]  ${t} → ${predictions[i]!.toFixed(4)}`);
});
await savePlot(
  lineChart({
    title: 'Sum-of-squares loss per iteration (tutorial 004)',
    series: { loss },
    xTitle: 'iteration',
    yTitle: 'Σ(y − ŷ)²',
  }),
  `${OUTPUT}f-toy-network-loss`,
);
console.log(`loss curve: ${OUTPUT}f-toy-network-loss.png`);
