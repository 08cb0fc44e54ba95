/**
 * Convolution, pooling and the image layers: forward values against direct loops, shape errors,
 * summaries, batch norm's two modes, saving and loading, freezing, and a CNN that learns.
 * (Their gradients are in gradcheck.test.ts.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  ArgumentError,
  AveragePooling2D,
  avgPool2d,
  BatchNormalization,
  Conv2D,
  conv2d,
  Dense,
  Flatten,
  GlobalAveragePooling2D,
  input,
  loadModel,
  MaxPooling2D,
  Model,
  manualSeed,
  maxPool2d,
  Reshape,
  Rng,
  randn,
  Sequential,
  type Tensor,
  tensor,
} from '../src/node/index.js';
import { assertClose, describeEachBackend, useTempDir } from './helpers.js';

const tmp = useTempDir('cnn');

interface Geometry {
  strides: [number, number];
  padding: 'valid' | 'same';
  dilation: [number, number];
}

/** Output size and leading padding, written out from TensorFlow's definition. */
function axis(size: number, k: number, s: number, d: number, padding: 'valid' | 'same') {
  const span = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / s) + 1, pad: 0 };
  const out = Math.ceil(size / s);
  return { out, pad: Math.floor(Math.max((out - 1) * s + span - size, 0) / 2) };
}

/** Direct 7-loop convolution (cross-correlation), channels-last. */
function referenceConv(x: Tensor, w: Tensor, g: Geometry): { values: number[]; shape: number[] } {
  const [n, h, wd, c] = x.shape as number[];
  const [kh, kw, , f] = w.shape as number[];
  const X = x.dataSync();
  const W = w.dataSync();
  const ay = axis(h!, kh!, g.strides[0], g.dilation[0], g.padding);
  const ax = axis(wd!, kw!, g.strides[1], g.dilation[1], g.padding);
  const values: number[] = [];
  for (let b = 0; b < n!; b++)
    for (let oy = 0; oy < ay.out; oy++)
      for (let ox = 0; ox < ax.out; ox++)
        for (let o = 0; o < f!; o++) {
          let sum = 0;
          for (let ky = 0; ky < kh!; ky++)
            for (let kx = 0; kx < kw!; kx++) {
              const iy = oy * g.strides[0] - ay.pad + ky * g.dilation[0];
              const ix = ox * g.strides[1] - ax.pad + kx * g.dilation[1];
              if (iy < 0 || iy >= h! || ix < 0 || ix >= wd!) continue;
              for (let ci = 0; ci < c!; ci++)
                sum += X[((b * h! + iy) * wd! + ix) * c! + ci]! * W[((ky * kw! + kx) * c! + ci) * f! + o]!;
            }
          values.push(sum);
        }
  return { values, shape: [n!, ay.out, ax.out, f!] };
}

/** Direct pooling: max or mean over the window cells inside the image. */
function referencePool(x: Tensor, k: number, s: number, padding: 'valid' | 'same', kind: 'max' | 'avg') {
  const [n, h, wd, c] = x.shape as number[];
  const X = x.dataSync();
  const ay = axis(h!, k, s, 1, padding);
  const ax = axis(wd!, k, s, 1, padding);
  const values: number[] = [];
  for (let b = 0; b < n!; b++)
    for (let oy = 0; oy < ay.out; oy++)
      for (let ox = 0; ox < ax.out; ox++)
        for (let ci = 0; ci < c!; ci++) {
          const cells: number[] = [];
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * s - ay.pad + ky;
              const ix = ox * s - ax.pad + kx;
              if (iy >= 0 && iy < h! && ix >= 0 && ix < wd!)
                cells.push(X[((b * h! + iy) * wd! + ix) * c! + ci]!);
            }
          values.push(kind === 'max' ? Math.max(...cells) : cells.reduce((a, v) => a + v, 0) / cells.length);
        }
  return { values, shape: [n!, ay.out, ax.out, c!] };
}

describeEachBackend('convolution and pooling', () => {
  const cases: [string, number[], number[], Geometry][] = [
    ['3×3 valid', [2, 6, 7, 3], [3, 3, 3, 4], { strides: [1, 1], padding: 'valid', dilation: [1, 1] }],
    ['5×5 same', [1, 9, 8, 2], [5, 5, 2, 3], { strides: [1, 1], padding: 'same', dilation: [1, 1] }],
    [
      '4×4 same stride 2 (asymmetric padding)',
      [2, 7, 9, 1],
      [4, 4, 1, 2],
      { strides: [2, 2], padding: 'same', dilation: [1, 1] },
    ],
    [
      '3×2 valid strides [2,3]',
      [1, 10, 11, 2],
      [3, 2, 2, 2],
      { strides: [2, 3], padding: 'valid', dilation: [1, 1] },
    ],
    [
      '3×3 dilation 2 same',
      [1, 8, 8, 2],
      [3, 3, 2, 2],
      { strides: [1, 1], padding: 'same', dilation: [2, 2] },
    ],
    ['1×1', [3, 4, 4, 5], [1, 1, 5, 6], { strides: [1, 1], padding: 'valid', dilation: [1, 1] }],
  ];
  for (const [name, xs, ws, g] of cases) {
    it(`conv2d ${name} matches direct loops`, () => {
      const x = randn(xs, { seed: 3 });
      const w = randn(ws, { seed: 4 });
      const want = referenceConv(x, w, g);
      const got = conv2d(x, w, g);
      assert.deepEqual(got.shape, want.shape, 'output shape');
      assertClose(Array.from(got.dataSync()), want.values, 1e-4, 1e-4);
      // The inference path (no gradients: chunked unfolding) gives the same values.
      const w2 = randn(ws, { seed: 4, requiresGrad: true });
      assertClose(Array.from(conv2d(x, w2, g).dataSync()), want.values, 1e-4, 1e-4);
    });
  }

  it('max and average pooling match direct loops, with valid and same padding', () => {
    // 3 channels: one at a time; 5: four at a time plus one (the wasm kernel's SIMD and tail paths).
    for (const [x, k, s, padding] of [3, 5].flatMap((c) =>
      (
        [
          [2, 2, 'valid'],
          [3, 2, 'same'],
          [3, 1, 'same'],
          [2, 1, 'valid'],
        ] as const
      ).map(([k, s, padding]) => [randn([2, 7, 6, c], { seed: 5 + c }), k, s, padding] as const),
    )) {
      const max = referencePool(x, k, s, padding, 'max');
      const got = maxPool2d(x, k, { strides: s, padding });
      assert.deepEqual(got.shape, max.shape, `max ${k}/${s}/${padding} shape`);
      assertClose(Array.from(got.dataSync()), max.values, 0, 0);
      const avg = referencePool(x, k, s, padding, 'avg');
      assertClose(Array.from(avgPool2d(x, k, { strides: s, padding }).dataSync()), avg.values, 1e-6, 1e-5);
    }
  });

  it('max pooling lets NaN through instead of hiding it', () => {
    const x = tensor([
      [
        [[1], [Number.NaN]],
        [[3], [2]],
      ],
    ]);
    assert.ok(Number.isNaN(maxPool2d(x, 2).item()), 'max over a window holding NaN');
    // Four channels (the SIMD path): NaN in the first cell, in a later cell, and nowhere.
    const y = tensor([
      [
        [
          [Number.NaN, 1, 5, 0],
          [1, Number.NaN, 6, 0],
        ],
        [
          [2, 3, 7, 0],
          [0, 0, 8, 1],
        ],
      ],
    ]);
    const pooled = Array.from(maxPool2d(y, 2).dataSync());
    assert.ok(Number.isNaN(pooled[0]!) && Number.isNaN(pooled[1]!), `NaN kept per channel: ${pooled}`);
    assert.deepEqual(pooled.slice(2), [8, 1], 'the other channels');
  });

  it('explains shape mistakes', () => {
    assert.throws(
      () => conv2d(randn([28, 28, 1]), randn([3, 3, 1, 2])),
      /conv2d: input must be 4-D \[batch, height, width, channels\].*\[28, 28, 1\]/,
    );
    assert.throws(
      () => conv2d(randn([1, 8, 8, 3]), randn([3, 3, 2, 4])),
      /has 3 channels but the kernel \[3, 3, 2, 4\] expects 2/,
    );
    assert.throws(() => conv2d(randn([1, 4, 4, 1]), randn([5, 5, 1, 1])), /smaller than the 5×5 window/);
    assert.throws(
      () => maxPool2d(randn([1, 4, 4, 1]), 2, { padding: 'full' as never }),
      /padding must be 'valid' or 'same'/,
    );
    for (const bad of [null, [2], [2, 2, 2], '2']) {
      assert.throws(
        () => maxPool2d(randn([1, 4, 4, 1]), bad as never),
        (e: Error) =>
          e instanceof ArgumentError &&
          /maxPool2d: poolSize must be a positive integer or a pair/.test(e.message),
        `poolSize ${JSON.stringify(bad)}`,
      );
    }
    const model = new Sequential();
    assert.throws(
      () => model.add(new Conv2D({ filters: 4, kernelSize: 3, inputShape: [28, 28] })),
      /Conv2D 'conv2d.*': input must be images \[height, width, channels\].*add a channel axis/,
    );
  });

  it('a small CNN learns to tell vertical from horizontal bars', async () => {
    manualSeed(7);
    const rng = new Rng(8);
    const n = 160;
    const images = new Float32Array(n * 64);
    const labels = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const vertical = i % 2;
      const at = 1 + Math.floor(rng.uniform() * 6);
      for (let r = 0; r < 8; r++)
        for (let c = 0; c < 8; c++) {
          const on = vertical ? c === at : r === at;
          images[i * 64 + r * 8 + c] = (on ? 1 : 0) + 0.1 * rng.normal();
        }
      labels[i * 2 + vertical] = 1;
    }
    const x = tensor(images, { shape: [n, 8, 8, 1] });
    const y = tensor(labels, { shape: [n, 2] });
    const model = new Sequential();
    model.add(
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
    );
    model.add(new MaxPooling2D());
    model.add(new BatchNormalization());
    model.add(new GlobalAveragePooling2D());
    model.add(new Dense({ units: 2, activation: 'softmax' }));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x.slice(0, 120), y.slice(0, 120), { batchSize: 16, epochs: 40, verbose: 0, seed: 1 });
    const { accuracy } = model.evaluate(x.slice(120), y.slice(120));
    assert.ok(accuracy! >= 0.95, `held-out accuracy ${accuracy}`);
  });
});

it('summary shows image layers with output shapes and parameter counts', () => {
  const model = new Sequential({ name: 'lenet' });
  model.add(new Reshape({ targetShape: [28, 28, 1], inputShape: [784] }));
  model.add(new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(new BatchNormalization());
  model.add(new MaxPooling2D());
  model.add(new Conv2D({ filters: 16, kernelSize: 5, strides: 2 }));
  model.add(new AveragePooling2D({ poolSize: 2, padding: 'same' }));
  model.add(new GlobalAveragePooling2D());
  model.add(new Flatten());
  model.add(new Dense({ units: 10 }));
  const text = model.summary(null);
  for (const expected of [
    /reshape.*\[null, 28, 28, 1\]\s+0/,
    /conv2d.*\[null, 28, 28, 8\]\s+208/, // 5·5·1·8 + 8
    /batch_normalization.*\[null, 28, 28, 8\]\s+32/, // γ, β, moving mean, moving variance
    /max_pooling2d.*\[null, 14, 14, 8\]\s+0/,
    /conv2d_\d+.*\[null, 5, 5, 16\]\s+3,216/, // valid, stride 2: ⌊(14−5)/2⌋+1 = 5
    /average_pooling2d.*\[null, 3, 3, 16\]\s+0/,
    /global_average_pooling2d.*\[null, 16\]\s+0/,
    /Total params: 3,626/,
    /Trainable params: 3,610/,
    /Non-trainable params: 16/,
  ]) {
    assert.match(text, expected);
  }
});

it('batch norm: batch statistics and moving averages while training, moving statistics at inference', () => {
  const bn = new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const x = randn([64, 3], { seed: 9, mean: 5, std: 2 });
  const y = bn.apply(x, { training: true });
  const mean = y.mean(0).toArray() as number[];
  const variance = y.sub(y.mean(0)).square().mean(0).toArray() as number[];
  assertClose(mean, [0, 0, 0], 1e-4);
  assertClose(variance, [1, 1, 1], 1e-3);
  const batchMean = x.mean(0);
  assertClose(bn.getWeight('moving_mean'), batchMean.mul(0.1), 1e-5);
  // Inference uses the moving statistics: here (mean 0.1·μ, variance 0.9 + 0.1·σ²), not the batch's.
  const movingVar = x.sub(batchMean).square().mean(0).mul(0.1).add(0.9);
  const expected = x.sub(batchMean.mul(0.1)).div(movingVar.add(1e-5).sqrt());
  assertClose(bn.apply(x, { training: false }), expected, 1e-4, 1e-4);
  assert.equal(bn.trainableWeights.length, 2, 'γ and β train; the moving statistics do not');
});

it('saves and loads a CNN with batch norm: same predictions, moving statistics kept', async () => {
  manualSeed(10);
  const model = new Sequential();
  model.add(new Conv2D({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }));
  model.add(new BatchNormalization());
  model.add(new MaxPooling2D());
  model.add(new Flatten());
  model.add(new Dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const x = randn([20, 6, 6, 2], { seed: 11 });
  const y = tensor(
    Float32Array.from({ length: 40 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0)),
    {
      shape: [20, 2],
    },
  );
  await model.fit(x, y, { batchSize: 5, epochs: 2, verbose: 0 });
  const dir = join(tmp.path, 'cnn');
  await model.save(dir);
  const loaded = await loadModel(dir);
  assert.deepEqual(
    loaded.layers.map((l) => l.className),
    ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Flatten', 'Dense'],
  );
  assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
  const moving = (m: Sequential) => m.layers[1]!.getWeight('moving_variance').dataSync();
  assert.deepEqual(Array.from(moving(loaded)), Array.from(moving(model)));
  assert.notDeepEqual(Array.from(moving(model)), [1, 1, 1], 'training moved the moving variance');
});

it('a frozen batch norm runs in inference mode inside fit (Keras): statistics kept, also after loading', async () => {
  manualSeed(13);
  const bn = new BatchNormalization({ name: 'bn' });
  const model = new Sequential();
  model.add(new Dense({ units: 3, inputShape: [2] }));
  model.add(bn);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = randn([16, 2], { seed: 14, mean: 5 });
  const y = randn([16, 3], { seed: 15 });
  await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 }); // moves the statistics off 0 and 1
  const snapshot = () => bn.weights.map((w) => Array.from(w.tensor.dataSync()));
  const trained = snapshot();
  bn.trainable = false;
  // In training mode it now gives what predict gives: the moving statistics, not the batch's.
  const h = randn([8, 3], { seed: 16, mean: 3 });
  assert.deepEqual(bn.apply(h, { training: true }).dataSync(), bn.apply(h, { training: false }).dataSync());
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  await model.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0 });
  assert.deepEqual(snapshot(), trained, 'γ, β and the moving statistics of a frozen layer stay');
  // Frozen through its model, and after a save and load (trainable is saved with the layer).
  const dir = join(tmp.path, 'frozen-bn');
  await model.save(dir);
  const loaded = await loadModel(dir);
  const loadedBn = loaded.layers[1]!;
  assert.equal(loadedBn.trainable, false);
  const before = loadedBn.weights.map((w) => Array.from(w.tensor.dataSync()));
  assert.deepEqual(before, trained);
  loaded.compile({ optimizer: 'sgd', loss: 'mse' });
  await loaded.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
  assert.deepEqual(
    loadedBn.weights.map((w) => Array.from(w.tensor.dataSync())),
    before,
  );
  // Frozen through the model it is in: a Sequential inside a functional Model.
  const inner = new Sequential({
    layers: [new Dense({ units: 3, inputShape: [2] }), new BatchNormalization()],
  });
  const x0 = input({ shape: [2] });
  const outer = new Model({ inputs: x0, outputs: inner.apply(x0) });
  outer.compile({ optimizer: 'sgd', loss: 'mse' });
  await outer.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
  inner.trainable = false;
  const innerBn = inner.layers[1]!;
  const kept = innerBn.weights.map((w) => Array.from(w.tensor.dataSync()));
  await outer.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
  assert.deepEqual(
    innerBn.weights.map((w) => Array.from(w.tensor.dataSync())),
    kept,
  );
});

it('a frozen convolutional base stays bit-identical while a new head trains', async () => {
  manualSeed(12);
  const model = new Sequential();
  model.add(new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }));
  model.add(new MaxPooling2D());
  model.add(new Flatten());
  model.add(new Dense({ units: 3, activation: 'softmax' }));
  model.layers[0]!.trainable = false;
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const base = model.layers[0]!.getWeight('kernel').dataSync();
  const head = model.layers[3]!.getWeight('kernel').dataSync();
  const x = randn([24, 8, 8, 1], { seed: 13 });
  const y = tensor(
    Float32Array.from({ length: 72 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)),
    {
      shape: [24, 3],
    },
  );
  await model.fit(x, y, { batchSize: 8, epochs: 3, verbose: 0 });
  assert.deepEqual(
    Array.from(model.layers[0]!.getWeight('kernel').dataSync()),
    Array.from(base),
    'frozen base',
  );
  assert.notDeepEqual(
    Array.from(model.layers[3]!.getWeight('kernel').dataSync()),
    Array.from(head),
    'head trained',
  );
  assert.match(model.summary(null), /conv2d.*\[frozen\]/);
});
