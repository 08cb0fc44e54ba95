/**
 * The functional API: input(), layers called on symbolic tensors, Model with several inputs and
 * outputs, shared layers, merge layers, sub-models, nested models, summary, training through the
 * engine, and save/load of the graph with identical predictions.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  Add,
  ArgumentError,
  Average,
  Concatenate,
  Dense,
  GraphError,
  gradcheck,
  input,
  loadModel,
  Maximum,
  Minimum,
  Model,
  Multiply,
  manualSeed,
  modelFromArtifacts,
  randn,
  Sequential,
  ShapeError,
  Subtract,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from '../src/node/index.js';
import { assertClose, describeEachBackend, flat, useTempDir } from './helpers.js';

const tmp = useTempDir('functional');

/** Two inputs, a Dense shared by both, two heads: [softmax classes, a Sequential regressor]. */
function twoInTwoOut(): Model {
  manualSeed(3);
  const a = input({ shape: [3], name: 'a' });
  const b = input({ shape: [3], name: 'b' });
  const shared = new Dense({ units: 6, activation: 'tanh', name: 'shared' });
  const ha = shared.apply(a);
  const hb = shared.apply(b);
  const joined = new Concatenate({ name: 'joined' }).apply([ha, hb]);
  const classes = new Dense({ units: 2, activation: 'softmax', name: 'classes' }).apply(joined);
  const regressor = new Sequential({
    name: 'regressor',
    layers: [new Dense({ units: 4, activation: 'relu', name: 'r1' }), new Dense({ units: 1, name: 'r2' })],
  });
  const value = regressor.apply(new Subtract({ name: 'diff' }).apply([ha, hb]));
  return new Model({ inputs: [a, b], outputs: [classes, value], name: 'two_io' });
}

function data(): { xa: Tensor; xb: Tensor; ya: Tensor; yb: Tensor } {
  const xa = randn([24, 3], { seed: 11 });
  const xb = randn([24, 3], { seed: 12 });
  const s = flat(xa).map((v, i) => v - flat(xb)[i]!);
  const labels: number[][] = [];
  const values: number[][] = [];
  for (let r = 0; r < 24; r++) {
    const d = s[3 * r]! + s[3 * r + 1]! - s[3 * r + 2]!;
    labels.push(d > 0 ? [1, 0] : [0, 1]);
    values.push([0.5 * d]);
  }
  return { xa, xb, ya: tensor(labels), yb: tensor(values) };
}

const list = (t: Tensor | Tensor[]): Tensor[] => (Array.isArray(t) ? t : [t]);

describeEachBackend('functional Model', () => {
  it('a two-input, two-output model with a shared layer trains, saves and reloads with identical predictions', async () => {
    const model = twoInTwoOut();
    const { xa, xb, ya, yb } = data();
    assert.deepEqual(model.inputNames, ['a', 'b']);
    assert.deepEqual(model.outputNames, ['classes', 'regressor']);
    // The shared layer's weights appear once; the Sequential's are scoped by its name.
    assert.deepEqual(
      model.weights.map((w) => w.name),
      [
        'shared/kernel',
        'shared/bias',
        'classes/kernel',
        'classes/bias',
        'regressor/r1/kernel',
        'regressor/r1/bias',
        'regressor/r2/kernel',
        'regressor/r2/bias',
      ],
    );
    model.compile({
      optimizer: { className: 'adam', config: { learningRate: 0.05 } },
      loss: ['categoricalCrossentropy', 'mse'],
      metrics: [['accuracy'], []],
    });
    const before = model.evaluate([xa, xb], [ya, yb]);
    const history = await model.fit(
      { a: xa, b: xb },
      { classes: ya, regressor: yb },
      { epochs: 30, batchSize: 8, verbose: 0, seed: 1 },
    );
    const after = model.evaluate([xa, xb], [ya, yb]);
    assert.ok(after.loss! < 0.5 * before.loss!, `loss ${before.loss} → ${after.loss}`);
    assert.ok(
      history.history.classes_loss && history.history.regressor_loss,
      Object.keys(history.history).join(),
    );
    const dir = join(tmp.path, 'two-io');
    await model.save(dir);
    const loaded = await loadModel<Model>(dir);
    assert.ok(loaded instanceof Model);
    assert.deepEqual(
      loaded.weights.map((w) => w.name),
      model.weights.map((w) => w.name),
    );
    const p0 = list(model.predict([xa, xb]));
    const p1 = list(loaded.predict([xa, xb]));
    assert.equal(p1.length, 2);
    p0.forEach((p, i) => {
      assert.deepEqual(flat(p1[i]!), flat(p));
    });
    // Still one shared layer after loading: two calls of the same weights.
    assert.equal(loaded.getLayer('shared').inboundNodes.length, 2);
    // Compiled again from the file: training goes on.
    assert.deepEqual(
      loaded.compiled?.losses.map((l) => l.name),
      ['categoricalCrossentropy', 'meanSquaredError'],
    );
    const logs = loaded.trainOnBatch([xa, xb], [ya, yb]);
    assert.ok(Number.isFinite(logs.loss));
  });

  it('predicts every output in batches (a short last one) exactly as in one pass', () => {
    const model = twoInTwoOut();
    const { xa, xb } = data();
    const whole = model.predict([xa, xb], { batchSize: 24 }) as Tensor[];
    const batched = model.predict([xa, xb], { batchSize: 5 }) as Tensor[];
    assert.equal(batched.length, 2);
    batched.forEach((t, i) => {
      assert.deepEqual(t.shape, whole[i]!.shape);
      assert.equal(t.backend, whole[i]!.backend);
      assert.deepEqual(t.dataSync(), whole[i]!.dataSync(), `output ${i}`);
    });
  });

  it('a Sequential used as a layer inside a Model trains, saves and reloads with identical predictions', async () => {
    manualSeed(5);
    const body = new Sequential({
      name: 'body',
      layers: [new Dense({ units: 8, activation: 'relu', inputDim: 2 }), new Dense({ units: 1 })],
    });
    const x = input({ shape: [2] });
    const model = new Model({ inputs: x, outputs: body.apply(x) });
    const xs = randn([32, 2], { seed: 2 });
    const ys = tensor(
      flat(xs)
        .filter((_, i) => i % 2 === 0)
        .map((v, i) => [v - 2 * flat(xs)[2 * i + 1]!]),
    );
    model.compile({ optimizer: { className: 'adam', config: { learningRate: 0.03 } }, loss: 'mse' });
    const before = model.evaluate(xs, ys).loss!;
    await model.fit(xs, ys, { epochs: 40, batchSize: 8, verbose: 0, seed: 2 });
    const after = model.evaluate(xs, ys).loss!;
    assert.ok(after < 0.3 * before, `loss ${before} → ${after}`);
    // Its weights are the Sequential's (trained in place): calling it alone gives the same.
    assert.deepEqual(flat(model.predict(xs) as Tensor), flat(body.predict(xs)));
    const dir = join(tmp.path, 'seq-in-model');
    await model.save(dir);
    const loaded = await loadModel<Model>(dir);
    assert.ok(loaded.getLayer('body') instanceof Sequential);
    assert.deepEqual(flat(loaded.predict(xs) as Tensor), flat(model.predict(xs) as Tensor));
  });

  it('freezing a nested model freezes its layers, and unfreezing restores them', () => {
    const model = twoInTwoOut();
    const all = model.trainableWeights.length;
    const regressor = model.getLayer('regressor');
    regressor.trainable = false;
    assert.equal(model.trainableWeights.length, all - 4);
    assert.equal((regressor as Sequential).layers[0]!.trainable, false);
    assert.equal(model.countTrainableParams(), model.countParams() - regressor.countParams());
    model.trainable = false;
    assert.equal(model.trainableWeights.length, 0);
    model.trainable = true;
    assert.equal(model.trainableWeights.length, all);
  });

  it('a sub-model of intermediate activations shares the weights', () => {
    manualSeed(7);
    const x = input({ shape: [3] });
    const hidden = new Dense({ units: 2, activation: 'relu', name: 'hidden' });
    const out = new Dense({ units: 1, name: 'out' }).apply(hidden.apply(x));
    const model = new Model({ inputs: x, outputs: out });
    const features = new Model({
      inputs: model.inputs as SymbolicTensor[],
      outputs: model.getLayer('hidden').output as SymbolicTensor,
    });
    assert.equal(features.weights.length, 2);
    const xs = tensor([
      [1, -2, 3],
      [0.5, 0, -1],
    ]);
    const w = flat(hidden.getWeight('kernel'));
    const b = flat(hidden.getWeight('bias'));
    const expected = [0, 1].flatMap((r) =>
      [0, 1].map((j) =>
        Math.max(
          0,
          [0, 1, 2].reduce((s, k) => s + flat(xs)[3 * r + k]! * w[2 * k + j]!, b[j]!),
        ),
      ),
    );
    assertClose(features.predict(xs) as Tensor, expected);
    // New values in the full model's weights show in the sub-model: they are the same tensors.
    model.setWeights(model.getWeights().map((t) => t.mul(2)));
    assertClose(
      features.predict(xs) as Tensor,
      expected.map((v) => 2 * v),
    );
    assert.equal(model.getLayer(1), hidden);
    assert.equal(model.getLayer(undefined, 1), hidden, "TF.js' getLayer(name?, index?)");
  });

  it('Sequential: getLayer(name?, index?), and inputs with each layer’s output make a feature extractor (Keras)', async () => {
    manualSeed(8);
    const hidden = new Dense({ units: 2, activation: 'tanh', inputShape: [3], name: 'h' });
    const seq = new Sequential({ name: 'mlp', layers: [hidden, new Dense({ units: 1, name: 'out' })] });
    assert.equal(seq.getLayer('h'), hidden);
    assert.equal(seq.getLayer(undefined, 0), hidden);
    assert.equal(seq.getLayer(-1), seq.layers[1]);
    const refused = (f: () => unknown, pattern: RegExp) =>
      assert.throws(f, (e: Error) => e instanceof ArgumentError && pattern.test(e.message));
    refused(
      () => seq.getLayer('hh'),
      /Sequential 'mlp' has no layer 'hh' — did you mean 'h'\? \(layers: h, out\)/,
    );
    refused(() => seq.getLayer(5), /Sequential 'mlp' has no layer at index 5 \(it has 2: h, out\)/);
    refused(() => seq.getLayer('h', 0), /give a name or an index, not both/);
    refused(() => seq.getLayer(), /give a layer name or index/);
    refused(() => new Sequential({ name: 'empty' }).inputs, /Sequential 'empty' is not built/);

    const features = new Model({ inputs: seq.inputs, outputs: seq.getLayer('h').output as SymbolicTensor });
    const xs = tensor([
      [1, -2, 3],
      [0.5, 0, -1],
    ]);
    assertClose(features.predict(xs) as Tensor, hidden.apply(xs));
    assert.equal(seq.outputs[0], seq.layers[1]!.output);
    // The same weights: training the Sequential changes what the extractor gives.
    const before = flat(features.predict(xs) as Tensor);
    seq.compile({ optimizer: 'sgd', loss: 'mse' });
    await seq.fit(xs, tensor([[1], [2]]), { epochs: 2, verbose: 0 });
    assert.notDeepEqual(flat(features.predict(xs) as Tensor), before);
    assertClose(features.predict(xs) as Tensor, hidden.apply(xs));
    // A head swapped after the graph exists joins it: pop, add, and outputs follows.
    seq.pop();
    const head = new Dense({ units: 4, name: 'head' });
    seq.add(head);
    assert.equal(seq.outputs[0], head.output);
    assert.equal(hidden.inboundNodes.length, 1, 'the layers were called on the symbolic input once');
    const whole = new Model({ inputs: seq.inputs, outputs: seq.outputs });
    assertClose((whole.predict(xs) as Tensor[])[0]!, seq.predict(xs)); // a list of one stays a list
  });

  it('a model used as a layer in another (nested model) trains its weights and saves', async () => {
    manualSeed(9);
    const ia = input({ shape: [4] });
    const inner = new Model({
      inputs: ia,
      outputs: new Dense({ units: 3, activation: 'tanh', name: 'enc' }).apply(ia),
      name: 'encoder',
    });
    const x = input({ shape: [4] });
    const y = new Dense({ units: 1, name: 'head' }).apply(inner.apply(x) as SymbolicTensor);
    const outer = new Model({ inputs: x, outputs: y, name: 'outer' });
    assert.deepEqual(
      outer.weights.map((w) => w.name),
      ['encoder/enc/kernel', 'encoder/enc/bias', 'head/kernel', 'head/bias'],
    );
    const xs = randn([8, 4], { seed: 4 });
    outer.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = flat(inner.getWeights()[0]!);
    outer.trainOnBatch(xs, randn([8, 1], { seed: 5 }));
    assert.notDeepEqual(flat(inner.getWeights()[0]!), before);
    const dir = join(tmp.path, 'nested');
    await outer.save(dir);
    const loaded = await loadModel<Model>(dir);
    assert.deepEqual(flat(loaded.predict(xs) as Tensor), flat(outer.predict(xs) as Tensor));
    assert.ok(loaded.getLayer('encoder') instanceof Model);
  });

  it('a model made with lists of one takes and gives lists, also after reloading', () => {
    manualSeed(8);
    const x = input({ shape: [2] });
    const listed = new Model({ inputs: [x], outputs: [new Dense({ units: 3 }).apply(x)] });
    const single = new Model({ inputs: x, outputs: listed.outputs[0]! });
    const xs = tensor([[1, 2]]);
    for (const m of [listed, modelFromArtifacts<Model>(listed.toArtifacts())]) {
      const out = m.predict([xs]);
      assert.ok(Array.isArray(out) && out.length === 1);
    }
    for (const m of [single, modelFromArtifacts<Model>(single.toArtifacts())]) {
      const out = m.predict(xs);
      assert.ok(!Array.isArray(out));
      assert.deepEqual(flat(out), flat((listed.predict([xs]) as Tensor[])[0]!));
    }
  });

  it('summary() shows each call with its connections', () => {
    const text = twoInTwoOut().summary(null);
    assert.match(text, /Connected to/);
    assert.match(text, /shared \(Dense\)\s+\[null, 6\]\s+24\s+a\[0\]\[0\]/);
    assert.match(text, /\n\s+\[null, 6\]\s+b\[0\]\[0\]/); // the shared layer's second call
    assert.match(text, /joined \(Concatenate\)\s+\[null, 12\]\s+0\s+shared\[0\]\[0\]\n\s+shared\[1\]\[0\]/);
    assert.match(text, /Total params: 83\n/); // 24 + 26 + (24 + 4) + (4 + 1)
  });
});

describeEachBackend('merge layers', () => {
  const a = tensor([
    [1, -2, 3],
    [4, 5, -6],
  ]);
  const b = tensor([
    [2, 2, -1],
    [0.5, 7, 1],
  ]);
  const c = tensor([
    [0, 1, 1],
    [1, 0, 2],
  ]);
  const expect = (layer: { apply(x: Tensor[]): Tensor }, xs: Tensor[], f: (...v: number[]) => number) => {
    const vs = xs.map(flat);
    assertClose(
      layer.apply(xs),
      vs[0]!.map((_, i) => f(...vs.map((v) => v[i]!))),
    );
  };

  it('compute Keras’ element-wise merges', () => {
    expect(new Add(), [a, b, c], (x, y, z) => x + y + z);
    expect(new Subtract(), [a, b], (x, y) => x - y);
    expect(new Multiply(), [a, b, c], (x, y, z) => x * y * z);
    expect(new Average(), [a, b, c], (x, y, z) => (x + y + z) / 3);
    expect(new Maximum(), [a, b, c], (x, y, z) => Math.max(x, y, z));
    expect(new Minimum(), [a, b], (x, y) => Math.min(x, y));
  });

  it('concatenate along the last axis or another one (the axis counts the batch axis)', () => {
    assert.deepEqual(flat(new Concatenate().apply([a, c])), [1, -2, 3, 0, 1, 1, 4, 5, -6, 1, 0, 2]);
    const p = tensor([[[1, 2]], [[3, 4]]]);
    const q = tensor([
      [
        [5, 6],
        [7, 8],
      ],
      [
        [9, 10],
        [11, 12],
      ],
    ]);
    assert.deepEqual(new Concatenate({ axis: 1 }).apply([p, q]).shape, [2, 3, 2]);
    assert.deepEqual(
      flat(new Concatenate({ axis: 1 }).apply([p, q])),
      [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12],
    );
  });

  it('pass gradient checks inside a Model', () => {
    manualSeed(13);
    const x = input({ shape: [3] });
    const y = input({ shape: [3] });
    const merges = [
      new Add(),
      new Subtract(),
      new Multiply(),
      new Average(),
      new Maximum(),
      new Concatenate(),
    ];
    for (const merge of merges) {
      const d = new Dense({ units: 2, activation: 'tanh' });
      const model = new Model({ inputs: [x, y], outputs: d.apply(merge.apply([x, y])) });
      const result = gradcheck(
        (u, v) => model.call([u, v]) as Tensor,
        [randn([2, 3], { seed: 1 }), randn([2, 3], { seed: 2 }).mul(1.7)],
      );
      assert.ok(
        result.ok,
        `${merge.className}: worst error ${result.maxError} at ${JSON.stringify(result.worst)}`,
      );
    }
  });

  it('refuse inputs that do not fit, naming both shapes', () => {
    const p = input({ shape: [3] });
    const q = input({ shape: [4] });
    assert.throws(
      () => new Add({ name: 'adder' }).apply([p, q]),
      (e: Error) =>
        e instanceof ShapeError &&
        /adder/.test(e.message) &&
        /\[3\]/.test(e.message) &&
        /\[4\]/.test(e.message),
    );
    assert.throws(
      () =>
        new Add().apply([
          a,
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ]),
      (e: Error) => e instanceof ShapeError && /has \[3\]/.test(e.message) && /has \[2\]/.test(e.message),
    );
    assert.throws(() => new Subtract().apply([p, p, p]), /needs 2 inputs, got 3/);
    assert.throws(() => new Add().apply([p]), /at least 2 inputs, got 1/);
    const r = input({ shape: [2, 3] });
    assert.throws(
      () => new Concatenate({ name: 'cc' }).apply([r, input({ shape: [3, 3] })]),
      (e: Error) =>
        e instanceof ShapeError &&
        /cc/.test(e.message) &&
        /\[null, 2, 3\]/.test(e.message) &&
        /\[null, 3, 3\]/.test(e.message),
    );
    assert.throws(() => new Concatenate({ axis: 0 }), /batch axis/);
  });
});

describeEachBackend('symbolic shapes', () => {
  it('carry unknown (null) dimensions through layers and merges', () => {
    const seq = input({ shape: [null, 4], name: 'steps' });
    assert.deepEqual(seq.shape, [null, null, 4]);
    const h = new Dense({ units: 3 }).apply(seq);
    assert.deepEqual(h.shape, [null, null, 3]);
    const joined = new Concatenate().apply([h, seq]);
    assert.deepEqual(joined.shape, [null, null, 7]);
    const alongTime = new Concatenate({ axis: 1 }).apply([h, h]);
    assert.deepEqual(alongTime.shape, [null, null, 3]);
    const model = new Model({ inputs: seq, outputs: joined });
    // Any sequence length runs: the built [null, 4] accepts 5 steps and 2 steps.
    assert.deepEqual((model.predict(randn([2, 5, 4], { seed: 1 })) as Tensor).shape, [2, 5, 7]);
    assert.deepEqual((model.predict(randn([3, 2, 4], { seed: 1 })) as Tensor).shape, [3, 2, 7]);
    assert.throws(() => model.predict(randn([2, 5, 3], { seed: 1 })), /shape \[null, null, 4\]/);
  });

  it('refuse a weight that depends on an unknown dimension', () => {
    const x = input({ shape: [null] });
    assert.throws(
      () => new Dense({ units: 2, name: 'needs_features' }).apply(x),
      (e: Error) =>
        e instanceof ShapeError && /needs_features/.test(e.message) && /known shape/.test(e.message),
    );
  });
});

describeEachBackend('Model errors', () => {
  it('name what is wrong', () => {
    const a = input({ shape: [2], name: 'left' });
    const b = input({ shape: [2], name: 'right' });
    const out = new Add().apply([a, b]);
    assert.throws(
      () => new Model({ inputs: a, outputs: out }),
      (e: Error) => e instanceof GraphError && /disconnected/.test(e.message) && /right/.test(e.message),
    );
    const model = new Model({ inputs: [a, b], outputs: out, name: 'adder' });
    assert.throws(() => model.getLayer('lefft'), /no layer 'lefft' — did you mean 'left'\?/);
    assert.throws(() => model.getLayer(9), /no layer at index 9/);
    assert.throws(() => model.predict(tensor([[1, 2]])), /2 inputs/);
    assert.throws(() => new Dense({ units: 1 }).apply([a, b] as never), /takes one input, got a list of 2/);
    assert.throws(() => new Add().apply([a, tensor([[1, 2]])] as never), /mix of symbolic and real/);
    const d1 = new Dense({ units: 2, name: 'twin' }).apply(a);
    const d2 = new Dense({ units: 2, name: 'twin' }).apply(b);
    assert.throws(
      () => new Model({ inputs: [a, b], outputs: [d1, d2] }),
      /two different layers are named 'twin'/,
    );
    assert.throws(
      () => new Model({ inputs: [a], outputs: [tensor([1]) as never] }),
      /outputs\[0\] must be a symbolic tensor/,
    );
    const shared = new Dense({ units: 2 });
    shared.apply(a);
    shared.apply(b);
    assert.throws(() => shared.output, /called 2 times/);
  });
});
