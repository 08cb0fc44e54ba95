/**
 * ONNX export of the image layers (issue 17): Conv2D (strides, 'same'/'valid' padding, dilation,
 * bias, activations), MaxPooling2D and AveragePooling2D, Flatten after channels-last images and
 * BatchNormalization in inference mode, each run in ONNX Runtime (onnxruntime-web's wasm backend,
 * the reference) and compared with model.predict; and the MNIST CNN of `train mnist --model cnn`
 * with seeded random weights on batches of 1 and 3. One backend: ORT is the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCnn } from '../src/cli/build.js';
import {
  AveragePooling2D,
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  GlobalAveragePooling2D,
  MaxPooling2D,
  manualSeed,
  Sequential,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { decodeModel } from '../src/interop/onnx/onnx-proto.js';
import { checkSequential, opTypes } from './onnx-runtime.js';

describe('toOnnx, image layers', () => {
  it('Conv2D with strides 1/2, same/valid padding, dilation, bias and activations agrees with ONNX Runtime', async () => {
    const cases = [
      { kernelSize: 3, strides: 1, padding: 'valid', activation: 'linear' },
      { kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
      { kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
      { kernelSize: [2, 3], strides: 2, padding: 'valid', activation: 'sigmoid' },
      { kernelSize: 4, strides: [2, 1], padding: 'same', activation: 'softmax' },
      { kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'elu', useBias: false },
      { kernelSize: [3, 2], dilationRate: [1, 2], padding: 'valid', activation: 'linear' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      manualSeed(100 + i);
      const conv = new Conv2D({
        filters: 4,
        biasInitializer: 'randomNormal',
        inputShape: [7, 6, 3],
        name: 'conv',
        ...c,
      } as ConstructorParameters<typeof Conv2D>[0]);
      const model = new Sequential({ layers: [conv] });
      const proto = await checkSequential(model, `Conv2D ${JSON.stringify(c)}`, i);
      const ops = opTypes(proto);
      assert.equal(ops.filter((o) => o === 'Conv').length, 1, ops.join(', '));
      assert.equal(ops.filter((o) => o === 'Transpose').length, 2, ops.join(', '));
    }
  });

  it("'same' Conv2D pads the odd extra cell at the end, as Keras", () => {
    manualSeed(1);
    // Height 6, kernel 4, stride 1: 3 cells of padding, 1 before and 2 after (Keras/TF 'same').
    const model = new Sequential({
      layers: [new Conv2D({ filters: 1, kernelSize: 4, padding: 'same', inputShape: [6, 5, 1] })],
    });
    const conv = decodeModel(toOnnx(model)).graph!.node!.find((n) => n.opType === 'Conv')!;
    const pads = conv.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number);
    assert.deepEqual(pads, [1, 1, 2, 2]);
  });

  it('MaxPooling2D and AveragePooling2D with pool sizes 2/3, strides and same/valid agree with ONNX Runtime', async () => {
    const cases = [
      { poolSize: 2 },
      { poolSize: 2, padding: 'same' },
      { poolSize: 3, strides: 2 },
      { poolSize: 3, strides: 2, padding: 'same' },
      { poolSize: [2, 3], strides: [1, 2], padding: 'same' },
    ] as const;
    let seed = 0;
    for (const Pool of [MaxPooling2D, AveragePooling2D]) {
      for (const c of cases) {
        const model = new Sequential({ layers: [new Pool({ inputShape: [7, 6, 3], name: 'pool', ...c })] });
        const proto = await checkSequential(model, `${Pool.name} ${JSON.stringify(c)}`, seed++);
        const ops = opTypes(proto);
        assert.deepEqual(ops, ['Transpose', Pool === MaxPooling2D ? 'MaxPool' : 'AveragePool', 'Transpose']);
        if (Pool === AveragePooling2D) {
          const node = proto.graph!.node![1]!;
          assert.equal(Number(node.attribute!.find((a) => a.name === 'count_include_pad')!.i), 0);
        }
      }
    }
  });

  it('BatchNormalization (inference) on images and on features, with and without centre and scale, agrees', async () => {
    const stats = {
      movingMeanInitializer: 'randomNormal',
      movingVarianceInitializer: { className: 'randomUniform', config: { minval: 0.2, maxval: 3 } },
      gammaInitializer: { className: 'randomUniform', config: { minval: -2, maxval: 2 } },
      betaInitializer: 'randomNormal',
    } as const;
    const cases = [
      { inputShape: [5, 4, 3] },
      { inputShape: [6], epsilon: 0.1 },
      { inputShape: [5, 4, 3], center: false },
      { inputShape: [2, 6], scale: false },
    ];
    for (const [i, c] of cases.entries()) {
      manualSeed(200 + i);
      const model = new Sequential({ layers: [new BatchNormalization({ name: 'bn', ...stats, ...c })] });
      await checkSequential(model, `BatchNormalization ${JSON.stringify(c)}`, 50 + i);
    }
  });

  it('a run of conv/pool layers is transposed once at each end, and Flatten keeps channels-last order', async () => {
    manualSeed(7);
    const model = new Sequential({
      layers: [
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [9, 8, 2] }),
        new MaxPooling2D({ poolSize: 2, padding: 'same' }),
        new Conv2D({ filters: 4, kernelSize: 2, strides: 2, biasInitializer: 'randomNormal' }),
        new AveragePooling2D({ poolSize: 2, strides: 1 }),
        new Flatten(),
        new Dense({ units: 5, activation: 'softmax' }),
      ],
    });
    const proto = await checkSequential(model, 'conv/pool run', 3);
    assert.deepEqual(opTypes(proto), [
      'Transpose',
      'Conv',
      'Relu',
      'MaxPool',
      'Conv',
      'AveragePool',
      'Transpose',
      'Flatten',
      'Gemm',
      'Softmax',
    ]);
  });

  it('a conv output that is also read by BatchNormalization is transposed back to channels-last', async () => {
    manualSeed(8);
    const model = new Sequential({
      layers: [
        new Conv2D({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2] }),
        new BatchNormalization({ movingMeanInitializer: 'randomNormal' }),
        new Conv2D({ filters: 2, kernelSize: 2, activation: 'relu' }),
        new MaxPooling2D(),
      ],
    });
    await checkSequential(model, 'conv, batch norm, conv, pool', 4);
  });

  it('GlobalAveragePooling2D after a conv (channels-first) and on the input (channels-last) agrees', async () => {
    manualSeed(9);
    const afterConv = new Sequential({
      layers: [
        new Conv2D({ filters: 3, kernelSize: 3, biasInitializer: 'randomNormal', inputShape: [6, 5, 2] }),
        new GlobalAveragePooling2D({ name: 'gap' }),
      ],
    });
    const proto = await checkSequential(afterConv, 'conv, global average pooling', 5);
    assert.deepEqual(opTypes(proto), ['Transpose', 'Conv', 'GlobalAveragePool', 'Flatten']);
    const alone = new Sequential({
      layers: [new GlobalAveragePooling2D({ inputShape: [4, 3, 5], name: 'gap' })],
    });
    assert.deepEqual(opTypes(await checkSequential(alone, 'global average pooling', 6)), ['ReduceMean']);
  });

  it('the MNIST CNN (train mnist --model cnn) agrees with ONNX Runtime on batches of 1 and 3', async () => {
    manualSeed(17);
    const model = buildCnn({ dropout: 0.25, outputActivation: 'softmax' });
    const proto = await checkSequential(model, 'MNIST CNN', 28);
    assert.equal(opTypes(proto).filter((o) => o === 'Transpose').length, 2);
    assert.deepEqual(proto.graph!.input![0]!.type!.tensorType!.shape!.dim, [
      { dimParam: 'N' },
      { dimValue: 784 },
    ]);
  });
});
