/**
 * Tutorial 003's optimiser comparison on MNIST: a network with four hidden layers of 100 ReLU
 * units (He initialisation), softmax cross-entropy, a random batch of 128 per iteration, 2,000
 * iterations, one run per optimiser from the same initial weights, with the tutorial's learning
 * rates (SGD 0.01, Momentum 0.01/μ 0.9, AdaGrad 0.01, Adam 0.001), plus RMSprop, which the
 * tutorial does not run, at its usual 0.001 (ρ 0.9): at 0.01 its first steps move every weight by
 * about 0.1 and the loss jumps above 200 before it recovers. Loss curves on one chart, y ∈ [0, 1]
 * as in the tutorial's figure.
 *
 *   npx tsx examples/d-optimizers.ts           (about 6 minutes)
 */
import {
  Adagrad,
  Adam,
  Dense,
  lineChart,
  loadMnist,
  losses,
  manualSeed,
  type Optimizer,
  RMSprop,
  Rng,
  Sequential,
  SGD,
  savePlot,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const { train, test } = await loadMnist({ validationSize: 0 });
const iterations = arg('iterations', 2000);
const optimizers: Record<string, () => Optimizer> = {
  SGD: () => new SGD({ learningRate: 0.01 }),
  Momentum: () => new SGD({ learningRate: 0.01, momentum: 0.9 }),
  AdaGrad: () => new Adagrad({ learningRate: 0.01, initialAccumulatorValue: 0 }),
  RMSprop: () => new RMSprop({ learningRate: 0.001, rho: 0.9 }),
  Adam: () => new Adam({ learningRate: 0.001 }),
};
const crossEntropy = losses.categoricalCrossentropy({ fromLogits: true });
const curves: Record<string, number[]> = {};
const summary: string[] = [];

for (const [name, make] of Object.entries(optimizers)) {
  manualSeed(0); // the same initial weights for every optimiser
  const model = new Sequential();
  for (let i = 0; i < 4; i++)
    model.add(
      new Dense({
        units: 100,
        activation: 'relu',
        kernelInitializer: 'heNormal',
        ...(i === 0 && { inputDim: 784 }),
      }),
    );
  model.add(new Dense({ units: 10 }));
  const opt = make();
  const rng = new Rng(1); // the same batches for every optimiser
  const curve: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const mask = Int32Array.from({ length: 128 }, () => rng.int(train.x.shape[0]!));
    const loss = crossEntropy(train.y.gather(mask), model.call(train.x.gather(mask), { training: true }));
    loss.backward();
    opt.step(model.trainableWeights);
    opt.zeroGrad();
    curve.push(loss.item());
    if ((i + 1) % 500 === 0)
      console.log(`${name.padEnd(8)} iteration ${i + 1}: loss ${curve.at(-1)!.toFixed(4)}`);
  }
  const accuracy = model.predict(test.x).argmax(-1).eq(test.y.argmax(-1)).mean().item();
  const tail = curve.slice(-100).reduce((a, b) => a + b, 0) / 100;
  summary.push(
    `${name.padEnd(8)} mean loss over the last 100 iterations ${tail.toFixed(4)} · test accuracy ${(accuracy * 100).toFixed(2)}% · ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  // Smoothed like the tutorial's plot (a moving average over 20 iterations).
  curves[name] = curve.map((_, i) => {
    const from = Math.max(0, i - 19);
    return curve.slice(from, i + 1).reduce((a, b) => a + b, 0) / (i + 1 - from);
  });
}
console.log(`\n${summary.join('\n')}`);
await savePlot(
  lineChart({
    title: 'MNIST: optimiser comparison (tutorial 003)',
    series: curves,
    xTitle: 'iteration',
    yTitle: 'training loss (moving average of 20)',
    xStart: 1,
    yDomain: [0, 1],
  }),
  `${OUTPUT}d-optimizers-loss`,
);
console.log(`plot: ${OUTPUT}d-optimizers-loss.png`);
