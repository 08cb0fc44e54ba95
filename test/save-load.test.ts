import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { it } from 'node:test';
import { FilepathTemplate } from '../src/model/callbacks/filepath-template.js';
import { sealModelJson } from '../src/model/manifest.js';
import {
  ArgumentError,
  Dense,
  Dropout,
  l2,
  loadModel,
  ModelFormatError,
  manualSeed,
  modelCheckpoint,
  modelFromArtifacts,
  ones,
  Sequential,
  SGD,
} from '../src/node/index.js';
import { moons } from './datasets.js';
import { describeEachBackend, useTempDir } from './helpers.js';

const tmp = useTempDir('save');

async function trainedModel(): Promise<Sequential> {
  manualSeed(21);
  const model = new Sequential({ name: 'moons' });
  model.add(new Dense({ units: 8, activation: 'tanh', inputDim: 2, kernelRegularizer: l2(0.001) }));
  model.add(new Dropout({ rate: 0.2 }));
  model.add(new Dense({ units: 2, activation: 'softmax' }));
  model.compile({
    optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const { x, y } = moons(64, 0.1, 21);
  await model.fit(x, y, { epochs: 2, verbose: 0 });
  return model;
}

/** The weight file a saved folder's model.json names. */
async function weightsFileOf(folder: string): Promise<string> {
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  return join(folder, json.weightsManifest.path);
}

/** Inputs to compare predictions on, made on the backend the test runs on. */
const probeRows = [
  [0.1, 0.2],
  [1.5, -0.3],
  [-1, 0.5],
];

describeEachBackend('save and load', () => {
  it('round-trips through a folder and predicts identically', async () => {
    const model = await trainedModel();
    const path = join(tmp.path, 'round-trip');
    await model.save(path);
    assert.deepEqual((await readdir(path)).sort(), ['model.json', basename(await weightsFileOf(path))]);
    const loaded = await loadModel(path);
    assert.deepEqual(
      loaded.predict(probeRows).dataSync(),
      model.predict(probeRows).dataSync(),
      'identical predictions',
    );
    assert.equal(loaded.name, 'moons');
    assert.deepEqual(
      loaded.layers.map((l) => l.className),
      ['Dense', 'Dropout', 'Dense'],
    );
    // The training configuration comes back too, so the loaded model can go on training.
    assert.equal(loaded.loss?.name, 'categoricalCrossentropy');
    assert.equal(loaded.optimizer?.className, 'SGD');
    assert.deepEqual(
      loaded.metrics.map((m) => m.name),
      ['accuracy'],
    );
    const { x, y } = moons(32, 0.1, 22);
    await loaded.fit(x, y, { epochs: 1, verbose: 0 });
    // Loading from the model.json path works as well.
    await loadModel(join(path, 'model.json'));
  });

  it('round-trips in memory (the browser path) and through an IOHandler', async () => {
    const model = await trainedModel();
    const artifacts = model.toArtifacts();
    const copy = modelFromArtifacts(structuredClone(artifacts));
    assert.deepEqual(copy.predict(probeRows).dataSync(), model.predict(probeRows).dataSync());
    let stored: typeof artifacts | null = null;
    await model.save({
      save: async (a) => {
        stored = a;
      },
    });
    const viaHandler = await loadModel({ load: async () => stored! });
    assert.deepEqual(viaHandler.predict(probeRows).dataSync(), model.predict(probeRows).dataSync());
  });

  it('overwrites atomically and leaves no temporary files', async () => {
    const model = await trainedModel();
    const path = join(tmp.path, 'atomic');
    await model.save(path);
    await model.save(path);
    const first = basename(await weightsFileOf(path));
    assert.match(first, /^weights-[0-9a-f]{8}\.bin$/);
    assert.deepEqual((await readdir(path)).sort(), ['model.json', first]);
    // New weights get a new file; the old one is deleted once model.json names the new one.
    const { x, y } = moons(16, 0.1, 5);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    await model.save(path);
    const second = basename(await weightsFileOf(path));
    assert.notEqual(second, first);
    assert.deepEqual((await readdir(path)).sort(), ['model.json', second]);
    assert.deepEqual(
      readdirSync(tmp.path).filter((n) => n.startsWith('.')),
      [],
      'no temporary folders',
    );
  });

  it('says which problem a bad model folder has, and never returns a model', async () => {
    const model = await trainedModel();
    const fresh = async (name: string): Promise<string> => {
      const path = join(tmp.path, name);
      await model.save(path);
      return path;
    };
    const expectError = async (path: string, pattern: RegExp) =>
      assert.rejects(loadModel(path), (e: Error) => {
        assert.ok(e instanceof ModelFormatError, `${e.name}: ${e.message}`);
        assert.match(e.message, pattern);
        return true;
      });

    await expectError(join(tmp.path, 'nothing-here'), /no model at '.*nothing-here': no such folder/);

    const truncated = await fresh('truncated');
    await truncate(await weightsFileOf(truncated), 100);
    await expectError(
      truncated,
      /weights-[0-9a-f]{8}\.bin \(weights\) is truncated: it has 100 bytes but model\.json describes \d+/,
    );

    const flipped = await fresh('flipped');
    const bytes = await readFile(await weightsFileOf(flipped));
    bytes[17]! ^= 0xff;
    await writeFile(await weightsFileOf(flipped), bytes);
    await expectError(
      flipped,
      /weights-[0-9a-f]{8}\.bin \(weights\) is corrupted or does not belong to this model\.json \(CRC-32 mismatch\)/,
    );

    const badJson = await fresh('bad-json');
    const text = await readFile(join(badJson, 'model.json'), 'utf8');
    await writeFile(join(badJson, 'model.json'), text.slice(0, text.length / 2));
    await expectError(badJson, /model\.json is corrupted \(not valid JSON/);

    // biome-ignore lint/suspicious/noExplicitAny: the test edits arbitrary fields of the JSON
    const editJson = async (name: string, edit: (json: Record<string, any>) => void): Promise<string> => {
      const path = await fresh(name);
      const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
      edit(json);
      // Sealed again, so that the checks behind the JSON's own checksum are what is tested.
      await writeFile(join(path, 'model.json'), JSON.stringify(sealModelJson(json)));
      return path;
    };
    await expectError(
      await editJson('newer', (j) => {
        j.formatVersion = 3;
      }),
      /unsupported model format version 3 \(this backprop reads versions 1 and 2; the file was written by a newer backprop/,
    );
    await expectError(
      await editJson('foreign', (j) => {
        delete j.format;
      }),
      /not a backprop model/,
    );
    await expectError(
      await editJson('wrong-shape', (j) => {
        j.weightsManifest.weights[0].shape = [8, 2];
      }),
      /weight 'dense_\d+\/kernel' has shape \[8, 2\] in the file but the architecture needs \[2, 8\]/,
    );
    await expectError(
      await editJson('wrong-architecture', (j) => {
        j.modelTopology.layers[0].config.units = 9;
      }),
      /has shape \[2, 8\] in the file but the architecture needs \[2, 9\]/,
    );
    await expectError(
      await editJson('unknown-layer', (j) => {
        j.modelTopology.layers[1].className = 'Teleporter';
      }),
      /architecture in model\.json cannot be rebuilt: layer 1 \(Teleporter 'dropout_\d+'\): unknown layer class 'Teleporter'/,
    );
  });

  it('modelCheckpoint saves every epoch, or only improvements, as loadable models', async () => {
    const model = await trainedModel();
    const { x, y } = moons(64, 0.1, 23);
    const every = modelCheckpoint({ filepath: join(tmp.path, 'ckpt', 'epoch-{epoch}') });
    const best = modelCheckpoint({ filepath: join(tmp.path, 'best'), monitor: 'loss', saveBestOnly: true });
    await model.fit(x, y, { epochs: 3, verbose: 0, callbacks: [every, best] });
    assert.deepEqual((await readdir(join(tmp.path, 'ckpt'))).sort(), ['epoch-1', 'epoch-2', 'epoch-3']);
    assert.ok(best.saved.length >= 1 && best.saved.length <= 3, `saved ${best.saved.length} times`);
    const last = await loadModel(join(tmp.path, 'ckpt', 'epoch-3'));
    assert.deepEqual(
      last.predict(probeRows).dataSync(),
      model.predict(probeRows).dataSync(),
      'the last checkpoint is the final model',
    );
    await assert.rejects(
      model.fit(x, y, {
        epochs: 1,
        verbose: 0,
        callbacks: [modelCheckpoint({ filepath: join(tmp.path, 'x'), saveBestOnly: true })],
      }),
      /modelCheckpoint: 'val_loss' is not in the training logs/,
    );
  });

  it("modelCheckpoint fills in Keras' filepath templates: {epoch:02d} and logged values", async () => {
    const model = await trainedModel();
    const { x, y } = moons(64, 0.1, 23);
    const dir = join(tmp.path, 'templates');
    const cb = modelCheckpoint({ filepath: join(dir, 'w-{epoch:02d}-{loss:.3f}-{accuracy:.1%}') });
    const history = await model.fit(x, y, { epochs: 3, verbose: 0, callbacks: [cb] });
    const expected = history.history.loss!.map(
      (loss, i) => `w-0${i + 1}-${loss.toFixed(3)}-${(history.history.accuracy![i]! * 100).toFixed(1)}%`,
    );
    assert.deepEqual(
      cb.saved.map((p) => basename(p)),
      expected,
      'one file per epoch, named by its logs',
    );
    assert.deepEqual((await readdir(dir)).sort(), [...expected].sort());
    // A key the logs lack: refused before anything is written, naming it and the keys there are.
    const typo = modelCheckpoint({ filepath: join(dir, 'w-{val_los:.3f}') });
    await assert.rejects(
      model.fit(x, y, { epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [typo] }),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /uses '\{val_los:\.3f\}', but 'val_los' is not in the training logs — did you mean 'val_loss'\? \(available: epoch, loss, accuracy, val_loss, val_accuracy\)/.test(
          e.message,
        ),
    );
    assert.equal(typo.saved.length, 0);
  });

  it('modelCheckpoint formats as Python does, and refuses a template it cannot fill', () => {
    const fill = (filepath: string, logs: Record<string, number>, epoch = 0) =>
      new FilepathTemplate('modelCheckpoint', filepath).fill(epoch, logs);
    assert.equal(fill('ckpt/ep-{epoch}', {}, 4), 'ckpt/ep-5', 'plain {epoch}: 1-based, as before');
    assert.equal(fill('ckpt/best', { loss: 1 }), 'ckpt/best', 'a plain path stays as written');
    assert.equal(fill('{epoch:03d}_{epoch:>3}', {}, 9), '010_ 10');
    // Logged values are floats, as in Keras: repr without a spec, Python's rounding of ties to even.
    assert.equal(fill('{loss}|{val}|{tiny}', { loss: 1, val: 0.25, tiny: 1e-5 }), '1.0|0.25|1e-05');
    assert.equal(
      fill('{a:.0f} {b:.1f} {c:.2e} {d:g} {e:.3}', { a: 2.5, b: 0.25, c: 12345, d: 1234567, e: 100 }),
      '2 0.2 1.23e+04 1.23457e+06 1e+02',
    );
    assert.equal(
      fill('{a:+08.2f} {a:*^9.1f} {b:,.1f} {{literal}}', { a: -3.14, b: 1234567.89 }),
      '-0003.14 **-3.1*** 1,234,567.9 {literal}',
    );
    const refused = (filepath: string, pattern: RegExp, logs: Record<string, number> = { loss: 1 }) =>
      assert.throws(
        () => fill(filepath, logs),
        (e: unknown) => e instanceof ArgumentError && pattern.test(e.message),
      );
    refused('w-{loss:d}', /'\{loss:d\}' whose format spec is not supported \('loss' is a float\)/);
    refused('w-{loss:x}', /format spec is not supported; a spec is/);
    refused('w-{loss', /has a '\{' with no closing '\}'/);
    refused('w-}', /has a single '\}'/);
    refused('w-{}', /a field is a log name/);
    refused(
      'w-{lss}',
      /'lss' is not in the training logs — did you mean 'loss'\? \(available: epoch, loss\)/,
    );
    // The template is checked when the callback is made, before any training.
    assert.throws(() => modelCheckpoint({ filepath: 'w-{loss:.3q}' }), ArgumentError);
  });

  it('loads a model compiled with its own metric function uncompiled with { compile: false }', async () => {
    manualSeed(3);
    const model = new Sequential();
    model.add(new Dense({ units: 2, inputDim: 3 }));
    model.compile({
      optimizer: new SGD({ learningRate: 0.1 }),
      loss: 'meanSquaredError',
      metrics: [{ name: 'maxError', fn: (y, p) => y.sub(p).abs().max().item() }],
    });
    const dir = join(tmp.path, 'custom-metric');
    await model.save(dir);
    // The file names the metric but cannot hold its code: a plain load says so and names the way out.
    await assert.rejects(loadModel(dir), /unknown metric 'maxError'.*load with \{ compile: false \}/s);
    const loaded = await loadModel(dir, { compile: false });
    assert.equal(loaded.compiled, null);
    assert.deepEqual(loaded.predict(ones([1, 3])).dataSync(), model.predict(ones([1, 3])).dataSync());
    await assert.rejects(
      loadModel(dir, { compil: false } as never),
      /loadModel\(\): unknown option 'compil'/,
    );
  });

  it('refuses to save a model that has no weights yet', async () => {
    const model = new Sequential();
    model.add(new Dense({ units: 2 }));
    await assert.rejects(model.save(join(tmp.path, 'unbuilt')), /has no weights yet/);
  });
});
