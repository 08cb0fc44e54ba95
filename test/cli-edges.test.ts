/**
 * The `backprop` command's edges, run as a user runs it (the built bin in a separate process):
 * --version, output into a pipe the reader closes early, a batch of images with bad files in it,
 * and models given the wrong kind of input. The models are small untrained ones saved here: these
 * tests are about the command, not about accuracy.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { Dense, Sequential } from '../src/node/index.js';
import { useTempDir } from './helpers.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const BIN = join(ROOT, 'dist', 'cli', 'index.js');
const IMAGES = join(import.meta.dirname, 'fixtures', 'images');
const tmp = useTempDir('cli-edges', setUp);

async function saveModel(dir: string, preprocessing: object): Promise<void> {
  const model = new Sequential();
  model.add(new Dense({ units: 10, activation: 'softmax', inputDim: 784 }));
  await model.save(dir);
  await writeFile(join(dir, 'preprocessing.json'), JSON.stringify(preprocessing));
}

async function setUp(dir: string): Promise<void> {
  await saveModel(join(dir, 'mnist-model'), { kind: 'mnist', width: 28, height: 28, binarize: false });
  // predict looks at what each input file is before it uses anything else of a CSV model's
  // preprocessing, so the kind is all this model needs.
  await mkdir(join(dir, 'csv-model'));
  await saveModel(join(dir, 'csv-model'), { kind: 'csv' });
  for (const f of ['seven.pgm', 'seven-grey.jpg', 'seven-rgb16.png', 'seven-progressive.jpg'])
    await copyFile(join(IMAGES, f), join(dir, f));
  await writeFile(join(dir, 'rows.csv'), 'a,b\n1,2\n3,4\n');
  await writeFile(
    join(dir, 'broken.png'),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
  );
}

async function backprop(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: tmp.path });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

it('--version prints the package version, from dist/ and from src/ under tsx', async () => {
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const fromDist = await backprop('--version');
  assert.equal(fromDist.stdout, `${version}\n`);
  const fromSrc = await run(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src', 'cli', 'index.ts'), '-V'],
    {
      cwd: ROOT,
    },
  );
  assert.equal(fromSrc.stdout, `${version}\n`);
});

it('ends quietly with exit 0 when the reader closes the pipe early (| head -1)', async () => {
  // Far more output than a pipe buffers (64 KiB on Linux), so the command is still writing when
  // the reader goes away.
  const inputs = Array.from({ length: 6000 }, () => 'seven.pgm');
  const child = spawn(process.execPath, [BIN, 'predict', 'mnist-model', ...inputs], {
    cwd: tmp.path,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  let first = '';
  child.stdout.once('data', (d: Buffer) => {
    first = d.toString().split('\n')[0]!;
    child.stdout.destroy();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.match(first, /^seven\.pgm: \d \(p = [\d.]+\)$/);
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

it('predict reports each bad image file and still predicts the others, exiting non-zero', async () => {
  const r = await backprop(
    'predict',
    'mnist-model',
    'seven.pgm',
    'missing.png',
    'seven-progressive.jpg',
    'seven-grey.jpg',
    'broken.png',
    'seven-rgb16.png',
  );
  assert.equal(r.code, 1);
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.replace(/: \d \(p = [\d.]+\)$/, ': ok')),
    ['seven.pgm: ok', 'seven-grey.jpg: ok', 'seven-rgb16.png: ok'],
  );
  assert.deepEqual(r.stderr.trim().split('\n'), [
    'backprop: missing.png: no such file',
    'backprop: seven-progressive.jpg: progressive JPEG is not supported (save it as a baseline JPEG or a PNG)',
    'backprop: broken.png: no IHDR header (corrupt file)',
  ]);
});

it('a model given the wrong kind of input says which kind it wants', async () => {
  const images = await backprop('predict', 'mnist-model', 'rows.csv');
  assert.equal(images.code, 1);
  assert.equal(
    images.stderr,
    'backprop: rows.csv: not a PNG, JPEG or PGM image (it is a text file): this is an MNIST model: give PNG, PGM or JPEG images\n',
  );
  const csv = await backprop('predict', 'csv-model', 'seven-grey.jpg');
  assert.equal(csv.code, 1);
  assert.equal(
    csv.stderr,
    'backprop: seven-grey.jpg is a JPEG image, not a CSV: this is a CSV model: give CSV files\n',
  );
  const evalCsv = await backprop('eval', 'csv-model', '--csv', 'seven-rgb16.png');
  assert.match(
    evalCsv.stderr,
    /seven-rgb16\.png is a PNG image, not a CSV: this is a CSV model: give CSV files/,
  );
  const evalMnist = await backprop('eval', 'mnist-model', '--csv', 'rows.csv');
  assert.match(evalMnist.stderr, /this is an MNIST model: it is evaluated on the MNIST test set/);
});
