/**
 * ONNX export of the sequence and text layers: Embedding (Cast + Gather, with maskZero allowed
 * where the mask changes nothing), LayerNormalization (ONNX's op, opset 17) and Conv1D (valid,
 * same, causal padding; strides, dilation), each run in ONNX Runtime (onnxruntime-web's wasm
 * backend, the reference) and compared with model.predict. One backend: ORT is the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Conv1D,
  Dense,
  Embedding,
  Flatten,
  LayerNormalization,
  LSTM,
  manualSeed,
  Rng,
  Sequential,
  tensor,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { decodeModel, type ModelProto } from '../src/interop/onnx/onnx-proto.js';
import { assertAgree, opTypes, runOrt } from './onnx-runtime.js';

/** Export, run in ORT on batches of 1 and 3 made by `sample`, compare with predict; the graph. */
async function check(
  model: Sequential,
  what: string,
  seed: number,
  sample: (rng: Rng) => number = (rng) => rng.uniform() * 6 - 3,
): Promise<ModelProto> {
  const bytes = toOnnx(model);
  const rng = new Rng(seed);
  for (const batch of [1, 3]) {
    const dims = [batch, ...model.inputShape];
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => sample(rng));
    const out = await runOrt(bytes, { [model.inputNames[0]!]: { data, dims } });
    assertAgree(
      out[model.outputNames[0]!]!,
      model.predict(tensor(data, { shape: dims })),
      `${what}, batch ${batch}`,
    );
  }
  return decodeModel(bytes);
}

const ids = (vocabulary: number) => (rng: Rng) =>
  Math.min(Math.floor(rng.uniform() * vocabulary), vocabulary - 1);

describe('toOnnx, sequence layers', () => {
  it('Embedding becomes Cast + Gather and agrees with ONNX Runtime, also followed by Dense', async () => {
    manualSeed(1);
    const alone = new Sequential({
      layers: [
        new Embedding({ inputDim: 11, outputDim: 4, inputShape: [5], embeddingsInitializer: 'randomNormal' }),
      ],
    });
    const proto = await check(alone, 'Embedding', 1, ids(11));
    assert.deepEqual(opTypes(proto), ['Cast', 'Gather']);
    manualSeed(2);
    const withDense = new Sequential({
      layers: [
        new Embedding({ inputDim: 7, outputDim: 3, inputShape: [4], embeddingsInitializer: 'randomNormal' }),
        new Flatten(),
        new Dense({ units: 2, activation: 'tanh', biasInitializer: 'randomNormal' }),
      ],
    });
    await check(withDense, 'Embedding → Flatten → Dense', 2, ids(7));
  });

  it('Embedding maskZero is exported where the mask changes nothing, and followed into a recurrent layer', async () => {
    manualSeed(3);
    // Dense passes the mask on without using it: the outputs are the same as without a mask.
    const dense = new Sequential({
      layers: [
        new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [5], name: 'emb' }),
        new Dense({ units: 2, biasInitializer: 'randomNormal' }),
      ],
    });
    await check(dense, 'Embedding(maskZero) → Dense', 3, ids(6));
    const rnn = new Sequential({
      layers: [
        new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [5], name: 'emb' }),
        new Dense({ units: 3 }),
        new LSTM({ units: 2, returnSequences: true, name: 'lstm' }),
      ],
    });
    // The LSTM reads the mask: the export runs it over the kept steps, as predict does.
    await check(rnn, 'Embedding(maskZero) → Dense → LSTM(returnSequences)', 5, ids(6));
    // Without maskZero the same stack exports.
    const plain = new Sequential({
      layers: [new Embedding({ inputDim: 6, outputDim: 3, inputShape: [5] }), new LSTM({ units: 2 })],
    });
    await check(plain, 'Embedding → LSTM', 4, ids(6));
  });

  it('LayerNormalization (center/scale on and off, epsilon, trailing axes) agrees with ONNX Runtime', async () => {
    const cases = [
      { inputShape: [6] },
      { inputShape: [4, 5], epsilon: 0.1 },
      { inputShape: [4, 5], center: false },
      { inputShape: [4, 5], scale: false },
      { inputShape: [3, 4, 5], axis: [2, 3] },
      { inputShape: [3, 4, 5], axis: [-1, -2, -3] },
    ] as const;
    for (const [i, c] of cases.entries()) {
      manualSeed(10 + i);
      const model = new Sequential({
        layers: [
          new LayerNormalization({
            gammaInitializer: 'randomNormal',
            betaInitializer: 'randomNormal',
            name: 'norm',
            ...c,
          } as ConstructorParameters<typeof LayerNormalization>[0]),
        ],
      });
      const proto = await check(model, `LayerNormalization ${JSON.stringify(c)}`, i);
      assert.deepEqual(opTypes(proto), ['LayerNormalization']);
    }
  });

  it('LayerNormalization over non-trailing axes is refused, naming the layer and axes', () => {
    const model = new Sequential({
      layers: [new LayerNormalization({ axis: 1, inputShape: [4, 5], name: 'ln' })],
    });
    assert.throws(
      () => toOnnx(model),
      /'ln' \(LayerNormalization\) normalises axes 1 of an input \[\?, 4, 5\]/,
    );
  });

  it('Conv1D with valid/same/causal padding, strides, dilation, bias and activations agrees with ONNX Runtime', async () => {
    const cases = [
      { kernelSize: 3, padding: 'valid', activation: 'linear' },
      { kernelSize: 3, padding: 'same', activation: 'relu' },
      { kernelSize: 4, padding: 'same', strides: 2, activation: 'tanh' },
      { kernelSize: 3, padding: 'causal', activation: 'sigmoid' },
      { kernelSize: 2, padding: 'causal', dilationRate: 3, activation: 'elu', useBias: false },
      { kernelSize: 3, padding: 'valid', strides: 2, activation: 'softmax' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      manualSeed(20 + i);
      const model = new Sequential({
        layers: [
          new Conv1D({
            filters: 4,
            biasInitializer: 'randomNormal',
            inputShape: [9, 3],
            name: 'conv',
            ...c,
          } as ConstructorParameters<typeof Conv1D>[0]),
        ],
      });
      const proto = await check(model, `Conv1D ${JSON.stringify(c)}`, 20 + i);
      const ops = opTypes(proto);
      assert.equal(ops.filter((o) => o === 'Conv').length, 1, ops.join(', '));
      assert.equal(ops.filter((o) => o === 'Transpose').length, 2, ops.join(', '));
    }
  });

  it("Conv1D 'causal' pads only on the left; 'same' puts the odd extra step at the end", () => {
    const pads = (padding: 'causal' | 'same') => {
      const model = new Sequential({
        layers: [
          new Conv1D({
            filters: 1,
            kernelSize: 4,
            dilationRate: padding === 'causal' ? 2 : 1,
            padding,
            inputShape: [8, 1],
          }),
        ],
      });
      const conv = decodeModel(toOnnx(model)).graph!.node!.find((n) => n.opType === 'Conv')!;
      return conv.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number);
    };
    assert.deepEqual(pads('causal'), [6, 0]);
    assert.deepEqual(pads('same'), [1, 2]);
  });
});
