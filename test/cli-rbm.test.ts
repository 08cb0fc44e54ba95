/**
 * `backprop train mnist --model rbm` and `--model dbn` as a user runs them (from source, in a
 * separate process) on a small slice of real MNIST: the printed test accuracy, the report folder
 * with its pictures and curves, and metrics.json agreeing with what was printed.
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
const tmp = useTempDir('cli-rbm');

async function trainMnist(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, 'train', 'mnist', ...args], {
    cwd: process.cwd(),
    maxBuffer: 1 << 24,
  });
  return stdout;
}

async function isPng(path: string): Promise<boolean> {
  const b = await readFile(path);
  return b.subarray(1, 4).toString('latin1') === 'PNG' && b.length > 500;
}

/** The printed test accuracy (percent) equals metrics.json's, and is far above chance (10 %). */
async function checkAccuracy(stdout: string, dir: string, floor: number): Promise<void> {
  const printed = /Test accuracy \([^)]*\): (\d+\.\d\d)%/.exec(stdout);
  assert.ok(printed, stdout);
  const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
  assert.equal((metrics.testAccuracy * 100).toFixed(2), printed[1]);
  assert.ok(metrics.testAccuracy > floor, `test accuracy ${metrics.testAccuracy}`);
}

it('train mnist --model rbm: RBM curves per epoch, filters, reconstructions, Gibbs chains, softmax accuracy', async () => {
  const out = join(tmp.path, 'rbm');
  const stdout = await trainMnist(
    '--model',
    'rbm',
    '--limit',
    '600',
    '--epochs',
    '2',
    '--latent',
    '64',
    '--batch',
    '10',
    '--out',
    out,
  );
  assert.match(stdout, /RBM 784-64, CD-1/);
  // One line per epoch with the three monitored figures and its time.
  const epochs = stdout.match(
    /RBM epoch \d\/2: reconstruction error \d\.\d+ · pseudo-likelihood -\d+\.\d+ · free-energy gap -?\d+\.\d+ · mean p\(h\) \d\.\d+ · \d+\.\d s/g,
  );
  assert.equal(epochs?.length, 2, stdout);
  // A softmax of 120 steps on 64 features of a 2-epoch RBM: far from good, far above chance (10 %).
  await checkAccuracy(stdout, out, 0.35);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.rbmHistory.length, 2);
  assert.ok(metrics.rbmHistory[1].reconstructionError < metrics.rbmHistory[0].reconstructionError);
  for (const name of [
    'filters',
    'reconstructions',
    'gibbs-chains',
    'reconstruction-error',
    'pseudo-likelihood',
    'free-energy-gap',
    'softmax-loss',
    'accuracy',
    'confusion-matrix',
  ])
    assert.ok(await isPng(join(out, `${name}.png`)), name);
  const html = await readFile(join(out, 'index.html'), 'utf8');
  assert.match(html, /filters\.png/);
  assert.match(html, /gibbs-chains\.png/);
});

it('train mnist --model dbn: greedy pre-training of three RBMs, fine-tuning, generated digits', async () => {
  const out = join(tmp.path, 'dbn');
  const stdout = await trainMnist('--model', 'dbn', '--limit', '400', '--epochs', '1', '--out', out);
  for (const rbm of ['RBM 1 \\(784-500\\)', 'RBM 2 \\(500-500\\)', 'RBM 3 \\(500-2000\\)'])
    assert.match(stdout, new RegExp(`${rbm} epoch 1/1: reconstruction error`));
  assert.match(stdout, /fine-tuning epoch 1\/1: loss \d\.\d+ · train accuracy/);
  await checkAccuracy(stdout, out, 0.2);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.rbmHistories.length, 3);
  for (const name of [
    'filters',
    'generated',
    'generated-from-noise',
    'reconstruction-error',
    'loss',
    'accuracy',
  ])
    assert.ok(await isPng(join(out, `${name}.png`)), name);
});
