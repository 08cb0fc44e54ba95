/**
 * ONNX export of the image layers beyond Conv2D (issue 17): Conv2DTranspose (strides, padding,
 * outputPadding, dilation), DepthwiseConv2D (depthMultiplier), SeparableConv2D, UpSampling2D
 * (nearest and bilinear) and ZeroPadding2D, each run in ONNX Runtime (onnxruntime-web's wasm
 * backend, the reference) on random batches and compared with model.predict to 1e-5 relative +
 * 1e-6 absolute; and a run of them with BatchNormalization and activations transposed once at
 * each end. One backend: ORT is the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Activation,
  BatchNormalization,
  Conv2D,
  Conv2DTranspose,
  DepthwiseConv2D,
  Dropout,
  Flatten,
  input,
  LeakyReLU,
  MaxPooling2D,
  Model,
  manualSeed,
  Rng,
  SeparableConv2D,
  Sequential,
  type Tensor,
  tensor,
  UpSampling2D,
  ZeroPadding2D,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { assertAgree, checkSequential, opTypes, randomBatch, runOrt } from './onnx-runtime.js';

/** This file's absolute tolerance against ONNX Runtime (the shared default is 1e-5). */
const TIGHT = 1e-6;

const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('toOnnx, more image layers', () => {
  it('Conv2DTranspose with strides, same/valid padding, outputPadding, dilation and activations agrees', async () => {
    const cases = [
      { kernelSize: 3, strides: 1, padding: 'valid' },
      { kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
      { kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' },
      { kernelSize: 3, strides: 2, padding: 'same' },
      { kernelSize: 3, strides: 2, padding: 'valid', activation: 'sigmoid' },
      // Stride larger than the kernel: 'valid' output s·n, beyond the full (n − 1)·s + k.
      { kernelSize: 2, strides: 3, padding: 'valid' },
      { kernelSize: 1, strides: 2, padding: 'same' },
      { kernelSize: [3, 2], strides: [2, 3], padding: 'same', outputPadding: [1, 2] },
      { kernelSize: 3, strides: 2, padding: 'valid', outputPadding: 1, useBias: false },
      { kernelSize: 5, strides: 3, padding: 'same', outputPadding: [2, 1], activation: 'softmax' },
      { kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'elu' },
      { kernelSize: [2, 3], dilationRate: [2, 1], padding: 'valid' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      manualSeed(300 + i);
      const layer = new Conv2DTranspose({
        filters: 3,
        biasInitializer: 'randomNormal',
        inputShape: [4, 5, 2],
        name: 'deconv',
        ...c,
      } as ConstructorParameters<typeof Conv2DTranspose>[0]);
      const model = new Sequential({ layers: [layer] });
      const ops = opTypes(await checkSequential(model, `Conv2DTranspose ${JSON.stringify(c)}`, i, TIGHT));
      assert.equal(count(ops, 'ConvTranspose'), 1, ops.join(', '));
      assert.equal(count(ops, 'Transpose'), 2, ops.join(', '));
    }
  });

  it('DepthwiseConv2D with depthMultiplier 1 and 3, strides, padding, dilation and no bias agrees', async () => {
    const cases = [
      { kernelSize: 3 },
      { kernelSize: 3, depthMultiplier: 3, padding: 'same', activation: 'relu' },
      { kernelSize: [2, 3], depthMultiplier: 2, strides: 2, padding: 'same' },
      { kernelSize: 2, dilationRate: 2, useBias: false, activation: 'softmax' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      manualSeed(320 + i);
      const layer = new DepthwiseConv2D({
        biasInitializer: 'randomNormal',
        inputShape: [6, 5, 3],
        name: 'depthwise',
        ...c,
      } as ConstructorParameters<typeof DepthwiseConv2D>[0]);
      const proto = await checkSequential(
        new Sequential({ layers: [layer] }),
        `DepthwiseConv2D ${JSON.stringify(c)}`,
        i,
        TIGHT,
      );
      const conv = proto.graph!.node!.find((n) => n.opType === 'Conv')!;
      assert.equal(Number(conv.attribute!.find((a) => a.name === 'group')!.i), 3);
    }
  });

  it('SeparableConv2D (depthwise Conv, then a 1×1 Conv) agrees, with and without bias', async () => {
    const cases = [
      { filters: 4, kernelSize: 3 },
      { filters: 2, kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2, activation: 'tanh' },
      { filters: 3, kernelSize: [3, 2], useBias: false, dilationRate: [1, 2] },
    ] as const;
    for (const [i, c] of cases.entries()) {
      manualSeed(340 + i);
      const layer = new SeparableConv2D({
        biasInitializer: 'randomNormal',
        inputShape: [6, 7, 3],
        name: 'separable',
        ...c,
      } as ConstructorParameters<typeof SeparableConv2D>[0]);
      const proto = await checkSequential(
        new Sequential({ layers: [layer] }),
        `SeparableConv2D ${JSON.stringify(c)}`,
        i,
        TIGHT,
      );
      assert.equal(count(opTypes(proto), 'Conv'), 2);
    }
  });

  it('UpSampling2D nearest and bilinear (sizes 2, [3, 2], [1, 4]) agrees with ONNX Runtime', async () => {
    let seed = 0;
    for (const interpolation of ['nearest', 'bilinear'] as const) {
      for (const size of [2, [3, 2], [1, 4]] as const) {
        const model = new Sequential({
          layers: [new UpSampling2D({ size, interpolation, inputShape: [3, 4, 2], name: 'up' })],
        });
        const proto = await checkSequential(
          model,
          `UpSampling2D ${interpolation} ${JSON.stringify(size)}`,
          seed++,
          TIGHT,
        );
        assert.deepEqual(opTypes(proto), ['Transpose', 'Resize', 'Transpose']);
      }
    }
  });

  it('ZeroPadding2D (1, [rows, columns], [[top, bottom], [left, right]]) agrees with ONNX Runtime', async () => {
    const cases = [
      1,
      [2, 0],
      [
        [0, 2],
        [3, 1],
      ],
    ] as const;
    for (const [i, padding] of cases.entries()) {
      const model = new Sequential({
        layers: [new ZeroPadding2D({ padding, inputShape: [3, 4, 2], name: 'pad' })],
      });
      const proto = await checkSequential(model, `ZeroPadding2D ${JSON.stringify(padding)}`, i, TIGHT);
      assert.deepEqual(opTypes(proto), ['Transpose', 'Conv', 'Transpose']);
    }
  });

  it('images of unknown size: the same graph serves 5×4 and 6×7 inputs', async () => {
    manualSeed(370);
    const x = input({ shape: [null, null, 2], name: 'image' });
    let y = new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }).apply(x);
    y = new Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 3, outputPadding: 1 }).apply(y);
    y = new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }).apply(y);
    y = new UpSampling2D({ size: [2, 3], interpolation: 'bilinear' }).apply(y);
    y = new ZeroPadding2D({
      padding: [
        [1, 0],
        [0, 2],
      ],
    }).apply(y);
    y = new SeparableConv2D({ filters: 2, kernelSize: 2, padding: 'same', strides: 2 }).apply(y);
    const model = new Model({ inputs: x, outputs: y });
    const bytes = toOnnx(model);
    const rng = new Rng(370);
    for (const size of [
      [5, 4],
      [6, 7],
    ]) {
      const feed = randomBatch(rng, 2, [...size, 2]);
      const out = await runOrt(bytes, { image: feed });
      const want = model.predict(tensor(feed.data, { shape: feed.dims })) as Tensor;
      assertAgree(out[model.outputNames[0]!]!, want, `unknown size, ${size.join('×')}`, TIGHT);
    }
  });

  it('a run with BatchNormalization, activations and Dropout between the conv layers is transposed once each way', async () => {
    manualSeed(360);
    const bn = () =>
      new BatchNormalization({
        movingMeanInitializer: 'randomNormal',
        movingVarianceInitializer: { className: 'randomUniform', config: { minval: 0.2, maxval: 3 } },
        gammaInitializer: 'randomNormal',
        betaInitializer: 'randomNormal',
      });
    const model = new Sequential({
      layers: [
        new ZeroPadding2D({ padding: 1, inputShape: [5, 4, 2] }),
        new Conv2D({ filters: 3, kernelSize: 3, biasInitializer: 'randomNormal' }),
        bn(),
        new LeakyReLU({ alpha: 0.2 }),
        new Dropout({ rate: 0.3 }),
        new Conv2DTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' }),
        bn(),
        new Activation({ activation: 'relu' }),
        new UpSampling2D({ size: 2 }),
        new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
        new SeparableConv2D({ filters: 3, kernelSize: 3, activation: 'sigmoid' }),
        new MaxPooling2D(),
        new Flatten(),
      ],
    });
    const ops = opTypes(await checkSequential(model, 'image run', 7, TIGHT));
    assert.equal(count(ops, 'Transpose'), 2, ops.join(', '));
    assert.equal(ops[0], 'Transpose');
    assert.deepEqual(ops.slice(-2), ['Transpose', 'Flatten']);
  });
});
