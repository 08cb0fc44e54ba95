/**
 * The loader checks before it allocates (issue 12): each malformed model folder gets a
 * ModelFormatError naming the problem, before any layer is built or file read whole.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sealModelJson } from '../src/model/manifest.js';
import { loadModelArtifacts, saveModel } from '../src/model/serialization.js';
import {
  Dense,
  fileSystem,
  getBackend,
  loadModel,
  ModelFormatError,
  manualSeed,
  Sequential,
} from '../src/node/index.js';
import { describeEachBackend, useTempDir } from './helpers.js';

const tmp = useTempDir('loader');

function smallModel(): Sequential {
  manualSeed(3);
  const model = new Sequential({ name: 'small' });
  model.add(new Dense({ units: 4, activation: 'relu', inputDim: 3 }));
  model.add(new Dense({ units: 2 }));
  return model;
}

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary fields of the JSON
type Json = Record<string, any>;

/** A fresh folder per backend (the suite runs once on each). */
async function saved(name: string): Promise<string> {
  const path = join(tmp.path, `${getBackend().name}-${name}`);
  await smallModel().save(path);
  return path;
}

async function readJson(folder: string): Promise<Json> {
  return JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
}

/** Edit model.json; `seal` recomputes its checksum so the checks behind it are reached. */
async function edited(name: string, edit: (j: Json) => void, seal = true): Promise<string> {
  const path = await saved(name);
  const json = await readJson(path);
  edit(json);
  await writeFile(join(path, 'model.json'), JSON.stringify(seal ? sealModelJson(json as never) : json));
  return path;
}

async function refused(path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadModel(path), (e: Error) => {
    assert.ok(e instanceof ModelFormatError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describeEachBackend('loader checks', () => {
  it('refuses a huge layer before building it (units: 200000000)', async () => {
    const path = await edited('huge-units', (j) => {
      j.modelTopology.layers[0].config.units = 200_000_000;
    });
    const before = process.memoryUsage().arrayBuffers;
    await refused(
      path,
      /weight 'dense(_\d+)?\/kernel' has shape \[3, 4\] in the file but the architecture needs \[3, 200000000\]/,
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 50e6, 'nothing large was allocated');
  });

  it('refuses a weight file larger than model.json says without reading it', async () => {
    const path = await saved('huge-weights');
    const json = await readJson(path);
    // A sparse 1.5 GB file: stat says its size, reading it would allocate it.
    await truncate(join(path, json.weightsManifest.path), 1.5e9);
    const before = process.memoryUsage().arrayBuffers;
    await refused(
      path,
      /has 1500000000 bytes but model\.json describes 104 \(the files do not belong together\)/,
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 50e6, 'the file was not read');
  });

  it('gives every malformed manifest field a ModelFormatError naming it', async () => {
    const cases: [string, (j: Json) => void, RegExp][] = [
      [
        'dotdot',
        (j) => void (j.weightsManifest.path = '..'),
        /weightsManifest\.path must be a plain file name/,
      ],
      [
        'subdir',
        (j) => void (j.weightsManifest.path = '../other/w.bin'),
        /plain file name beside model\.json/,
      ],
      ['absolute-url', (j) => void (j.weightsManifest.path = 'http://evil.example/w.bin'), /plain file name/],
      [
        'null-entry',
        (j) => void (j.weightsManifest.weights[1] = null),
        /weightsManifest\.weights\[1\] must be an object, got null/,
      ],
      [
        'string-shape',
        (j) => void (j.weightsManifest.weights[0].shape = 'str'),
        /weights\[0\]\.shape \('dense_\d+\/kernel'\) must be a list, got "str"/,
      ],
      [
        'dtype',
        (j) => void (j.weightsManifest.weights[0].dtype = 'float16'),
        /dtype \('dense_\d+\/kernel'\) must be "float32", got "float16"/,
      ],
      [
        'no-byteLength',
        (j) => void delete j.weightsManifest.byteLength,
        /weightsManifest\.byteLength must be a whole number ≥ 0, got undefined/,
      ],
      [
        'unaligned',
        (j) => void (j.weightsManifest.weights[1].byteOffset = 50),
        /byteOffset \('dense_\d+\/bias'\) 50 is not a multiple of 4/,
      ],
      [
        'overlap',
        (j) => void (j.weightsManifest.weights[1].byteOffset = 40),
        /overlaps the bytes of another weight/,
      ],
      [
        'gap',
        (j) => void (j.weightsManifest.weights[1].byteOffset = 52),
        /bytes 48…52 of the weight file belong to no weight/,
      ],
      [
        'outside',
        (j) => void (j.weightsManifest.weights[3].byteOffset = 4096),
        /lie outside the 104-byte weight file/,
      ],
      [
        'no-input-shape',
        (j) => void (j.modelTopology.inputShape = null),
        /modelTopology\.inputShape is missing/,
      ],
      [
        'layer-name',
        (j) => void (j.modelTopology.layers[0].config.name = 7),
        /config\.name must be a string, got 7/,
      ],
      ['layers', (j) => void (j.modelTopology.layers = { 0: 1 }), /modelTopology\.layers must be a list/],
      [
        'metrics',
        (j) => void (j.trainingConfig = { loss: 'mse', lossOptions: {}, metrics: [], optimizer: {} }),
        /fromLogits must be true or false/,
      ],
    ];
    for (const [name, edit, pattern] of cases) await refused(await edited(name, edit), pattern);
  });

  it('refuses an edited model.json (format 2 seals it) but still loads format 1 folders', async () => {
    await refused(
      await edited('unsealed', (j) => void (j.modelTopology.layers[0].config.activation = 'tanh'), false),
      /model\.json was edited or is corrupted/,
    );
    await refused(await edited('no-seal', (j) => void delete j.jsonCrc32, false), /jsonCrc32 is missing/);
    // A folder as the previous version wrote it: weights.bin, formatVersion 1, no jsonCrc32.
    const v1 = await saved('v1');
    const json = await readJson(v1);
    const bytes = await readFile(join(v1, json.weightsManifest.path));
    await rm(join(v1, json.weightsManifest.path));
    await writeFile(join(v1, 'weights.bin'), bytes);
    json.formatVersion = 1;
    json.weightsManifest.path = 'weights.bin';
    delete json.jsonCrc32;
    await writeFile(join(v1, 'model.json'), JSON.stringify(json));
    const loaded = await loadModel(v1);
    assert.deepEqual(
      loaded.predict([[1, 2, 3]]).dataSync(),
      smallModel()
        .predict([[1, 2, 3]])
        .dataSync(),
    );
    // Saving over it moves it to format 2 and removes the old weights.bin.
    await loaded.save(v1);
    assert.equal((await readJson(v1)).formatVersion, 2);
    assert.ok(!readdirSync(v1).includes('weights.bin'));
  });

  it('turns file-system surprises into ModelFormatError (model.json or weights as folders)', async () => {
    const dirJson = join(tmp.path, `${getBackend().name}-json-is-dir`);
    await mkdir(join(dirJson, 'model.json'), { recursive: true });
    await refused(dirJson, /model\.json is not a file/);
    const path = await saved('weights-dir');
    const json = await readJson(path);
    await rm(join(path, json.weightsManifest.path));
    await mkdir(join(path, json.weightsManifest.path));
    await refused(path, /\(weights\) is not a file/);
    const file = join(tmp.path, `${getBackend().name}-plain-file`);
    await writeFile(file, 'x');
    await refused(join(file, 'sub'), /no model at .*: it is not a folder|no such folder/);
  });

  it('saves and loads a training state in the same commit, and checks it like the weights', async () => {
    const model = smallModel();
    const payload = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const path = join(tmp.path, `${getBackend().name}-with-state`);
    await saveModel(model, path, {
      trainingState: { json: { epoch: 3, note: 'any' }, data: payload.slice().buffer },
    });
    const names = readdirSync(path).sort();
    assert.equal(names.length, 3);
    assert.match(names[2]!, /^weights-[0-9a-f]{8}\.bin$/);
    assert.match(names[1]!, /^training-state-[0-9a-f]{8}\.bin$/);
    const artifacts = await loadModelArtifacts(path);
    assert.deepEqual(artifacts.trainingState?.json, { epoch: 3, note: 'any' });
    assert.deepEqual(new Uint8Array(artifacts.trainingState!.data), payload);
    // A training state built by hand beside toArtifacts() gets described and sealed too.
    await model.save({ save: async () => {} });
    await fileSystem(join(tmp.path, `${getBackend().name}-by-hand`)).save!({
      ...model.toArtifacts(),
      trainingState: { json: { a: 1 }, data: new ArrayBuffer(4) },
    });
    assert.deepEqual(
      (await loadModelArtifacts(join(tmp.path, `${getBackend().name}-by-hand`))).trainingState?.json,
      { a: 1 },
    );
    // Damaged: refused, by size before reading and by checksum after.
    const state = join(path, names[1]!);
    await writeFile(state, new Uint8Array(9));
    await assert.rejects(
      loadModelArtifacts(path),
      /training-state-[0-9a-f]{8}\.bin \(training state\) is corrupted/,
    );
    await truncate(state, 4);
    await assert.rejects(loadModelArtifacts(path), /\(training state\) is truncated: it has 4 bytes/);
    // A later save without a state removes the stale one.
    await model.save(path);
    assert.equal(readdirSync(path).length, 2);
  });

  it('exists() and remove() touch only what the library wrote', async () => {
    const path = await saved('removable');
    await writeFile(join(path, 'notes.txt'), 'mine');
    const handler = fileSystem(path);
    assert.equal(await handler.exists!(), true);
    await handler.remove!();
    assert.equal(await handler.exists!(), false);
    assert.deepEqual(readdirSync(path), ['notes.txt']);
  });
});

describeEachBackend('loading over HTTP', () => {
  let server: Server;
  let base = '';
  /** `chunked`: no Content-Length, so only the bytes read tell the size. */
  const files = new Map<string, { body: Buffer; chunked?: boolean }>();
  before(async () => {
    server = createServer((req, res) => {
      const file = files.get(req.url ?? '');
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      if (file.chunked) res.writeHead(200);
      else res.writeHead(200, { 'content-length': String(file.body.length) });
      res.end(file.body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  async function publish(prefix: string, edit?: (j: Json) => void): Promise<Json> {
    const folder = await saved(`http${prefix.replaceAll('/', '-')}`);
    const json = await readJson(folder);
    files.set(`${prefix}/${json.weightsManifest.path}`, {
      body: await readFile(join(folder, json.weightsManifest.path)),
    });
    edit?.(json);
    files.set(`${prefix}/model.json`, { body: Buffer.from(JSON.stringify(sealModelJson(json as never))) });
    return json;
  }

  it('loads a model from beside its model.json', async () => {
    await publish(`/${getBackend().name}/ok`);
    const model = await loadModel(`${base}/${getBackend().name}/ok`);
    assert.deepEqual(
      model.predict([[1, 2, 3]]).dataSync(),
      smallModel()
        .predict([[1, 2, 3]])
        .dataSync(),
    );
  });

  it('fetches weights only from the model folder, and never more bytes than declared', async () => {
    await publish('/m/escape', (j) => void (j.weightsManifest.path = '../ok/w.bin'));
    await assert.rejects(loadModel(`${base}/m/escape`), /plain file name beside model\.json/);
    const json = await publish('/m/long');
    const entry = files.get(`/m/long/${json.weightsManifest.path}`)!;
    entry.body = Buffer.concat([entry.body, Buffer.alloc(1 << 20)]);
    await assert.rejects(loadModel(`${base}/m/long`), (e: Error) => {
      assert.ok(e instanceof ModelFormatError);
      assert.match(e.message, /the server sends 1048680 bytes but model\.json describes 104/);
      return true;
    });
    // Without a Content-Length, reading stops as soon as the body passes the declared size.
    const chunked = await publish('/m/chunked');
    const body = files.get(`/m/chunked/${chunked.weightsManifest.path}`)!;
    body.chunked = true;
    body.body = Buffer.concat([body.body, Buffer.alloc(1 << 20)]);
    await assert.rejects(
      loadModel(`${base}/m/chunked`),
      /the body goes past the 104 bytes model\.json describes/,
    );
  });
});
