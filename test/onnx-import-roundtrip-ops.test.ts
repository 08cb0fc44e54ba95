/**
 * backprop → ONNX (toOnnx) → backprop (fromOnnx) for the image, normalization and recurrent
 * layers: the imported model predicts what the original did, on random batches of 1 and 3.
 * Every weight is random (biases, BatchNormalization's moving statistics too), so a transposed
 * kernel, a gate in the wrong slot or a padding on the wrong side cannot hide.
 */
import { it } from 'node:test';
import {
  AveragePooling2D,
  BatchNormalization,
  Bidirectional,
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  Dense,
  DepthwiseConv2D,
  Flatten,
  fromOnnx,
  GlobalAveragePooling2D,
  GRU,
  type Layer,
  LayerNormalization,
  LSTM,
  MaxPooling2D,
  manualSeed,
  Rng,
  SeparableConv2D,
  Sequential,
  SimpleRNN,
  type Tensor,
  tensor,
  toOnnx,
  ZeroPadding2D,
} from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';
import { onnxModel } from './onnx-graphs.js';

const random = { className: 'RandomNormal', config: { stddev: 0.5 } };
const positive = { className: 'RandomUniform', config: { minval: 0.5, maxval: 2 } };

/**
 * `layers` is called after seeding, so that the random weights are the same on every run. `exact`:
 * every value equal (no tolerance), for layers whose export spells out the layer's own float32
 * steps; otherwise identical up to float32 rounding.
 */
function checkRoundTrip(layers: () => Layer[], sample: number[], seed: number, exact = false): void {
  manualSeed(seed);
  const model = new Sequential({ layers: layers() });
  const imported = fromOnnx(toOnnx(model));
  const rng = new Rng(seed);
  for (const batch of [1, 3]) {
    const dims = [batch, ...sample];
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform() * 4 - 2);
    const x = tensor(data, { shape: dims });
    if (exact) assertClose(imported.predict(x) as Tensor, model.predict(x) as Tensor, 0, 0);
    // Identical up to float32 rounding (the import computes the same sums in another order).
    else assertClose(imported.predict(x) as Tensor, model.predict(x) as Tensor, 1e-5, 1e-5);
  }
}

describeEachBackend('ONNX round trip: toOnnx → fromOnnx', () => {
  it('Conv2D (same and valid, strides, dilation) → MaxPooling2D → AveragePooling2D → Dense', () => {
    checkRoundTrip(
      () => [
        new Conv2D({
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          strides: 2,
          biasInitializer: random,
          inputShape: [9, 8, 3],
        }),
        new Conv2D({
          filters: 3,
          kernelSize: [2, 3],
          dilationRate: [2, 1],
          activation: 'relu',
          biasInitializer: random,
        }),
        new MaxPooling2D({ poolSize: 2, strides: 1, padding: 'same' }),
        new AveragePooling2D({ poolSize: [2, 2], padding: 'same' }),
        new Flatten(),
        new Dense({ units: 3 }),
      ],
      [9, 8, 3],
      1,
    );
  });
  it('BatchNormalization (random moving statistics) → GlobalAveragePooling2D: bit-identical', () => {
    checkRoundTrip(
      () => [
        new Conv2D({ filters: 3, kernelSize: 2, inputShape: [5, 6, 2] }),
        new BatchNormalization({
          gammaInitializer: random,
          betaInitializer: random,
          movingMeanInitializer: random,
          movingVarianceInitializer: positive,
        }),
        new GlobalAveragePooling2D(),
      ],
      [5, 6, 2],
      2,
      true,
    );
  });
  it("an ONNX BatchNormalization node with a layer's weights computes what the layer does, bit for bit", () => {
    manualSeed(5);
    const layer = new BatchNormalization({
      gammaInitializer: random,
      betaInitializer: random,
      movingMeanInitializer: random,
      movingVarianceInitializer: positive,
      epsilon: 0.01,
      inputShape: [4],
    });
    const model = new Sequential({ layers: [layer] });
    const weight = (name: string) => ({ name, dims: [4], data: [...layer.getWeight(name).dataSync()] });
    // Another exporter's form of the layer (Keras through tf2onnx): one node, the spec's formula.
    const bytes = onnxModel({
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: [{ name: 'y' }],
      nodes: [
        {
          opType: 'BatchNormalization',
          inputs: ['x', 'gamma', 'beta', 'moving_mean', 'moving_variance'],
          outputs: ['y'],
          attributes: { epsilon: { float: layer.epsilon } },
        },
      ],
      initializers: ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(weight),
    });
    const rng = new Rng(5);
    const x = tensor(
      Float32Array.from({ length: 24 }, () => rng.uniform() * 4 - 2),
      { shape: [6, 4] },
    );
    assertClose(fromOnnx(bytes).predict(x) as Tensor, model.predict(x) as Tensor, 0, 0);
  });
  it('Conv2DTranspose, DepthwiseConv2D, SeparableConv2D and ZeroPadding2D', () => {
    checkRoundTrip(
      () => [
        new ZeroPadding2D({
          padding: [
            [1, 0],
            [0, 2],
          ],
          inputShape: [4, 5, 2],
        }),
        new Conv2DTranspose({
          filters: 3,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          biasInitializer: random,
        }),
        new DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2, biasInitializer: random }),
        new SeparableConv2D({ filters: 2, kernelSize: 2, padding: 'same', biasInitializer: random }),
      ],
      [4, 5, 2],
      3,
    );
  });
  it('Conv1D (causal and valid) → LayerNormalization: bit-identical', () => {
    checkRoundTrip(
      () => [
        new Conv1D({
          filters: 4,
          kernelSize: 3,
          padding: 'causal',
          dilationRate: 2,
          biasInitializer: random,
          inputShape: [7, 3],
        }),
        new Conv1D({ filters: 3, kernelSize: 2, strides: 2 }),
        new LayerNormalization({ gammaInitializer: random, betaInitializer: random }),
      ],
      [7, 3],
      4,
      true,
    );
  });
  it('LSTM, GRU (resetAfter true and false) and SimpleRNN, forwards and backwards', () => {
    let seed = 10;
    for (const goBackwards of [false, true]) {
      checkRoundTrip(
        () => [
          new LSTM({
            units: 3,
            returnSequences: true,
            goBackwards,
            biasInitializer: random,
            inputShape: [5, 2],
          }),
          new GRU({ units: 2, returnSequences: true, resetAfter: true, biasInitializer: random }),
          new GRU({
            units: 3,
            returnSequences: true,
            resetAfter: false,
            biasInitializer: random,
            goBackwards,
          }),
          new SimpleRNN({ units: 2, biasInitializer: random }),
        ],
        [5, 2],
        seed++,
      );
    }
  });
  it('Bidirectional LSTM', () => {
    checkRoundTrip(
      () => [
        new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }), inputShape: [4, 3] }),
        new Dense({ units: 2 }),
      ],
      [4, 3],
      20,
    );
  });
});
