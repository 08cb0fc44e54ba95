/**
 * TF.js Layers format, both ways (issue 17), with @tensorflow/tfjs (CPU backend) as the peer. For
 * every layer kind backprop shares with Keras:
 *  (a) a backprop model with seeded random weights → toTfjs → tf.loadLayersModel → TF.js' predict
 *      agrees with backprop's (≤ 1e-5 relative + 1e-6 absolute);
 *  (b) the same layers built in TF.js, saved with tf.io.withSaveHandler → fromTfjs → backprop's
 *      predict agrees with TF.js';
 *  (c) backprop → toTfjs → fromTfjs predicts exactly the same values.
 * Errors and the fuzz are in tfjs-format-errors.test.ts. One backend: TF.js is the reference.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  Activation,
  Add,
  Average,
  AveragePooling2D,
  BatchNormalization,
  Bidirectional,
  Concatenate,
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  Dense,
  DepthwiseConv2D,
  Dropout,
  Embedding,
  Flatten,
  GaussianDropout,
  GaussianNoise,
  GlobalAveragePooling2D,
  GRU,
  input,
  LayerNormalization,
  LeakyReLU,
  LSTM,
  Masking,
  Maximum,
  MaxPooling2D,
  Minimum,
  Model,
  Multiply,
  manualSeed,
  Reshape,
  Rng,
  SeparableConv2D,
  Sequential,
  SimpleRNN,
  type Tensor,
  TimeDistributed,
  tensor,
  UpSampling2D,
  ZeroPadding2D,
} from '../src/index.js';
import { fromTfjs } from '../src/interop/keras/tfjs/from-tfjs.js';
import { toTfjs } from '../src/interop/keras/tfjs/to-tfjs.js';
import {
  assertAgree,
  bpPredict,
  randomizeBp,
  randomizeTf,
  type Sample,
  tfArtifacts,
  tfPredict,
} from './tfjs-peer.js';

type BpModel = Sequential | Model;

interface Case {
  name: string;
  /** Per input: one sample's shape, and integer ids below `ids` (Embedding) instead of normals. */
  inputs: { shape: number[]; ids?: number }[];
  bp: () => BpModel;
  tf: () => tf.LayersModel;
}

const tl = tf.layers;

const CASES: Case[] = [
  {
    name: 'Dense, Activation, LeakyReLU, Dropout, GaussianNoise, GaussianDropout',
    inputs: [{ shape: [6] }],
    bp: () =>
      new Sequential({
        layers: [
          new Dense({ units: 5, activation: 'relu', inputShape: [6] }),
          new Activation({ activation: 'tanh' }),
          new LeakyReLU({ alpha: 0.2 }),
          new Dropout({ rate: 0.3 }),
          new GaussianNoise({ stddev: 0.5 }),
          new GaussianDropout({ rate: 0.2 }),
          new Dense({ units: 3, activation: 'softmax' }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.dense({ units: 5, activation: 'relu', inputShape: [6] }),
          tl.activation({ activation: 'tanh' }),
          tl.leakyReLU({ alpha: 0.2 }),
          tl.dropout({ rate: 0.3 }),
          tl.gaussianNoise({ stddev: 0.5 }),
          tl.gaussianDropout({ rate: 0.2 }),
          tl.dense({ units: 3, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'Flatten, Reshape, Dense with elu / sigmoid / hard_sigmoid / softplus',
    inputs: [{ shape: [2, 3] }],
    bp: () =>
      new Sequential({
        layers: [
          new Flatten({ inputShape: [2, 3] }),
          new Dense({ units: 4, activation: 'elu' }),
          new Reshape({ targetShape: [2, 2] }),
          new Dense({ units: 3, activation: 'hardSigmoid' }),
          new Flatten(),
          new Dense({ units: 2, activation: 'softplus' }),
          new Dense({ units: 2, activation: 'sigmoid', useBias: false }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.flatten({ inputShape: [2, 3] }),
          tl.dense({ units: 4, activation: 'elu' }),
          tl.reshape({ targetShape: [2, 2] }),
          tl.dense({ units: 3, activation: 'hardSigmoid' }),
          tl.flatten(),
          tl.dense({ units: 2, activation: 'softplus' }),
          tl.dense({ units: 2, activation: 'sigmoid', useBias: false }),
        ],
      }),
  },
  {
    name: 'merge layers: Add, Multiply, Average, Maximum, Minimum, Concatenate (two inputs, two outputs, a shared Dense)',
    inputs: [{ shape: [4] }, { shape: [4] }],
    bp: () => {
      const a = input({ shape: [4], name: 'a' });
      const b = input({ shape: [4], name: 'b' });
      const shared = new Dense({ units: 4, name: 'shared' });
      const [x, y] = [shared.apply(a), shared.apply(b)];
      const add = new Add().apply([x, y]);
      const sub = new Multiply().apply([x, new Dense({ units: 4 }).apply(y)]);
      const mul = new Multiply().apply([add, sub]);
      const avg = new Average().apply([add, sub]);
      const max = new Maximum().apply([mul, avg]);
      const min = new Minimum().apply([max, a]);
      const cat = new Concatenate({ axis: -1 }).apply([min, add]);
      return new Model({ inputs: [a, b], outputs: [cat, new Dense({ units: 2 }).apply(sub)] });
    },
    tf: () => {
      const a = tf.input({ shape: [4], name: 'a' });
      const b = tf.input({ shape: [4], name: 'b' });
      const shared = tl.dense({ units: 4, name: 'shared' });
      const ap = (l: tf.layers.Layer, xs: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
        l.apply(xs) as tf.SymbolicTensor;
      const [x, y] = [ap(shared, a), ap(shared, b)];
      const add = ap(tl.add(), [x, y]);
      const sub = ap(tl.multiply(), [x, ap(tl.dense({ units: 4 }), y)]);
      const mul = ap(tl.multiply(), [add, sub]);
      const avg = ap(tl.average(), [add, sub]);
      const max = ap(tl.maximum(), [mul, avg]);
      const min = ap(tl.minimum(), [max, a]);
      const cat = ap(tl.concatenate({ axis: -1 }), [min, add]);
      return tf.model({ inputs: [a, b], outputs: [cat, ap(tl.dense({ units: 2 }), sub)] });
    },
  },
  {
    name: 'Conv1D (valid with stride, same, dilated)',
    inputs: [{ shape: [9, 3] }],
    bp: () =>
      new Sequential({
        layers: [
          new Conv1D({ filters: 4, kernelSize: 3, strides: 2, inputShape: [9, 3], activation: 'relu' }),
          new Conv1D({ filters: 3, kernelSize: 2, padding: 'same' }),
          new Conv1D({ filters: 2, kernelSize: 2, dilationRate: 2 }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.conv1d({ filters: 4, kernelSize: 3, strides: 2, inputShape: [9, 3], activation: 'relu' }),
          tl.conv1d({ filters: 3, kernelSize: 2, padding: 'same' }),
          tl.conv1d({ filters: 2, kernelSize: 2, dilationRate: 2 }),
        ],
      }),
  },
  {
    name: 'Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D',
    inputs: [{ shape: [10, 10, 2] }],
    bp: () =>
      new Sequential({
        layers: [
          new Conv2D({
            filters: 3,
            kernelSize: 3,
            padding: 'same',
            inputShape: [10, 10, 2],
            activation: 'relu',
          }),
          new MaxPooling2D({ poolSize: 2, padding: 'same' }),
          new Conv2D({ filters: 4, kernelSize: [2, 3], strides: [1, 2], dilationRate: 1 }),
          new AveragePooling2D({ poolSize: 2, strides: 1 }),
          new Conv2D({ filters: 2, kernelSize: 2, dilationRate: 1, padding: 'same' }),
          new GlobalAveragePooling2D(),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.conv2d({
            filters: 3,
            kernelSize: 3,
            padding: 'same',
            inputShape: [10, 10, 2],
            activation: 'relu',
          }),
          tl.maxPooling2d({ poolSize: 2, padding: 'same' }),
          tl.conv2d({ filters: 4, kernelSize: [2, 3], strides: [1, 2] }),
          tl.averagePooling2d({ poolSize: 2, strides: 1 }),
          tl.conv2d({ filters: 2, kernelSize: 2, padding: 'same' }),
          tl.globalAveragePooling2d({}),
        ],
      }),
  },
  {
    name: 'Conv2DTranspose, UpSampling2D, ZeroPadding2D, dilated Conv2D',
    inputs: [{ shape: [4, 5, 2] }],
    bp: () =>
      new Sequential({
        layers: [
          new Conv2DTranspose({
            filters: 3,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            inputShape: [4, 5, 2],
          }),
          new UpSampling2D({ size: [2, 1] }),
          new ZeroPadding2D({
            padding: [
              [1, 0],
              [2, 1],
            ],
          }),
          new Conv2DTranspose({ filters: 2, kernelSize: 2, activation: 'tanh' }),
          new Conv2D({ filters: 2, kernelSize: 2, dilationRate: 2 }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.conv2dTranspose({
            filters: 3,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            inputShape: [4, 5, 2],
          }),
          tl.upSampling2d({ size: [2, 1] }),
          tl.zeroPadding2d({
            padding: [
              [1, 0],
              [2, 1],
            ],
          }),
          tl.conv2dTranspose({ filters: 2, kernelSize: 2, activation: 'tanh' }),
          tl.conv2d({ filters: 2, kernelSize: 2, dilationRate: 2 }),
        ],
      }),
  },
  {
    name: 'DepthwiseConv2D, SeparableConv2D',
    inputs: [{ shape: [6, 6, 3] }],
    bp: () =>
      new Sequential({
        layers: [
          new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [6, 6, 3] }),
          new SeparableConv2D({ filters: 4, kernelSize: 2, depthMultiplier: 1, activation: 'relu' }),
          new SeparableConv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [6, 6, 3] }),
          tl.separableConv2d({ filters: 4, kernelSize: 2, depthMultiplier: 1, activation: 'relu' }),
          tl.separableConv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
        ],
      }),
  },
  {
    name: 'BatchNormalization (dense and image), LayerNormalization',
    inputs: [{ shape: [3, 3, 2] }],
    bp: () =>
      new Sequential({
        layers: [
          new BatchNormalization({ inputShape: [3, 3, 2], epsilon: 0.01 }),
          new LayerNormalization({ epsilon: 0.001 }),
          new Flatten(),
          new Dense({ units: 4 }),
          new BatchNormalization({ center: false }),
          new LayerNormalization({ scale: false }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.batchNormalization({ inputShape: [3, 3, 2], epsilon: 0.01 }),
          tl.layerNormalization({ epsilon: 0.001 }),
          tl.flatten(),
          tl.dense({ units: 4 }),
          tl.batchNormalization({ center: false }),
          tl.layerNormalization({ scale: false }),
        ],
      }),
  },
  {
    name: 'Embedding → SimpleRNN (sequences) → LSTM',
    inputs: [{ shape: [5], ids: 7 }],
    bp: () =>
      new Sequential({
        layers: [
          new Embedding({ inputDim: 7, outputDim: 3, inputShape: [5] }),
          new SimpleRNN({ units: 4, returnSequences: true }),
          new LSTM({ units: 3, recurrentActivation: 'hardSigmoid' }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.embedding({ inputDim: 7, outputDim: 3, inputShape: [5] }),
          tl.simpleRNN({ units: 4, returnSequences: true }),
          tl.lstm({ units: 3 }),
        ],
      }),
  },
  {
    name: 'Masking, GRU (resetAfter false), Bidirectional(LSTM), TimeDistributed(Dense), goBackwards',
    inputs: [{ shape: [4, 3] }],
    bp: () =>
      new Sequential({
        layers: [
          new Masking({ maskValue: 0, inputShape: [4, 3] }),
          new GRU({ units: 3, resetAfter: false, returnSequences: true, recurrentActivation: 'sigmoid' }),
          new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }), mergeMode: 'concat' }),
          new TimeDistributed({ layer: new Dense({ units: 2, activation: 'relu' }) }),
          new SimpleRNN({ units: 2, goBackwards: true }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.masking({ maskValue: 0, inputShape: [4, 3] }),
          tl.gru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }),
          tl.bidirectional({
            layer: tl.lstm({ units: 2, returnSequences: true }) as tf.RNN,
            mergeMode: 'concat',
          }),
          tl.timeDistributed({ layer: tl.dense({ units: 2, activation: 'relu' }) }),
          tl.simpleRNN({ units: 2, goBackwards: true }),
        ],
      }),
  },
  {
    name: 'Bidirectional merge modes sum / ave / mul (GRU, SimpleRNN)',
    inputs: [{ shape: [3, 2] }],
    bp: () =>
      new Sequential({
        layers: [
          new Bidirectional({
            layer: new GRU({ units: 2, resetAfter: false, returnSequences: true }),
            mergeMode: 'sum',
            inputShape: [3, 2],
          }),
          new Bidirectional({ layer: new SimpleRNN({ units: 2, returnSequences: true }), mergeMode: 'ave' }),
          new Bidirectional({ layer: new SimpleRNN({ units: 2 }), mergeMode: 'mul' }),
        ],
      }),
    tf: () =>
      tf.sequential({
        layers: [
          tl.bidirectional({
            layer: tl.gru({ units: 2, returnSequences: true }) as tf.RNN,
            mergeMode: 'sum',
            inputShape: [3, 2],
          }),
          tl.bidirectional({
            layer: tl.simpleRNN({ units: 2, returnSequences: true }) as tf.RNN,
            mergeMode: 'ave',
          }),
          tl.bidirectional({ layer: tl.simpleRNN({ units: 2 }) as tf.RNN, mergeMode: 'mul' }),
        ],
      }),
  },
  {
    name: 'a Sequential nested in a functional model',
    inputs: [{ shape: [5] }],
    bp: () => {
      const inner = new Sequential({
        name: 'inner',
        layers: [new Dense({ units: 4, activation: 'relu', inputShape: [5] }), new Dense({ units: 3 })],
      });
      const x = input({ shape: [5], name: 'x' });
      const h = inner.apply(x);
      return new Model({ inputs: x, outputs: new Add().apply([h, new Dense({ units: 3 }).apply(x)]) });
    },
    tf: () => {
      const inner = tf.sequential({
        name: 'inner',
        layers: [tl.dense({ units: 4, activation: 'relu', inputShape: [5] }), tl.dense({ units: 3 })],
      });
      const x = tf.input({ shape: [5], name: 'x' });
      const h = inner.apply(x) as tf.SymbolicTensor;
      const side = tl.dense({ units: 3 }).apply(x) as tf.SymbolicTensor;
      return tf.model({ inputs: x, outputs: tl.add().apply([h, side]) as tf.SymbolicTensor });
    },
  },
];

function samples(c: Case, rng: Rng, batch: number): Sample[] {
  return c.inputs.map(({ shape, ids }) => {
    const size = batch * shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, () =>
      ids ? Math.floor(rng.uniform() * ids) : rng.normal(),
    );
    return { data, shape: [batch, ...shape] };
  });
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('TF.js Layers format: every layer kind agrees with @tensorflow/tfjs', () => {
  for (const [k, c] of CASES.entries()) {
    it(`(a) backprop → toTfjs → tf.loadLayersModel, and (c) back through fromTfjs: ${c.name}`, async () => {
      manualSeed(100 + k);
      const model = c.bp();
      randomizeBp(model, new Rng(200 + k));
      const { modelJson, weightData } = toTfjs(model);
      assert.equal(modelJson.format, 'layers-model');
      assert.equal(modelJson.convertedBy, null);
      const loaded = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: modelJson.modelTopology as never,
          weightSpecs: modelJson.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[],
          weightData,
        }),
      );
      const x = samples(c, new Rng(300 + k), 3);
      const ours = bpPredict(model, x);
      assertAgree(tfPredict(loaded, x), ours, `${c.name} in TF.js`);
      const back = fromTfjs(modelJson, weightData);
      assert.equal(back.constructor, model.constructor);
      const again = bpPredict(back, x);
      assert.equal(again.length, ours.length);
      assert.deepEqual(again, ours, `${c.name}: round trip`);
    });
    it(`(b) built in TF.js → withSaveHandler → fromTfjs: ${c.name}`, async () => {
      const tfModel = c.tf();
      randomizeTf(tfModel, new Rng(400 + k));
      const { modelJson, weightData } = await tfArtifacts(tfModel);
      const model = fromTfjs(modelJson, weightData);
      const x = samples(c, new Rng(500 + k), 3);
      assertAgree(bpPredict(model, x), tfPredict(tfModel, x), `${c.name} from TF.js`);
    });
  }
});

describe('TF.js Layers format: what the files say', () => {
  it('names weights as TF.js does (the cell and TimeDistributed inner layer folded into the wrapper)', () => {
    manualSeed(1);
    const model = new Sequential({
      layers: [
        new LSTM({ units: 2, returnSequences: true, inputShape: [3, 2], name: 'lstm' }),
        new Bidirectional({ layer: new GRU({ units: 2, resetAfter: false, name: 'g' }), name: 'bi' }),
        new BatchNormalization({ name: 'bn' }),
      ],
    });
    const names = toTfjs(model).modelJson.weightsManifest[0]!.weights.map((w) => w.name);
    assert.deepEqual(names, [
      'lstm/kernel',
      'lstm/recurrent_kernel',
      'lstm/bias',
      'bi/forward_g/kernel',
      'bi/forward_g/recurrent_kernel',
      'bi/forward_g/bias',
      'bi/backward_g/kernel',
      'bi/backward_g/recurrent_kernel',
      'bi/backward_g/bias',
      'bn/gamma',
      'bn/beta',
      'bn/moving_mean',
      'bn/moving_variance',
    ]);
  });

  it('writes the Keras topology with snake_case keys, {class_name, config} initialisers and the batch input shape', () => {
    manualSeed(2);
    const model = new Sequential({
      name: 'net',
      layers: [
        new Dense({ units: 2, inputShape: [3], kernelInitializer: 'heNormal', kernelRegularizer: 'l2' }),
      ],
    });
    const { modelJson, weightData } = toTfjs(model);
    assert.equal(modelJson.generatedBy, 'backprop 0.1.0');
    assert.deepEqual(modelJson.weightsManifest[0]!.paths, ['group1-shard1of1.bin']);
    assert.equal(weightData.byteLength, (3 * 2 + 2) * 4);
    const layer = modelJson.modelTopology.config.layers[0]!;
    assert.equal(modelJson.modelTopology.class_name, 'Sequential');
    assert.equal(layer.class_name, 'Dense');
    assert.deepEqual(layer.config.batch_input_shape, [null, 3]);
    assert.equal(layer.config.use_bias, true);
    assert.deepEqual(layer.config.kernel_initializer, { class_name: 'HeNormal', config: {} });
    assert.deepEqual(layer.config.kernel_regularizer, { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } });
    assert.equal('useBias' in layer.config, false);
  });

  it('reads a TF.js model whose first layer has an unknown sequence length as a functional model', async () => {
    const tfModel = tf.sequential({
      layers: [tl.simpleRNN({ units: 2, inputShape: [null, 3] }), tl.dense({ units: 1 })],
    });
    randomizeTf(tfModel, new Rng(7));
    const { modelJson, weightData } = await tfArtifacts(tfModel);
    const model = fromTfjs(modelJson, weightData);
    assert.ok(model instanceof Model);
    for (const steps of [2, 5]) {
      const x = [
        { data: Float32Array.from({ length: 2 * steps * 3 }, (_, i) => Math.sin(i)), shape: [2, steps, 3] },
      ];
      assertAgree(bpPredict(model, x), tfPredict(tfModel, x), `${steps} steps`);
    }
  });

  it('a functional model with one output predicts one tensor, as in TF.js, whatever form its output list has', async () => {
    const kind = (p: unknown) => (Array.isArray(p) ? `list of ${p.length}` : 'tensor');
    const x = tensor(
      Array.from({ length: 12 }, (_, i) => Math.sin(i)),
      { shape: [3, 4] },
    );
    // Saved by TF.js' own handler: output_layers is a list of one, [["dense_…", 0, 0]].
    const ti = tf.input({ shape: [4] });
    const tfModel = tf.model({ inputs: ti, outputs: tl.dense({ units: 2 }).apply(ti) as tf.SymbolicTensor });
    const saved = await tfArtifacts(tfModel);
    const config = (saved.modelJson.modelTopology as { config: Record<string, unknown> }).config;
    assert.equal((config.output_layers as unknown[]).length, 1);
    assert.equal(kind(tfModel.predict(tf.zeros([3, 4]))), 'tensor');
    const fromTf = fromTfjs(saved.modelJson, saved.weightData);
    assert.equal(kind(fromTf.predict(x)), 'tensor');
    assert.deepEqual(fromTf.outputShape, [2]);
    // backprop → toTfjs writes the form TF.js writes, and reads it back as one output.
    const a = input({ shape: [4] });
    const model = new Model({ inputs: a, outputs: new Dense({ units: 2, name: 'out' }).apply(a) });
    const { modelJson, weightData } = toTfjs(model);
    assert.deepEqual(modelJson.modelTopology.config.output_layers, [['out', 0, 0]]);
    assert.equal((modelJson.modelTopology.config.input_layers as unknown[]).length, 1);
    const back = fromTfjs(modelJson, weightData);
    assert.equal(kind(back.predict(x)), 'tensor');
    assert.deepEqual(back.outputShape, [2]);
    assert.deepEqual((back.predict(x) as Tensor).dataSync(), (model.predict(x) as Tensor).dataSync());
    // Two outputs stay a list.
    const t2 = tf.input({ shape: [4] });
    const two = tf.model({
      inputs: t2,
      outputs: [tl.dense({ units: 2 }).apply(t2), tl.dense({ units: 3 }).apply(t2)] as tf.SymbolicTensor[],
    });
    const both = await tfArtifacts(two);
    assert.equal(kind(fromTfjs(both.modelJson, both.weightData).predict(x)), 'list of 2');
    // A Sequential with an unknown sequence length comes back functional, still with one output.
    const rnn = tf.sequential({ layers: [tl.simpleRNN({ units: 2, inputShape: [null, 3] })] });
    const r = await tfArtifacts(rnn);
    const seq = fromTfjs(r.modelJson, r.weightData);
    assert.ok(seq instanceof Model);
    assert.equal(kind(seq.predict(tensor(new Float32Array(2 * 5 * 3), { shape: [2, 5, 3] }))), 'tensor');
  });

  it('trains on after loading: an imported model fits like any backprop model', async () => {
    manualSeed(3);
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    const { modelJson, weightData } = toTfjs(model);
    const loaded = fromTfjs(modelJson, weightData) as Sequential;
    loaded.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const x = tensor([1, 2, 3, 4], { shape: [2, 2] });
    const y = tensor([1, 0], { shape: [2, 1] });
    const before = loaded.evaluate(x, y).loss!;
    await loaded.fit(x, y, { epochs: 5, verbose: 0 });
    const after = loaded.evaluate(x, y).loss!;
    assert.ok(after < before, `loss ${before} → ${after}`);
  });
});
