/**
 * TF.js Layers format: what is refused and how (ModelFormatError naming the file, layer, weight
 * and values), the converter's quantized weights, shards, saveTfjs / loadTfjs on disk, the layers
 * TF.js cannot run (checked through the Keras form instead), and a fuzz of model.json and shards.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  Activation,
  BatchNormalization,
  Bidirectional,
  Conv1D,
  Conv2D,
  Dense,
  GRU,
  input,
  LSTM,
  Model,
  ModelFormatError,
  manualSeed,
  Reshape,
  Rng,
  Sampling,
  Sequential,
  Subtract,
} from '../src/index.js';
import { modelFromKeras } from '../src/interop/keras/from-keras.js';
import type { KerasModelJson, KerasWeights } from '../src/interop/keras/keras-types.js';
import { fromTfjs } from '../src/interop/keras/tfjs/from-tfjs.js';
import { toTfjs } from '../src/interop/keras/tfjs/to-tfjs.js';
import { halfToFloat } from '../src/interop/keras/tfjs/weights-manifest.js';
import { kerasModelJson, kerasWeights } from '../src/interop/keras/to-keras.js';
import { loadTfjs, saveTfjs } from '../src/node/tfjs-files.js';
import { useTempDir } from './helpers.js';
import { assertAgree, bpPredict, randomizeBp, type Sample, tfPredict } from './tfjs-peer.js';

// biome-ignore lint/suspicious/noExplicitAny: model.json edited by hand in the tests
type Json = Record<string, any>;

/** A small Dense → Dense model with seeded weights, and its TF.js form. */
function mlp(): { model: Sequential; modelJson: Json; weightData: ArrayBuffer } {
  manualSeed(5);
  const model = new Sequential({
    name: 'mlp',
    layers: [
      new Dense({ units: 3, activation: 'relu', inputShape: [2], name: 'hidden' }),
      new Dense({ units: 2, name: 'out' }),
    ],
  });
  randomizeBp(model, new Rng(6));
  const { modelJson, weightData } = toTfjs(model);
  return { model, modelJson: JSON.parse(JSON.stringify(modelJson)), weightData };
}

function refuses(f: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof ModelFormatError, `expected a ModelFormatError, got ${e.name}: ${e.message}`);
    for (const p of parts) {
      if (typeof p === 'string') assert.ok(e.message.includes(p), `'${e.message}' should mention '${p}'`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

const X: Sample[] = [{ data: Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]), shape: [3, 2] }];

before(async () => {
  await tf.setBackend('cpu');
});

describe('fromTfjs refuses what it cannot load, naming it', () => {
  it('an unknown layer class, naming the layer and its class and listing the supported ones', () => {
    const { modelJson, weightData } = mlp();
    modelJson.modelTopology.config.layers[1].class_name = 'GlobalMaxPooling2D';
    refuses(
      () => fromTfjs(modelJson, weightData, 'm.json'),
      'm.json',
      "layer 'out'",
      "'GlobalMaxPooling2D'",
      'supported:',
      'Conv2D',
    );
  });

  it('a weight whose shape differs from the layer, naming the layer, the weight and both shapes', () => {
    const { modelJson, weightData } = mlp();
    modelJson.weightsManifest[0].weights[0].shape = [3, 2]; // hidden/kernel is [2, 3]: same bytes
    refuses(() => fromTfjs(modelJson, weightData), "layer 'hidden'", 'hidden/kernel', '[3, 2]', '[2, 3]');
  });

  it('truncated shards, shards with bytes to spare, and a weight missing from or extra in the manifest', () => {
    const { modelJson, weightData } = mlp();
    refuses(
      () => fromTfjs(modelJson, weightData.slice(0, weightData.byteLength - 4)),
      'truncated',
      '68 bytes',
      '64 are present',
    );
    refuses(() => fromTfjs(modelJson, [weightData, new ArrayBuffer(8)]), 'hold 76 bytes', 'describes 68');
    const missing = JSON.parse(JSON.stringify(modelJson));
    missing.weightsManifest[0].weights.pop(); // out/bias
    refuses(() => fromTfjs(missing, weightData.slice(0, 60)), "weight 'out/bias' is missing");
    const extra = JSON.parse(JSON.stringify(modelJson));
    extra.weightsManifest[0].weights.push({ name: 'ghost/kernel', shape: [1], dtype: 'float32' });
    refuses(() => fromTfjs(extra, [weightData, new ArrayBuffer(4)]), 'no layer uses', 'ghost/kernel');
  });

  it("data_format 'channels_first', a constraint and an activity regularizer, naming the layer", () => {
    const conv = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          {
            class_name: 'Conv2D',
            config: {
              name: 'c1',
              filters: 1,
              kernel_size: [1, 1],
              batch_input_shape: [null, 2, 2, 1],
              data_format: 'channels_first',
            },
          },
        ],
      },
    };
    const manifest = [
      {
        paths: ['w'],
        weights: [
          { name: 'c1/kernel', shape: [1, 1, 1, 1], dtype: 'float32' },
          { name: 'c1/bias', shape: [1], dtype: 'float32' },
        ],
      },
    ];
    const json = (extra: Json) => {
      const t = JSON.parse(JSON.stringify(conv));
      Object.assign(t.config.layers[0].config, { data_format: 'channels_last' }, extra);
      return { format: 'layers-model', modelTopology: t, weightsManifest: manifest };
    };
    const bytes = new ArrayBuffer(8);
    refuses(
      () => fromTfjs(json({ data_format: 'channels_first' }), bytes),
      "layer 'c1' (Conv2D)",
      'channels_first',
    );
    refuses(
      () => fromTfjs(json({ kernel_constraint: { class_name: 'MaxNorm', config: { max_value: 2 } } }), bytes),
      "layer 'c1'",
      'kernel_constraint',
      'MaxNorm',
    );
    refuses(
      () => fromTfjs(json({ activity_regularizer: { class_name: 'L1L2', config: { l1: 1 } } }), bytes),
      "layer 'c1'",
      'activity_regularizer',
    );
    // The same file with the neutral values loads.
    assert.ok(
      fromTfjs(json({ kernel_constraint: null, activity_regularizer: null }), bytes) instanceof Sequential,
    );
  });

  it('a graph model, another format, and malformed JSON or manifests', () => {
    const { modelJson, weightData } = mlp();
    refuses(() => fromTfjs({ ...modelJson, format: 'graph-model' }, weightData), 'graph model');
    refuses(() => fromTfjs({ ...modelJson, format: 'backprop-model' }, weightData), "'layers-model'");
    refuses(() => fromTfjs(null, weightData), 'must be an object');
    refuses(() => fromTfjs({ ...modelJson, modelTopology: undefined }, weightData), 'no modelTopology');
    refuses(
      () => fromTfjs({ ...modelJson, weightsManifest: {} }, weightData),
      'weightsManifest must be a list',
    );
    const badShape = JSON.parse(JSON.stringify(modelJson));
    badShape.weightsManifest[0].weights[0].shape = [2, -3];
    refuses(() => fromTfjs(badShape, weightData), "weights[0] ('hidden/kernel')", 'shape');
    const huge = JSON.parse(JSON.stringify(modelJson));
    huge.weightsManifest[0].weights[0].shape = [2 ** 20, 2 ** 20];
    refuses(() => fromTfjs(huge, weightData), 'too large');
    const badDtype = JSON.parse(JSON.stringify(modelJson));
    badDtype.weightsManifest[0].weights[0].dtype = 'string';
    refuses(() => fromTfjs(badDtype, weightData), 'dtype "string" is not supported');
    refuses(() => fromTfjs(modelJson, 'bytes' as never), 'ArrayBuffer');
  });

  it("Keras 3's hard_sigmoid (relu6(x + 3) / 6) is refused; Keras 2's is backprop's", () => {
    const topology = (version: string): KerasModelJson => ({
      class_name: 'Sequential',
      keras_version: version,
      config: {
        name: 's',
        layers: [
          {
            class_name: 'Activation',
            config: { name: 'a', activation: 'hard_sigmoid', batch_input_shape: [null, 2] },
          },
        ],
      },
    });
    refuses(() => modelFromKeras(topology('3.5.0'), new Map(), 'k3'), "layer 'a'", 'hard_sigmoid', 'Keras 3');
    const model = modelFromKeras(topology('2.15.0'), new Map(), 'k2') as Sequential;
    assert.deepEqual(bpPredict(model, [{ data: Float32Array.from([-3, 1]), shape: [1, 2] }]), [
      Float32Array.from([0, 0.7]),
    ]);
  });
});

describe('modelFromKeras checks the weights against the layers', () => {
  const { model } = mlp();
  const topology = kerasModelJson(model);
  const weights = () => kerasWeights(model);

  it('loads a model from its Keras form with the same predictions', () => {
    const back = modelFromKeras(topology, weights(), 'k');
    assert.deepEqual(bpPredict(back, X), bpPredict(model, X));
  });

  it('refuses a missing layer entry, a wrong count, a wrong shape, wrong data and weights of unknown layers', () => {
    const w1 = weights();
    w1.delete('out');
    refuses(
      () => modelFromKeras(topology, w1, 'src.keras'),
      'src.keras',
      "layer 'out' (Dense)",
      '0 weight(s)',
      'needs 2',
    );
    const w2 = weights();
    w2.get('hidden')!.pop();
    refuses(() => modelFromKeras(topology, w2, 'k'), "layer 'hidden'", '1 weight(s)', 'hidden/bias [3]');
    const w3 = weights();
    w3.get('out')![0] = { name: 'out/kernel', shape: [2, 3], data: new Float32Array(6) };
    refuses(() => modelFromKeras(topology, w3, 'k'), "layer 'out'", "'out/kernel'", '[2, 3]', '[3, 2]');
    const w4 = weights();
    w4.get('out')![1] = { name: 'out/bias', shape: [2], data: new Float32Array(3) };
    refuses(() => modelFromKeras(topology, w4, 'k'), "'out/bias'", '3 values, not 2');
    const w5 = weights();
    w5.set('ghost', [{ name: 'ghost/kernel', shape: [1], data: new Float32Array(1) }]);
    refuses(() => modelFromKeras(topology, w5, 'k'), "layer 'ghost'", 'does not have');
    refuses(() => modelFromKeras(topology, {} as KerasWeights, 'k'), 'Map');
  });
});

describe('files tensorflowjs_converter makes from Keras 2', () => {
  it('reads a topology under model_config with cell-named weights (lstm/lstm_cell/kernel), and Keras 2’s BatchNormalization axis [3]', () => {
    manualSeed(31);
    const model = new Sequential({
      layers: [
        new Conv2D({ filters: 2, kernelSize: 1, inputShape: [2, 2, 1], name: 'c' }),
        new BatchNormalization({ name: 'bn' }),
        new Reshape({ targetShape: [4, 2] }),
        new Bidirectional({ layer: new LSTM({ units: 2, name: 'lstm' }), name: 'bi' }),
      ],
    });
    randomizeBp(model, new Rng(32));
    const { modelJson, weightData } = toTfjs(model);
    const converted: Json = {
      format: 'layers-model',
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: modelJson.modelTopology,
      },
      // Keras 2 names the cell's weights with the cell; the converter keeps the names.
      weightsManifest: modelJson.weightsManifest.map((g) => ({
        ...g,
        weights: g.weights.map((w) => ({ ...w, name: w.name.replace(/(_lstm)\//, '$1/lstm_cell/') })),
      })),
    };
    assert.ok(
      converted.weightsManifest[0].weights.some((w: Json) => w.name === 'bi/forward_lstm/lstm_cell/kernel'),
    );
    const bn = converted.modelTopology.model_config.config.layers[1].config;
    bn.axis = [3];
    const rng = new Rng(33);
    const x = [{ data: Float32Array.from({ length: 8 }, () => rng.normal()), shape: [2, 2, 2, 1] }];
    assert.deepEqual(bpPredict(fromTfjs(converted, weightData), x), bpPredict(model, x));
    bn.axis = [1];
    refuses(() => fromTfjs(converted, weightData), "layer 'bn' (BatchNormalization)", 'axis 1', 'last (3)');
  });
});

describe('the converter’s weight encodings', () => {
  it('dequantizes uint8 and uint16 (q·scale + min), reads float16 and int32, and joins shards', () => {
    manualSeed(9);
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [2], name: 'd' })] });
    const json: Json = JSON.parse(JSON.stringify(toTfjs(model).modelJson));
    const [kernel, bias] = json.weightsManifest[0].weights;
    kernel.quantization = { dtype: 'uint8', scale: 0.5, min: -1 };
    bias.quantization = { dtype: 'uint16', scale: 0.25, min: 2 };
    const u8 = Uint8Array.from([0, 1, 2, 255]);
    const u16 = new Uint8Array(new Uint16Array([3, 1000]).buffer);
    const q = fromTfjs(json, [u8.buffer, u16.buffer]) as Sequential;
    assert.deepEqual([...q.weights[0]!.tensor.dataSync()], [-1, -0.5, 0, 126.5]);
    assert.deepEqual([...q.weights[1]!.tensor.dataSync()], [2.75, 252]);

    kernel.quantization = { dtype: 'float16' };
    delete bias.quantization;
    bias.dtype = 'int32';
    // 1, −2, 0.5, 65504 as halves; the bias as int32 7 and −3.
    const halves = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff]).buffer);
    const ints = new Uint8Array(new Int32Array([7, -3]).buffer);
    const h = fromTfjs(json, [halves.buffer, ints.buffer]) as Sequential;
    assert.deepEqual([...h.weights[0]!.tensor.dataSync()], [1, -2, 0.5, 65504]);
    assert.deepEqual([...h.weights[1]!.tensor.dataSync()], [7, -3]);
    assert.equal(halfToFloat(0x0001), 2 ** -24);
    assert.equal(halfToFloat(0xfc00), Number.NEGATIVE_INFINITY);

    kernel.quantization = { dtype: 'uint8' };
    refuses(() => fromTfjs(json, new ArrayBuffer(12)), 'needs a finite scale and min');
    kernel.quantization = { dtype: 'int4' };
    refuses(() => fromTfjs(json, new ArrayBuffer(12)), 'quantization', 'not supported');
  });
});

describe('layers TF.js cannot run are refused by toTfjs and kept in the Keras form', () => {
  it('GRU with resetAfter, Subtract and causal Conv1D: refused for TF.js, a round trip through the Keras form', () => {
    manualSeed(11);
    const gru = new Sequential({ layers: [new GRU({ units: 2, inputShape: [3, 2], name: 'g' })] });
    refuses(() => toTfjs(gru), "layer 'g' (GRU)", 'resetAfter');
    const causal = new Sequential({
      layers: [
        new Conv1D({
          filters: 2,
          kernelSize: 2,
          padding: 'causal',
          dilationRate: 2,
          inputShape: [5, 2],
          name: 'c',
        }),
      ],
    });
    refuses(() => toTfjs(causal), "layer 'c' (Conv1D)", 'causal');
    const a = input({ shape: [2] });
    const b = input({ shape: [2] });
    const sub = new Model({ inputs: [a, b], outputs: new Subtract({ name: 'sub' }).apply([a, b]) });
    refuses(() => toTfjs(sub), "layer 'sub' (Subtract)");
    const rng = new Rng(12);
    const seq = (shape: number[]) => [
      {
        data: Float32Array.from({ length: 2 * shape.reduce((x, y) => x * y) }, () => rng.normal()),
        shape: [2, ...shape],
      },
    ];
    for (const [model, x] of [
      [gru, seq([3, 2])],
      [causal, seq([5, 2])],
      [sub, [...seq([2]), ...seq([2])]],
    ] as [Sequential | Model, Sample[]][]) {
      randomizeBp(model, rng);
      const back = modelFromKeras(kerasModelJson(model), kerasWeights(model), 'k');
      assert.deepEqual(bpPredict(back, x), bpPredict(model, x));
    }
  });

  it('a layer Keras has no equivalent for, and an activation whose Keras slope differs, naming the layer', () => {
    const a = input({ shape: [2] });
    const b = input({ shape: [2] });
    const vae = new Model({ inputs: [a, b], outputs: new Sampling({ name: 'z' }).apply([a, b]) });
    refuses(() => toTfjs(vae), "layer 'z' (Sampling)", 'no Keras');
    const leaky = new Sequential({
      layers: [new Dense({ units: 1, activation: 'leakyRelu', inputShape: [2], name: 'd' })],
    });
    refuses(() => toTfjs(leaky), "layer 'd' (Dense)", 'leakyRelu', 'LeakyReLU layer');
    // An Activation layer with it becomes TF.js' LeakyReLU layer with backprop's slope.
    const act = new Sequential({
      layers: [new Activation({ activation: 'leakyRelu', inputShape: [2], name: 'act' })],
    });
    const layer = toTfjs(act).modelJson.modelTopology.config.layers[0]!;
    assert.equal(layer.class_name, 'LeakyReLU');
    assert.equal(layer.config.alpha, 0.01);
  });
});

describe('saveTfjs / loadTfjs', () => {
  const dir = useTempDir('tfjs');

  it('writes model.json and 4 MB shards that TF.js reads, and loads them back', async () => {
    manualSeed(13);
    // 1100·1000 + … weights: 4.4 MB, two shards.
    const model = new Sequential({
      name: 'wide',
      layers: [new Dense({ units: 1000, inputShape: [1100], name: 'a' }), new Dense({ units: 2, name: 'b' })],
    });
    await saveTfjs(model, dir.path);
    const files = (await readdir(dir.path)).sort();
    assert.deepEqual(files, ['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']);
    assert.equal((await readFile(join(dir.path, 'group1-shard1of2.bin'))).byteLength, 4 * 1024 * 1024);
    const json = JSON.parse(await readFile(join(dir.path, 'model.json'), 'utf8'));
    assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    const rng = new Rng(14);
    const x = [{ data: Float32Array.from({ length: 2 * 1100 }, () => rng.normal()), shape: [2, 1100] }];
    const loaded = await loadTfjs(join(dir.path, 'model.json'));
    assert.deepEqual(bpPredict(loaded, x), bpPredict(model, x));
    const shards = await Promise.all(
      json.weightsManifest[0].paths.map((p: string) => readFile(join(dir.path, p))),
    );
    const all = Buffer.concat(shards);
    const inTf = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      }),
    );
    assertAgree(tfPredict(inTf, x), bpPredict(model, x), 'saved model in TF.js');

    // A smaller model saved over it: one shard, the stale second one removed.
    await saveTfjs(mlp().model, dir.path);
    assert.deepEqual((await readdir(dir.path)).sort(), ['group1-shard1of1.bin', 'model.json']);
    assert.deepEqual(bpPredict(await loadTfjs(join(dir.path, 'model.json')), X), bpPredict(mlp().model, X));
  });

  it('refuses a truncated or missing shard and a shard path outside the folder, naming the file', async () => {
    await saveTfjs(mlp().model, dir.path);
    const path = join(dir.path, 'model.json');
    const shard = join(dir.path, 'group1-shard1of1.bin');
    const bytes = await readFile(shard);
    await writeFile(shard, bytes.subarray(0, 40));
    await assert.rejects(
      loadTfjs(path),
      (e: Error) => e instanceof ModelFormatError && e.message.includes(path) && /truncated/.test(e.message),
    );
    const json = JSON.parse(await readFile(path, 'utf8'));
    json.weightsManifest[0].paths = ['../elsewhere.bin'];
    await writeFile(path, JSON.stringify(json));
    await assert.rejects(
      loadTfjs(path),
      (e: Error) => e instanceof ModelFormatError && e.message.includes('not a plain file name'),
    );
    json.weightsManifest[0].paths = ['gone.bin'];
    await writeFile(path, JSON.stringify(json));
    await assert.rejects(
      loadTfjs(path),
      (e: Error) => e instanceof ModelFormatError && e.message.includes("'gone.bin' is missing"),
    );
    await writeFile(path, '{ not json');
    await assert.rejects(
      loadTfjs(path),
      (e: Error) => e instanceof ModelFormatError && e.message.includes('not valid JSON'),
    );
  });
});

describe('fuzz: damaged model.json and shards give a ModelFormatError or a model, nothing else', () => {
  /** Every path to a value in the JSON, for mutating one. */
  function paths(
    v: unknown,
    at: (string | number)[] = [],
    out: (string | number)[][] = [],
  ): (string | number)[][] {
    out.push(at);
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) paths(x, [...at, i], out);
    } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
    return out;
  }
  const replacements: unknown[] = [
    null,
    -1,
    0,
    1e9,
    2.5,
    '',
    'x',
    [],
    {},
    [null],
    true,
    'channels_first',
    [1, 2, 3],
  ];

  it('one value replaced or deleted anywhere in model.json (300 seeded cases)', () => {
    manualSeed(21);
    const a = input({ shape: [4, 3] });
    const h = new GRU({ units: 2, resetAfter: false, returnSequences: true, name: 'g' }).apply(a);
    const model = new Model({ inputs: a, outputs: new Dense({ units: 2, name: 'd' }).apply(h) });
    const { modelJson, weightData } = toTfjs(model);
    const all = paths(modelJson).filter((p) => p.length > 0);
    const rng = new Rng(22);
    for (let k = 0; k < 300; k++) {
      const json = JSON.parse(JSON.stringify(modelJson));
      const p = all[Math.floor(rng.uniform() * all.length)]!;
      let parent = json;
      for (const key of p.slice(0, -1)) parent = parent[key];
      const last = p[p.length - 1]!;
      if (rng.uniform() < 0.2 && !Array.isArray(parent)) delete parent[last];
      else parent[last] = replacements[Math.floor(rng.uniform() * replacements.length)];
      try {
        fromTfjs(json, weightData);
      } catch (e) {
        assert.ok(
          e instanceof ModelFormatError,
          `${JSON.stringify(p)}: ${(e as Error).name}: ${(e as Error).message}`,
        );
      }
    }
  });

  it('shards truncated, extended or with flipped bytes', () => {
    const { modelJson, weightData } = mlp();
    const rng = new Rng(23);
    for (let k = 0; k < 100; k++) {
      const bytes = new Uint8Array(weightData.slice(0));
      const cut = Math.floor(rng.uniform() * (bytes.byteLength + 8));
      const data = k % 2 === 0 ? bytes.slice(0, cut) : bytes;
      if (k % 2 === 1) data[Math.floor(rng.uniform() * data.length)]! ^= 1 << Math.floor(rng.uniform() * 8);
      try {
        const m = fromTfjs(modelJson, data.buffer);
        assert.equal(data.byteLength, weightData.byteLength);
        bpPredict(m, X);
      } catch (e) {
        assert.ok(e instanceof ModelFormatError, `${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
});
