/** GaussianNoise and GaussianDropout: active only in training, the right moments, seeded, saved. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  Dense,
  GaussianDropout,
  GaussianNoise,
  gradcheck,
  randn,
  Sequential,
  type Tensor,
  tensor,
} from '../src/index.js';
import { layerFromConfig } from '../src/nn/registry.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

const moments = (v: number[]): { mean: number; std: number } => {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length) };
};

describeEachBackend('noise layers', () => {
  it('pass values through at inference, and add N(0, stddev²) / multiply by N(1, rate/(1−rate)) in training', () => {
    const x = randn([200, 100], { seed: 3 });
    const noise = new GaussianNoise({ stddev: 0.3, seed: 1 });
    const drop = new GaussianDropout({ rate: 0.2, seed: 2 });
    assert.deepEqual(flat(noise.apply(x)), flat(x));
    assert.deepEqual(flat(drop.apply(x, { training: false })), flat(x));
    const added = moments(flat(noise.apply(x, { training: true }).sub(x)));
    assert.ok(Math.abs(added.mean) < 0.01 && Math.abs(added.std - 0.3) < 0.01, JSON.stringify(added));
    const ones = tensor(new Float32Array(20000).fill(1), { shape: [200, 100] });
    const factors = moments(flat(drop.apply(ones, { training: true })));
    assert.ok(Math.abs(factors.mean - 1) < 0.01, JSON.stringify(factors));
    assert.ok(Math.abs(factors.std - Math.sqrt(0.2 / 0.8)) < 0.01, JSON.stringify(factors));
  });

  it('draw the same noise from the same seed, and pass gradients through (1, or the factor)', () => {
    const x = randn([4, 5], { seed: 4, requiresGrad: true });
    const a = new GaussianDropout({ rate: 0.3, seed: 9 }).apply(x, { training: true });
    const b = new GaussianDropout({ rate: 0.3, seed: 9 }).apply(x, { training: true });
    assert.deepEqual(flat(a), flat(b));
    assert.notDeepEqual(
      flat(new GaussianDropout({ rate: 0.3, seed: 10 }).apply(x, { training: true })),
      flat(a),
    );
    a.sum().backward();
    assertClose(
      x.grad!,
      flat(a).map((v, i) => v / flat(x)[i]!),
      1e-4,
      1e-4,
    );
    x.grad = null;
    new GaussianNoise({ stddev: 1, seed: 3 }).apply(x, { training: true }).sum().backward();
    assert.deepEqual(flat(x.grad!), new Array(20).fill(1));
  });

  it('gradcheck in training (a fresh layer per call: the same seeded draw) and at inference', () => {
    const layers = {
      GaussianNoise: () => new GaussianNoise({ stddev: 0.7, seed: 21 }),
      GaussianDropout: () => new GaussianDropout({ rate: 0.4, seed: 22 }),
    };
    for (const [name, make] of Object.entries(layers))
      for (const training of [true, false]) {
        // tanh after the layer: the check sees the noise's effect on a nonlinear function's slope.
        const f = (x: Tensor) => make().apply(x, { training }).tanh();
        const result = gradcheck(f, [randn([3, 5], { seed: 23 })]);
        assert.ok(result.ok, `${name} (training ${training}): worst error ${result.maxError}`);
      }
  });

  it('refuse bad options, round-trip their configs, and train inside a saved model (a denoising autoencoder)', async () => {
    assert.throws(
      () => new GaussianNoise({ stddev: -1 }),
      (e: unknown) => e instanceof ArgumentError && /stddev/.test(String(e)),
    );
    assert.throws(
      () => new GaussianDropout({ rate: 1 }),
      (e: unknown) => e instanceof ArgumentError && /rate/.test(String(e)),
    );
    assert.throws(() => new GaussianNoise({ stdev: 1 } as never), /did you mean 'stddev'/);
    const layer = new GaussianNoise({ stddev: 0.5, seed: 7, name: 'corrupt' });
    assert.deepEqual(layerFromConfig(layer.getConfig()).getConfig(), layer.getConfig());
    const model = new Sequential();
    model.add(new GaussianNoise({ stddev: 0.2, seed: 1, inputShape: [6] }));
    model.add(new Dense({ units: 3, activation: 'tanh' }));
    model.add(new Dense({ units: 6 }));
    model.compile({ optimizer: 'adam', loss: 'mse' });
    // Six numbers that really carry two: the bottleneck of three can learn to give them back.
    const clean = randn([64, 2], { seed: 5 }).matmul(randn([2, 6], { seed: 6 }));
    const before = model.evaluate(clean, clean).loss!;
    await model.fit(clean, clean, { epochs: 60, batchSize: 16, verbose: 0, seed: 1 });
    const after = model.evaluate(clean, clean).loss!;
    assert.ok(after < before * 0.5, `loss ${before} → ${after}`);
    const reloaded = (await import('../src/model/serialization.js')).modelFromArtifacts(model.toArtifacts());
    assert.deepEqual(flat(reloaded.predict(clean)), flat(model.predict(clean)));
  });
});

it('Sequential refuses a recurrent layer with returnState (it would pass a list on)', async () => {
  const { LSTM } = await import('../src/index.js');
  assert.throws(
    () => new Sequential().add(new LSTM({ units: 2, returnState: true, inputShape: [3, 2] })),
    (e: unknown) => e instanceof ArgumentError && /returnState: true .* functional API/.test(String(e)),
  );
});
