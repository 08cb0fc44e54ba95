/**
 * Fixes from the review of the ONNX export (issue 17); each case here failed before its fix, run
 * in ONNX Runtime with its default graph optimisation: ZeroPadding2D before MaxPooling2D /
 * AveragePooling2D (which ORT's Pad fusion got wrong), and LSTM / GRU / SimpleRNN with the
 * activations ONNX's recurrent ops take beyond sigmoid, tanh and relu (hardSigmoid, linear, elu,
 * leakyRelu, softplus). One backend: ORT is the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AveragePooling2D,
  Bidirectional,
  Conv2D,
  Dense,
  GRU,
  type Layer,
  LSTM,
  MaxPooling2D,
  manualSeed,
  Rng,
  Sequential,
  SimpleRNN,
  type Tensor,
  tensor,
  ZeroPadding2D,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { decodeModel } from '../src/interop/onnx/onnx-proto.js';
import { assertAgree, runOrt } from './onnx-runtime.js';

/** Export, run in ORT (default graph optimisation) on batches 1 and 3 of these values, compare. */
async function agreesInOrt(model: Sequential, what: string, values: (rng: Rng) => number): Promise<void> {
  const bytes = toOnnx(model);
  const rng = new Rng(17);
  for (const batch of [1, 3]) {
    const dims = [batch, ...model.inputShape];
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => values(rng));
    const out = await runOrt(bytes, { [model.inputNames[0]!]: { data, dims } });
    assertAgree(
      out[model.outputNames[0]!]!,
      model.predict(tensor(data, { shape: dims })),
      `${what}, batch ${batch}`,
      1e-6,
    );
  }
}

const negative = (rng: Rng) => -1 - rng.uniform() * 3;
const mixed = (rng: Rng) => rng.uniform() * 6 - 3;

describe('review fixes: ZeroPadding2D before pooling in ONNX Runtime', () => {
  it('ZeroPadding2D → MaxPooling2D / AveragePooling2D: symmetric, asymmetric, all-negative inputs, inside a conv run', async () => {
    manualSeed(18);
    const cases: [string, () => Sequential][] = [
      [
        'pad 1 → MaxPooling2D(2)',
        () =>
          new Sequential({
            layers: [
              new ZeroPadding2D({ padding: 1, inputShape: [4, 5, 2] }),
              new MaxPooling2D({ poolSize: 2 }),
            ],
          }),
      ],
      [
        'pad 3 → AveragePooling2D(2)',
        () =>
          new Sequential({
            layers: [
              new ZeroPadding2D({ padding: 3, inputShape: [4, 5, 2] }),
              new AveragePooling2D({ poolSize: 2 }),
            ],
          }),
      ],
      [
        'pad [[1, 0], [2, 3]] → MaxPooling2D(2, strides 3)',
        () =>
          new Sequential({
            layers: [
              new ZeroPadding2D({
                padding: [
                  [1, 0],
                  [2, 3],
                ],
                inputShape: [4, 5, 2],
              }),
              new MaxPooling2D({ poolSize: 2, strides: 3 }),
            ],
          }),
      ],
      [
        'pad [[0, 2], [1, 0]] → AveragePooling2D(3, same)',
        () =>
          new Sequential({
            layers: [
              new ZeroPadding2D({
                padding: [
                  [0, 2],
                  [1, 0],
                ],
                inputShape: [4, 5, 2],
              }),
              new AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }),
            ],
          }),
      ],
      [
        'Conv2D (negative outputs) → pad 1 → MaxPooling2D(2) → Conv2D',
        () =>
          new Sequential({
            layers: [
              new Conv2D({
                filters: 3,
                kernelSize: 1,
                inputShape: [4, 5, 2],
                kernelInitializer: 'zeros',
                biasInitializer: { className: 'constant', config: { value: -1 } },
              }),
              new ZeroPadding2D({ padding: 1 }),
              new MaxPooling2D({ poolSize: 2 }),
              new Conv2D({ filters: 2, kernelSize: 2 }),
            ],
          }),
      ],
    ];
    for (const [what, make] of cases) {
      await agreesInOrt(make(), `${what}, negative inputs`, negative);
      await agreesInOrt(make(), `${what}, mixed inputs`, mixed);
    }
  });
});

describe('review fixes: recurrent activations in ONNX Runtime', () => {
  const TIME = 4;
  const FEATURES = 3;
  /** A recurrent layer → Dense, random biases, compared with ORT on batches 1 and 3 of values in [−3, 3). */
  async function check(layer: Layer, what: string, seed: number): Promise<string[]> {
    manualSeed(seed);
    const model = new Sequential({ layers: [layer, new Dense({ units: 2 })] });
    const bytes = toOnnx(model);
    const rng = new Rng(seed);
    for (const batch of [1, 3]) {
      const dims = [batch, TIME, FEATURES];
      const data = Float32Array.from({ length: batch * TIME * FEATURES }, () => rng.uniform() * 6 - 3);
      const out = await runOrt(bytes, { [model.inputNames[0]!]: { data, dims } });
      assertAgree(
        out[model.outputNames[0]!]!,
        model.predict(tensor(data, { shape: dims })) as Tensor,
        `${what}, batch ${batch}`,
      );
    }
    const node = decodeModel(bytes).graph!.node!.find((n) => ['LSTM', 'GRU', 'RNN'].includes(n.opType!))!;
    const decoder = new TextDecoder();
    return node.attribute!.find((a) => a.name === 'activations')!.strings!.map((s) => decoder.decode(s));
  }
  const common = { inputShape: [TIME, FEATURES], biasInitializer: 'randomNormal' } as const;

  it("LSTM with recurrentActivation 'hardSigmoid' (TF.js's default) and other activations agrees", async () => {
    manualSeed(40);
    const ops = await check(
      new LSTM({ units: 3, recurrentActivation: 'hardSigmoid', ...common }),
      'LSTM hardSigmoid',
      40,
    );
    assert.deepEqual(ops, ['HardSigmoid', 'Tanh', 'Tanh']);
    const cases = [
      { recurrentActivation: 'hardSigmoid', activation: 'softplus' },
      { recurrentActivation: 'linear', activation: 'elu', returnSequences: true },
      { recurrentActivation: 'hardSigmoid', activation: 'leakyRelu', goBackwards: true },
    ] as const;
    for (const [i, c] of cases.entries()) {
      manualSeed(41 + i);
      await check(new LSTM({ units: 3, ...c, ...common }), `LSTM ${JSON.stringify(c)}`, 41 + i);
    }
    manualSeed(45);
    const bi = await check(
      new Bidirectional({
        layer: new LSTM({
          units: 2,
          recurrentActivation: 'hardSigmoid',
          activation: 'elu',
          biasInitializer: 'randomNormal',
        }),
        inputShape: [TIME, FEATURES],
      }),
      'Bidirectional LSTM hardSigmoid/elu',
      45,
    );
    assert.deepEqual(bi, ['HardSigmoid', 'Elu', 'Elu', 'HardSigmoid', 'Elu', 'Elu']);
  });

  it('GRU and SimpleRNN with hardSigmoid, linear, elu, leakyRelu, softplus agree', async () => {
    const gru = [
      { recurrentActivation: 'hardSigmoid', activation: 'linear' },
      { recurrentActivation: 'hardSigmoid', activation: 'elu', resetAfter: false },
      { recurrentActivation: 'softplus', activation: 'leakyRelu', returnSequences: true },
    ] as const;
    for (const [i, c] of gru.entries()) {
      manualSeed(50 + i);
      await check(new GRU({ units: 3, ...c, ...common }), `GRU ${JSON.stringify(c)}`, 50 + i);
    }
    for (const [i, activation] of (
      ['elu', 'linear', 'hardSigmoid', 'leakyRelu', 'softplus'] as const
    ).entries()) {
      manualSeed(60 + i);
      const ops = await check(
        new SimpleRNN({ units: 3, activation, ...common }),
        `SimpleRNN ${activation}`,
        60 + i,
      );
      assert.equal(ops.length, 1);
    }
  });
});
