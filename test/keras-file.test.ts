import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ArgumentError, ModelFormatError } from '../src/errors.js';
import { fromKeras, fromKerasH5, loadModel, tensor } from '../src/index.js';
import { openHdf5 } from '../src/interop/keras/keras-file/hdf5.js';
import { keysInLayerOrder, toSnakeCase } from '../src/interop/keras/keras-file/keras3-weights.js';
import { ZipArchive } from '../src/interop/keras/keras-file/zip.js';
import type { KerasModelJson } from '../src/interop/keras/keras-types.js';
import { loadKeras } from '../src/node/index.js';
import { Rng } from '../src/random/rng.js';
import { makeZip } from './fixtures/keras/zip-builder.js';
import { describeEachBackend, useTempDir } from './helpers.js';

// Real Keras 3.15 models and Keras' own predictions (test/fixtures/keras/make_keras.py).
const DIR = 'test/fixtures/keras';
const KERAS_MODELS = [
  'mlp',
  'cnn',
  'functional',
  'text_lstm',
  'gru_bilstm',
  'conv1d_ln',
  'conv_transpose',
  'separable',
  'nested',
  'assorted_rnn',
  'assorted_conv',
  'masked_lstm',
  'two_outputs',
];
// tf.keras 2.13–2.15's weights layout (layers under _layer_checkpoint_dependencies, no vars names).
const TF213_MODELS = [
  ['cnn_tf213', 'cnn'],
  ['functional_tf213', 'functional'],
];
// Keras 3's legacy .h5, and tf.keras 2.x-style files (byte-string attributes, Keras 2 configs, ':0' names).
const H5_MODELS = [
  ['mlp', 'mlp'],
  ['cnn', 'cnn'],
  ['functional', 'functional'],
  ['mlp_keras2', 'mlp'],
  ['functional_keras2', 'functional'],
];

interface Recorded {
  inputs: { shape: number[]; data: number[] }[];
  outputs: { shape: number[]; data: number[] }[];
}

const file = (name: string) => new Uint8Array(readFileSync(`${DIR}/${name}`));
const recorded = (name: string): Recorded => JSON.parse(readFileSync(`${DIR}/${name}.json`, 'utf8'));

function checkPredictions(model: { predict(x: unknown): unknown }, name: string): void {
  const rec = recorded(name);
  const inputs = rec.inputs.map((x) => tensor(x.data, { shape: x.shape }));
  const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const outs = (Array.isArray(out) ? out : [out]) as { shape: readonly number[]; dataSync(): Float32Array }[];
  assert.equal(outs.length, rec.outputs.length);
  outs.forEach((y, k) => {
    const want = rec.outputs[k]!;
    assert.deepEqual([...y.shape], want.shape, `${name}: output ${k} shape`);
    const got = y.dataSync();
    want.data.forEach((v, i) => {
      const err = Math.abs(got[i]! - v);
      assert.ok(err <= 1e-5 * Math.abs(v) + 1e-6, `${name}: output ${k}[${i}] = ${got[i]}, Keras gives ${v}`);
    });
  });
}

async function refused(p: () => unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(
    async () => p(),
    (e: unknown) => {
      assert.ok(e instanceof ModelFormatError, `${(e as Error).name}: ${(e as Error).message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

/** A fixture's parts, to put back together with one changed or missing. */
async function parts(name: string): Promise<Map<string, Uint8Array>> {
  const zip = ZipArchive.open(file(`${name}.keras`));
  const out = new Map<string, Uint8Array>();
  for (const n of zip.names()) out.set(n, await zip.read(n));
  return out;
}

const rezip = (m: Map<string, Uint8Array>) => makeZip([...m].map(([name, data]) => ({ name, data })));

describeEachBackend('Keras 3 .keras files', () => {
  for (const name of KERAS_MODELS) {
    it(`${name}.keras predicts what Keras predicted`, async () => {
      checkPredictions(await fromKeras(file(`${name}.keras`), { source: `${name}.keras` }), name);
    });
  }
  for (const [name, predictions] of TF213_MODELS) {
    it(`${name}.keras (tf.keras 2.13 layout) predicts what Keras predicted`, async () => {
      checkPredictions(await fromKeras(file(`${name}.keras`), { source: `${name}.keras` }), predictions!);
    });
  }
  for (const [name, predictions] of H5_MODELS) {
    it(`legacy ${name}.h5 predicts what Keras predicted`, () => {
      checkPredictions(fromKerasH5(file(`${name}.h5`), { source: `${name}.h5` }), predictions!);
    });
  }
});

const tmp = useTempDir('keras-file');

describe('Keras files: loading and errors', () => {
  it('a loaded .keras model saves in backprop format, reloads identically and fine-tunes', async () => {
    const model = await fromKeras(file('functional.keras'));
    const dir = `${tmp.path}/functional`;
    await model.save(dir);
    checkPredictions(await loadModel(dir), 'functional');
    const rec = recorded('functional');
    const x = rec.inputs.map((v) => tensor(v.data, { shape: v.shape }));
    const flat = (y: unknown) => Array.from((Array.isArray(y) ? y[0] : y).dataSync() as Float32Array);
    const before = flat(model.predict(x));
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(x, tensor([0, 1, 1, 0, 0, 1], { shape: [3, 2] }), {
      epochs: 2,
      batchSize: 3,
      verbose: 0,
    });
    const after = flat(model.predict(x));
    assert.ok(
      after.some((v, i) => Math.abs(v - before[i]!) > 1e-6),
      'training moved the imported weights',
    );
  });

  it('loadKeras reads either kind of file from disk', async () => {
    checkPredictions(await loadKeras(`${DIR}/functional.keras`), 'functional');
    checkPredictions(await loadKeras(`${DIR}/cnn.h5`), 'cnn');
  });

  it("Keras 3's weight-group keys: snake case of the class, numbered in layer order (the fallback when vars has no name)", async () => {
    assert.deepEqual(
      [
        'Conv2DTranspose',
        'BatchNormalization',
        'LSTM',
        'MaxPooling2D',
        'GRU',
        'DepthwiseConv2D',
        'InputLayer',
      ].map(toSnakeCase),
      [
        'conv2d_transpose',
        'batch_normalization',
        'lstm',
        'max_pooling2d',
        'gru',
        'depthwise_conv2d',
        'input_layer',
      ],
    );
    // Every fixture's keys, as the algorithm gives them, are where Keras put each layer (by its vars name).
    for (const name of KERAS_MODELS) {
      const m = await parts(name);
      const config = JSON.parse(new TextDecoder().decode(m.get('config.json'))) as KerasModelJson;
      const layers = openHdf5(m.get('model.weights.h5')!).group('layers');
      for (const [layer, key] of keysInLayerOrder(config)) {
        assert.equal(layers.group(`${key}/vars`).attr('name'), layer.config.name, `${name}: ${key}`);
      }
    }
  });

  it('a deflated .keras (re-zipped by another tool) loads the same', async () => {
    const m = await parts('mlp');
    const bytes = await makeZip([...m].map(([name, data]) => ({ name, data, deflate: true })));
    checkPredictions(await fromKeras(bytes), 'mlp');
  });

  it('refuses a non-zip, a missing config.json, an unknown layer and a weight of the wrong shape, naming them', async () => {
    await refused(
      () => fromKeras(new TextEncoder().encode('{"not": "a zip"}'), { source: 'x.keras' }),
      /x\.keras: not a zip/,
    );

    const noConfig = await parts('mlp');
    noConfig.delete('config.json');
    await refused(async () => fromKeras(await rezip(noConfig)), /saved by Keras 3\.15\.1\): no config\.json/);

    await refused(
      () => fromKeras(file('unsupported_gap1d.keras'), { source: 'gap.keras' }),
      /gap\.keras \(saved by Keras 3\.15\.1\).*'global_average_pooling1d'.*GlobalAveragePooling1D/,
    );

    const wider = await parts('mlp');
    const config = JSON.parse(new TextDecoder().decode(wider.get('config.json')));
    config.config.layers[1].config.units = 9; // the file's kernel is [6, 8]
    wider.set('config.json', new TextEncoder().encode(JSON.stringify(config)));
    await refused(async () => fromKeras(await rezip(wider)), /layer 'dense' \(Dense\).*\[6, ?8\].*\[6, ?9\]/);

    const badJson = await parts('mlp');
    badJson.set('config.json', new TextEncoder().encode('{"class_name": '));
    await refused(async () => fromKeras(await rezip(badJson)), /config\.json is not valid JSON/);

    const noWeights = await parts('cnn');
    noWeights.set('model.weights.h5', file('h5py_features.h5'));
    await refused(async () => fromKeras(await rezip(noWeights)), /model\.weights\.h5 has no 'layers' group/);

    await refused(
      () => fromKerasH5(file('h5py_features.h5'), { source: 'f.h5' }),
      /f\.h5.*no model_config attribute/,
    );
    await refused(
      () => fromKeras(file('mlp.h5'), { source: 'm.h5' }),
      /m\.h5: this is an HDF5 file.*fromKerasH5/,
    );
    await refused(
      () => fromKerasH5(file('mlp.keras'), { source: 'm.keras' }),
      /m\.keras: this is a zip.*fromKeras/,
    );
    await assert.rejects(async () => fromKeras('model.keras' as never), ArgumentError);
  });

  it('fuzz: truncated or flipped .keras files fail with ModelFormatError only', async () => {
    const rng = new Rng(17);
    const base = file('mlp.keras');
    const m = await parts('mlp');
    const weights = m.get('model.weights.h5')!;
    for (let i = 0; i < 120; i++) {
      let bytes: Uint8Array;
      if (i < 30) bytes = base.slice(0, Math.floor((base.length * i) / 30));
      else if (i < 60) {
        bytes = base.slice();
        bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
      } else {
        // Corrupt the HDF5 inside but give the zip a matching CRC, so the HDF5 reader meets it.
        const h5 = weights.slice();
        for (let k = 0; k < 1 + (i % 3); k++) h5[rng.int(i % 2 ? 2048 : h5.length)] ^= 1 << rng.int(8);
        bytes = await rezip(new Map([...m, ['model.weights.h5', h5]]));
      }
      try {
        await fromKeras(bytes);
      } catch (e) {
        assert.ok(e instanceof ModelFormatError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });

  it('fuzz: truncated or flipped legacy .h5 model files fail with ModelFormatError only', () => {
    const rng = new Rng(18);
    const base = file('functional.h5');
    for (let i = 0; i < 120; i++) {
      const bytes = i < 30 ? base.slice(0, Math.floor((base.length * i) / 30)) : base.slice();
      if (i >= 30)
        for (let k = 0; k < 1 + (i % 3); k++) bytes[rng.int(i % 2 ? 4096 : bytes.length)] ^= 1 << rng.int(8);
      try {
        fromKerasH5(bytes);
      } catch (e) {
        assert.ok(e instanceof ModelFormatError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
});
