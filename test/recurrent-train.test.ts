/**
 * Small sequence tasks train end to end (fit, Adam, backprop through time) on every backend:
 * the sum of a sequence (a regression that needs the whole sequence remembered) with LSTM (the
 * fused path) and SimpleRNN (the step loop), and its sign with GRU (a classification).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Adam,
  Dense,
  GRU,
  type Layer,
  LSTM,
  manualSeed,
  Sequential,
  SimpleRNN,
  tensor,
} from '../src/index.js';
import { describeEachBackend } from './helpers.js';
import { numbers } from './recurrent-reference.js';

const N = 256;
const T = 6;

function data(seed: number) {
  const x = numbers(seed, N * T);
  const sums = Array.from({ length: N }, (_, i) => x.slice(i * T, i * T + T).reduce((a, b) => a + b, 0));
  return {
    x: tensor(x, { shape: [N, T, 1] }),
    sum: tensor(sums, { shape: [N, 1] }),
    sign: tensor(
      sums.map((s) => (s > 0 ? 1 : 0)),
      { shape: [N, 1] },
    ),
  };
}

async function train(
  recurrent: Layer,
  loss: 'meanSquaredError' | 'binaryCrossentropy',
  activation: 'linear' | 'sigmoid',
) {
  const model = new Sequential({ layers: [recurrent, new Dense({ units: 1, activation })] });
  model.compile({
    optimizer: new Adam({ learningRate: 0.02 }),
    loss,
    metrics: loss === 'binaryCrossentropy' ? ['accuracy'] : [],
  });
  const d = data(5);
  const y = loss === 'meanSquaredError' ? d.sum : d.sign;
  const history = await model.fit(d.x, y, { batchSize: 32, epochs: 25, verbose: 0, seed: 1 });
  const held = data(6);
  return {
    history: history.history,
    test: model.evaluate(held.x, loss === 'meanSquaredError' ? held.sum : held.sign),
  };
}

describeEachBackend('recurrent layers train', () => {
  it('LSTM learns the sum of a sequence', async () => {
    manualSeed(1);
    const { history, test } = await train(
      new LSTM({ units: 8, inputShape: [T, 1] }),
      'meanSquaredError',
      'linear',
    );
    const first = history.loss![0]!;
    // Predicting the mean gives the variance of the sum, 6/3 = 2.
    assert.ok(test.loss! < 0.1 && test.loss! < first / 10, `loss ${first} → held-out ${test.loss}`);
  });

  it('SimpleRNN learns the sum of a sequence', async () => {
    manualSeed(2);
    const { history, test } = await train(
      new SimpleRNN({ units: 8, inputShape: [T, 1] }),
      'meanSquaredError',
      'linear',
    );
    assert.ok(test.loss! < 0.1, `loss ${history.loss![0]} → held-out ${test.loss}`);
  });

  it('GRU learns the sign of the sum', async () => {
    manualSeed(3);
    const { test } = await train(new GRU({ units: 8, inputShape: [T, 1] }), 'binaryCrossentropy', 'sigmoid');
    assert.ok(test.accuracy! >= 0.9, `held-out accuracy ${test.accuracy}`);
  });
});

describeEachBackend('stateful layers in fit()', () => {
  it('carry states across batches and steps; resetStates() starts over', async () => {
    manualSeed(4);
    const layer = new LSTM({ units: 4, stateful: true, inputShape: [T, 1] });
    const model = new Sequential({ layers: [layer, new Dense({ units: 1 })] });
    model.compile({ optimizer: new Adam({ learningRate: 0.01, clipNorm: 1 }), loss: 'meanSquaredError' });
    const d = data(7);
    // 256 samples in batches of 32: every batch after the first starts from the carried states,
    // which must survive the end of the previous training step (step-scoped memory on wasm).
    const history = await model.fit(d.x, d.sum, { batchSize: 32, epochs: 2, shuffle: false, verbose: 0 });
    assert.ok(history.history.loss!.every(Number.isFinite));
    const carried = layer.states!;
    assert.equal(carried.length, 2);
    assert.ok(carried[0]!.dataSync().some((v) => v !== 0));
    // predict() continues from the carried states, so it differs from a fresh start.
    const probe = d.x.slice([0, 0, 0], [32, T, 1]);
    const continued = model.predict(probe).dataSync();
    layer.resetStates();
    const fresh = model.predict(probe).dataSync();
    assert.notDeepEqual(continued, fresh);
  });
});
