/**
 * Review fixes, `backprop export` / `backprop import` (issue 17), run in-process: a model folder is
 * never replaced by another format without --force (K5), legacy Keras .h5 files import (K4), a
 * re-import drops the earlier model's preprocessing (K6), saveTfjs leaves no stale temporary
 * files and lists what it wrote (K13), and the messages for imported models say what to do (K17).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { exportCommand, importCommand } from '../src/cli/interop-commands.js';
import { evaluateCommand } from '../src/cli/use-model.js';
import {
  ArgumentError,
  Dense,
  loadKeras,
  loadModel,
  Sequential,
  saveTfjs,
  type Tensor,
  tensor,
} from '../src/node/index.js';
import { useTempDir } from './helpers.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures');
const tmp = useTempDir('keras-review-cli');
const at = (...p: string[]) => join(tmp.path, ...p);

/** Runs a command with console.log captured. */
async function quiet<T>(f: () => Promise<T>): Promise<{ value: T; out: string }> {
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { value: await f(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

async function refused(f: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(quiet(f), (e: Error) => {
    assert.ok(e instanceof ArgumentError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

it('K4: import reads a legacy Keras .h5 model file', async () => {
  const { out } = await quiet(() => importCommand(join(FIXTURES, 'keras', 'mlp.h5'), { out: at('h5') }));
  assert.match(out, /\(Keras\)/);
  assert.ok(await loadModel(at('h5')));
});

it('K5: export --format tfjs onto a backprop model folder is refused (the model stays); --force replaces it', async () => {
  await quiet(() => importCommand(join(FIXTURES, 'keras', 'mlp.keras'), { out: at('m1') }));
  const before = await readFile(at('m1', 'model.json'), 'utf8');
  await refused(
    () => exportCommand(at('m1'), { format: 'tfjs', out: at('m1') }),
    /m1 holds a backprop model, which this would replace: choose another --out \(or add --force/,
  );
  assert.equal(await readFile(at('m1', 'model.json'), 'utf8'), before);
  assert.ok(await loadModel(at('m1')));
  // The library refuses too.
  await assert.rejects(
    saveTfjs(await loadModel(at('m1')), at('m1')),
    /refusing to replace .*model\.json, which is a backprop model/,
  );
  // ONNX over the folder's model.json (not an .onnx file) likewise.
  await refused(
    () => exportCommand(at('m1'), { format: 'onnx', out: at('m1', 'model.json') }),
    /model\.json exists and is not an \.onnx file/,
  );
  // A TF.js folder over a TF.js folder is fine, and lists only the files it wrote.
  const { out } = await quiet(() => exportCommand(at('m1'), { format: 'tfjs', out: at('t1') }));
  assert.match(out, /model\.json/);
  await writeFile(at('t1', 'notes.txt'), 'mine');
  const again = await quiet(() => exportCommand(at('m1'), { format: 'tfjs', out: at('t1') }));
  assert.doesNotMatch(again.out, /notes\.txt/);
  await quiet(() => exportCommand(at('m1'), { format: 'tfjs', out: at('m1'), force: true }));
  assert.equal(JSON.parse(await readFile(at('m1', 'model.json'), 'utf8')).format, 'layers-model');
});

it('K5: import into the TF.js folder it reads is refused (the TF.js model stays)', async () => {
  await quiet(() => importCommand(join(FIXTURES, 'keras', 'mlp.keras'), { out: at('m2') }));
  await quiet(() => exportCommand(at('m2'), { format: 'tfjs', out: at('t2') }));
  await refused(
    () => importCommand(at('t2', 'model.json'), { out: at('t2') }),
    /t2 holds a TF\.js Layers model, which this would replace/,
  );
  assert.equal(JSON.parse(await readFile(at('t2', 'model.json'), 'utf8')).format, 'layers-model');
});

it('K6: re-importing another model into a folder removes the MNIST preprocessing; K17: and says how to use it', async () => {
  const mnist = new Sequential({
    layers: [new Dense({ units: 10, activation: 'softmax', inputShape: [784] })],
  });
  await mnist.save(at('mnist'));
  await quiet(() => exportCommand(at('mnist'), { format: 'tfjs', out: at('mnist-tfjs') }));
  const first = await quiet(() => importCommand(at('mnist-tfjs', 'model.json'), { out: at('m3') }));
  assert.match(first.out, /treated as an MNIST digit classifier/);
  assert.ok(existsSync(at('m3', 'preprocessing.json')));
  const second = await quiet(() => importCommand(join(FIXTURES, 'keras', 'mlp.keras'), { out: at('m3') }));
  assert.ok(!existsSync(at('m3', 'preprocessing.json')));
  assert.match(second.out, /is used from code: loadModel\('.*m3'\)/);
  await refused(
    () => evaluateCommand(at('m3'), {}),
    /has no preprocessing\.json.*an imported model .* is used from code/,
  );
});

it('K13: saveTfjs removes temporary files a crashed save left, and writes only its files', async () => {
  const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
  await saveTfjs(model, at('t3'));
  // A writer that is gone: pid 2^22 + 1 is above Linux' largest pid_max, so no process has it.
  const stale = '.group1-shard1of1.bin.4194305.0badc0de.tmp';
  await writeFile(at('t3', stale), 'half a shard');
  const written = await saveTfjs(model, at('t3'));
  assert.deepEqual(written, ['model.json', 'group1-shard1of1.bin']);
  assert.deepEqual((await readdir(at('t3'))).sort(), ['group1-shard1of1.bin', 'model.json']);
});

it('K17: exporting a model imported from ONNX to TF.js says it exports to ONNX only', async () => {
  await quiet(() => importCommand(join(FIXTURES, 'onnx', 'cnn.onnx'), { out: at('om') }));
  await assert.rejects(
    quiet(() => exportCommand(at('om'), { format: 'tfjs', out: at('om-tfjs') })),
    /a model imported from ONNX exports to ONNX only/,
  );
});

it('export --format keras writes a .keras file that loads back predicting the same; other names refused', async () => {
  await quiet(() => importCommand(join(FIXTURES, 'keras', 'mlp.keras'), { out: at('k1') }));
  const { out } = await quiet(() => exportCommand(at('k1'), { format: 'keras' }));
  assert.match(out, /Wrote .*k1\/model\.keras .*a Keras 3 \.keras file.*\n.*load_model\('model\.keras'\)/);
  const original = await loadModel<Sequential>(at('k1'));
  const exported = await loadKeras(at('k1', 'model.keras'));
  const sample = original.inputShape as number[];
  const size = sample.reduce((a, b) => a * b, 1);
  const x = tensor(
    Float32Array.from({ length: 2 * size }, (_, i) => Math.sin(i)),
    { shape: [2, ...sample] },
  );
  assert.deepEqual(
    [...(exported.predict(x) as Tensor).dataSync()],
    [...(original.predict(x) as Tensor).dataSync()],
  );
  // A folder gets model.keras inside it; a name Keras 3 would not load is refused, nothing written.
  await mkdir(at('k-out'), { recursive: true });
  await quiet(() => exportCommand(at('k1'), { format: 'keras', out: at('k-out') }));
  assert.ok(existsSync(at('k-out', 'model.keras')));
  await refused(
    () => exportCommand(at('k1'), { format: 'keras', out: at('k1', 'model.json') }),
    /--out .*model\.json: Keras 3 loads only files named \*\.keras/,
  );
  assert.ok(await loadModel(at('k1')));
  // A layer Keras 3 has no equivalent for is refused by name.
  await quiet(() => importCommand(join(FIXTURES, 'onnx', 'cnn.onnx'), { out: at('ok') }));
  await assert.rejects(
    quiet(() => exportCommand(at('ok'), { format: 'keras', out: at('ok.keras') })),
    /OnnxGraph/,
  );
  assert.ok(!existsSync(at('ok.keras')));
});
