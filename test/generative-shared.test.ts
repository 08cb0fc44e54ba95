/**
 * What the generative `train mnist --model …` commands share: the PNG encoder and image grids of
 * their reports, and how a kind's defaults combine with the options a user typed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { generativeSettings } from '../src/cli/generative/index.js';
import { imageGridPng } from '../src/cli/generative/pictures.js';
import { ArgumentError } from '../src/errors.js';
import { decodePng } from '../src/node/png.js';
import { encodePng } from '../src/node/png-encode.js';

describe('encodePng', () => {
  it('round-trips grey pixels through the PNG decoder', () => {
    const pixels = Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 37) % 256);
    const img = decodePng(encodePng(pixels, 7, 5), 'test.png');
    assert.equal(img.width, 7);
    assert.equal(img.height, 5);
    assert.deepEqual(
      Array.from(img.pixels, (v) => Math.round(v * 255)),
      Array.from(pixels),
    );
  });

  it('refuses a pixel count that does not match the size, naming both', () => {
    assert.throws(() => encodePng(new Uint8Array(10), 4, 3), /4×3×1 needs 12 bytes, got 10/);
    assert.throws(() => encodePng(new Uint8Array(0), 0, 3), ArgumentError);
  });
});

describe('imageGridPng', () => {
  it('tiles images with one grey pixel between them, dark ink on white by default', () => {
    // Two 2×1 images: [0, 1] and [0.5, 2 (clamped to 1)], scale 1, one column each → 2 columns.
    const img = decodePng(imageGridPng([0, 1, 0.5, 2], 2, { width: 2, height: 1, scale: 1 }), 'grid.png');
    assert.equal(img.width, 2 * (2 + 1) + 1);
    assert.equal(img.height, 1 + 1 + 1);
    const row = Array.from(img.pixels.subarray(img.width, 2 * img.width), (v) => Math.round(v * 255));
    assert.deepEqual(row, [160, 255, 0, 160, 128, 0, 160]);
  });

  it("'each' rescales every image to its own range and 'light' draws 1 as white", () => {
    const img = decodePng(
      imageGridPng([-3, 5, 10, 10], 2, { width: 2, height: 1, scale: 1, normalize: 'each', ink: 'light' }),
      'grid.png',
    );
    const row = Array.from(img.pixels.subarray(img.width, 2 * img.width), (v) => Math.round(v * 255));
    assert.deepEqual(row, [160, 0, 255, 160, 0, 0, 160]); // a constant image is one flat level
  });

  it('refuses too few values for the images asked for', () => {
    assert.throws(
      () => imageGridPng([0, 1, 2], 2, { width: 2, height: 1 }),
      /2 images of 2×1 need 4 values, got 3/,
    );
  });
});

describe('generativeSettings', () => {
  const given = {
    model: 'rbm' as const,
    epochs: 10,
    batch: 128,
    seed: 3,
    out: 'x',
    binarize: false,
    layers: [784, 10],
  };

  it("fills the options the user did not type from the kind's defaults and keeps the typed ones", async () => {
    const s = await generativeSettings({ ...given, epochs: 2 }, ['model', 'epochs']);
    assert.equal(s.epochs, 2);
    assert.equal(s.seed, 3);
    assert.notEqual(s.batch, undefined);
    assert.equal('layers' in s, false, 'classifier options are not passed on');
  });

  it('refuses an option the kind does not read, naming the kinds that do', async () => {
    await assert.rejects(
      generativeSettings({ ...given, model: 'dbn', latent: 3 }, ['model', 'latent']),
      /--model dbn: --latent applies only to --model autoencoder, vae, gan, rbm/,
    );
    await assert.rejects(
      generativeSettings({ ...given, model: 'vae', noise: 0.3 }, ['model', 'noise']),
      /--model vae: --noise applies only to --model autoencoder/,
    );
  });

  it('refuses a classifier option typed for a generative kind, naming it', async () => {
    await assert.rejects(
      generativeSettings({ ...given }, ['model', 'layers', 'outputActivation']),
      /--model rbm: --layers, --output-activation apply only to --model mlp, cnn and rnn/,
    );
  });
});

describe('backprop train mnist (generative kinds): option errors', () => {
  const run = promisify(execFile);
  const BIN = join(process.cwd(), 'dist', 'cli', 'index.js');
  async function fails(...args: string[]): Promise<string> {
    try {
      await run(process.execPath, [BIN, ...args]);
    } catch (e) {
      return (e as { stderr: string }).stderr;
    }
    assert.fail(`backprop ${args.join(' ')} succeeded`);
  }

  it('refuses --resume for a generative kind and --variant for a classifier', async () => {
    assert.match(
      await fails('train', 'mnist', '--model', 'gan', '--resume', 'nowhere'),
      /--resume continues --model mlp, cnn or rnn runs, not --model gan/,
    );
    assert.match(
      await fails('train', 'mnist', '--model', 'cnn', '--variant', 'conv'),
      /--variant applies to --model autoencoder, vae, gan, rbm, dbn, not cnn/,
    );
  });
});
