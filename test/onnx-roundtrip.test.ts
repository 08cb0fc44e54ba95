/**
 * Round trips (issue 17): a backprop model → toOnnx → fromOnnx → predict gives the original
 * model's predictions, on random batches of 1 and 3, for every layer kind toOnnx exports.
 *
 * Tolerance: exact (`exact`, Object.is per element) everywhere: the imported operators run the
 * same kernels in the same order as the layers they came from: Dense → Gemm, activations, merges,
 * Conv2D/Conv2DTranspose/Depthwise/Separable/Conv1D → Conv on transposed data, pooling, bilinear
 * UpSampling2D → Resize, Embedding, BatchNormalization → Sub, Div, Mul, Add (its standard deviation
 * computed by backprop), LayerNormalization (imported as (x − mean) / √(var + ε) · γ + β, the layer's
 * steps), the recurrent layers (masked or not), nested models. One exception, on the ts backend
 * only: bilinear UpSampling2D (`close`, 1e-6·(1 + |value|); the case says why).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildCnn } from '../src/cli/build.js';
import {
  Activation,
  type ActivationName,
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
  GaussianKL,
  GlobalAveragePooling2D,
  GRU,
  GRUCell,
  getBackend,
  input,
  LayerNormalization,
  LeakyReLU,
  LSTM,
  LSTMCell,
  Masking,
  Maximum,
  MaxPooling2D,
  Minimum,
  Model,
  Multiply,
  manualSeed,
  Reshape,
  RNN,
  Rng,
  SeparableConv2D,
  Sequential,
  SimpleRNN,
  Subtract,
  type SymbolicTensor,
  type Tensor,
  TimeDistributed,
  tensor,
  UpSampling2D,
  ZeroPadding2D,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { fromOnnx } from '../src/interop/onnx/import/from-onnx.js';
import { describeEachBackend } from './helpers.js';

type Sample = { shape: number[]; ints?: number };

/** The same batch through both models; `tolerance` 0 means bit-identical. */
function roundTrip(
  model: Sequential | Model,
  samples: Sample[],
  tolerance: number,
  what: string,
  seed = 1,
): void {
  const imported = fromOnnx(toOnnx(model));
  const rng = new Rng(seed);
  for (const batch of [1, 3]) {
    const xs = samples.map((s) => {
      const n = batch * s.shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, () =>
        s.ints !== undefined ? Math.floor(rng.uniform() * s.ints) : rng.uniform() * 6 - 3,
      );
      return tensor(data, { shape: [batch, ...s.shape] });
    });
    const arg = xs.length === 1 ? xs[0]! : xs;
    const want = model.predict(arg as Tensor);
    const got = imported.predict(arg as Tensor);
    const wants = Array.isArray(want) ? want : [want];
    const gots = Array.isArray(got) ? got : [got];
    assert.equal(gots.length, wants.length, `${what}: output count`);
    wants.forEach((w, k) => {
      const g = gots[k]!;
      assert.deepEqual(g.shape, w.shape, `${what}: output ${k} shape`);
      const a = w.dataSync();
      const b = g.dataSync();
      for (let i = 0; i < a.length; i++) {
        const ok =
          tolerance === 0
            ? Object.is(a[i], b[i])
            : Math.abs(a[i]! - b[i]!) <= tolerance * (1 + Math.abs(a[i]!));
        assert.ok(
          ok,
          `${what}, batch ${batch}, output ${k}, element ${i}: backprop ${a[i]} vs imported ${b[i]}`,
        );
      }
    });
  }
}

const exact = 0;
/** Same formula, other float32 roundings: the case says where. */
const close = 1e-6;

const activations: ActivationName[] = [
  'relu',
  'sigmoid',
  'tanh',
  'softmax',
  'logSoftmax',
  'linear',
  'elu',
  'leakyRelu',
  'softplus',
  'hardSigmoid',
];

describeEachBackend('toOnnx → fromOnnx', () => {
  it('an MLP with every activation, Dropout and LeakyReLU: identical predictions', () => {
    manualSeed(1);
    const model = new Sequential({
      layers: [
        new Dense({ units: 6, activation: 'relu', biasInitializer: 'randomNormal', inputShape: [4] }),
        ...activations.flatMap((a, i) => [
          new Dense({ units: 5 + (i % 3), activation: a, biasInitializer: 'randomNormal' }),
          new Activation({ activation: a }),
        ]),
        new Dropout({ rate: 0.5 }),
        new LeakyReLU({ alpha: 0.2 }),
        new Dense({ units: 3, useBias: false }),
      ],
    });
    roundTrip(model, [{ shape: [4] }], exact, 'MLP');
  });

  it('a functional model with every merge layer, Flatten and Reshape, two inputs and two outputs', () => {
    manualSeed(2);
    const a = input({ shape: [4], name: 'a' });
    const b = input({ shape: [2, 3], name: 'b' });
    const bf = new Flatten().apply(b) as never;
    const da = new Dense({ units: 6, activation: 'tanh' }).apply(a) as never;
    const db = new Dense({ units: 6 }).apply(bf) as never;
    const merged = [
      new Add().apply([da, db]),
      new Subtract().apply([da, db]),
      new Multiply().apply([da, db]),
      new Average().apply([da, db]),
      new Maximum().apply([da, db]),
      new Minimum().apply([da, db]),
    ] as never[];
    const joined = new Concatenate({ axis: -1 }).apply(merged) as never;
    const reshaped = new Reshape({ targetShape: [6, 6] }).apply(joined) as never;
    const out1 = new Dense({ units: 2, activation: 'softmax' }).apply(new Flatten().apply(reshaped) as never);
    const out2 = new Dense({ units: 1 }).apply(da);
    const model = new Model({ inputs: [a, b], outputs: [out1 as never, out2 as never] });
    roundTrip(model, [{ shape: [4] }, { shape: [2, 3] }], exact, 'merges');
  });

  it('the MNIST CNN (Reshape, Conv2D, MaxPooling2D, Flatten, Dropout, Dense)', () => {
    manualSeed(3);
    const model = buildCnn({ dropout: 0.25, outputActivation: 'softmax' });
    roundTrip(model, [{ shape: [784] }], exact, 'MNIST CNN');
  });

  it('Conv2D variants, pooling, BatchNormalization, ZeroPadding2D and UpSampling2D', () => {
    manualSeed(4);
    const model = new Sequential({
      layers: [
        new ZeroPadding2D({ padding: 1, inputShape: [6, 5, 2] }),
        new Conv2D({
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          biasInitializer: 'randomNormal',
        }),
        new BatchNormalization({ movingMeanInitializer: 'randomNormal', movingVarianceInitializer: 'ones' }),
        new UpSampling2D({ size: 2 }),
        new Conv2D({ filters: 3, kernelSize: [2, 3], dilationRate: 1, padding: 'valid', activation: 'elu' }),
        new AveragePooling2D({ poolSize: 2, padding: 'same' }),
        new UpSampling2D({ size: [2, 1], interpolation: 'bilinear' }),
        new MaxPooling2D({ poolSize: 2, strides: 1 }),
        new GlobalAveragePooling2D(),
        new Dense({ units: 2 }),
      ],
    });
    // Bilinear UpSampling2D is a product with an interpolation matrix, which the ts backend's matmul
    // sums in float64 (a·(1 − w) + b·w rounded once) while Resize rounds each term: ≤ 1 ulp apart there.
    roundTrip(model, [{ shape: [6, 5, 2] }], getBackend().name === 'ts' ? close : exact, 'image layers');
  });

  it('Conv2DTranspose, DepthwiseConv2D, SeparableConv2D', () => {
    manualSeed(5);
    const model = new Sequential({
      layers: [
        new Conv2DTranspose({
          filters: 3,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          inputShape: [4, 3, 2],
        }),
        new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
        new SeparableConv2D({ filters: 2, kernelSize: 3, activation: 'sigmoid' }),
        new Flatten(),
      ],
    });
    roundTrip(model, [{ shape: [4, 3, 2] }], exact, 'more convolutions');
  });

  it('Conv1D (causal and valid), Embedding, LayerNormalization, Masking, TimeDistributed', () => {
    manualSeed(6);
    const text = new Sequential({
      layers: [
        new Embedding({ inputDim: 9, outputDim: 4, inputShape: [6], embeddingsInitializer: 'randomNormal' }),
        new Conv1D({ filters: 3, kernelSize: 3, padding: 'causal', activation: 'relu' }),
        new Conv1D({ filters: 4, kernelSize: 2 }),
        new LayerNormalization({ betaInitializer: 'randomNormal' }),
        new TimeDistributed({ layer: new Dense({ units: 2 }) }),
      ],
    });
    roundTrip(text, [{ shape: [6], ints: 9 }], exact, 'sequence layers');
    const masked = new Sequential({
      layers: [new Masking({ maskValue: 0, inputShape: [4, 3] }), new Dense({ units: 2 })],
    });
    roundTrip(masked, [{ shape: [4, 3], ints: 2 }], exact, 'Masking');
  });

  it('LSTM, GRU (both reset modes), SimpleRNN, goBackwards and Bidirectional', () => {
    manualSeed(7);
    const model = new Sequential({
      layers: [
        new LSTM({ units: 4, returnSequences: true, biasInitializer: 'randomNormal', inputShape: [5, 3] }),
        new GRU({ units: 3, returnSequences: true, biasInitializer: 'randomNormal' }),
        new GRU({ units: 3, returnSequences: true, resetAfter: false, goBackwards: true }),
        new SimpleRNN({ units: 2, returnSequences: true }),
        new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }), mergeMode: 'concat' }),
        new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'sum' }),
      ],
    });
    roundTrip(model, [{ shape: [5, 3] }], exact, 'recurrent layers');
  });

  it('RNN with an LSTMCell or GRUCell (both reset modes), goBackwards: identical', () => {
    manualSeed(12);
    const model = new Sequential({
      layers: [
        new RNN({
          cell: new LSTMCell({ units: 4, biasInitializer: 'randomNormal' }),
          returnSequences: true,
          inputShape: [5, 3],
        }),
        new RNN({ cell: new GRUCell({ units: 3, biasInitializer: 'randomNormal' }), returnSequences: true }),
        new RNN({ cell: new GRUCell({ units: 3, resetAfter: false }), goBackwards: true }),
      ],
    });
    roundTrip(model, [{ shape: [5, 3] }], exact, 'RNN with built-in cells');
  });

  it('BatchNormalization without γ, without β, and with both, on dense features: identical', () => {
    manualSeed(10);
    const stats = {
      movingMeanInitializer: 'randomNormal',
      movingVarianceInitializer: 'randomUniform',
    } as const;
    const model = new Sequential({
      layers: [
        new Dense({ units: 5, biasInitializer: 'randomNormal', inputShape: [4] }),
        new BatchNormalization({ ...stats, scale: false, epsilon: 0.1 }),
        new BatchNormalization({ ...stats, center: false, gammaInitializer: 'randomNormal' }),
        new BatchNormalization({
          ...stats,
          gammaInitializer: 'randomNormal',
          betaInitializer: 'randomNormal',
        }),
        new BatchNormalization({ ...stats, scale: false, center: false }),
      ],
    });
    roundTrip(model, [{ shape: [4] }], exact, 'BatchNormalization variants');
  });

  it('masked LSTM and GRU (Embedding maskZero), padded or keeping every step: identical', () => {
    manualSeed(11);
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputShape: [5] }),
        new LSTM({ units: 4, returnSequences: true, biasInitializer: 'randomNormal' }),
        new GRU({ units: 3, biasInitializer: 'randomNormal' }),
      ],
    });
    const imported = fromOnnx(toOnnx(model));
    // With no padding at all backprop's layers take their fused path (the mask keeps every step):
    // so must the import of the ONNX ops' sequence_lens, which then all equal the length.
    const batches = {
      padded: [0, 0, 3, 1, 6, 0, 2, 5, 4, 1, 0, 0, 0, 0, 0],
      unpadded: [3, 1, 6, 2, 5, 4, 1, 2, 6, 6],
    };
    for (const [what, ids] of Object.entries(batches)) {
      const x = tensor(Float32Array.from(ids), { shape: [ids.length / 5, 5] });
      const want = (model.predict(x) as Tensor).dataSync();
      const got = (imported.predict(x) as Tensor).dataSync();
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Object.is(want[i], got[i]),
          `${what}, element ${i}: backprop ${want[i]} vs imported ${got[i]}`,
        );
      }
    }
  });

  it("Bidirectional's other merge modes ('ave', 'mul', none: two outputs)", () => {
    manualSeed(8);
    const x = input({ shape: [4, 3] });
    const ave = new Bidirectional({ layer: new SimpleRNN({ units: 2 }), mergeMode: 'ave' }).apply(x);
    const mul = new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'mul' }).apply(x);
    const both = new Bidirectional({ layer: new LSTM({ units: 2 }), mergeMode: null }).apply(
      x,
    ) as unknown as SymbolicTensor[];
    const model = new Model({ inputs: x, outputs: [ave as SymbolicTensor, mul as SymbolicTensor, ...both] });
    roundTrip(model, [{ shape: [4, 3] }], exact, 'Bidirectional merge modes');
  });

  it('nested Sequential and functional models, and GaussianKL', () => {
    manualSeed(9);
    const inner = new Sequential({
      layers: [new Dense({ units: 4, activation: 'relu', inputShape: [3] }), new Dense({ units: 3 })],
    });
    const a = input({ shape: [3] });
    const sub = new Model({
      inputs: a,
      outputs: new Dense({ units: 3, activation: 'tanh' }).apply(a) as never,
    });
    const x = input({ shape: [3] });
    const mean = inner.apply(x) as never;
    const logVar = sub.apply(x) as never;
    const kl = new GaussianKL().apply([mean, logVar]);
    const model = new Model({ inputs: x, outputs: [mean, kl as never] });
    roundTrip(model, [{ shape: [3] }], exact, 'nested models and GaussianKL');
  });
});
