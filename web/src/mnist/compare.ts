/**
 * "Compare optimisers" (the tutorials' chapter 6): SGD, Momentum, AdaGrad and Adam train the same
 * MLP from the same initial weights on the same batches, one step each in turn, and the page draws
 * their losses on one chart. Learning rates as in the tutorials: 0.01, except Adam's 0.001.
 */
import * as bp from 'backprop-js';
import { batchOf, type Split, shuffled } from './data.js';
import { asInput, buildModel, compile } from './models.js';
import type { FromWorker, OptimizerName } from './protocol.js';

const OPTIMIZERS: { name: OptimizerName; learningRate: number }[] = [
  { name: 'sgd', learningRate: 0.01 },
  { name: 'momentum', learningRate: 0.01 },
  { name: 'adagrad', learningRate: 0.01 },
  { name: 'adam', learningRate: 0.001 },
];

export async function runCompare(
  split: Split,
  steps: number,
  batchSize: number,
  post: (message: FromWorker) => void,
  nextTurn: () => Promise<void>,
): Promise<void> {
  bp.manualSeed(2);
  const first = buildModel({
    architecture: 'mlp',
    hidden: 100,
    optimizer: 'sgd',
    learningRate: 0.01,
    batchSize,
  });
  const initial = first.getWeights();
  const models = OPTIMIZERS.map(({ name, learningRate }) => {
    const model = buildModel({ architecture: 'mlp', hidden: 100, optimizer: name, learningRate, batchSize });
    model.setWeights(initial);
    compile(model, name, learningRate);
    return model;
  });
  const order = shuffled(split.count, 42);
  let lastTurn = performance.now();
  for (let step = 0; step < steps; step++) {
    const start = (step * batchSize) % (split.count - batchSize);
    const { x, y } = batchOf(split, order.subarray(start, start + batchSize));
    models.forEach((model, i) => {
      const logs = bp.stepScope(() =>
        model.trainOnBatch(asInput(model, x), bp.tensor(y, { shape: [batchSize, 10] })),
      );
      post({ type: 'compare', optimizer: OPTIMIZERS[i]!.name, step, loss: logs.loss! });
    });
    if (performance.now() - lastTurn > 50) {
      await nextTurn();
      lastTurn = performance.now();
    }
  }
  post({ type: 'compare-done' });
}
