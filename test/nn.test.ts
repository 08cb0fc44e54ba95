import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Activation,
  ArgumentError,
  Dense,
  Dropout,
  Flatten,
  initializers,
  l2,
  Module,
  ones,
  Rng,
  randn,
  Sequential,
  type Shape,
  ShapeError,
  type Tensor,
  tensor,
} from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

function stats(t: { dataSync(): Float32Array }) {
  const v = t.dataSync();
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

describeEachBackend('layers and initialisers', () => {
  it('initialisers have the variances their names promise', () => {
    const shape = [400, 200];
    const draw = (name: Parameters<typeof initializers.getInitializer>[0]) =>
      stats(initializers.getInitializer(name).init(shape, new Rng(3)));
    const glorotLimit = Math.sqrt(6 / 600);
    const gu = draw('glorotUniform');
    assert.ok(
      gu.max <= glorotLimit &&
        gu.min >= -glorotLimit &&
        Math.abs(gu.std - glorotLimit / Math.sqrt(3)) < 0.002,
    );
    assert.ok(Math.abs(draw('glorotNormal').std - Math.sqrt(2 / 600)) < 0.002);
    assert.ok(Math.abs(draw('heNormal').std - Math.sqrt(2 / 400)) < 0.002);
    assert.ok(Math.abs(draw('heUniform').std - Math.sqrt(2 / 400)) < 0.002);
    assert.ok(Math.abs(draw('lecunNormal').std - Math.sqrt(1 / 400)) < 0.002);
    assert.ok(Math.abs(draw('randomNormal').std - 0.05) < 0.002);
    const ru = draw('randomUniform');
    assert.ok(ru.min >= -0.05 && ru.max <= 0.05);
    assert.deepEqual([draw('zeros').max, draw('ones').min], [0, 1]);
    const hn = draw('heNormal');
    assert.ok(hn.max <= (2 * Math.sqrt(2 / 400)) / 0.8796256610342398 + 1e-6, 'truncated at 2 std');
    assert.throws(() => initializers.getInitializer('bogus' as never), /unknown initializer 'bogus'/);
  });

  it('Dense computes activation(x·W + b) with named weights', () => {
    const layer = new Dense({ units: 2, activation: 'relu', inputDim: 3, name: 'd' });
    const x = tensor([[1, 2, 3]]);
    const y = layer.apply(x);
    assert.deepEqual(
      layer.weights.map((w) => w.name),
      ['d/kernel', 'd/bias'],
    );
    const W = layer.getWeight('kernel');
    assertClose(y, x.matmul(W).add(layer.getWeight('bias')).relu());
    assert.deepEqual(layer.outputShape, [2]);
    assert.equal(layer.countParams(), 8);
    assert.throws(() => layer.getWeight('gamma'), /has no weight 'gamma' \(it has: kernel, bias\)/);
  });

  it('Dense names itself and the shapes when the input does not fit', () => {
    const layer = new Dense({ units: 4, inputDim: 30, name: 'hidden' });
    assert.throws(
      () => layer.apply(randn([8, 29])),
      (e: Error) =>
        e instanceof ShapeError &&
        /layer 'hidden' was declared with input shape \[30\] but receives \[29\]/.test(e.message),
    );
    layer.apply(randn([8, 30]));
    assert.throws(
      () => layer.apply(randn([8, 31])),
      /layer 'hidden' expects inputs of shape \[batch, 30\] but got \[batch, 31\]/,
    );
    assert.throws(() => new Dense({ units: 0 }), ArgumentError);
    assert.throws(
      () => new Dense({ units: 3, activation: 'swishy' as never }),
      /unknown activation 'swishy'/,
    );
  });

  it('Dropout drops and rescales only while training', () => {
    const layer = new Dropout({ rate: 0.5, seed: 1 });
    const x = ones([1000]).reshape(10, 100);
    assert.deepEqual(layer.apply(x, { training: false }).toArray(), x.toArray());
    const values = layer.apply(x, { training: true }).dataSync();
    const zeros = values.filter((v) => v === 0).length;
    assert.ok(zeros > 400 && zeros < 600, `${zeros} zeros`);
    assert.ok(
      values.every((v) => v === 0 || v === 2),
      'survivors scaled by 1/(1-rate)',
    );
    assert.throws(() => new Dropout({ rate: 1 }), /rate must be in \[0, 1\)/);
  });

  it('Flatten and Activation', () => {
    const f = new Flatten();
    assert.deepEqual(f.apply(randn([5, 2, 3, 4])).shape, [5, 24]);
    const a = new Activation({ activation: 'softmax' });
    assertClose(a.apply(tensor([[0, 0]])), [[0.5, 0.5]]);
  });

  it('freezing a layer stops its gradients and hides its weights from the optimiser', () => {
    const layer = new Dense({ units: 2, inputDim: 2 });
    layer.ensureBuilt([2]);
    layer.trainable = false;
    assert.equal(layer.trainableWeights.length, 0);
    assert.ok(layer.weights.every((w) => !w.tensor.requiresGrad));
    layer.trainable = true;
    assert.equal(layer.trainableWeights.length, 2);
  });

  it('kernelRegularizer adds l2·Σw² to the loss', () => {
    const layer = new Dense({ units: 2, inputDim: 2, kernelRegularizer: l2(0.1), kernelInitializer: 'ones' });
    layer.ensureBuilt([2]);
    assertClose(layer.regularizationLoss()!, 0.4);
    assert.equal(new Dense({ units: 2, inputDim: 2 }).regularizationLoss(), null);
  });

  it('summary lists layers, output shapes and parameter counts', () => {
    const model = new Sequential({ name: 'net' });
    model.add(new Dense({ units: 100, activation: 'sigmoid', inputDim: 784, name: 'hidden' }));
    model.add(new Dense({ units: 10, activation: 'softmax', name: 'out' }));
    const text = model.summary(null);
    assert.match(text, /Model: "net"/);
    assert.match(text, /hidden \(Dense\)\s+\[null, 100\]\s+78,500/);
    assert.match(text, /out \(Dense\)\s+\[null, 10\]\s+1,010/);
    assert.match(text, /Total params: 79,510/);
  });

  it('countParams() before a layer or model is built is an error saying how to build it (as TF.js)', () => {
    const layer = new Dense({ units: 2, name: 'd' });
    assert.throws(
      () => layer.countParams(),
      (e) =>
        e instanceof ArgumentError &&
        /countParams\(\): layer 'd' is not built yet.*inputShape/.test(e.message),
    );
    const model = new Sequential({ name: 'net', layers: [new Dense({ units: 2, name: 'd2' })] });
    assert.throws(
      () => model.countParams(),
      (e) =>
        e instanceof ArgumentError && /model 'net' is not built yet.*build\(\) or fit\(\)/.test(e.message),
    );
    // summary() still describes it, with 0 for what has no weights yet.
    assert.match(model.summary(null), /d2 \(Dense\)\s+\?\s+0[\s\S]*Total params: 0[\s\S]*not built/);
    model.build([3]);
    assert.equal(model.countParams(), 8);
    layer.apply(ones([1, 4]));
    assert.equal(layer.countParams(), 10);
    // A module that makes its weights in its constructor (PyTorch's way) counts them unbuilt.
    class Scale extends Module {
      constructor() {
        super({ name: 'scale' }, 'scale');
        this.addWeight('w', [3], 'ones');
      }
      get className(): string {
        return 'Scale';
      }
      protected layerConfig(): Record<string, unknown> {
        return {};
      }
      computeOutputShape(shape: Shape): Shape {
        return shape;
      }
      protected forward(x: Tensor): Tensor {
        return x.mul(this.getWeight('w'));
      }
    }
    const scale = new Scale();
    assert.equal(scale.built, false);
    assert.equal(scale.countParams(), 3);
  });
});
