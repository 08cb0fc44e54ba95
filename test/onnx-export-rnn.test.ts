/**
 * ONNX export of the recurrent layers (issue 17): Sequential [time, features] → LSTM / GRU
 * (resetAfter true and false) / SimpleRNN (returnSequences, goBackwards, activations, with and
 * without bias) → Dense, with seeded random weights and biases,
 * run in ONNX Runtime (onnxruntime-web's wasm backend) on batches of 1 and 3 and compared with
 * model.predict; and the options the ONNX op cannot express, refused by name. One backend: ORT is
 * the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentError,
  Dense,
  GRU,
  input,
  LSTM,
  type LSTMConfig,
  Model,
  manualSeed,
  Rng,
  Sequential,
  SimpleRNN,
  type SimpleRNNConfig,
  type SymbolicTensor,
  tensor,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { decodeModel } from '../src/interop/onnx/onnx-proto.js';
import { assertAgree, runOrt } from './onnx-runtime.js';

const TIME = 5;
const FEATURES = 3;

/** LSTM → Dense with seeded weights; the bias is random too, so a gate mix-up cannot hide. */
function lstmModel(seed: number, options: Partial<LSTMConfig>): Sequential {
  manualSeed(seed);
  return new Sequential({
    layers: [
      new LSTM({
        units: 4,
        inputShape: [TIME, FEATURES],
        biasInitializer: 'randomNormal',
        unitForgetBias: false,
        name: 'lstm',
        ...options,
      }),
      new Dense({ units: 2, name: 'head' }),
    ],
  });
}

async function checkAgainstPredict(model: Sequential, what: string, seed: number) {
  const bytes = toOnnx(model);
  const rng = new Rng(seed);
  for (const batch of [1, 3]) {
    const data = Float32Array.from({ length: batch * TIME * FEATURES }, () => rng.uniform() * 4 - 2);
    const dims = [batch, TIME, FEATURES];
    const name = model.inputNames[0]!;
    const out = (await runOrt(bytes, { [name]: { data, dims } }))[model.outputNames[0]!]!;
    assertAgree(out, model.predict(tensor(data, { shape: dims })), `${what}, batch ${batch}`);
  }
  return decodeModel(bytes);
}

describe('toOnnx, recurrent layers', () => {
  it('LSTM with returnSequences and goBackwards (all four combinations) agrees with ONNX Runtime', async () => {
    let seed = 0;
    for (const returnSequences of [false, true]) {
      for (const goBackwards of [false, true]) {
        const model = lstmModel(10 + seed, { returnSequences, goBackwards });
        const proto = await checkAgainstPredict(
          model,
          `LSTM returnSequences ${returnSequences} goBackwards ${goBackwards}`,
          seed++,
        );
        const lstmNode = proto.graph!.node!.find((n) => n.opType === 'LSTM')!;
        const direction = lstmNode.attribute!.find((a) => a.name === 'direction')!.s!;
        assert.equal(new TextDecoder().decode(direction), goBackwards ? 'reverse' : 'forward');
      }
    }
  });

  it('goBackwards with returnSequences returns the steps in the order they ran, as predict does', async () => {
    // A forward-ordered Y would give the same last step but a different sequence: compare all of it.
    const model = new Sequential({
      layers: [lstmModel(40, { returnSequences: true, goBackwards: true }).layers[0]!],
    });
    await checkAgainstPredict(model, 'LSTM goBackwards sequence', 40);
  });

  it('LSTM without bias, and with relu / tanh / sigmoid activations, agrees with ONNX Runtime', async () => {
    const cases: Partial<LSTMConfig>[] = [
      { useBias: false, returnSequences: true },
      { activation: 'relu', recurrentActivation: 'sigmoid' },
      { activation: 'sigmoid', recurrentActivation: 'tanh', returnSequences: true },
      { unitForgetBias: true, biasInitializer: 'zeros' },
    ];
    for (const [i, c] of cases.entries()) {
      await checkAgainstPredict(lstmModel(20 + i, c), `LSTM ${JSON.stringify(c)}`, 20 + i);
    }
  });

  it('refuses what the ONNX LSTM op cannot express, naming the layer and the option', () => {
    const refused: [Partial<LSTMConfig>, RegExp][] = [
      [{ activation: 'softmax' }, /'lstm' \(LSTM\) has activation 'softmax'/],
      [{ recurrentActivation: 'logSoftmax' }, /'lstm' \(LSTM\) has recurrentActivation 'logSoftmax'/],
      [{ stateful: true }, /'lstm' \(LSTM\) is stateful/],
    ];
    for (const [options, message] of refused) {
      assert.throws(
        () => toOnnx(lstmModel(1, options)),
        (e: unknown) => e instanceof ArgumentError && message.test(e.message),
        JSON.stringify(options),
      );
    }
    // returnState gives [output, h, c]: only the functional API can take it, and toOnnx refuses it.
    const x = input({ shape: [TIME, FEATURES] });
    const outputs = new LSTM({ units: 4, returnState: true, name: 'lstm' }).apply(
      x,
    ) as unknown as SymbolicTensor[];
    assert.throws(
      () => toOnnx(new Model({ inputs: x, outputs })),
      (e: unknown) => e instanceof ArgumentError && /'lstm' \(LSTM\) gives 3 outputs/.test(e.message),
    );
  });

  it('GRU (resetAfter true and false) with returnSequences and goBackwards agrees with ONNX Runtime', async () => {
    let seed = 50;
    for (const resetAfter of [true, false]) {
      for (const [returnSequences, goBackwards] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        manualSeed(seed);
        const model = new Sequential({
          layers: [
            new GRU({
              units: 4,
              inputShape: [TIME, FEATURES],
              biasInitializer: 'randomNormal',
              name: 'gru',
              resetAfter,
              returnSequences,
              goBackwards,
            }),
            new Dense({ units: 2, name: 'head' }),
          ],
        });
        const proto = await checkAgainstPredict(
          model,
          `GRU resetAfter ${resetAfter} returnSequences ${returnSequences} goBackwards ${goBackwards}`,
          seed++,
        );
        const node = proto.graph!.node!.find((n) => n.opType === 'GRU')!;
        const linear = node.attribute!.find((a) => a.name === 'linear_before_reset')!;
        assert.equal(Number(linear.i), resetAfter ? 1 : 0);
      }
    }
    manualSeed(60);
    const plain = new Sequential({
      layers: [new GRU({ units: 3, inputShape: [TIME, FEATURES], useBias: false, activation: 'relu' })],
    });
    await checkAgainstPredict(plain, 'GRU without bias, relu', 60);
  });

  it('SimpleRNN with returnSequences, goBackwards, activations and no bias agrees with ONNX Runtime', async () => {
    const cases: Partial<SimpleRNNConfig>[] = [
      {},
      { returnSequences: true },
      { goBackwards: true },
      { returnSequences: true, goBackwards: true, activation: 'relu' },
      { useBias: false, activation: 'sigmoid', returnSequences: true },
    ];
    for (const [i, c] of cases.entries()) {
      manualSeed(70 + i);
      const model = new Sequential({
        layers: [
          new SimpleRNN({
            units: 4,
            inputShape: [TIME, FEATURES],
            biasInitializer: 'randomNormal',
            name: 'rnn',
            ...c,
          }),
          new Dense({ units: 2, name: 'head' }),
        ],
      });
      const proto = await checkAgainstPredict(model, `SimpleRNN ${JSON.stringify(c)}`, 70 + i);
      assert.ok(proto.graph!.node!.some((n) => n.opType === 'RNN'));
    }
    manualSeed(1);
    const softmax = new Sequential({
      layers: [new SimpleRNN({ units: 2, inputShape: [TIME, FEATURES], activation: 'softmax', name: 'rnn' })],
    });
    assert.throws(
      () => toOnnx(softmax),
      (e: unknown) =>
        e instanceof ArgumentError && /'rnn' \(SimpleRNN\) has activation 'softmax'/.test(e.message),
    );
  });
});
