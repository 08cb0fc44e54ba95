/**
 * `backprop train mnist --model rnn`: the row-by-row LSTM trains through the CLI on a slice of
 * MNIST, learns something, and saves a model that loads back as Reshape → LSTM → Dense with Keras'
 * LSTM weight shapes. (The full default run and its accuracy are measured outside the tests.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { loadModel, type Sequential } from '../src/node/index.js';
import { useTempDir } from './helpers.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'src', 'cli', 'index.ts');
const TSX = import.meta.resolve('tsx');
const tmp = useTempDir('rnn-cli');

it('train mnist --model rnn trains the row-by-row LSTM and saves it', async () => {
  const args = [
    'train',
    'mnist',
    '--model',
    'rnn',
    '--limit',
    '1200',
    '--epochs',
    '2',
    '--seed',
    '3',
    '--out',
    'rnn',
  ];
  const { stdout } = await run(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: tmp.path,
    maxBuffer: 1 << 24,
  });
  assert.match(stdout, /row-by-row LSTM\(128\)|LSTM/);
  assert.match(stdout, /clip|Adam/i);
  const accuracy = Number(/Test accuracy: ([\d.]+)%/.exec(stdout)?.[1]);
  // Chance is 10 %; two short epochs on 1,200 images already get well above it.
  assert.ok(accuracy > 20, `test accuracy ${accuracy} %`);
  const model: Sequential = await loadModel(join(tmp.path, 'rnn', 'model'));
  assert.deepEqual(
    model.layers.map((l) => l.className),
    ['Reshape', 'LSTM', 'Dense'],
  );
  assert.deepEqual(
    ['kernel', 'recurrent_kernel', 'bias'].map((name) => model.layers[1]!.getWeight(name).shape),
    [[28, 512], [128, 512], [512]],
  );
  assert.equal(model.optimizer?.clipNorm, 1);
});
