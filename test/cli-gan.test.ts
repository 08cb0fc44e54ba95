/**
 * `backprop train mnist --model gan` as a user runs it (from source, in a separate process) on a
 * small slice of real MNIST, one short epoch: the judge's line, the per-epoch line with both losses
 * and both scores, the report folder (sample grid, curves, generator) and metrics.json agreeing
 * with what was printed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { useTempDir } from './helpers.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'src', 'cli', 'index.ts');
const tmp = useTempDir('cli-gan');

async function trainMnist(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, 'train', 'mnist', ...args], {
    cwd: process.cwd(),
    maxBuffer: 1 << 24,
  });
  return stdout;
}

async function pngSize(path: string): Promise<{ width: number; height: number }> {
  const b = await readFile(path);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', path);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

it('train mnist --model gan: judge, per-epoch losses and scores, sample grid, curves, metrics.json', async () => {
  const out = join(tmp.path, 'gan');
  const stdout = await trainMnist('--model', 'gan', '--limit', '640', '--epochs', '1', '--out', out);
  assert.match(
    stdout,
    /Judge \(CNN classifier, 3 epochs\): test accuracy \d+\.\d\d % · real test digits: IS \d\.\d\d/,
  );
  assert.match(stdout, /Conditional DCGAN: generator \d+ parameters/);
  const epoch =
    /epoch 1\/1: D loss (\d+\.\d+) · G loss (\d+\.\d+) · IS (\d+\.\d\d) · FID (\d+\.\d\d) · \d+\.\d s/.exec(
      stdout,
    );
  assert.ok(epoch, stdout);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.variant, 'conditional');
  assert.equal(metrics.inceptionScore.toFixed(2), epoch[3]);
  assert.equal(metrics.frechetDistance.toFixed(2), epoch[4]);
  assert.ok(metrics.inceptionScore >= 1 && metrics.inceptionScore <= 10, `IS ${metrics.inceptionScore}`);
  assert.ok(metrics.frechetDistance > 0);
  // The real test digits are much better than one epoch of 10 batches.
  assert.ok(metrics.realInceptionScore > metrics.inceptionScore, JSON.stringify(metrics));
  assert.deepEqual(metrics.history.inceptionScore, [metrics.inceptionScore]);
  // The grid: 10 × 10 digits of 28 × 28 pixels at scale 2, 1-pixel gaps.
  assert.deepEqual(await pngSize(join(out, 'samples-epoch-1.png')), { width: 571, height: 571 });
  for (const plot of ['inception-score', 'frechet-distance', 'losses'])
    await pngSize(join(out, `${plot}.png`));
  const html = await readFile(join(out, 'index.html'), 'utf8');
  assert.match(html, /samples-epoch-1\.png/);
  assert.match(html, /row r asks for digit r/);
  await readFile(join(out, 'generator', 'model.json'));
});

it('train mnist --model gan --variant refuses an unknown variant, naming the choices', async () => {
  await assert.rejects(
    trainMnist('--model', 'gan', '--variant', 'wgan', '--limit', '100', '--out', join(tmp.path, 'bad')),
    (e: Error & { stderr?: string }) =>
      /--variant must be conditional or dcgan, got 'wgan'/.test(e.stderr ?? ''),
  );
});
