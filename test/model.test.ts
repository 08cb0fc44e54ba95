import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Adam,
  ArgumentError,
  type Callback,
  Dense,
  Dropout,
  earlyStopping,
  initializers,
  listBackends,
  manualSeed,
  noGrad,
  Sequential,
  SGD,
  setBackend,
  tensor,
} from '../src/index.js';
import { moons, toyX, toyY } from './datasets.js';
import { describeEachBackend } from './helpers.js';

function moonsModel(seed = 1): Sequential {
  manualSeed(seed);
  const model = new Sequential();
  model.add(new Dense({ units: 16, activation: 'relu', inputDim: 2 }));
  model.add(new Dense({ units: 16, activation: 'relu' }));
  model.add(new Dense({ units: 2, activation: 'softmax' }));
  return model;
}

describeEachBackend('Sequential training', () => {
  it("trains the tutorial's 4-sample toy problem to within 0.1 of its targets (1,500 iterations)", async () => {
    manualSeed(4);
    // The tutorial's network: 3-4-1, sigmoid, no biases, weights uniform in [0, 1), full-batch
    // gradient descent on the sum of squares. Its update w += Σ2(y−ŷ)… is ½Σ(y−ŷ)² with lr 2.
    const uniform01 = initializers.randomUniform({ minval: 0, maxval: 1 });
    const model = new Sequential();
    model.add(
      new Dense({
        units: 4,
        activation: 'sigmoid',
        useBias: false,
        kernelInitializer: uniform01,
        inputDim: 3,
      }),
    );
    model.add(new Dense({ units: 1, activation: 'sigmoid', useBias: false, kernelInitializer: uniform01 }));
    model.compile({
      optimizer: new SGD({ learningRate: 2 }),
      loss: 'sumOfSquares',
      lossOptions: { reduction: 'sum' },
    });
    const history = await model.fit(toyX, toyY, { batchSize: 4, epochs: 1500, shuffle: false, verbose: 0 });
    const losses = history.history.loss!;
    assert.equal(losses.length, 1500);
    assert.ok(losses[1499]! < losses[0]! / 10, `loss ${losses[0]} → ${losses[1499]}`);
    const predicted = model.predict(toyX).dataSync();
    toyY.forEach(([target], i) => {
      assert.ok(Math.abs(predicted[i]! - target!) < 0.1, `sample ${i}: ${predicted[i]} vs ${target}`);
    });
  });

  it('reaches ≥ 95% accuracy on held-out two-moons data', async () => {
    const train = moons(400, 0.1, 1);
    const test = moons(400, 0.1, 2);
    const model = moonsModel();
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(train.x, train.y, { batchSize: 32, epochs: 150, verbose: 0, seed: 1 });
    const result = model.evaluate(test.x, test.y);
    assert.ok(result.accuracy! >= 0.95, `held-out accuracy ${result.accuracy}`);
    const loss = history.history.loss!;
    assert.ok(loss.at(-1)! < loss[0]! / 5, `loss ${loss[0]} → ${loss.at(-1)}`);
  });

  it('accepts integer labels with sparse cross-entropy and a sigmoid output with binary cross-entropy', async () => {
    const train = moons(300, 0.1, 3);
    const sparse = moonsModel(2);
    sparse.compile({
      optimizer: new Adam({ learningRate: 0.01 }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    await sparse.fit(train.x, tensor(train.labels), { epochs: 40, verbose: 0, seed: 2 });
    const sparseAccuracy = sparse.evaluate(train.x, tensor(train.labels)).accuracy!;
    assert.ok(sparseAccuracy > 0.95, `sparse: accuracy ${sparseAccuracy}`);

    manualSeed(3);
    const binary = new Sequential();
    binary.add(new Dense({ units: 16, activation: 'tanh', inputDim: 2 }));
    binary.add(new Dense({ units: 1, activation: 'sigmoid' }));
    binary.compile({
      optimizer: new Adam({ learningRate: 0.01 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const y = tensor(train.labels.map((c) => [c]));
    await binary.fit(train.x, y, { epochs: 150, verbose: 0, seed: 3 });
    const binaryAccuracy = binary.evaluate(train.x, y).accuracy!;
    assert.ok(binaryAccuracy > 0.95, `binary: accuracy ${binaryAccuracy}`);
    const p = binary.predict(train.x).dataSync();
    assert.ok(
      p.every((v) => v > 0 && v < 1),
      'predict applies the sigmoid the loss fused away',
    );
  });

  it("keeps a frozen layer's weights unchanged while the rest train", async () => {
    const model = moonsModel(5);
    const [base, , head] = model.layers;
    base!.trainable = false;
    const before = base!.weights.map((w) => w.tensor.dataSync());
    const headBefore = head!.getWeight('kernel').dataSync();
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const { x, y } = moons(100, 0.1, 4);
    await model.fit(x, y, { epochs: 3, verbose: 0 });
    base!.weights.forEach((w, i) => {
      assert.deepEqual(w.tensor.dataSync(), before[i]);
    });
    assert.notDeepEqual(head!.getWeight('kernel').dataSync(), headBefore);
    assert.match(model.summary(null), /\[frozen\]/);
    assert.match(model.summary(null), /Non-trainable params: 48/);
  });

  it('turns dropout off in predict and evaluate', () => {
    manualSeed(6);
    const model = new Sequential();
    model.add(new Dense({ units: 32, activation: 'relu', inputDim: 4 }));
    model.add(new Dropout({ rate: 0.5 }));
    model.add(new Dense({ units: 3 }));
    const x = tensor([[1, 2, 3, 4]]);
    const a = model.predict(x).dataSync();
    assert.deepEqual(model.predict(x).dataSync(), a);
    const withoutDropout = noGrad(() => model.layers[2]!.apply(model.layers[0]!.apply(x))).dataSync();
    assert.deepEqual(a, withoutDropout);
    const trainingOut = noGrad(() => model.call(x, { training: true })).dataSync();
    assert.notDeepEqual(trainingOut, a);
  });

  it('reports validation metrics, calls hooks in order, and stops early', async () => {
    const { x, y } = moons(200, 0.1, 7);
    const model = moonsModel(7);
    model.compile({
      optimizer: new SGD({ learningRate: 1e-6 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const events: string[] = [];
    const hooks: Callback = {
      onTrainBegin: () => void events.push('trainBegin'),
      onEpochEnd: (epoch, logs) => void events.push(`epoch${epoch}:${Object.keys(logs).join(',')}`),
      onBatchEnd: (batch) => void (batch === 0 && events.push('batch0')),
      onTrainEnd: () => void events.push('trainEnd'),
    };
    const stopper = earlyStopping({ monitor: 'val_loss', patience: 1, minDelta: 0.01 });
    const history = await model.fit(x, y, {
      epochs: 20,
      batchSize: 50,
      validationSplit: 0.25,
      callbacks: [hooks, stopper],
      verbose: 0,
    });
    assert.equal(events[0], 'trainBegin');
    assert.equal(events[1], 'batch0');
    assert.equal(events[2], 'epoch0:loss,accuracy,val_loss,val_accuracy');
    assert.equal(events.at(-1), 'trainEnd');
    // With a learning rate this small the validation loss cannot improve by 0.01: stop after patience.
    assert.equal(history.epoch.length, 2);
    assert.equal(stopper.stoppedEpoch, 1);
    assert.deepEqual(Object.keys(history.history), ['loss', 'accuracy', 'val_loss', 'val_accuracy']);
  });

  it('restores the best weights when asked', async () => {
    const { x, y } = moons(200, 0.1, 8);
    const model = moonsModel(8);
    model.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    let bestSnapshot: Float32Array | null = null;
    let bestLoss = Number.POSITIVE_INFINITY;
    const spy: Callback = {
      onEpochEnd: (_e, logs) => {
        if (logs.loss! < bestLoss - 0) {
          bestLoss = logs.loss!;
          bestSnapshot = model.layers[0]!.getWeight('kernel').dataSync();
        }
      },
    };
    await model.fit(x, y, {
      epochs: 8,
      verbose: 0,
      seed: 8,
      callbacks: [spy, earlyStopping({ monitor: 'loss', patience: 100, restoreBestWeights: true })],
    });
    assert.deepEqual(model.layers[0]!.getWeight('kernel').dataSync(), bestSnapshot);
  });

  it('stops with an error naming the row, column, epoch and batch when NaN in x turns the loss NaN', async () => {
    const model = moonsModel(9);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tensor([
      [0, 0],
      [1, 1],
      [Number.NaN, 0],
      [1, 0],
    ]);
    const y = tensor([
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
    await assert.rejects(
      model.fit(x, y, { batchSize: 2, epochs: 1, shuffle: false, verbose: 0 }),
      (e: Error) =>
        e instanceof ArgumentError &&
        /x has NaN at row 2, column 0 \(the loss became NaN at epoch 1, batch 2\/2\)/.test(e.message),
    );
  });

  it('explains misuse: not compiled, mismatched lengths, wrong feature count', async () => {
    const model = moonsModel(10);
    await assert.rejects(model.fit([[1, 2]], [[1, 0]]), /not compiled: call compile/);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await assert.rejects(
      model.fit(
        [
          [1, 2],
          [3, 4],
        ],
        [[1, 0]],
        { verbose: 0 },
      ),
      /x has 2 samples .* but y has 1/,
    );
    assert.throws(
      () => model.predict([[1, 2, 3]]),
      /layer '.*' expects inputs of shape \[batch, 2\] but got \[batch, 3\]/,
    );
  });

  it('predicts in batches exactly as in one pass', () => {
    const model = moonsModel(11);
    const { x } = moons(300, 0.1, 11);
    const whole = model.predict(x, { batchSize: 1000 }).dataSync();
    const batched = model.predict(x, { batchSize: 64 }).dataSync();
    assert.deepEqual(batched, whole);
    // Down to one sample at a time (the thin-matrix kernel path): still bit-identical.
    assert.deepEqual(model.predict(x.slice(0, 5), { batchSize: 1 }).dataSync(), whole.slice(0, 10));
  });
});

it('fit, evaluate and predict accept data made on another backend than the model', async () => {
  const others = listBackends().filter((b) => b !== 'ts');
  for (const name of others) {
    const { x, y } = moons(64, 0.1, 30); // made on the default 'ts' backend
    setBackend(name);
    try {
      const model = moonsModel(30);
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      await model.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, y] });
      assert.equal(model.predict(x).backend.name, name);
      assert.ok(Number.isFinite(model.evaluate(x, y).loss!), 'evaluate runs');
    } finally {
      setBackend('ts');
    }
  }
});
