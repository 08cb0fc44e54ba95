/**
 * The text commands as a user runs them, in a separate process: `train text` → `predict` / `eval`,
 * `train chars` (on a file and on the bundled name lists) → `sample`. Run from the sources (tsx),
 * so no build is needed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { generateReviews, toCsv } from '../examples/reviews-data.js';
import { useTempDir } from './helpers.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'src', 'cli', 'index.ts');
const tmp = useTempDir('cli-text', async (dir) => {
  await writeFile(join(dir, 'reviews.csv'), toCsv(generateReviews(2000, 3)));
  await writeFile(join(dir, 'hello.txt'), 'hello world\n'.repeat(300));
});

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

it('train text → predict --text, predict FILE, eval: word order learnt, tokenizer saved with the model', async () => {
  const out = join(tmp.path, 'text-run');
  const csv = join(tmp.path, 'reviews.csv');
  const r = await backprop(
    ...['train', 'text', csv, '--text', 'text', '--target', 'sentiment', '--epochs', '12', '--out', out],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Vocabulary: \d+ distinct words/);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  // Counting words scores about 77 % on these reviews (examples/sequence-classification.ts); the
  // LSTM has to read the order.
  assert.ok(metrics.testAccuracy > 0.9, `test accuracy ${metrics.testAccuracy}`);
  for (const f of ['index.html', 'loss.png', 'accuracy.png', 'confusion-matrix.png', 'model/model.json'])
    assert.ok(existsSync(join(out, f)), f);
  const prep = JSON.parse(await readFile(join(out, 'model', 'preprocessing.json'), 'utf8'));
  assert.equal(prep.kind, 'text');
  assert.equal(prep.tokenizer.className, 'WordTokenizer');
  assert.deepEqual(prep.classes, ['negative', 'positive']);

  const model = join(out, 'model');
  const p = await backprop(
    ...['predict', model, '--text', 'The room was great, but the staff was rude.'],
    ...['--text', 'Although the staff was rude, the room was great.'],
  );
  assert.equal(p.code, 0, p.stderr);
  const lines = p.stdout.trim().split('\n');
  assert.equal(lines[0], 'text,sentiment,probability');
  assert.match(lines[1]!, /^"The room was great, but the staff was rude\.",negative,[01]\.\d{4}$/);
  assert.match(lines[2]!, /,positive,[01]\.\d{4}$/);

  const file = await backprop('predict', model, csv);
  assert.equal(file.code, 0, file.stderr);
  const rows = file.stdout.trim().split('\n');
  assert.equal(rows.length, 2001);
  assert.match(rows[1]!, /^1,(positive|negative),[01]\.\d{4}$/);

  const e = await backprop('eval', model, '--csv', csv);
  assert.equal(e.code, 0, e.stderr);
  const acc = Number(/accuracy ([\d.]+)% over 2000 texts/.exec(e.stdout)?.[1]);
  assert.ok(acc > 90, e.stdout);
});

it('train text --model conv1d and gru train; bad columns and a numeric target are refused by name', async () => {
  const csv = join(tmp.path, 'reviews.csv');
  for (const [kind, backend] of [
    ['conv1d', 'wasm'],
    ['gru', 'ts'],
  ] as const) {
    const out = join(tmp.path, `text-${kind}`);
    const r = await backprop(
      ...['--backend', backend, 'train', 'text', csv, '--text', 'text', '--target', 'sentiment'],
      ...['--model', kind, '--epochs', '2'],
      ...['--out', out],
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Test accuracy: [\d.]+%/);
  }
  const missing = await backprop(
    'train',
    'text',
    csv,
    '--text',
    'body',
    '--target',
    'sentiment',
    '--out',
    join(tmp.path, 'x'),
  );
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /CSV has no column 'body' \(columns: text, sentiment\)/);
  const kind = await backprop(
    'train',
    'text',
    csv,
    '--text',
    'text',
    '--target',
    'sentiment',
    '--model',
    'rnn',
  );
  assert.notEqual(kind.code, 0);
  assert.match(kind.stderr, /--model must be lstm, gru, conv1d/);
  const numbers = join(tmp.path, 'numbers.csv');
  await writeFile(
    numbers,
    `text,score\n${Array.from({ length: 40 }, (_, i) => `"a b ${i}",${i * 1.5}`).join('\n')}\n`,
  );
  const regression = await backprop(
    'train',
    'text',
    numbers,
    '--text',
    'text',
    '--target',
    'score',
    '--out',
    join(tmp.path, 'y'),
  );
  assert.equal(regression.code, 1);
  assert.match(regression.stderr, /train text classifies texts: target 'score' looks like a number/);
});

it('train text: too few rows, or a target with a class per row, stop before training', async () => {
  const tiny = join(tmp.path, 'tiny.csv');
  await writeFile(tiny, 'text,label\nhello,a\nworld,b\n');
  const small = await backprop(
    'train',
    'text',
    tiny,
    '--text',
    'text',
    '--target',
    'label',
    '--out',
    join(tmp.path, 'z'),
  );
  assert.equal(small.code, 1);
  assert.match(
    small.stderr,
    /tiny\.csv: target 'label' has 2 distinct values in 2 rows, each in a single row: .* add rows/,
  );
  assert.doesNotMatch(small.stderr, /validationSplit/, 'not an option the user set');
  const swapped = await backprop(
    ...['train', 'text', join(tmp.path, 'reviews.csv'), '--text', 'sentiment', '--target', 'text'],
    ...['--out', join(tmp.path, 'z')],
  );
  assert.equal(swapped.code, 1);
  assert.match(
    swapped.stderr,
    /target 'text' has \d+ distinct values in 2000 rows, \d+ of them in a single row: .*check that 'text' is the column to predict/,
  );
  assert.doesNotMatch(swapped.stdout, /Epoch/, 'nothing trains');
  assert.equal(existsSync(join(tmp.path, 'z', 'model')), false, 'no model saved');
});

it('train chars on a file (each backend): validation nats per character fall well below uniform; sample continues a prime, seeded', async () => {
  const out = join(tmp.path, 'chars-run');
  for (const backend of ['ts', 'wasm']) {
    const r = await backprop(
      ...[
        '--backend',
        backend,
        'train',
        'chars',
        join(tmp.path, 'hello.txt'),
        '--epochs',
        '4',
        '--units',
        '32',
      ],
      ...['--seq-len', '16', '--batch', '16', '--samples', '1', '--sample-length', '24', '--out', out],
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/^epoch \d: validation [\d.]+ nats\/char/gm) ?? []).length, 4, r.stdout);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    // 9 distinct characters: a model that learnt nothing scores ln 9 = 2.2 nats/char; the text repeats.
    assert.ok(metrics.validationNatsPerChar < 0.5, `${backend}: ${metrics.validationNatsPerChar} nats/char`);
    assert.ok(existsSync(join(out, 'loss.png')));
  }
  const model = join(out, 'model');
  const args = ['sample', model, '--length', '30', '--prime', 'hel', '--seed', '7', '--temperature', '0.5'];
  const a = await backprop(...args);
  const b = await backprop(...args);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout, 'the same seed gives the same sample');
  assert.ok(a.stdout.startsWith('hel'));
  assert.equal(Array.from(a.stdout.replace(/\n$/, '')).length, 33);
  assert.match(a.stdout, /world/);
  const unknown = await backprop('sample', model, '--prime', 'hé');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /--prime: "é" is not one of the 9 characters the model knows/);
  const predict = await backprop('predict', model, join(tmp.path, 'hello.txt'));
  assert.equal(predict.code, 1);
  assert.match(predict.stderr, /character model: generate text with 'backprop sample MODEL'/);
});

it('train chars without a file learns the bundled English first names', async () => {
  const out = join(tmp.path, 'names-run');
  const r = await backprop(
    ...['train', 'chars', '--epochs', '2', '--units', '64', '--samples', '1', '--out', out],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /English first names \(8422/);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  // 54 characters: 4.0 nats/char for a uniform guess, 3.17 for the characters' own frequencies
  // (no context); two epochs of a small LSTM that reads the context get under 2.7.
  assert.ok(metrics.validationNatsPerChar < 2.7, `${metrics.validationNatsPerChar} nats/char`);
  const s = await backprop('sample', join(out, 'model'), '--length', '40', '--seed', '1');
  assert.equal(s.code, 0, s.stderr);
  assert.ok(s.stdout.length >= 40);
});

it('--temperature is refused below or at 0 with one message, on sample and train chars', async () => {
  for (const [args, value] of [
    [['sample', 'no-model', '--temperature', '-1'], '-1'],
    [['sample', 'no-model', '--temperature', '0'], '0'],
    [['train', 'chars', '--temperature', '0', '--out', join(tmp.path, 'never')], '0'],
  ] as const) {
    const r = await backprop(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, new RegExp(`--temperature must be a number > 0, got '${value}'`), r.stderr);
  }
});
