import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { it } from 'node:test';
import { sealModelJson } from '../src/model/manifest.js';
import {
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
