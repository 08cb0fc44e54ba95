/**
 * The models toKeras is checked on: by test/keras-export.test.ts (toKeras → fromKeras round trip)
 * and by test/fixtures/keras/write_export_check.ts, which writes them as .keras files with
 * backprop's predictions beside them for check_export.py to load in real Keras 3.
 */
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
  Reshape,
  type Rng,
  SeparableConv2D,
  Sequential,
  SimpleRNN,
  Subtract,
  type SymbolicTensor,
  TimeDistributed,
  UpSampling2D,
  ZeroPadding2D,
} from '../src/index.js';
import type { Sample } from './tfjs-peer.js';

export interface ExportCase {
  name: string;
  /** Per input: one sample's shape, and integer ids below `ids` (Embedding) instead of normals. */
  inputs: { shape: number[]; ids?: number }[];
  build: () => Sequential | Model;
}

export const EXPORT_CASES: ExportCase[] = [
  {
    name: 'mlp',
    inputs: [{ shape: [6] }],
    build: () =>
      new Sequential({
        name: 'mlp',
        layers: [
          new Dense({ units: 8, activation: 'relu', inputShape: [6] }),
          new Dropout({ rate: 0.3 }),
          new Dense({ units: 5, activation: 'tanh' }),
          new LeakyReLU({ alpha: 0.2 }),
          new Activation({ activation: 'elu' }),
          new Activation({ activation: 'leakyRelu' }), // Keras' LeakyReLU with backprop's slope 0.01
          new Dense({ units: 4, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'cnn_bn',
    inputs: [{ shape: [8, 8, 2] }],
    build: () =>
      new Sequential({
        name: 'cnn_bn',
        layers: [
          new Conv2D({
            filters: 4,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            inputShape: [8, 8, 2],
          }),
          new BatchNormalization({ epsilon: 0.01 }),
          new MaxPooling2D({ poolSize: 2 }),
          new Conv2D({ filters: 3, kernelSize: [2, 3], strides: [1, 1] }),
          new BatchNormalization({ center: false }),
          new AveragePooling2D({ poolSize: 2, strides: 1 }),
          new Flatten(),
          new Dense({ units: 3, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'functional_concat',
    inputs: [{ shape: [5] }, { shape: [3] }],
    build: () => {
      const a = input({ shape: [5], name: 'a' });
      const b = input({ shape: [3], name: 'b' });
      const ha = new Dense({ units: 4, activation: 'relu', name: 'ha' }).apply(a);
      const hb = new Dense({ units: 4, name: 'hb' }).apply(b);
      const sum = new Add({ name: 'sum' }).apply([ha, hb]);
      const cat = new Concatenate({ name: 'cat' }).apply([sum, a, hb]);
      const out = new Dense({ units: 2, name: 'out' }).apply(cat);
      return new Model({ name: 'two_inputs', inputs: [a, b], outputs: out });
    },
  },
  {
    name: 'embedding_lstm',
    inputs: [{ shape: [6], ids: 11 }],
    build: () =>
      new Sequential({
        name: 'text',
        layers: [
          new Embedding({ inputDim: 11, outputDim: 4, inputShape: [6] }),
          new LSTM({ units: 5 }),
          new Dense({ units: 3 }),
        ],
      }),
  },
  {
    name: 'gru',
    inputs: [{ shape: [5, 3] }],
    build: () =>
      new Sequential({
        name: 'gru',
        layers: [
          new GRU({ units: 4, returnSequences: true, inputShape: [5, 3] }),
          new GRU({ units: 3, resetAfter: false, goBackwards: true }),
        ],
      }),
  },
  {
    name: 'bidirectional',
    inputs: [{ shape: [4, 3] }],
    build: () =>
      new Sequential({
        name: 'bi',
        layers: [
          new Bidirectional({
            layer: new LSTM({ units: 3, returnSequences: true }),
            mergeMode: 'concat',
            inputShape: [4, 3],
          }),
          new Bidirectional({ layer: new GRU({ units: 2, returnSequences: true }), mergeMode: 'sum' }),
          new Bidirectional({ layer: new SimpleRNN({ units: 2 }), mergeMode: 'ave' }),
        ],
      }),
  },
  {
    name: 'conv1d_ln',
    inputs: [{ shape: [9, 3] }],
    build: () =>
      new Sequential({
        name: 'conv1d_ln',
        layers: [
          new Conv1D({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', inputShape: [9, 3] }),
          new LayerNormalization({ epsilon: 0.001 }),
          new Conv1D({ filters: 3, kernelSize: 2, padding: 'causal', dilationRate: 2 }),
          new Conv1D({ filters: 2, kernelSize: 2, padding: 'same' }),
          new LayerNormalization({ scale: false }),
          new Flatten(),
          new Dense({ units: 2 }),
        ],
      }),
  },
  {
    name: 'conv_transpose',
    inputs: [{ shape: [4, 5, 2] }],
    build: () =>
      new Sequential({
        name: 'deconv',
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
          new GlobalAveragePooling2D(),
        ],
      }),
  },
  {
    name: 'separable',
    inputs: [{ shape: [6, 6, 3] }],
    build: () =>
      new Sequential({
        name: 'separable',
        layers: [
          new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [6, 6, 3] }),
          new SeparableConv2D({ filters: 4, kernelSize: 2, activation: 'relu' }),
          new GaussianNoise({ stddev: 0.5 }),
          new Reshape({ targetShape: [25, 4] }),
          new TimeDistributed({ layer: new Dense({ units: 2, activation: 'sigmoid' }) }),
        ],
      }),
  },
  {
    name: 'merges_nested',
    inputs: [{ shape: [4] }, { shape: [4] }],
    build: () => {
      const a = input({ shape: [4], name: 'x1' });
      const b = input({ shape: [4], name: 'x2' });
      const shared = new Dense({ units: 4, name: 'shared' });
      const [x, y] = [shared.apply(a), shared.apply(b)];
      const inner = new Sequential({
        name: 'inner',
        layers: [new Dense({ units: 4, activation: 'relu', inputShape: [4] }), new Dense({ units: 4 })],
      });
      const z = inner.apply(y);
      const add = new Add().apply([x, z]);
      const sub = new Subtract().apply([x, y]);
      const mul = new Multiply().apply([add, sub]);
      const avg = new Average().apply([add, sub]);
      const max = new Maximum().apply([mul, avg]);
      const min = new Minimum().apply([max, a]);
      return new Model({
        name: 'merges',
        inputs: [a, b],
        outputs: [min, new Dense({ units: 2 }).apply(sub)],
      });
    },
  },
  {
    // Keras orders a functional model's layers (and so its weights' keys) by depth from the
    // outputs, not in call order: a1 is called first but keyed after the deeper b1 and b2.
    name: 'branch_order',
    inputs: [{ shape: [4] }],
    build: () => {
      const x = input({ shape: [4], name: 'x' });
      const a1 = new Dense({ units: 4, name: 'a1' }).apply(x);
      let b = x;
      for (const name of ['b1', 'b2', 'b3']) b = new Dense({ units: 4, activation: 'tanh', name }).apply(b);
      const cat = new Concatenate({ name: 'cat' }).apply([a1, b]);
      return new Model({
        name: 'branches',
        inputs: x,
        outputs: new Dense({ units: 2, name: 'out' }).apply(cat),
      });
    },
  },
  {
    name: 'options',
    inputs: [{ shape: [6], ids: 9 }],
    build: () =>
      new Sequential({
        name: 'options',
        layers: [
          new Embedding({ inputDim: 9, outputDim: 4, maskZero: true, inputShape: [6] }),
          new Bidirectional({ layer: new GRU({ units: 2, resetAfter: false }), mergeMode: 'mul' }),
          new Dense({
            units: 5,
            activation: 'softplus',
            kernelInitializer: 'heNormal',
            kernelRegularizer: 'l2',
            trainable: false,
          }),
          new GaussianDropout({ rate: 0.2 }),
          new Dense({ units: 3, activation: 'logSoftmax', useBias: false }),
        ],
      }),
  },
  {
    name: 'upsampling_bilinear',
    inputs: [{ shape: [3, 4, 2] }],
    build: () =>
      new Sequential({
        name: 'bilinear',
        layers: [
          new UpSampling2D({ size: [2, 3], interpolation: 'bilinear', inputShape: [3, 4, 2] }),
          new Conv2D({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' }),
          new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }),
        ],
      }),
  },
  {
    name: 'nested_models',
    inputs: [{ shape: [5] }],
    build: () => {
      const encoder = new Sequential({
        name: 'encoder',
        layers: [new Dense({ units: 4, activation: 'relu', inputShape: [5] }), new Dense({ units: 3 })],
      });
      const u = input({ shape: [3], name: 'u' });
      const head = new Model({
        name: 'head',
        inputs: u,
        outputs: new Dense({ units: 2, name: 'logits' }).apply(
          new Dense({ units: 3, name: 'hidden' }).apply(u),
        ),
      });
      const x = input({ shape: [5], name: 'x' });
      const z = head.apply(encoder.apply(x));
      return new Model({
        name: 'outer',
        inputs: x,
        outputs: new Dense({ units: 2, name: 'final' }).apply(z),
      });
    },
  },
  {
    // A Bidirectional given its own backward layer (another class), an LSTM's states as outputs,
    // LayerNormalization over two axes, Conv2DTranspose with output padding.
    name: 'rnn_options',
    inputs: [{ shape: [4, 3] }],
    build: () => {
      const x = input({ shape: [4, 3], name: 'x' });
      const bi = new Bidirectional({
        layer: new LSTM({ units: 3, returnSequences: true }),
        backwardLayer: new GRU({ units: 3, goBackwards: true, returnSequences: true, name: 'back_gru' }),
        name: 'bi',
      }).apply(x);
      const normed = new LayerNormalization({ axis: [-2, -1], name: 'ln' }).apply(bi);
      const [seq, h, c] = new LSTM({ units: 2, returnState: true, name: 'states' }).apply(
        normed,
      ) as unknown as SymbolicTensor[];
      const image = new Reshape({ targetShape: [2, 1, 1] }).apply(seq!);
      const up = new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 1 }).apply(
        image,
      );
      return new Model({ name: 'rnn_options', inputs: x, outputs: [new Concatenate().apply([h!, c!]), up] });
    },
  },
  {
    name: 'masked_rnn',
    inputs: [{ shape: [5, 3] }],
    build: () =>
      new Sequential({
        name: 'masked',
        layers: [
          new Masking({ maskValue: 0, inputShape: [5, 3] }),
          new SimpleRNN({ units: 3, returnSequences: true }),
          new LSTM({ units: 2, goBackwards: true }),
        ],
      }),
  },
  {
    // What Keras 3 computes under a mask: merges OR the masks (maskMerge 'any'), and a Bidirectional
    // returning sequences zeroes skipped steps (zeroOutputForMask); toKeras refuses the other ways.
    name: 'masked_keras3',
    inputs: [{ shape: [5, 3] }],
    build: () => {
      const x = input({ shape: [5, 3], name: 'seq' });
      const m = new Masking({ maskValue: 0 }).apply(x);
      const bi = new Bidirectional({
        layer: new LSTM({ units: 2, returnSequences: true, zeroOutputForMask: true }),
        name: 'bi',
      }).apply(m);
      const single = new GRU({ units: 4, returnSequences: true, name: 'single' }).apply(x);
      const sum = new Add({ maskMerge: 'any', name: 'sum' }).apply([bi, single]);
      const out = new SimpleRNN({ units: 2, name: 'out' }).apply(sum);
      return new Model({ name: 'masked_keras3', inputs: x, outputs: [bi, out] });
    },
  },
];

/** A batch of `n` seeded samples for each input; a masked case gets whole zero time steps. */
export function exportSamples(c: ExportCase, rng: Rng, n: number): Sample[] {
  return c.inputs.map(({ shape, ids }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n * size }, () =>
      ids ? Math.floor(rng.uniform() * ids) : 2 * rng.uniform() - 1,
    );
    if (c.name.startsWith('masked_')) {
      // Zero the last step of every other sample, so the mask changes what the RNNs see.
      const step = shape[1]!;
      for (let s = 0; s < n; s += 2) data.fill(0, s * size + size - step, (s + 1) * size);
    }
    return { data, shape: [n, ...shape] };
  });
}
