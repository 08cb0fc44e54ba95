/**
 * `backprop train mnist --model autoencoder` as a user runs it (from the sources, under tsx, on a
 * small slice of MNIST), and the pieces it is made of: the autoencoders (shapes, shared weights,
 * noise only in training) and the scatter chart of the 2-D codes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { buildAutoencoder } from '../src/cli/generative/autoencoder-models.js';
import { ArgumentError, Dense, type Model, rand, scatterChart, type Tensor } from '../src/index.js';
import { loadModel } from '../src/node/index.js';
import { assertClose, describeEachBackend, flat, useTempDir } from './helpers.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'src', 'cli', 'index.ts');
const tmp = useTempDir('cli-autoencoder');

async function backprop(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: process.cwd(),
      maxBuffer: 1 << 24,
    });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

async function isPng(path: string): Promise<boolean> {
  const b = await readFile(path);
  return b.subarray(1, 4).toString('latin1') === 'PNG' && b.length > 500;
}

/** 784 ln 2: the cross-entropy of predicting 0.5 for every pixel — what a model that learnt nothing scores. */
const CHANCE_NATS = 784 * Math.LN2;

it('train mnist --model autoencoder: a denoising conv and a 2-D dense autoencoder, figures printed and in the report', async () => {
  const out = join(tmp.path, 'conv');
  const r = await backprop(
    ...['train', 'mnist', '--model', 'autoencoder', '--limit', '300', '--epochs', '2', '--out', out],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /conv epoch 2\/2: train [\d.]+ · validation [\d.]+ nats\/image · mse [\d.]+ · [\d.]+ s/,
  );
  assert.match(r.stdout, /2-D epoch 2\/2: /);
  const printed =
    /Test reconstruction error \(300 images\), denoising conv autoencoder: ([\d.]+) nats\/image · MSE ([\d.]+) per pixel/.exec(
      r.stdout,
    );
  assert.ok(printed, r.stdout);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.testReconstructionNats.toFixed(2), printed[1]);
  for (const key of ['testReconstructionNats', 'testDenoisingNats', 'test2dCodeNats'])
    assert.ok(metrics[key] > 50 && metrics[key] < CHANCE_NATS, `${key} ${metrics[key]}`);
  assert.ok(metrics.testReconstructionMse > 0 && metrics.testReconstructionMse < 0.25);
  assert.equal(metrics.settings.variant, 'conv');
  assert.equal(metrics.settings.noise, 0.5);
  assert.equal(metrics.history.val_nats.length, 2);
  for (const f of ['loss', 'reconstructions', 'codes-2d', 'code-plane', 'filters-2d'])
    assert.ok(await isPng(join(out, `${f}.png`)), f);
  // The saved model loads (with its training configuration) and keeps its noise layer.
  const model = await loadModel<Model>(join(out, 'model'));
  assert.deepEqual(
    model.layers.map((l) => l.className),
    ['InputLayer', 'GaussianNoise', 'Model', 'Model'],
  );
  assert.deepEqual((model.predict(rand([2, 784], { seed: 1 })) as Tensor).shape, [2, 784]);
  const html = await readFile(join(out, 'index.html'), 'utf8');
  assert.match(html, /Test reconstruction \(nats\/image\)/);
  assert.match(html, /codes-2d\.png/);
});

it('--variant dense --latent 2 --noise 0: one model, its own codes plotted; a bad variant is refused', async () => {
  const out = join(tmp.path, 'dense');
  const r = await backprop(
    ...['train', 'mnist', '--model', 'autoencoder', '--variant', 'dense', '--latent', '2', '--noise', '0'],
    ...['--limit', '200', '--epochs', '1', '--out', out],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /2-D epoch|noisy inputs/);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.ok(metrics.testReconstructionNats < CHANCE_NATS, String(metrics.testReconstructionNats));
  assert.equal(metrics.testDenoisingNats, undefined);
  assert.equal(metrics.test2dCodeNats, undefined);
  for (const f of ['codes-2d', 'code-plane', 'filters']) assert.ok(await isPng(join(out, `${f}.png`)), f);
  assert.ok(!existsSync(join(out, 'filters-2d.png')), 'no second model');

  const bad = await backprop(
    'train',
    'mnist',
    '--model',
    'autoencoder',
    '--variant',
    'deep',
    '--limit',
    '50',
  );
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--variant must be dense or conv, got 'deep'/);
});

describeEachBackend('autoencoder models', () => {
  for (const variant of ['dense', 'conv'] as const)
    it(`${variant}: 784 → code → 784 in (0, 1); encoder and decoder share the autoencoder's weights; noise only in training`, () => {
      const { autoencoder, encoder, decoder, firstLayer } = buildAutoencoder({
        variant,
        latent: 3,
        noise: 0.5,
        seed: 1,
        name: 'ae',
      });
      const x = rand([2, 784], { seed: 2 });
      const y = autoencoder.predict(x) as Tensor;
      assert.deepEqual(y.shape, [2, 784]);
      assert.ok(flat(y).every((v) => v > 0 && v < 1));
      const code = encoder.predict(x) as Tensor;
      assert.deepEqual(code.shape, [2, 3]);
      // At inference the noise layer passes x through: the model is decoder ∘ encoder exactly.
      assertClose(y, flat(decoder.predict(code) as Tensor), 1e-6, 1e-6);
      // In training it corrupts the input, so the output moves.
      const noisy = autoencoder.apply(x, { training: true }) as Tensor;
      assert.ok(flat(noisy).some((v, i) => Math.abs(v - flat(y)[i]!) > 1e-4));
      assert.equal(
        autoencoder.countParams(),
        encoder.countParams() + decoder.countParams(),
        'the autoencoder has no weights of its own',
      );
      assert.equal(firstLayer instanceof Dense, variant === 'dense');
    });

  it('refuses a bad variant, code size or noise, naming the option', () => {
    const spec = { variant: 'dense', latent: 2, noise: 0, seed: 1, name: 'ae' } as const;
    for (const [change, pattern] of [
      [{ variant: 'rbm' }, /--variant must be dense or conv, got 'rbm'/],
      [{ latent: 0 }, /--latent must be a positive integer, got 0/],
      [{ noise: -1 }, /--noise must be ≥ 0, got -1/],
    ] as const)
      assert.throws(
        () => buildAutoencoder({ ...spec, ...change } as never),
        (e: unknown) => e instanceof ArgumentError && pattern.test((e as Error).message),
      );
  });
});

it('scatterChart: one point per finite pair, categories in numeric order, rounded coordinates', () => {
  const spec = scatterChart({
    title: 'codes',
    x: [1.234567, Number.NaN, 3, -0.5],
    y: [2, 5, 4.000001, 1e-9],
    category: [10, 2, 2, 1],
    categoryTitle: 'digit',
  }) as {
    data: { values: { x: number; y: number; c: number }[] };
    encoding: { color: { sort: number[]; title: string } };
  };
  assert.deepEqual(spec.data.values, [
    { x: 1.235, y: 2, c: 10 },
    { x: 3, y: 4, c: 2 },
    { x: -0.5, y: 1e-9, c: 1 },
  ]);
  assert.deepEqual(spec.encoding.color.sort, [1, 2, 10]);
  assert.equal(spec.encoding.color.title, 'digit');
  const plain = scatterChart({ title: 'one colour', x: [0], y: [0] }) as {
    encoding: Record<string, unknown>;
  };
  assert.equal(plain.encoding.color, undefined);
});
