/**
 * `backprop export` and `backprop import` as a user runs them (the built bin in a separate
 * process): an MNIST CNN trained by `backprop train` is exported to ONNX (run in ONNX Runtime) and
 * to a TF.js Layers folder (loaded by TF.js), both are imported back and give the same test
 * accuracy and the same digit in `backprop eval` / `backprop predict`; a PyTorch-exported CNN and
 * a Keras 3 file import too; and bad input is refused with a message and exit code 1.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { type ModelScores, toProbabilities } from '../src/cli/predict-images.js';
import { bundledMnistDir, Dense, LSTM, loadModel, Rng, Sequential } from '../src/node/index.js';
import { useTempDir } from './helpers.js';
import { runBackprop, runOnnxRuntime, runTfjs, type TfjsArtifacts } from './interop-engines.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist', 'cli', 'index.js');
const FIXTURES = join(process.cwd(), 'test', 'fixtures');
const tmp = useTempDir('cli-interop', async (dir) => {
  await copyFile(join(FIXTURES, 'images', 'seven-grey16.png'), join(dir, 'seven.png'));
  await writeFile(join(dir, 'notes.txt'), 'not a model\n');
  await writeSmallMnist(join(dir, 'mnist'), 2000);
});

/**
 * The first n test images and labels of MNIST for a quick `eval --data` (count patched in the IDX
 * header); of the training files, 10,100 (loadMnist holds 10,000 out for validation).
 */
async function writeSmallMnist(dir: string, testImages: number): Promise<void> {
  await mkdir(dir);
  for (const file of await readdir(bundledMnistDir())) {
    const n = file.startsWith('t10k') ? testImages : 10100;
    const bytes = await readFile(join(bundledMnistDir(), file));
    const header = 4 + 4 * bytes[3]!;
    const perItem = bytes[3] === 3 ? 28 * 28 : 1;
    const out = Buffer.from(bytes.subarray(0, header + n * perItem));
    out.writeUInt32BE(n, 4);
    await writeFile(join(dir, file), out);
  }
}

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

async function ok(...args: string[]): Promise<string> {
  const r = await backprop(...args);
  assert.equal(r.code, 0, `backprop ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const accuracyOf = (out: string): string => /accuracy ([\d.]+%)/.exec(out)?.[1] ?? `none in: ${out}`;
const digitOf = (out: string): string =>
  /seven\.png: (\d \(p = [\d.]+\))/.exec(out)?.[1] ?? `none in: ${out}`;

/** Seeded pixels for comparing engines on the same inputs. */
function pixels(n: number): Float32Array {
  const rng = new Rng(11);
  return Float32Array.from({ length: n * 784 }, () => rng.uniform());
}

/** A TF.js folder as tf.io.fromMemory wants it: model.json and its shards, concatenated. */
async function readTfjsFolder(dir: string): Promise<TfjsArtifacts> {
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: unknown;
    weightsManifest: { paths: string[]; weights: unknown[] }[];
  };
  const shards = await Promise.all(
    modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))),
  );
  const all = Buffer.concat(shards);
  return { modelJson, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) };
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++)
    assert.ok(
      Math.abs(a[i]! - b[i]!) <= 1e-6 + 1e-5 * Math.abs(b[i]!),
      `${what}: element ${i}: ${a[i]} vs ${b[i]}`,
    );
}

it('export --format onnx and tfjs, import both back: same accuracy and digit as the trained CNN', async () => {
  await ok('train', 'mnist', '--model', 'cnn', '--epochs', '1', '--limit', '500', '--out', 'run');
  const model = join(tmp.path, 'run', 'model');
  const trained = await loadModel<Sequential>(model);
  const x = pixels(5);
  const want = runBackprop(trained, x, [784]);

  const onnxOut = await ok('export', 'run/model', '--format', 'onnx');
  assert.match(onnxOut, /Wrote run\/model\/model\.onnx \([\d.]+ kB\): ONNX opset \d+, IR version \d+/);
  assert.match(onnxOut, /input {2}'[^']+' \[N, 784\] float32/);
  assert.match(onnxOut, /output '[^']+' \[N, 10\] float32/);
  assert.match(onnxOut, /117,066 parameters/);
  const onnxBytes = new Uint8Array(await readFile(join(model, 'model.onnx')));
  assertClose(await runOnnxRuntime(onnxBytes, x, [784]), want, 'ONNX Runtime');

  const tfjsOut = await ok('export', 'run/model', '--format', 'tfjs');
  assert.match(tfjsOut, /Wrote the TF\.js Layers model run\/model-tfjs\//);
  assert.match(tfjsOut, /model\.json \([\d.]+ kB\)/);
  assert.ok((await readdir(join(tmp.path, 'run', 'model-tfjs'))).some((f) => f.endsWith('.bin')));
  assertClose(
    await runTfjs(await readTfjsFolder(join(tmp.path, 'run', 'model-tfjs')), x, [784]),
    want,
    'TF.js',
  );

  // --out puts the file elsewhere, creating folders; an existing folder gets model.onnx inside.
  await ok('export', 'run/model', '--format', 'onnx', '--out', 'exports/cnn.onnx');
  assert.deepEqual(await readFile(join(tmp.path, 'exports', 'cnn.onnx')), Buffer.from(onnxBytes));
  assert.match(
    await ok('export', 'run/model', '--format', 'onnx', '--out', 'exports'),
    /Wrote exports\/model\.onnx/,
  );
  assert.deepEqual(await readFile(join(tmp.path, 'exports', 'model.onnx')), Buffer.from(onnxBytes));

  const fromOnnx = await ok('import', 'run/model/model.onnx', '--out', 'from-onnx');
  assert.match(fromOnnx, /Read run\/model\/model\.onnx \(ONNX\)/);
  assert.match(fromOnnx, /Total params: 117,066/);
  assert.match(fromOnnx, /treated as an MNIST digit classifier/);
  const fromTfjs = await ok('import', 'run/model-tfjs/model.json', '--out', 'from-tfjs');
  assert.match(fromTfjs, /Read run\/model-tfjs\/model\.json \(TF\.js Layers\)/);
  assert.match(fromTfjs, /Total params: 117,066/);

  const original = await ok('eval', 'run/model', '--data', 'mnist');
  assert.match(original, /MNIST test set \(2000 images\)/);
  for (const dir of ['from-onnx', 'from-tfjs']) {
    assert.equal(accuracyOf(await ok('eval', dir, '--data', 'mnist')), accuracyOf(original), `eval ${dir}`);
    assert.equal(
      digitOf(await ok('predict', dir, 'seven.png')),
      digitOf(await ok('predict', 'run/model', 'seven.png')),
    );
    assertClose(runBackprop(await loadModel(join(tmp.path, dir)), x, [784]), want, `imported ${dir}`);
  }
});

it('import reads a PyTorch-exported CNN and a Keras 3 file; eval and predict use them', async () => {
  const torch = await ok('import', join(FIXTURES, 'onnx', 'cnn.onnx'), '--out', 'torch-cnn');
  assert.match(torch, /input \(InputLayer\) +\[null, 1, 28, 28\]/);
  assert.match(torch, /Total params: 9,930/);
  // make_torch.py recorded PyTorch's class for each test image: the same share must be right here.
  const theirs: string = JSON.parse(
    await readFile(join(FIXTURES, 'onnx', 'cnn.json'), 'utf8'),
  ).pytorchTestPredictions;
  const labels = (await readFile(join(tmp.path, 'mnist', 't10k-labels-idx1-ubyte'))).subarray(8);
  const right = labels.reduce((n, label, i) => n + (theirs[i] === String(label) ? 1 : 0), 0);
  assert.equal(
    accuracyOf(await ok('eval', 'torch-cnn', '--data', 'mnist')),
    `${((right / 2000) * 100).toFixed(2)}%`,
  );
  // Its LogSoftmax output is shown as a probability.
  assert.match(await ok('predict', 'torch-cnn', 'seven.png'), /seven\.png: \d \(p = (0\.\d{3}|1\.000)\)/);
  assert.match(torch, /10 classes \(log-probabilities\)/);

  // A PyTorch LSTM (its zero initial state built from the batch size at run time) is no digit model.
  const lstm = await ok('import', join(FIXTURES, 'onnx', 'lstm.onnx'), '--out', 'torch-lstm');
  assert.match(lstm, /Saved in backprop's format to torch-lstm\//);
  assert.doesNotMatch(lstm, /MNIST/);
  assert.ok(!existsSync(join(tmp.path, 'torch-lstm', 'preprocessing.json')));
  const fx = JSON.parse(await readFile(join(FIXTURES, 'onnx', 'lstm.json'), 'utf8'));
  const reloaded = await loadModel<Sequential>(join(tmp.path, 'torch-lstm'));
  const y = runBackprop(reloaded, Float32Array.from(fx.input.data), fx.input.dims.slice(1));
  assertClose(y, Float32Array.from(fx.output.data), 'imported PyTorch LSTM');

  const keras = await ok('import', join(FIXTURES, 'keras', 'mlp.keras'), '--out', 'keras-mlp');
  assert.match(keras, /\(Keras\)/);
  assert.match(keras, /Total params: /);
  assert.ok(existsSync(join(tmp.path, 'keras-mlp', 'model.json')));
  await loadModel(join(tmp.path, 'keras-mlp'));
});

it('bad input: unknown format, missing file or folder, unexportable layer — a message and exit code 1', async () => {
  const cases: [string[], RegExp][] = [
    [['import', 'notes.txt', '--out', 'x'], /notes\.txt: unknown model format '\.txt': import reads \.onnx/],
    [['import', 'missing.onnx', '--out', 'x'], /no such file: missing\.onnx/],
    [['import', 'notes.txt'], /required option '--out <dir>' not specified/],
    [['export', 'no-such-model', '--format', 'onnx'], /no model folder at no-such-model/],
    [['export', 'exports', '--format', 'onnx'], /exports is not a backprop model folder \(no model\.json\)/],
    [['export', 'run/model', '--format', 'pb'], /--format must be onnx, tfjs or keras, got 'pb'/],
    [['export', 'run/model'], /required option '--format <format>' not specified/],
    [
      ['import', 'run/model/model.json', '--out', 'x'],
      /run\/model\/model\.json is a backprop model already: use its folder \(run\/model\)/,
    ],
  ];
  await writeFile(join(tmp.path, 'bad.onnx'), 'this is not protobuf');
  cases.push([['import', 'bad.onnx', '--out', 'x'], /bad\.onnx/]);
  for (const [args, message] of cases) {
    const r = await backprop(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: exit code`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /TypeError|at .*\.js:\d+/, args.join(' '));
  }
  assert.ok(!existsSync(join(tmp.path, 'x')), 'nothing written on failure');

  // A stateful LSTM carries its states across calls, which no ONNX graph does: toOnnx refuses it.
  const stateful = new Sequential();
  stateful.add(new LSTM({ units: 3, stateful: true, inputShape: [6, 4] }));
  stateful.add(new Dense({ units: 2, activation: 'softmax' }));
  await stateful.save(join(tmp.path, 'stateful'));
  const r = await backprop('export', 'stateful', '--format', 'onnx');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^backprop: toOnnx: layer 'lstm' \(LSTM\) is stateful/m);
  assert.ok(!existsSync(join(tmp.path, 'stateful', 'model.onnx')), 'no half-written file');
});

it('predict shows probabilities whatever the imported model outputs: probabilities, log-probabilities or logits', () => {
  const rows = (kind: ModelScores, values: number[]) =>
    Array.from(toProbabilities(Float32Array.from(values), 2, kind)).map((v) => Number(v.toFixed(4)));
  assert.deepEqual(rows('probabilities', [0.3, 0.7, 1, 0]), [0.3, 0.7, 1, 0]);
  assert.deepEqual(rows('logProbabilities', [Math.log(0.2), Math.log(0.8), 0, -Infinity]), [0.2, 0.8, 1, 0]);
  // Softmax per row, stable for large logits.
  assert.deepEqual(rows('logits', [0, Math.log(3), 1000, 1000 + Math.log(3)]), [0.25, 0.75, 0.25, 0.75]);
});
