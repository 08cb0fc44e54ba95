/**
 * toKeras (Keras 3 .keras export) without Python: every layer kind round-trips through
 * toKeras → fromKeras with identical predictions; the weights file has exactly the groups,
 * datasets and values real Keras 3.15 writes for the same model (the fixtures of make_keras.py,
 * loaded and written again); the ZIP and HDF5 writers read back with our readers; refusals name
 * the layer. Real Keras loading these files is checked by hand with check_export.py (results in
 * test/fixtures/keras/README.md).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ArgumentError, ModelFormatError } from '../src/errors.js';
import {
  Activation,
  Add,
  Bidirectional,
  Concatenate,
  Dense,
  fromKeras,
  GRU,
  input,
  LSTM,
  Masking,
  Model,
  manualSeed,
  Rng,
  Sampling,
  Sequential,
  toKeras,
} from '../src/index.js';
import { Hdf5Dataset, type Hdf5Group, openHdf5 } from '../src/interop/keras/keras-file/hdf5.js';
import { h5Dataset, h5Group, writeHdf5 } from '../src/interop/keras/keras-file/hdf5-write.js';
import { ZipArchive } from '../src/interop/keras/keras-file/zip.js';
import { writeZip } from '../src/interop/keras/keras-file/zip-write.js';
import { loadKeras, saveKeras } from '../src/node/index.js';
import { describeEachBackend, useTempDir } from './helpers.js';
import { EXPORT_CASES, exportSamples } from './keras-export-models.js';
import { bpPredict, randomizeBp } from './tfjs-peer.js';

const FIXTURES = 'test/fixtures/keras';

async function parts(bytes: Uint8Array) {
  const zip = ZipArchive.open(bytes, 'export.keras');
  return {
    zip,
    config: JSON.parse(await zip.readText('config.json')) as Record<string, unknown>,
    h5: openHdf5(await zip.read('model.weights.h5'), 'model.weights.h5'),
  };
}

/** Every group and dataset under `g`: path, shape and values (what Keras reads back). */
function tree(g: Hdf5Group, path = ''): string[] {
  return g.keys().flatMap((k) => {
    const child = g.get(k);
    if (child instanceof Hdf5Dataset) return [`${path}/${k} [${child.shape}] ${[...child.read()].join(',')}`];
    return [`${path}/${k}/`, ...tree(child, `${path}/${k}`)];
  });
}

describeEachBackend('toKeras → fromKeras', () => {
  EXPORT_CASES.forEach((c, k) => {
    it(`predicts exactly as before: ${c.name}`, async () => {
      manualSeed(100 + k);
      const model = c.build();
      randomizeBp(model, new Rng(200 + k));
      const back = await fromKeras(toKeras(model), { source: `${c.name}.keras` });
      assert.equal(back.className, model.className);
      assert.deepEqual(
        back.layers.map((l) => l.name),
        model.layers.map((l) => l.name),
      );
      const xs = exportSamples(c, new Rng(300 + k), 3);
      assert.deepEqual(bpPredict(back, xs), bpPredict(model, xs), c.name);
    });
  });
});

describe('toKeras: what the file holds', () => {
  // Keras 3.15 wrote these; loaded here and written again, the weights file must be Keras' own:
  // same groups (keys by class and Keras' layer order, cells, forward/backward layers, nested
  // models' layers, input layers of functional models), same datasets, same values.
  const SAME_AS_KERAS = [
    'mlp',
    'cnn',
    'functional',
    'text_lstm',
    'gru_bilstm',
    'conv1d_ln',
    'conv_transpose',
    'separable',
    'nested',
    'two_outputs',
    'masked_lstm',
  ];
  for (const name of SAME_AS_KERAS) {
    it(`the weights file of Keras' own ${name}.keras`, async () => {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, `${name}.keras`)));
      const theirs = (await parts(bytes)).h5;
      const ours = (await parts(toKeras(await fromKeras(bytes)))).h5;
      assert.deepEqual(tree(ours), tree(theirs));
      // Each top-level layer's vars group names its layer, as Keras writes it.
      const layers = theirs.group('layers');
      for (const key of layers.keys()) {
        assert.equal(ours.group(`layers/${key}/vars`).attr('name'), layers.group(`${key}/vars`).attr('name'));
      }
    });
  }

  it('a zip of metadata.json, config.json and model.weights.h5, stored, same bytes every time', async () => {
    manualSeed(1);
    const model = EXPORT_CASES[0]!.build();
    const bytes = toKeras(model);
    const { zip, config } = await parts(bytes);
    assert.deepEqual(zip.names(), ['metadata.json', 'config.json', 'model.weights.h5']);
    for (const e of zip.entries.values()) assert.equal(e.method, 0, `${e.name} is stored`);
    assert.deepEqual(JSON.parse(await zip.readText('metadata.json')), {
      keras_version: '3.15.1',
      generated_by: 'backprop 0.1.0',
    });
    assert.deepEqual(toKeras(model), bytes);
    // Keras 3's config: module / class_name / config / registered_name everywhere, an InputLayer first.
    assert.equal(config.module, 'keras');
    assert.equal(config.class_name, 'Sequential');
    const layers = (config.config as { layers: Record<string, unknown>[] }).layers;
    assert.deepEqual(layers[0], {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: [null, 6], dtype: 'float32', sparse: false, ragged: false, name: 'mlp_input' },
      registered_name: null,
    });
    const dense = layers[1]!.config as Record<string, unknown>;
    assert.equal(layers[1]!.module, 'keras.layers');
    assert.deepEqual(dense.dtype, {
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
      registered_name: null,
    });
    assert.deepEqual(dense.kernel_initializer, {
      module: 'keras.initializers',
      class_name: 'GlorotUniform',
      config: {},
      registered_name: null,
    });
    // LeakyReLU's slope is negative_slope in Keras 3.
    assert.deepEqual((layers[4]!.config as Record<string, unknown>).negative_slope, 0.2);
    assert.equal('alpha' in (layers[4]!.config as object), false);
  });

  it("a functional model's calls as Keras 3 writes them: tensors with shapes, lists for merge layers", async () => {
    manualSeed(2);
    const model = EXPORT_CASES.find((c) => c.name === 'functional_concat')!.build();
    const { config } = await parts(toKeras(model));
    assert.equal(config.class_name, 'Functional');
    const c = config.config as Record<string, unknown>;
    assert.deepEqual(c.input_layers, [
      ['a', 0, 0],
      ['b', 0, 0],
    ]);
    assert.deepEqual(c.output_layers, ['out', 0, 0]);
    const byName = new Map((c.layers as Record<string, unknown>[]).map((l) => [l.name, l]));
    const t = (layer: string, shape: (number | null)[]) => ({
      class_name: '__keras_tensor__',
      config: { shape, dtype: 'float32', keras_history: [layer, 0, 0] },
    });
    assert.deepEqual(byName.get('ha')!.inbound_nodes, [{ args: [t('a', [null, 5])], kwargs: {} }]);
    assert.deepEqual(byName.get('cat')!.inbound_nodes, [
      { args: [[t('sum', [null, 4]), t('a', [null, 5]), t('hb', [null, 4])]], kwargs: {} },
    ]);
  });

  it("keys a functional model's layers in Keras' order (by depth from the outputs), not call order", async () => {
    manualSeed(3);
    const model = EXPORT_CASES.find((c) => c.name === 'branch_order')!.build();
    const { h5 } = await parts(toKeras(model));
    const names = ['input_layer', 'dense', 'dense_1', 'dense_2', 'dense_3', 'concatenate', 'dense_4'].map(
      (k) => h5.group(`layers/${k}/vars`).attr('name'),
    );
    assert.deepEqual(names, ['x', 'b1', 'b2', 'a1', 'b3', 'cat', 'out']);
    assert.deepEqual(h5.group('layers').keys().length, 7);
  });

  it('refuses what Keras cannot express, naming the layer', () => {
    const a = input({ shape: [2] });
    const b = input({ shape: [2] });
    const vae = new Model({ inputs: [a, b], outputs: new Sampling({ name: 'z' }).apply([a, b]) });
    assert.throws(
      () => toKeras(vae),
      (e: Error) => e instanceof ModelFormatError && /layer 'z' \(Sampling\)/.test(e.message),
    );
    const hard = new Sequential({
      layers: [new Dense({ units: 1, activation: 'hardSigmoid', inputShape: [2], name: 'h' })],
    });
    assert.throws(
      () => toKeras(hard),
      (e: Error) =>
        e instanceof ModelFormatError && /layer 'h' \(Dense\).*hard_sigmoid.*Keras 3/.test(e.message),
    );
    const rnn = new Sequential({
      layers: [new LSTM({ units: 1, recurrentActivation: 'hardSigmoid', inputShape: [2, 2], name: 'l' })],
    });
    assert.throws(() => toKeras(rnn), /layer 'l' \(LSTM\): recurrent_activation 'hard_sigmoid'/);
    const leaky = new Sequential({
      layers: [new Dense({ units: 1, activation: 'leakyRelu', inputShape: [2], name: 'd' })],
    });
    assert.throws(() => toKeras(leaky), /layer 'd' \(Dense\).*leakyRelu/);
    const stateful = new Sequential({
      layers: [new LSTM({ units: 2, stateful: true, inputShape: [3, 2], name: 's' })],
    });
    assert.throws(() => toKeras(stateful), /layer 's' \(LSTM\): a stateful recurrent layer/);
    const uneven = new Sequential({
      layers: [
        new Bidirectional({
          layer: new LSTM({ units: 3 }),
          backwardLayer: new GRU({ units: 2, goBackwards: true }),
          inputShape: [3, 2],
          name: 'bi',
        }),
      ],
    });
    assert.throws(
      () => toKeras(uneven),
      /layer 'bi' \(Bidirectional\): a backward layer of 2 units beside a forward layer of 3/,
    );
    // Masks: Keras 3 ORs a merge's masks (none if an input has none) and forces a Bidirectional's
    // zero_output_for_mask to its return_sequences; other choices would predict differently there.
    const seq = input({ shape: [4, 3] });
    const masked = new Masking({ maskValue: 0 }).apply(seq);
    const lstm = new LSTM({ units: 3, returnSequences: true }).apply(masked);
    const merged = (merge: Add | Concatenate) =>
      new Model({ inputs: seq, outputs: merge.apply([lstm, seq]) });
    assert.throws(
      () => toKeras(merged(new Add({ name: 'plus' }))),
      /layer 'plus' \(Add\) merges masked inputs with maskMerge 'all'.*Keras 3/,
    );
    assert.ok(toKeras(merged(new Add({ maskMerge: 'any' }))).length > 0);
    // Along time the masks are joined under either rule, in Keras 3 too.
    assert.ok(toKeras(merged(new Concatenate({ axis: 1 }))).length > 0);
    const bidirectional = (returnSequences: boolean, zeroOutputForMask: boolean) =>
      new Sequential({
        layers: [
          new Masking({ maskValue: 0, inputShape: [4, 3] }),
          new Bidirectional({ layer: new GRU({ units: 2, returnSequences, zeroOutputForMask }), name: 'bm' }),
        ],
      });
    assert.throws(
      () => toKeras(bidirectional(true, false)),
      /layer 'bm' \(Bidirectional\) reads a mask and its forward copy .* zeroOutputForMask: false.*returnSequences \(true\)/,
    );
    assert.throws(
      () => toKeras(bidirectional(false, true)),
      /layer 'bm' \(Bidirectional\).*zeroOutputForMask: true/,
    );
    assert.ok(toKeras(bidirectional(true, true)).length > 0);
    assert.ok(toKeras(bidirectional(false, false)).length > 0);
    const unbuilt = new Sequential({ layers: [new Dense({ units: 1 })] });
    assert.throws(
      () => toKeras(unbuilt),
      (e: Error) => e instanceof ModelFormatError && /no weights yet/.test(e.message),
    );
    assert.throws(() => toKeras({} as Sequential), ArgumentError);
    assert.throws(() => toKeras(null as unknown as Sequential), /expected a Sequential or functional Model/);
    // An Activation layer with leakyRelu is Keras' LeakyReLU with backprop's slope.
    const act = new Sequential({ layers: [new Activation({ activation: 'leakyRelu', inputShape: [2] })] });
    assert.ok(toKeras(act).length > 0);
  });
});

describe('saveKeras / loadKeras', () => {
  const dir = useTempDir('keras-export');
  it('writes the file in one piece (no temporary file left) and loads it back', async () => {
    manualSeed(4);
    const c = EXPORT_CASES[1]!;
    const model = c.build();
    randomizeBp(model, new Rng(5));
    const path = join(dir.path, 'cnn.keras');
    await saveKeras(model, path);
    assert.deepEqual(readdirSync(dir.path), ['cnn.keras']);
    assert.deepEqual(new Uint8Array(await readFile(path)), toKeras(model));
    const back = await loadKeras(path);
    const xs = exportSamples(c, new Rng(6), 2);
    assert.deepEqual(bpPredict(back, xs), bpPredict(model, xs));
  });
});

describe('writeHdf5', () => {
  it('groups of any size (several symbol table nodes), empty groups, string attributes, float32 data', () => {
    const many: Record<string, ReturnType<typeof h5Dataset>> = {};
    for (let i = 0; i < 300; i++) many[`w${i}`] = h5Dataset([2], new Float32Array([i, -i / 3]));
    const bytes = writeHdf5(
      h5Group({
        big: h5Group(many),
        empty: h5Group(),
        g: h5Group(
          {
            m: h5Dataset([2, 3], new Float32Array([1, 2, 3, 4, 5, 6.5])),
            z: h5Dataset([0], new Float32Array(0)),
          },
          { name: 'dense_ü', empty: '' },
        ),
      }),
    );
    // Superblock version 0, 8-byte offsets and lengths, group leaf K 4 (HDF5's default).
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual([bytes[8], bytes[13], bytes[14], bytes[16]], [0, 8, 8, 4]);
    assert.equal(
      new DataView(bytes.buffer).getBigUint64(40, true),
      BigInt(bytes.length),
      'end of file address',
    );
    const f = openHdf5(bytes);
    assert.deepEqual(f.keys(), ['big', 'empty', 'g']);
    assert.equal(f.group('big').keys().length, 300);
    assert.deepEqual([...f.dataset('big/w299').read()], [299, Math.fround(-299 / 3)]);
    assert.deepEqual([...f.dataset('big/w7').read()], [7, Math.fround(-7 / 3)]);
    assert.deepEqual(f.group('empty').keys(), []);
    assert.deepEqual(f.dataset('g/m').shape, [2, 3]);
    assert.equal(f.dataset('g/m').dtype, 'float32');
    assert.deepEqual([...f.dataset('g/m').read()], [1, 2, 3, 4, 5, 6.5]);
    assert.deepEqual(f.dataset('g/z').shape, [0]);
    assert.equal(f.group('g').attr('name'), 'dense_ü');
    assert.equal(f.group('g').attr('empty'), '');
  });

  it('refuses bad names, data that does not fit the shape, and non-string attributes', () => {
    const bad = (root: Parameters<typeof writeHdf5>[0], pattern: RegExp) =>
      assert.throws(
        () => writeHdf5(root),
        (e: Error) => e instanceof ArgumentError && pattern.test(e.message),
      );
    bad(h5Group({ 'a/b': h5Group() }), /'a\/b' in group '\/'/);
    bad(h5Group({ g: h5Group({ '': h5Group() }) }), /'' in group '\/g'/);
    bad(h5Group({ d: h5Dataset([2, 2], new Float32Array(3)) }), /dataset '\/d' of shape \[2,2\] needs 4/);
    bad(h5Group({ d: h5Dataset([-1], new Float32Array(0)) }), /dataset '\/d' has shape \[-1\]/);
    bad(h5Group({}, { n: 3 as unknown as string }), /attribute 'n' must be a string/);
  });
});

describe('writeZip', () => {
  it('stored entries with CRC-32 that the reader checks, UTF-8 names', async () => {
    const a = new TextEncoder().encode('{"x": 1}');
    const b = new Uint8Array(1000).map((_, i) => (i * 7) % 256);
    const zip = ZipArchive.open(
      writeZip([
        { name: 'a.json', data: a },
        { name: 'dir/ß.bin', data: b },
      ]),
    );
    assert.deepEqual(zip.names(), ['a.json', 'dir/ß.bin']);
    assert.deepEqual(await zip.read('a.json'), a);
    assert.deepEqual(await zip.read('dir/ß.bin'), b);
    assert.deepEqual(ZipArchive.open(writeZip([])).names(), []);
    // A flipped byte in an entry's data is caught by its CRC.
    const bytes = writeZip([{ name: 'a.json', data: a }]);
    bytes[31 + 'a.json'.length] ^= 1;
    await assert.rejects(ZipArchive.open(bytes).read('a.json'), ModelFormatError);
  });

  it('refuses empty and repeated names', () => {
    const d = new Uint8Array(1);
    assert.throws(() => writeZip([{ name: '', data: d }]), ArgumentError);
    assert.throws(
      () =>
        writeZip([
          { name: 'x', data: d },
          { name: 'x', data: d },
        ]),
      /'x' is empty or repeated/,
    );
  });
});
