/**
 * The VAE pieces: Sampling (z = μ + exp(½·logVar)·ε) and GaussianKL with gradient checks, the
 * Bernoulli reconstruction loss, the importance-sampled log-likelihood against a float64
 * quadrature of the true log p(x), and the VAE class trained by fit(), saved and loaded.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  Adam,
  ArgumentError,
  bernoulliNegLogLikelihood,
  Dense,
  denseVAE,
  Flatten,
  GaussianKL,
  gaussianKL,
  gradcheck,
  input,
  loadModel,
  logMeanExp,
  Model,
  manualSeed,
  Reshape,
  Rng,
  randn,
  Sampling,
  Sequential,
  ShapeError,
  type Tensor,
  tensor,
  VAE,
} from '../src/index.js';
import '../src/node/index.js'; // file paths for save/load
import { importanceSampledLogLikelihood } from '../src/model/vae/log-likelihood.js';
import { assertClose, describeEachBackend, flat, useTempDir } from './helpers.js';

const tmp = useTempDir('vae');
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** A VAE with one latent unit and three pixels, its weights set by hand (see the quadrature test). */
function tinyVae(): VAE {
  const x = input({ shape: [3] });
  const mean = new Dense({ units: 1, name: 'mean' }).apply(x);
  const logVar = new Dense({ units: 1, name: 'log_var' }).apply(x);
  const encoder = new Model({ inputs: x, outputs: [mean, logVar], name: 'encoder' });
  // μ = 0.88·x₁ − 0.8·x₂ − 0.08·x₃, logVar = 0: near the true posteriors (means 0.93, −0.92, 0.27,
  // variances ~0.57) and wider than them, as a proposal should be.
  encoder.setWeights([tensor([[0.88], [-0.8], [-0.08]]), tensor([0]), tensor([[0], [0], [0]]), tensor([0])]);
  const decoder = new Sequential({
    name: 'decoder',
    layers: [new Dense({ units: 3, activation: 'sigmoid', inputDim: 1, name: 'pixels' })],
  });
  decoder.setWeights([tensor([[2, -1, 0.5]]), tensor([0.3, 0.2, -0.4])]);
  return new VAE({ encoder, decoder, seed: 11 });
}

/** log p(x) = log ∫ Πᵢ pᵢ^xᵢ (1 − pᵢ)^(1−xᵢ) N(z; 0, 1) dz, pᵢ = σ(wᵢz + bᵢ), by the trapezoid rule in float64. */
function quadratureLogLikelihood(x: number[]): number {
  const w = [2, -1, 0.5];
  const b = [0.3, 0.2, -0.4];
  const h = 1e-3;
  let sum = 0;
  for (let z = -12; z <= 12; z += h) {
    let logp = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
    x.forEach((xi, i) => {
      const p = sigmoid(w[i]! * z + b[i]!);
      logp += xi * Math.log(p) + (1 - xi) * Math.log(1 - p);
    });
    sum += Math.exp(logp) * h;
  }
  return Math.log(sum);
}

describeEachBackend('VAE', () => {
  it('Sampling draws z = μ + exp(½·logVar)·ε from its own seeded stream, in inference mode too', () => {
    const mean = tensor([
      [1, -2, 0],
      [0.5, 3, -1],
    ]);
    const logVar = tensor([
      [0, Math.log(4), -2],
      [1, 0, Math.log(0.25)],
    ]);
    const z = new Sampling({ seed: 7 }).apply([mean, logVar]);
    const rng = new Rng(7);
    const eps = Array.from({ length: 6 }, () => rng.normal());
    const expected = flat(mean).map((m, i) => m + Math.exp(0.5 * flat(logVar)[i]!) * eps[i]!);
    assertClose(z, expected, 1e-5, 1e-5);
    // Each call draws anew (inference too); a big batch has the moments of N(μ, σ²).
    const layer = new Sampling({ seed: 1 });
    const many = flat(
      layer.apply([
        tensor(new Float32Array(20000).fill(2), { shape: [20000, 1] }),
        tensor(new Float32Array(20000).fill(Math.log(0.25)), { shape: [20000, 1] }),
      ]),
    );
    const m = many.reduce((s, v) => s + v, 0) / many.length;
    const sd = Math.sqrt(many.reduce((s, v) => s + (v - m) ** 2, 0) / many.length);
    assert.ok(Math.abs(m - 2) < 0.01 && Math.abs(sd - 0.5) < 0.01, `mean ${m}, std ${sd}`);
    const again = new Sampling({ seed: 1 });
    assert.notDeepEqual(flat(again.apply([mean, logVar])), flat(again.apply([mean, logVar])));
  });

  it('Sampling passes gradients to μ and logVar (gradcheck with ε fixed by the seed)', () => {
    const mean = randn([3, 4], { seed: 1 });
    const logVar = randn([3, 4], { seed: 2 }).mul(0.5);
    const result = gradcheck((m, v) => new Sampling({ seed: 5 }).apply([m!, v!]), [mean, logVar]);
    assert.ok(result.ok, JSON.stringify(result));
    // And by hand: ∂Σz/∂logVar = ½·exp(½·logVar)·ε = ½·(z − μ).
    const m = mean.clone();
    const v = logVar.clone();
    m.requiresGrad = true;
    v.requiresGrad = true;
    const z = new Sampling({ seed: 5 }).apply([m, v]);
    z.sum().backward();
    assertClose(m.grad!, new Array(12).fill(1));
    assertClose(v.grad!, z.sub(mean).mul(0.5), 1e-5, 1e-4);
  });

  it('GaussianKL is ½ Σ (μ² + exp(logVar) − 1 − logVar) per sample, with its gradient checked', () => {
    const mean = randn([3, 5], { seed: 3 });
    const logVar = randn([3, 5], { seed: 4 });
    const kl = new GaussianKL().apply([mean, logVar]);
    assert.deepEqual(kl.shape, [3, 1]);
    const mu = flat(mean);
    const lv = flat(logVar);
    const expected = [0, 1, 2].map((row) => {
      let s = 0;
      for (let j = 0; j < 5; j++) {
        const k = row * 5 + j;
        s += mu[k]! ** 2 + Math.exp(lv[k]!) - 1 - lv[k]!;
      }
      return s / 2;
    });
    assertClose(kl, expected, 1e-5, 1e-5);
    assertClose(gaussianKL(tensor([[0, 0]]), tensor([[0, 0]])), [0]); // q = prior
    const result = gradcheck((m, v) => new GaussianKL().apply([m!, v!]), [mean, logVar]);
    assert.ok(result.ok, JSON.stringify(result));
    assert.throws(
      () => new GaussianKL({ name: 'kl' }).apply([mean, randn([3, 4])]),
      (e: unknown) =>
        e instanceof ShapeError &&
        /GaussianKL 'kl': inputs must have the same shape, but input 0 has \[5\] and input 1 has \[4\]/.test(
          String(e),
        ),
    );
  });

  it('the reconstruction loss is cross-entropy summed over pixels, the same from logits and with gradcheck', () => {
    const x = tensor([
      [0, 1, 0.25],
      [1, 0.5, 0],
    ]);
    const logits = tensor([
      [-1, 2, 0.5],
      [3, 0, -2],
    ]);
    const l = flat(logits);
    const xs = flat(x);
    const perImage = [0, 1].map((r) =>
      [0, 1, 2].reduce((s, j) => {
        const p = sigmoid(l[r * 3 + j]!);
        const t = xs[r * 3 + j]!;
        return s - t * Math.log(p) - (1 - t) * Math.log(1 - p);
      }, 0),
    );
    const loss = bernoulliNegLogLikelihood();
    assertClose(loss.perSample!(x, logits.sigmoid()), perImage, 1e-5, 1e-5);
    assertClose(loss.withLogits().perSample!(x, logits), perImage, 1e-5, 1e-5);
    assertClose(loss.withLogits()(x, logits), [(perImage[0]! + perImage[1]!) / 2], 1e-5, 1e-5);
    const result = gradcheck((p) => loss.withLogits()(x, p!), [logits]);
    assert.ok(result.ok, JSON.stringify(result));
  });

  it('logMeanExp is exact and stable in float64', () => {
    assertClose([logMeanExp([-1000, -1000 + Math.log(3)])], [-1000 + Math.log(2)], 1e-12, 0);
    assert.equal(logMeanExp([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]), Number.NEGATIVE_INFINITY);
    assertClose([logMeanExp([1, 2, 3], 1, 2)], [Math.log((Math.E ** 2 + Math.E ** 3) / 2)], 1e-12, 1e-12);
  });

  it('the importance-sampled log p(x) converges to a float64 quadrature of the true one, above the ELBO', async () => {
    const vae = tinyVae();
    const images = [
      [1, 0, 1],
      [0, 1, 0],
      [0.5, 0.2, 1],
    ];
    const x = tensor(images);
    const truth = images.map(quadratureLogLikelihood);
    const estimate = await importanceSampledLogLikelihood(vae.encoder, vae.decoder, x, {
      samples: 20000,
      seed: 1,
    });
    assertClose(Array.from(estimate), truth, 0.01, 0);
    const mean = await vae.logLikelihood(x, { samples: 20000, seed: 1, batchSize: 5000 });
    assertClose([mean], [truth.reduce((s, v) => s + v, 0) / 3], 0.01, 0);
    // ELBO ≤ log p(x): the single-draw bound averaged over many draws sits below the truth.
    const bound = vae.elbo(tensor(new Array(3000).fill(images).flat()), { batchSize: 3000 });
    const gap = bound.negativeElbo + mean;
    assert.ok(gap > 0.01 && gap < 2, `−ELBO ${bound.negativeElbo} vs −log p ${-mean}`);
    assert.ok(Math.abs(bound.negativeElbo - bound.reconstruction - bound.kl) < 1e-4);
    await assert.rejects(vae.logLikelihood(x, { samples: 0 }), /samples must be a positive integer, got 0/);
  });

  it('trains with fit(): −ELBO falls, logs both terms, and elbo()/reconstruct()/sample() work', async () => {
    manualSeed(3);
    const vae = denseVAE({ inputDim: 16, hidden: [12], latent: 2, seed: 4 });
    vae.compile({ optimizer: new Adam({ learningRate: 0.01 }) });
    // Two prototypes (stripes) and noisy copies: a 2-D code can tell them apart.
    const rng = new Rng(2);
    const rows = Array.from({ length: 128 }, (_, i) =>
      Array.from({ length: 16 }, (_, j) =>
        Math.min(1, Math.max(0, ((j + (i % 2)) % 2) * 0.9 + 0.1 * rng.uniform())),
      ),
    );
    const x = tensor(rows);
    const history = await vae.fit(x, {
      epochs: 30,
      batchSize: 32,
      verbose: 0,
      validationData: x.slice(0, 32),
    });
    const loss = history.history.loss!;
    assert.ok(loss.at(-1)! < 0.6 * loss[0]!, `−ELBO ${loss[0]} → ${loss.at(-1)}`);
    for (const key of ['decoder_loss', 'kl_loss', 'val_loss', 'val_decoder_loss', 'val_kl_loss']) {
      assert.equal(history.history[key]?.length, 30, key);
    }
    assert.deepEqual(vae.logKeys, { reconstruction: 'decoder_loss', kl: 'kl_loss' });
    // The logged loss is the sum of the two terms.
    assertClose(
      [loss.at(-1)!],
      [history.history.decoder_loss!.at(-1)! + history.history.kl_loss!.at(-1)!],
      1e-3,
      1e-5,
    );
    // elbo()'s KL is the closed form on the encoder's [μ, logVar].
    const [mu, logVar] = vae.encoder.apply(x) as [typeof x, typeof x];
    assertClose([vae.elbo(x).kl], [gaussianKL(mu, logVar).mean().item()], 1e-3, 1e-4);
    assert.deepEqual(vae.reconstruct(x.slice(0, 5)).shape, [5, 16]);
    assert.deepEqual(flat(vae.sample(4, { seed: 9 })), flat(vae.sample(4, { seed: 9 })));
    assert.deepEqual(vae.encodeMean(x).shape, [128, 2]);
    assert.throws(
      () => vae.reconstruct(tensor([[1, 2, 3]])),
      (e: unknown) =>
        e instanceof ShapeError && /VAE.reconstruct\(\): x must be \[n, 16\], got \[1, 3\]/.test(String(e)),
    );
    assert.throws(() => vae.decodeCodes(tensor([[1, 2, 3]])), /codes must be \[n, 2\], got \[1, 3\]/);
    await assert.rejects(
      async () => vae.fit(x, { validationData: [x, x] as never }),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /VAE.fit\(\): validationData must be a Tensor of images/.test(String(e)),
    );
  });

  it('saves as a model-format-2 graph and loads back as a VAE (and as a plain Model)', async () => {
    manualSeed(5);
    const vae = denseVAE({ inputDim: 6, hidden: [5], latent: 3, seed: 2 });
    const x = randn([4, 6], { seed: 1 }).sigmoid();
    const path = join(tmp.path, 'vae');
    await vae.save(path);
    const back = await VAE.load(path);
    assert.equal(back.latentDim, 3);
    assert.deepEqual([back.encoder.name, back.decoder.name, back.sampling.seed], ['encoder', 'decoder', 2]);
    assertClose(back.reconstruct(x), vae.reconstruct(x), 1e-6, 0);
    const plain = await loadModel<Model>(path);
    assert.deepEqual(plain.outputNames, ['decoder', 'kl']);
    back.compile({ optimizer: 'sgd' });
    await back.fit(x, { epochs: 1, verbose: 0 });
    assert.throws(
      () => VAE.fromModel(new Model({ inputs: plain.inputs, outputs: plain.outputs[0]! })),
      (e: unknown) => e instanceof ArgumentError && /is not a VAE graph/.test(String(e)),
    );
  });

  it('refuses a batchSize, samples or n that is not a positive integer, naming the method', async () => {
    const vae = denseVAE({ inputDim: 3, hidden: [2], latent: 1, seed: 1 });
    const x = tensor([
      [0, 1, 0.5],
      [1, 0, 0.25],
    ]);
    const refuses = (e: unknown, method: string, name: string, value: string) =>
      e instanceof ArgumentError &&
      String(e).includes(`VAE.${method}(): ${name} must be a positive integer, got ${value}`);
    // 0 and −1 used to loop forever in reconstruct(); 2.5 and NaN gave odd errors or none.
    for (const [bad, shown] of [
      [0, '0'],
      [-1, '-1'],
      [2.5, '2.5'],
      [Number.NaN, 'NaN'],
    ] as const) {
      assert.throws(
        () => vae.reconstruct(x, { batchSize: bad }),
        (e) => refuses(e, 'reconstruct', 'batchSize', shown),
      );
      assert.throws(
        () => vae.elbo(x, { batchSize: bad }),
        (e) => refuses(e, 'elbo', 'batchSize', shown),
      );
      assert.throws(
        () => vae.sample(bad),
        (e) => refuses(e, 'sample', 'n', shown),
      );
      await assert.rejects(vae.logLikelihood(x, { samples: bad }), (e) =>
        refuses(e, 'logLikelihood', 'samples', shown),
      );
      await assert.rejects(vae.logLikelihood(x, { batchSize: bad }), (e) =>
        refuses(e, 'logLikelihood', 'batchSize', shown),
      );
    }
    assert.throws(
      () => vae.reconstruct(x, { batchsize: 1 } as never),
      (e: unknown) =>
        e instanceof ArgumentError && /VAE.reconstruct\(\): unknown option 'batchsize'/.test(String(e)),
    );
    // A batch of 1 still covers every row.
    assertClose(vae.reconstruct(x, { batchSize: 1 }), vae.reconstruct(x), 1e-6, 0);
  });

  it('refuses images with NaN, out-of-range pixels or no rows, naming the method, row and column', async () => {
    const vae = denseVAE({ inputDim: 3, hidden: [2], latent: 1, seed: 1 });
    const nan = tensor([
      [0, 1, 0.5],
      [1, Number.NaN, 0.25],
    ]);
    const three = tensor([
      [0, 1, 3],
      [1, 0, 0.25],
    ]);
    const empty = tensor(new Float32Array(0), { shape: [0, 3] });
    const says = (method: string, text: string) => (e: unknown) =>
      e instanceof ArgumentError && String(e).includes(`VAE.${method}(): x ${text}`);
    const cases: [Tensor, string][] = [
      [nan, 'must hold pixel values in [0, 1], but has NaN at row 1, column 1'],
      [three, 'must hold pixel values in [0, 1], but has 3 at row 0, column 2'],
      [empty, 'must have at least one row, got [0, 3]'],
    ];
    for (const [x, text] of cases) {
      await assert.rejects(vae.logLikelihood(x, { samples: 2 }), says('logLikelihood', text));
      assert.throws(() => vae.reconstruct(x), says('reconstruct', text));
      assert.throws(() => vae.encodeMean(x), says('encodeMean', text));
      assert.throws(() => vae.elbo(x), says('elbo', text));
    }
    // Images of more than one axis: the place within the image.
    const image = input({ shape: [2, 2] });
    const flat4 = new Flatten().apply(image);
    const encoder = new Model({
      inputs: image,
      outputs: [new Dense({ units: 1 }).apply(flat4), new Dense({ units: 1 }).apply(flat4)],
    });
    const decoder = new Sequential({
      layers: [
        new Dense({ units: 4, activation: 'sigmoid', inputDim: 1 }),
        new Reshape({ targetShape: [2, 2] }),
      ],
    });
    const square = new VAE({ encoder, decoder, seed: 1 });
    assert.throws(
      () =>
        square.reconstruct(
          tensor([
            [
              [0, 1],
              [0.5, -0.5],
            ],
          ]),
        ),
      says('reconstruct', 'must hold pixel values in [0, 1], but has -0.5 at row 0, index [1, 1]'),
    );
    assert.throws(
      () => vae.decodeCodes(tensor([[0], [Number.POSITIVE_INFINITY]])),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /VAE.decodeCodes\(\): codes must hold finite numbers, but has Infinity at row 1, column 0/.test(
          String(e),
        ),
    );
  });

  it('refuses a seed that is not an integer (sample, logLikelihood, the Sampling layer, the VAE)', async () => {
    const vae = denseVAE({ inputDim: 3, hidden: [2], latent: 1, seed: 1 });
    const x = tensor([[0, 1, 0.5]]);
    for (const [bad, shown] of [
      [Number.NaN, 'NaN'],
      [1.5, '1.5'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
    ] as const) {
      const isSeedError = (component: string) => (e: unknown) =>
        e instanceof ArgumentError &&
        String(e).includes(`${component}: seed must be an integer, got ${shown}`);
      assert.throws(() => vae.sample(2, { seed: bad }), isSeedError('VAE.sample()'));
      await assert.rejects(
        vae.logLikelihood(x, { samples: 2, seed: bad }),
        isSeedError('VAE.logLikelihood()'),
      );
      assert.throws(() => new Sampling({ seed: bad, name: 's' }), isSeedError("Sampling 's'"));
      assert.throws(() => denseVAE({ inputDim: 3, seed: bad }), isSeedError('denseVAE'));
      assert.throws(
        () => new VAE({ encoder: vae.encoder, decoder: vae.decoder, seed: bad }),
        isSeedError('VAE'),
      );
    }
    // Integer seeds, negative ones too, give repeatable draws.
    assert.deepEqual(flat(vae.sample(3, { seed: -4 })), flat(vae.sample(3, { seed: -4 })));
    assert.equal(
      await vae.logLikelihood(x, { samples: 5, seed: 2 }),
      await vae.logLikelihood(x, { samples: 5, seed: 2 }),
    );
  });

  it('refuses an encoder without [mean, logVar] and a decoder of the wrong shape, naming them', () => {
    const x = input({ shape: [4] });
    const single = new Model({ inputs: x, outputs: new Dense({ units: 2 }).apply(x), name: 'one_head' });
    const decoder = new Sequential({ layers: [new Dense({ units: 4, inputDim: 2 })], name: 'dec' });
    assert.throws(
      () => new VAE({ encoder: single, decoder }),
      (e: unknown) =>
        e instanceof ArgumentError && /encoder 'one_head' must give two outputs/.test(String(e)),
    );
    const y = input({ shape: [4] });
    const two = new Model({
      inputs: y,
      outputs: [new Dense({ units: 2 }).apply(y), new Dense({ units: 2 }).apply(y)],
      name: 'two_heads',
    });
    const wrong = new Sequential({ layers: [new Dense({ units: 5, inputDim: 2 })], name: 'wide' });
    assert.throws(
      () => new VAE({ encoder: two, decoder: wrong }),
      (e: unknown) =>
        e instanceof ShapeError &&
        /decoder 'wide' must give one tensor shaped like the input \[batch, 4\], got \[null, 5\]/.test(
          String(e),
        ),
    );
    assert.throws(() => new Sampling({ seed: 'x' as never }), ArgumentError);
  });
});
