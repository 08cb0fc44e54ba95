/**
 * The training engine (src/model/engine): trainOnBatch/testOnBatch/predictOnBatch, sample and
 * class weights, Datasets (batch, shuffle, prefetch, repeat) as fit data, streamed epochs,
 * terminateOnNaN, and stepScope for hand-written loops — each checked against an equivalent
 * computation it must reproduce exactly, not against itself.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  Concatenate,
  Dataset,
  Dense,
  Flatten,
  getBackend,
  input,
  Model,
  manualSeed,
  noGrad,
  randn,
  Sequential,
  SGD,
  setBackend,
  stepScope,
  type Tensor,
  TerminateOnNaN,
  TrainingError,
  tensor,
  wasmSimdSupported,
} from '../src/index.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

function net(seed: number, out = 2, activation: 'softmax' | 'linear' = 'linear'): Sequential {
  manualSeed(seed);
  const model = new Sequential();
  model.add(new Dense({ units: 5, activation: 'tanh', inputDim: 3 }));
  model.add(new Dense({ units: out, activation }));
  return model;
}

const X = [
  [0.5, -1, 2],
  [1, 0.25, -0.5],
  [-1.5, 1, 0],
  [0.75, -0.25, 1],
  [0, 2, -1],
  [1.25, 0.5, 0.5],
];
const Y = [
  [1, 0],
  [0, 1],
  [1, 0],
  [0, 1],
  [0, 1],
  [1, 0],
];

function weightsOf(model: Sequential): number[] {
  return model.getWeights().flatMap((w) => flat(w));
}

describeEachBackend('training engine', () => {
  it('trainOnBatch makes exactly one SGD step; testOnBatch and predictOnBatch change nothing', () => {
    const a = net(3);
    a.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
    const before = weightsOf(a);
    const loss0 = a.testOnBatch(X, Y).loss!;
    assert.deepEqual(weightsOf(a), before, 'testOnBatch updated weights');
    assertClose(a.predictOnBatch(X), a.predict(X));
    const logs = a.trainOnBatch(X, Y);
    assertClose([logs.loss!], [loss0], 1e-6);
    // The same step by hand: gradient of the same loss, w −= 0.1·g.
    const b = net(3);
    const x = tensor(X);
    const y = tensor(Y);
    const l = b.call(x).sub(y).square().mean();
    l.backward();
    const expected = b.trainableWeights.map((w) => noGrad(() => w.sub(w.grad!.mul(0.1))));
    assertClose(
      a.trainableWeights.flatMap((w) => flat(w)),
      expected.flatMap((w) => flat(w)),
      1e-6,
    );
    assert.ok(a.testOnBatch(X, Y).loss! < loss0, 'the step lowered the loss');
  });

  it('sampleWeight multiplies each sample’s loss: integer weights equal repeating rows (sum reduction)', async () => {
    const weights = [2, 1, 0, 1, 3, 1];
    const a = net(5);
    a.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'mse', lossOptions: { reduction: 'sum' } });
    await a.fit(X, Y, { batchSize: 6, epochs: 3, shuffle: false, verbose: 0, sampleWeight: weights });
    const rx: number[][] = [];
    const ry: number[][] = [];
    weights.forEach((w, i) => {
      for (let k = 0; k < w; k++) {
        rx.push(X[i]!);
        ry.push(Y[i]!);
      }
    });
    const b = net(5);
    b.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'mse', lossOptions: { reduction: 'sum' } });
    await b.fit(rx, ry, { batchSize: rx.length, epochs: 3, shuffle: false, verbose: 0 });
    assertClose(weightsOf(a), weightsOf(b), 1e-5, 1e-4);
  });

  it('classWeight weighs each sample by its class, the same as the equivalent sampleWeight', async () => {
    const a = net(7, 2, 'softmax');
    a.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: 'categoricalCrossentropy' });
    const historyA = await a.fit(X, Y, {
      batchSize: 4,
      epochs: 2,
      shuffle: false,
      verbose: 0,
      classWeight: { 0: 3, 1: 0.5 },
    });
    const b = net(7, 2, 'softmax');
    b.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: 'categoricalCrossentropy' });
    const sw = Y.map((row) => (row[0] === 1 ? 3 : 0.5));
    const historyB = await b.fit(X, Y, {
      batchSize: 4,
      epochs: 2,
      shuffle: false,
      verbose: 0,
      sampleWeight: sw,
    });
    assertClose(weightsOf(a), weightsOf(b), 1e-6);
    assertClose(historyA.history.loss!, historyB.history.loss!, 1e-6);
    // And it differs from unweighted training (the weights matter).
    const c = net(7, 2, 'softmax');
    c.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: 'categoricalCrossentropy' });
    await c.fit(X, Y, { batchSize: 4, epochs: 2, shuffle: false, verbose: 0 });
    assert.notDeepEqual(weightsOf(a), weightsOf(c));
  });

  it('fit on a batched Dataset trains exactly as fit on the same tensors', async () => {
    const a = net(11);
    a.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    const ha = await a.fit(X, Y, { batchSize: 4, epochs: 3, shuffle: false, verbose: 0 });
    const b = net(11);
    b.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    const ds = Dataset.fromTensors({ xs: tensor(X), ys: tensor(Y) }).batch(4);
    const hb = await b.fit(ds, { epochs: 3, verbose: 0 });
    assertClose(weightsOf(a), weightsOf(b), 1e-6);
    assertClose(ha.history.loss!, hb.history.loss!, 1e-6);
    assertClose(ha.history.mae!, hb.history.mae!, 1e-6);
    const e1 = a.evaluate(X, Y);
    const e2 = await b.evaluateDataset(Dataset.fromArray([{ xs: X, ys: Y }]));
    assertClose([e1.loss!, e1.mae!], [e2.loss!, e2.mae!], 1e-6);
    // predict() and evaluate() return at once: a Dataset is refused saying what to do instead,
    // not taken for an object of named inputs.
    assert.throws(
      () => b.predict(ds as never),
      (e) =>
        e instanceof ArgumentError &&
        /^predict\(\): x is a Dataset .* takes tensors .*model\.predict\(b\.xs\)/.test(e.message),
    );
    assert.throws(
      () => b.evaluate(ds as never, undefined as never),
      (e) =>
        e instanceof ArgumentError && /^evaluate\(\): x is a Dataset .*evaluateDataset\(\)/.test(e.message),
    );
  });

  it('initialEpoch: epochs is the index to stop before, as in Keras (in memory and streamed)', async () => {
    const model = net(3);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const seen: number[] = [];
    const params: number[] = [];
    const callbacks = [
      {
        setParams: (p: { epochs: number }) => void params.push(p.epochs),
        onEpochBegin: (e: number) => void seen.push(e),
      },
    ];
    const h = await model.fit(X, Y, { initialEpoch: 1, epochs: 3, verbose: 0, callbacks });
    assert.deepEqual(h.epoch, [1, 2]);
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(params, [3]);
    const before = weightsOf(model);
    const none = await model.fit(X, Y, { initialEpoch: 3, epochs: 2, verbose: 0 });
    assert.deepEqual(none.epoch, []);
    assert.deepEqual(weightsOf(model), before);
    const ds = Dataset.fromTensors({ xs: tensor(X), ys: tensor(Y) }).batch(4);
    assert.deepEqual((await model.fit(ds, { initialEpoch: 2, epochs: 5, verbose: 0 })).epoch, [2, 3, 4]);
  });

  it('streams an async generator with stepsPerEpoch, and explains a stream that runs dry', async () => {
    const model = net(2);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    let made = 0;
    const endless = Dataset.fromGenerator(async function* () {
      for (;;) {
        made++;
        yield { xs: tensor(X), ys: tensor(Y) };
      }
    });
    const h = await model.fit(endless, { epochs: 3, stepsPerEpoch: 2, verbose: 0 });
    assert.equal(h.history.loss!.length, 3);
    assert.ok(made >= 6 && made <= 7, `pulled ${made} batches for 6 steps`);
    function* twice() {
      yield [X, Y];
      yield [X, Y];
    }
    const once = twice(); // a generator object cannot start again
    await assert.rejects(
      model.fit(once, { epochs: 2, stepsPerEpoch: 3, verbose: 0 }),
      (e: Error) => e instanceof TrainingError && /ended after 2 of 3 batches in epoch 1/.test(e.message),
    );
    await assert.rejects(model.fit(Dataset.fromArray([{ xs: X }]), { verbose: 0 }), /batch 1 has no targets/);
    await assert.rejects(
      model.fit(Dataset.fromArray([{ xs: X, ys: Y }]), { batchSize: 2, verbose: 0 }),
      /batchSize applies to in-memory x\/y/,
    );
  });

  it('a non-finite loss throws naming the batch, or with terminateOnNaN stops cleanly before the bad update', async () => {
    const model = net(4);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const bad = X.map((r) => [...r]);
    bad[4]![1] = Number.NaN;
    await assert.rejects(
      model.fit(bad, Y, { batchSize: 2, shuffle: false, verbose: 0 }),
      /loss became NaN at epoch 1, batch 3\/3/,
    );
    const m2 = net(4);
    m2.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await m2.fit(bad, Y, {
      batchSize: 2,
      epochs: 5,
      shuffle: false,
      verbose: 0,
      callbacks: [new TerminateOnNaN()],
    });
    assert.equal(h.epoch.length, 1, 'stopped in the first epoch');
    assert.ok(weightsOf(m2).every(Number.isFinite), 'the NaN batch did not reach the weights');
    // Two good batches were applied: the same as training on the first four rows alone.
    const m3 = net(4);
    m3.compile({ optimizer: 'sgd', loss: 'mse' });
    await m3.fit(X.slice(0, 4), Y.slice(0, 4), { batchSize: 2, shuffle: false, verbose: 0 });
    assertClose(weightsOf(m2), weightsOf(m3), 1e-6);
  });

  it('NaN/Infinity in x is an ArgumentError naming the call, the input, its row in the caller’s data and the column', async () => {
    const bad = X.map((r) => [...r]);
    bad[4]![1] = Number.NaN;
    const finiteInputs = (call: string, rest: string) => (e: Error) =>
      e instanceof ArgumentError &&
      e.message === `${call}: the model needs finite inputs, but x has NaN at row 4, column 1 (${rest})`;
    const model = net(5);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mse'] });
    const before = weightsOf(model);
    assert.throws(
      () => model.evaluate(bad, Y, { batchSize: 2 }),
      finiteInputs('evaluate()', 'the loss became NaN'),
    );
    assert.throws(() => model.testOnBatch(bad, Y), finiteInputs('testOnBatch()', 'the loss became NaN'));
    assert.throws(() => model.trainOnBatch(bad, Y), finiteInputs('trainOnBatch()', 'the loss became NaN'));
    // Shuffled: row 4 is met elsewhere in the epoch, and still named by its index in x.
    await assert.rejects(
      model.fit(bad, Y, { batchSize: 2, seed: 7, verbose: 0 }),
      (e: Error) =>
        e instanceof ArgumentError &&
        /^fit\(\): the model needs finite inputs, but x has NaN at row 4, column 1 \(the loss became NaN at epoch 1, batch [12]\/3\)$/.test(
          e.message,
        ),
    );
    assert.deepEqual(weightsOf(model), before, 'no update from the bad batch');
    await assert.rejects(
      model.fit(X, Y, { verbose: 0, validationData: [bad, Y] }),
      finiteInputs('fit(): validationData', 'the loss became NaN'),
    );
    await assert.rejects(
      model.fit(bad, Y, { verbose: 0, validationSplit: 0.5, shuffle: false }),
      finiteInputs('fit(): validationSplit', 'the loss became NaN'),
    );
    // A stream's rows are known by their batch.
    await assert.rejects(
      model.fit(
        Dataset.fromArray([
          { xs: X.slice(0, 2), ys: Y.slice(0, 2) },
          { xs: bad.slice(3, 5), ys: Y.slice(3, 5) },
        ]),
        {
          verbose: 0,
        },
      ),
      /fit\(\): the model needs finite inputs, but x has NaN at row 1 of batch 2, column 1 \(the loss became NaN at epoch 1, batch 2\)/,
    );
    // Several inputs: the input is named; higher-rank rows by their index.
    const a = input({ shape: [3], name: 'a' });
    const b = input({ shape: [2, 1], name: 'b' });
    const joined = new Concatenate().apply([a, new Flatten().apply(b)]);
    const two = new Model({ inputs: [a, b], outputs: new Dense({ units: 2 }).apply(joined) });
    two.compile({ optimizer: 'sgd', loss: 'mse' });
    const bs = X.map(() => [[1], [2]]);
    bs[3]![1]![0] = Number.POSITIVE_INFINITY;
    assert.throws(
      () => two.evaluate({ a: X, b: bs }, Y),
      /^ArgumentError: evaluate\(\): the model needs finite inputs, but x\['b'\] has Infinity at row 3, index \[1, 0\] \(the loss became (Infinity|NaN)\)$/,
    );
  });

  it('predict() refuses outputs made NaN by their input row, and returns a model’s own non-finite outputs', () => {
    const bad = X.map((r) => [...r]);
    bad[4]![1] = Number.NaN;
    const model = net(6);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const message =
      /^ArgumentError: predict(OnBatch)?\(\): the model needs finite inputs, but x has NaN at row 4, column 1 \(its output came out NaN\)/;
    assert.throws(() => model.predict(bad), message);
    assert.throws(() => model.predict(bad, { batchSize: 4 }), message);
    assert.throws(() => model.predictOnBatch(bad), message);
    // Finite inputs, infinite outputs: the model's own (an unbounded activation), as Keras returns them.
    const linear = new Sequential({
      layers: [new Dense({ units: 1, inputShape: [3], kernelInitializer: 'ones', useBias: false })],
    });
    linear.compile({ optimizer: 'sgd', loss: 'mse' });
    const huge = [
      [3e38, 3e38, 0],
      [1, 2, 3],
    ];
    assert.deepEqual(flat(linear.predict(huge)), [Number.POSITIVE_INFINITY, 6]);
    assert.equal(linear.evaluate(huge, [[0], [0]]).loss, Number.POSITIVE_INFINITY);
  });

  it('a loss made non-finite by the model on finite x is still the TrainingError naming the batch', async () => {
    const linear = new Sequential({
      layers: [new Dense({ units: 1, inputShape: [3], kernelInitializer: 'ones', useBias: false })],
    });
    linear.compile({ optimizer: 'sgd', loss: 'mse' });
    await assert.rejects(
      linear.fit(
        [
          [1, 2, 3],
          [3e38, 3e38, 0],
        ],
        [[0], [0]],
        { batchSize: 1, shuffle: false, verbose: 0 },
      ),
      (e: Error) =>
        e instanceof TrainingError &&
        /^fit\(\): the loss became Infinity at epoch 1, batch 2\/2\./.test(e.message),
    );
  });

  it('two outputs: the total is Σ lossWeight·loss, logs name each output, and a weight of 0 leaves its head untouched', () => {
    manualSeed(12);
    const x = input({ shape: [3], name: 'x' });
    const trunk = new Dense({ units: 4, activation: 'tanh', name: 'trunk' }).apply(x);
    const first = new Dense({ units: 2, activation: 'softmax', name: 'first' }).apply(trunk);
    const second = new Dense({ units: 1, name: 'second' }).apply(trunk);
    const model = new Model({ inputs: x, outputs: [first, second] });
    const y2 = X.map((r) => [r[0]! - r[2]!]);
    model.compile({
      optimizer: new SGD({ learningRate: 0.1 }),
      loss: { first: 'categoricalCrossentropy', second: 'mse' },
      lossWeights: { first: 0.25, second: 0 },
      metrics: { first: ['accuracy'] },
    });
    const before = model.testOnBatch(X, [Y, y2]);
    assert.deepEqual(Object.keys(before).sort(), ['first_accuracy', 'first_loss', 'loss', 'second_loss']);
    assertClose([before.loss!], [0.25 * before.first_loss!], 1e-6);
    const head = flat(model.getLayer('second').weights[0]!.tensor);
    const trunkBefore = flat(model.getLayer('trunk').weights[0]!.tensor);
    model.trainOnBatch({ x: X }, { first: Y, second: y2 });
    assert.deepEqual(flat(model.getLayer('second').weights[0]!.tensor), head, 'a head weighted 0 moved');
    assert.notDeepEqual(flat(model.getLayer('trunk').weights[0]!.tensor), trunkBefore);
    assert.throws(
      () => model.compile({ optimizer: 'sgd', loss: { first: 'mse', secnd: 'mse' } }),
      /loss names an output 'secnd' the model does not have — did you mean 'second'\?/,
    );
    assert.throws(
      () => model.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: [1] }),
      /lossWeights has 1 entries but the model has 2 outputs/,
    );
  });

  it('stepScope returns plain values and tensors that stay valid after the step', () => {
    const model = net(8);
    const opt = new SGD({ learningRate: 0.1 });
    const x = tensor(X);
    const y = tensor(Y);
    const out = stepScope(() => {
      const pred = model.call(x);
      const l = pred.sub(y).square().mean();
      l.backward();
      opt.step(model.trainableWeights);
      opt.zeroGrad(model.trainableWeights);
      return { loss: l.item(), pred, list: [pred.sum()] };
    });
    assert.equal(typeof out.loss, 'number');
    const again: Tensor = randn([64, 64]); // reuses the step's memory on wasm
    assert.equal(again.shape[0], 64);
    assert.deepEqual(out.pred.shape, [6, 2]);
    assert.throws(
      () => stepScope((async () => 1) as never),
      (e: unknown) =>
        e instanceof ArgumentError && /stepScope\(\) takes a synchronous function/.test(String(e)),
    );
    assertClose(out.list[0]!, [flat(out.pred).reduce((s, v) => s + v, 0)], 1e-5);
  });
});

it('Dataset: shuffle is a seeded permutation, batch keeps the remainder, prefetch keeps order', async () => {
  const items = Array.from({ length: 10 }, (_, i) => i);
  const s1 = await Dataset.fromArray(items).shuffle(4, 7).toArray();
  const s2 = await Dataset.fromArray(items).shuffle(4, 7).toArray();
  assert.deepEqual(s1, s2, 'same seed, same order');
  assert.deepEqual(
    [...s1].sort((a, b) => a - b),
    items,
    'a permutation',
  );
  assert.notDeepEqual(s1, items, 'actually shuffled');
  const full = Dataset.fromArray(items).shuffle(10, 1);
  assert.notDeepEqual(await full.toArray(), await full.toArray(), 'each pass draws a new order');
  const batches = await Dataset.fromArray(items).batch(4).toArray();
  assert.deepEqual(
    batches.map((b) => flat(b as Tensor)),
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ],
  );
  assert.equal((await Dataset.fromArray(items).batch(4, { dropRemainder: true }).toArray()).length, 2);
  const slow = Dataset.fromGenerator(async function* () {
    for (const i of items) {
      await new Promise((r) => setTimeout(r, i % 3));
      yield i;
    }
  });
  assert.deepEqual(await slow.prefetch(3).toArray(), items);
  assert.deepEqual(
    await Dataset.fromArray(items)
      .skip(2)
      .take(3)
      .repeat(2)
      .map((v) => v * 10)
      .toArray(),
    [20, 30, 40, 20, 30, 40],
  );
  const pairs = await Dataset.fromArray([
    { xs: [1, 2], ys: 0 },
    { xs: [3, 4], ys: 1 },
  ])
    .batch(2)
    .toArray();
  const first = pairs[0] as { xs: Tensor; ys: Tensor };
  assert.deepEqual(first.xs.shape, [2, 2]);
  assert.deepEqual(flat(first.ys), [0, 1]);
  await assert.rejects(
    Dataset.fromArray([[1, 2], [3]])
      .batch(2)
      .toArray(),
    /element 1 has shape \[1\] but element 0 has \[2\]/,
  );
  assert.throws(() => Dataset.fromArray(items).batch(0), /batch\(\): size must be a positive integer, got 0/);
});

it('wasm: memory stays flat over a hand-written loop in stepScope and over trainOnBatch', {
  skip: !wasmSimdSupported(),
}, () => {
  const previous = getBackend().name;
  setBackend('wasm');
  try {
    const model = net(9);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const x = randn([32, 3]);
    const y = randn([32, 2]);
    const opt = new SGD({ learningRate: 0.01 });
    const step = () =>
      stepScope(() => {
        const l = model.call(x).sub(y).square().mean();
        l.backward();
        opt.step(model.trainableWeights);
        opt.zeroGrad(model.trainableWeights);
        return l.item();
      });
    for (let i = 0; i < 5; i++) {
      step();
      model.trainOnBatch(x, y);
    }
    const high = getBackend().memoryStats!().highWaterBytes;
    for (let i = 0; i < 200; i++) {
      step();
      model.trainOnBatch(x, y);
    }
    assert.equal(getBackend().memoryStats!().highWaterBytes, high, 'the high-water mark moved');
  } finally {
    setBackend(previous);
  }
});
