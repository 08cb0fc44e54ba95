/**
 * The `backprop` command as a user runs it: the built bin in a separate process, on a generated
 * CSV with string and numeric columns, and on small slices of real MNIST.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { Rng } from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';
import { useTempDir } from './helpers.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist', 'cli', 'index.js');
const tmp = useTempDir('cli', writeCustomers);

async function backprop(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: tmp.path,
      maxBuffer: 1 << 24,
    });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

/** Customers leave when old, inactive and in the "North" region — with some noise. */
async function writeCustomers(dir: string): Promise<void> {
  const rng = new Rng(5);
  const lines = ['Id,Name,Region,Gender,Age,Balance,Active,Left'];
  for (let i = 0; i < 400; i++) {
    const region = ['North', 'South', 'East'][rng.int(3)]!;
    const gender = rng.uniform() < 0.5 ? 'F' : 'M';
    const age = 20 + rng.int(50);
    const balance = Math.round(rng.uniform() * 100000);
    const active = rng.int(2);
    const score = (age - 45) / 10 - active * 1.5 + (region === 'North' ? 1 : 0) + (rng.uniform() - 0.5);
    lines.push(
      `${1000 + i},"Person ${i}",${region},${gender},${age},${balance},${active},${score > 0 ? 'yes' : 'no'}`,
    );
  }
  await writeFile(join(dir, 'customers.csv'), `${lines.join('\n')}\n`);
}

async function isPng(path: string): Promise<boolean> {
  const b = await readFile(path);
  return b.subarray(1, 4).toString('latin1') === 'PNG' && b.length > 1000;
}

it('train csv: encodes, scales, splits, trains, reports accuracy, confusion matrix and plots', async () => {
  const r = await backprop(
    'train',
    'csv',
    'customers.csv',
    '--target',
    'Left',
    '--epochs',
    '60',
    '--out',
    'run-csv',
    '--seed',
    '2',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not a feature: 'Id' — every value is a different integer/);
  assert.match(r.stdout, /not a feature: 'Name' — text with 400 distinct values/);
  assert.match(r.stdout, /'Region': one-hot encoded/);
  assert.match(r.stdout, /'Gender': label-encoded/);
  assert.match(r.stdout, /classification of 'Left' into 2 classes \(no, yes\)/);
  const accuracy = Number(/Test accuracy: ([\d.]+)%/.exec(r.stdout)?.[1]);
  assert.ok(accuracy > 80, `test accuracy ${accuracy}%`);
  assert.match(r.stdout, /true\\pred\s+no\s+yes/);
  for (const f of ['loss.png', 'accuracy.png', 'confusion-matrix.png'])
    assert.ok(await isPng(join(tmp.path, 'run-csv', f)), f);
  const metrics = JSON.parse(await readFile(join(tmp.path, 'run-csv', 'metrics.json'), 'utf8'));
  assert.equal(Math.round(metrics.testAccuracy * 10000) / 100, accuracy);
  assert.ok(existsSync(join(tmp.path, 'run-csv', 'index.html')));

  const p = await backprop('predict', 'run-csv/model', 'customers.csv');
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /^row,Left,probability\n1,(yes|no),0\.\d{4}\n/);
  const e = await backprop('eval', 'run-csv/model', '--csv', 'customers.csv');
  assert.match(e.stdout, /customers\.csv: accuracy [\d.]+% over 400 rows/);
});

it('train csv: a semicolon file with gaps loses no row; a bad cell is named by line and column', async () => {
  const text = await readFile(join(tmp.path, 'customers.csv'), 'utf8');
  const lines = text.trim().split('\n');
  // Semicolons, every 9th Age missing, one Left missing (that row is left out, and said so).
  const semi = lines.map((l, i) => {
    const f = l.split(',');
    if (i > 0 && i % 9 === 0) f[4] = '';
    if (i === 5) f[7] = '';
    return f.join(';');
  });
  await writeFile(join(tmp.path, 'semi.csv'), `${semi.join('\n')}\n`);
  const r = await backprop(
    'train',
    'csv',
    'semi.csv',
    '--target',
    'Left',
    '--epochs',
    '40',
    '--out',
    'run-semi',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /400 rows × 8 columns \(delimiter ';'\)/);
  assert.match(r.stdout, /1 rows have no 'Left' value: left out of training and evaluation/);
  assert.match(r.stdout, /column 'Age': 44 missing values, imputed/);
  assert.match(r.stdout, /Split: 319 train \/ 80 test rows/);
  const p = await backprop('predict', 'run-semi/model', 'semi.csv');
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.stdout.trim().split('\n').length, 401, 'a prediction for every row');

  const bad = lines.map((l, i) => (i === 7 ? l.replace(/,(\d+),(\d+),(\d),/, ',abc,$2,$3,') : l));
  await writeFile(join(tmp.path, 'bad.csv'), `${bad.join('\n')}\n`);
  const b = await backprop('train', 'csv', 'bad.csv', '--target', 'Left', '--out', 'run-bad-cell');
  assert.equal(b.code, 1);
  assert.match(b.stderr, /column 'Age': 'abc' at line 8 \(data row 7\) is not a number/);
  const t = await backprop(
    'train',
    'csv',
    'bad.csv',
    '--target',
    'Left',
    '--delimiter',
    'tab',
    '--out',
    'run-tab',
  );
  assert.equal(t.code, 1);
  assert.match(t.stderr, /no usable feature columns|has a single value|CSV has no column 'Left'/);
});

it('train csv: names a missing target column', async () => {
  const r = await backprop('train', 'csv', 'customers.csv', '--target', 'Churned', '--out', 'run-bad');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /backprop: customers\.csv: CSV has no column 'Churned' \(columns: Id, Name, Region/);
});

it('train csv: a table too small to split stops before training, saying what to change', async () => {
  const refused = async (name: string, csv: string, args: string[], message: RegExp) => {
    await writeFile(join(tmp.path, name), csv);
    const r = await backprop('train', 'csv', name, '--target', 'y', ...args, '--out', `run-${name}`);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stdout, /Epoch|Split:/, 'nothing trains');
    assert.equal(existsSync(join(tmp.path, `run-${name}`, 'model')), false, 'no model saved');
  };
  const nine = `x,y\n${Array.from({ length: 9 }, (_, i) => `${i},${'abc'[Math.floor(i / 3)]}`).join('\n')}\n`;
  await refused(
    'per-row.csv',
    'x,y\n1,2\n2,4\n3,6\n',
    [],
    /per-row\.csv: target 'y' has 3 distinct values in 3 rows, each in a single row: .* add rows, or check that 'y' is the column to predict/,
  );
  await refused(
    'nine.csv',
    nine,
    ['--test-size', '0.1'],
    /nine\.csv: --test-size 0\.1 holds out 1 of the 9 rows, fewer than the 3 classes; raise it \(0\.33 holds out 3\)/,
  );
  await refused(
    'nine-up.csv',
    nine,
    ['--test-size', '0.8'],
    /leaves 1 of the 9 rows to train on; training needs at least 3 .* lower it \(0\.66 holds out 6\)/,
  );
  // A class of a single row trains, with a warning; the other rows are split as before.
  await writeFile(join(tmp.path, 'single.csv'), `${nine}9,d\n`);
  const single = await backprop(
    'train',
    'csv',
    'single.csv',
    '--target',
    'y',
    '--test-size',
    '0.34',
    '--out',
    'run-single',
  );
  assert.equal(single.code, 0, single.stderr);
  assert.match(single.stderr, /single\.csv: class 'd' of 'y' has a single row: it trains and is not tested/);
  assert.match(single.stdout, /Split: 6 train \/ 4 test rows/);
  await refused(
    'two.csv',
    'x,y\n1,1.5\n2,2.5\n',
    [],
    /two\.csv: 2 rows with a 'y' value are too few to split: the test part needs at least 1 row and training at least 2/,
  );
  await refused(
    'one.csv',
    'x,y\n1,1.5\n',
    ['--test-file', 'two.csv'],
    /one\.csv: 1 row with a 'y' value; training needs at least 2/,
  );
});

it('train mnist on a slice of real MNIST, then eval and predict a digit image', async () => {
  const r = await backprop(
    'train',
    'mnist',
    '--limit',
    '2000',
    '--epochs',
    '5',
    '--batch',
    '32',
    '--layers',
    '784,64,10',
    '--out',
    'run-mnist',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /train 2000 · validation 2000 · test 2000 images/);
  const accuracy = Number(/Test accuracy: ([\d.]+)%/.exec(r.stdout)?.[1]);
  assert.ok(accuracy > 80, `test accuracy ${accuracy}% (chance: 10%)`);
  assert.match(r.stdout, /Epoch 5\/5 · .* · loss [\d.]+ · accuracy [\d.]+ · val_loss/);
  for (const f of ['loss.png', 'accuracy.png', 'confusion-matrix.png', 'misclassified.png']) {
    assert.ok(await isPng(join(tmp.path, 'run-mnist', f)), f);
  }
  // A test digit written as a PGM (dark ink on white, as a scan would be): predict inverts it.
  const { test } = await loadMnist({ trainLimit: 1, testLimit: 1 });
  const pixels = test.x.dataSync();
  const header = Buffer.from('P5\n28 28\n255\n', 'latin1');
  const body = Buffer.from(Array.from(pixels, (v) => Math.round(255 * (1 - v))));
  await writeFile(join(tmp.path, 'seven.pgm'), Buffer.concat([header, body]));
  const p = await backprop('predict', 'run-mnist/model', 'seven.pgm');
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /seven\.pgm: 7 \(p = /);
});

it('rejects bad options with a message', async () => {
  const r = await backprop('train', 'mnist', '--layers', '784,abc');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--layers wants at least two positive integers/);
});
