import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  imageAugmenter,
  LabelEncoder,
  MinMaxScaler,
  OneHotEncoder,
  parseCsv,
  parseIdx,
  StandardScaler,
  splitIndices,
  trainTestSplit,
} from '../src/data/index.js';
import {
  accuracyFromConfusion,
  classificationReport,
  confusionMatrix,
  formatConfusionMatrix,
} from '../src/metrics/classification.js';
import { Dense, manualSeed, Rng, Sequential, tensor } from '../src/node/index.js';
import { bundledMnistDir, loadMnist, readIdxFile } from '../src/node/mnist.js';
import { assertClose, useTempDir } from './helpers.js';

const tmp = useTempDir('data');

it('reads the original MNIST IDX files, raw and gzipped', async () => {
  const labels = await readIdxFile(join(bundledMnistDir(), 'train-labels-idx1-ubyte'));
  assert.deepEqual(labels.shape, [60000]);
  assert.deepEqual(Array.from(labels.data.subarray(0, 5)), [5, 0, 4, 1, 9]);
  const raw = await readFile(join(bundledMnistDir(), 't10k-labels-idx1-ubyte'));
  await writeFile(join(tmp.path, 'labels.gz'), gzipSync(raw));
  const gz = await readIdxFile(join(tmp.path, 'labels.gz'));
  assert.deepEqual(gz.shape, [10000]);
  assert.deepEqual(Array.from(gz.data.subarray(0, 5)), [7, 2, 1, 0, 4]);
  assert.throws(
    () => parseIdx(raw.subarray(0, 100), 'cut'),
    /cut: truncated: 100 bytes, the header promises 10008/,
  );
  assert.throws(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'junk'), /not an IDX file/);
});

it('loads MNIST slices as tensors: scaled pixels, one-hot or integer labels, the 50k/10k/10k split', async () => {
  const m = await loadMnist({ trainLimit: 500, testLimit: 200 });
  assert.deepEqual(m.train.x.shape, [500, 784]);
  assert.deepEqual(m.train.y.shape, [500, 10]);
  assert.deepEqual(m.validation!.x.shape, [500, 784]);
  assert.deepEqual(m.test.x.shape, [200, 784]);
  const px = m.train.x.dataSync();
  assert.ok(px.every((v) => v >= 0 && v <= 1) && px.some((v) => v > 0.99), 'pixels in [0, 1]');
  assertClose(m.train.y.sum(-1), new Array(500).fill(1));
  assert.deepEqual(Array.from(m.train.y.argmax(-1).dataSync().subarray(0, 5)), [5, 0, 4, 1, 9]);
  // The validation part starts at training image 50,000.
  const full = await readIdxFile(join(bundledMnistDir(), 'train-labels-idx1-ubyte'));
  assert.deepEqual(
    Array.from(m.validation!.labels.subarray(0, 10)),
    Array.from(full.data.subarray(50000, 50010)),
  );
  const ints = await loadMnist({
    trainLimit: 50,
    testLimit: 10,
    oneHot: false,
    binarize: true,
    flatten: false,
  });
  assert.deepEqual(ints.train.y.shape, [50]);
  assert.deepEqual(ints.train.x.shape, [50, 28, 28]);
  assert.ok(ints.train.x.dataSync().every((v) => v === 0 || v === 1));
});

it('learns real MNIST digits from a 3,000-image slice', async () => {
  const m = await loadMnist({ trainLimit: 3000, testLimit: 1000 });
  manualSeed(3);
  const model = new Sequential();
  model.add(new Dense({ units: 64, activation: 'relu', inputDim: 784 }));
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(m.train.x, m.train.y, { batchSize: 32, epochs: 3, verbose: 0, seed: 3 });
  const { accuracy } = model.evaluate(m.test.x, m.test.y);
  assert.ok(accuracy! > 0.85, `test accuracy on 1,000 real test digits: ${accuracy}`);
});

it('parses CSV: quotes, escaped quotes, newlines in fields, CRLF, missing values', () => {
  const t = parseCsv('id,name,score\r\n1,"Smith, J",3.5\r\n2,"say ""hi""\nthere",NA\r\n3,,7\r\n');
  assert.deepEqual(t.columns, ['id', 'name', 'score']);
  assert.equal(t.length, 3);
  assert.deepEqual(t.column('name'), ['Smith, J', 'say "hi"\nthere', '']);
  assert.equal(t.kind('score'), 'number');
  assert.equal(t.kind('name'), 'string');
  assert.deepEqual(t.missingCounts(), { name: 1, score: 1 });
  assert.equal(t.dropMissing(['score']).length, 2);
  assert.throws(() => t.numbers('score'), /column 'score': missing value at data row 2/);
  assert.throws(() => t.numbers('name'), /'Smith, J' at data row 1 is not a number/);
  assert.throws(() => t.column('age'), /CSV has no column 'age' \(columns: id, name, score\)/);
  assert.throws(() => parseCsv('a,b\n1,2,3\n'), /data row 1 has 3 fields but the header has 2/);
  assert.throws(() => parseCsv('a,b\n"1,2\n'), /quoted field opened on line 2 is never closed/);
  // Not text: a typed error naming the argument and what it got, not a TypeError from the parser.
  for (const [input, got] of [
    [42, 'the number 42'],
    [null, 'null'],
    [{ a: 1 }, 'an object { a }'],
  ] as const)
    assert.throws(
      () => parseCsv(input as unknown as string),
      (e: unknown) =>
        e instanceof Error &&
        e.name === 'ArgumentError' &&
        e.message === `parseCsv: text must be a string or a Uint8Array of UTF-8 bytes, got ${got}`,
    );
  assert.deepEqual(parseCsv(new TextEncoder().encode('a,b\n1,é\n')).column('b'), ['é']);
  assert.throws(() => parseCsv(new Uint8Array([0xff, 0x41])), /parseCsv: text is not valid UTF-8/);
});

it('encodes and scales like scikit-learn, and round-trips through JSON', () => {
  const le = new LabelEncoder();
  assert.deepEqual(le.fitTransform(['b', 'a', 'b', 'c']), [1, 0, 1, 2]);
  assert.deepEqual(le.inverseTransform([2, 0]), ['c', 'a']);
  assert.throws(() => le.transform(['d']), /unseen category 'd' at position 0 \(known: a, b, c\)/);
  const oh = new OneHotEncoder({ dropFirst: true }).fit(['France', 'Spain', 'Germany']);
  assert.deepEqual(oh.transform(['France', 'Germany', 'Spain']), [
    [0, 0],
    [1, 0],
    [0, 1],
  ]);
  assert.deepEqual(oh.featureNames('Geo='), ['Geo=Germany', 'Geo=Spain']);
  assert.deepEqual(OneHotEncoder.fromJSON(JSON.parse(JSON.stringify(oh))).transform(['Spain']), [[0, 1]]);
  const x = [
    [1, 10],
    [3, 10],
    [5, 10],
  ];
  const s = new StandardScaler().fit(x);
  assertClose(s.transform(x), [
    [-Math.sqrt(1.5), 0],
    [0, 0],
    [Math.sqrt(1.5), 0],
  ]);
  assertClose(StandardScaler.fromJSON(JSON.parse(JSON.stringify(s))).transform([[3, 11]]), [[0, 1]]);
  assertClose(new MinMaxScaler({ featureRange: [-1, 1] }).fitTransform(x), [
    [-1, -1],
    [0, -1],
    [1, -1],
  ]);
  assert.throws(() => s.transform([[1, 2, 3]]), /fitted on 2 features, got 3/);
});

it('sorts number categories by value and refuses a mix of numbers and strings, as scikit-learn', () => {
  const numbers = [10, 9, 2] as unknown as string[];
  const le = new LabelEncoder();
  assert.deepEqual(le.fitTransform(numbers), [2, 1, 0]); // scikit-learn: [2 1 0], classes [2 9 10]
  assert.deepEqual(le.classes, [2, 9, 10]);
  const oh = new OneHotEncoder().fit(numbers);
  assert.deepEqual(oh.categories, [2, 9, 10]);
  assert.deepEqual(oh.transform([10] as unknown as string[]), [[0, 0, 1]]);
  assert.deepEqual(
    new LabelEncoder().fit(['10', '9', '2']).classes,
    ['10', '2', '9'],
    'strings stay strings',
  );
  for (const Encoder of [LabelEncoder, OneHotEncoder])
    assert.throws(() => new Encoder().fit(['a', 1, 'b'] as unknown as string[]), {
      name: 'ArgumentError',
      message: new RegExp(
        `${Encoder.name}: categories must be all strings or all numbers, got the string 'a' at position 0 and the number 1 at position 1`,
      ),
    });
});

it('refuses a MinMaxScaler featureRange whose minimum is not below its maximum', () => {
  for (const featureRange of [
    [1, 0],
    [2, 2],
  ] as [number, number][])
    assert.throws(() => new MinMaxScaler({ featureRange }), {
      name: 'ArgumentError',
      message: `MinMaxScaler: featureRange [${featureRange.join(', ')}]: the minimum must be smaller than the maximum`,
    });
  assert.throws(() => new MinMaxScaler({ featureRange: [0, Number.NaN] }), {
    name: 'ArgumentError',
    message: 'MinMaxScaler: featureRange must be [min, max], two finite numbers, got [0, NaN]',
  });
  assert.throws(
    () => new MinMaxScaler({ featureRange: [0] as unknown as [number, number] }),
    /got an array of length 1/,
  );
});

it('scales around NaN like scikit-learn: skipped in fit, kept in transform; refuses Infinity', () => {
  const rows = [
    [1, Number.NaN],
    [2, 3],
    [3, 5],
  ];
  const s = new StandardScaler().fit(rows);
  assert.deepEqual(s.mean, [2, 4]);
  assertClose(tensor(s.scale!), [Math.sqrt(2 / 3), 1]);
  const z = s.transform(rows).toArray() as number[][];
  assert.ok(Number.isNaN(z[0]![1]!));
  assertClose(tensor([z[1]![1]!, z[2]![1]!]), [-1, 1]);
  const m = new MinMaxScaler().fit([
    [Number.NaN, 7],
    [2, 7],
    [4, 7],
  ]);
  const mm = m
    .transform([
      [3, Number.NaN],
      [Number.NaN, 7],
    ])
    .toArray() as number[][];
  assert.equal(mm[0]![0], 0.5);
  assert.ok(Number.isNaN(mm[0]![1]!), 'a NaN in a constant column stays NaN');
  assert.ok(Number.isNaN(mm[1]![0]!));
  for (const Scaler of [StandardScaler, MinMaxScaler]) {
    assert.throws(
      () =>
        new Scaler().fit([
          [1, Number.NaN],
          [2, Number.NaN],
        ]),
      (e: Error) =>
        e.name === 'ArgumentError' && /column 1 has no values to fit \(every value is NaN\)/.test(e.message),
    );
    assert.throws(
      () =>
        new Scaler().fit([
          [1, 2],
          [Number.POSITIVE_INFINITY, 3],
        ]),
      (e: Error) => e.name === 'ArgumentError' && /Infinity at row 1, column 0/.test(e.message),
    );
  }
  assert.throws(() => s.transform([[1, Number.NEGATIVE_INFINITY]]), /-Infinity at row 0, column 1/);
  // The encoders take strings: a missing category is refused, not made a category of its own.
  const missing = ['a', null, 'b'] as unknown as string[];
  assert.throws(
    () => new LabelEncoder().fit(missing),
    (e: Error) => e.name === 'ArgumentError' && /position 1 is null, not a category/.test(e.message),
  );
  assert.throws(
    () => new OneHotEncoder().fit(['a', 'b']).transform(['a', undefined] as unknown as string[]),
    {
      name: 'ArgumentError',
      message: /position 1 is undefined, not a category/,
    },
  );
});

it('splits reproducibly, and keeps class proportions when stratified', () => {
  const x = Array.from({ length: 100 }, (_, i) => i);
  const y = x.map((i) => (i < 20 ? 'rare' : 'common'));
  const a = trainTestSplit([x, y], { testSize: 0.25, seed: 7, stratify: y });
  const b = trainTestSplit([x, y], { testSize: 0.25, seed: 7, stratify: y });
  assert.deepEqual(a, b);
  assert.equal(a.test[0].length, 25);
  assert.equal(a.test[1].filter((c) => c === 'rare').length, 5);
  assert.deepEqual(
    [...a.train[0], ...a.test[0]].sort((p, q) => p - q),
    x,
    'a partition',
  );
  a.test[0].forEach((v, i) => {
    assert.equal(a.test[1][i], y[v], 'rows stay aligned');
  });
  const t = trainTestSplit([tensor(x.map((v) => [v])), tensor(x)], { testSize: 10, seed: 1 });
  assert.deepEqual(t.test[0].shape, [10, 1]);
  assert.deepEqual(t.test[0].reshape(-1).toArray(), t.test[1].toArray());
});

it('stratifies to exactly the test size scikit-learn takes, and refuses what it refuses', () => {
  const sizes = (labels: (number | string)[], testSize: number) => {
    const s = splitIndices(labels.length, { testSize, stratify: labels });
    const count = (idx: Int32Array) => {
      const per = new Map<number | string, number>();
      for (const i of idx) per.set(labels[i]!, (per.get(labels[i]!) ?? 0) + 1);
      return [...per].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    };
    return { train: s.train.length, test: s.test.length, testPerClass: count(s.test) };
  };
  const nine = [0, 0, 0, 1, 1, 1, 2, 2, 2];
  // StratifiedShuffleSplit(test_size=0.5): ceil(4.5) = 5 test rows, 4 train.
  assert.deepEqual(sizes(nine, 0.5), {
    train: 4,
    test: 5,
    testPerClass: [
      [0, 2],
      [1, 2],
      [2, 1],
    ],
  });
  // 7 / 3 / 2 rows at 0.25: shares 1.75, 0.75, 0.5 → floors 1, 0, 0; the 2 missing rows go to the
  // largest remainders, as scikit-learn allocates them (its test rows: a, a, b); rounding each
  // share alone gave 2 + 1 + 1 = 4 rows.
  const uneven = [...'aaaaaaa', ...'bbb', ...'cc'];
  assert.deepEqual(sizes(uneven, 0.25), {
    train: 9,
    test: 3,
    testPerClass: [
      ['a', 2],
      ['b', 1],
    ],
  });
  for (const ts of [0.1, 0.2, 0.3, 0.7])
    assert.equal(sizes([...uneven, ...uneven], ts).test, Math.ceil(24 * ts));
  const refused = (labels: (number | string)[], testSize: number, message: RegExp) =>
    assert.throws(() => splitIndices(labels.length, { testSize, stratify: labels }), {
      name: 'ArgumentError',
      message,
    });
  refused(nine, 0.1, /the test part has 1 of 9 samples, fewer than the 3 classes; raise testSize/);
  refused(nine, 0.9, /the train part has 0 of 9 samples|gives 9 test and 0 train samples/);
  refused(nine, 0.8, /the train part has 1 of 9 samples, fewer than the 3 classes; lower testSize/);
  refused(['a', 'b', 'c', 'd'], 0.5, /classes 'a', 'b', 'c' \(and 1 more\) have only 1 sample/);
  refused([0, 0, 1], 0.5, /class 1 has only 1 sample; each class needs at least 2/);
  // Unstratified: neither part may come out empty either.
  assert.throws(
    () => splitIndices(3, { testSize: 0.99 }),
    /gives 3 test and 0 train samples; each part needs/,
  );
  assert.throws(() => splitIndices(3, { testSize: 3 }), /gives 3 test and 0 train/);
  assert.throws(
    () => splitIndices(3, { testSize: Number.NaN }),
    /testSize must be a fraction in \(0, 1\) or a count/,
  );
  assert.throws(() => splitIndices(1, { testSize: 0.5 }), /gives 1 test and 0 train/);
});

it('augments images by small shifts and rotations, reproducibly', () => {
  const img = new Float32Array(28 * 28);
  for (let y = 10; y < 18; y++) for (let x = 12; x < 16; x++) img[y * 28 + x] = 1;
  const batch = tensor(img, { shape: [1, 784] });
  const shiftOnly = imageAugmenter({ width: 28, height: 28, maxShift: 2, maxRotation: 0 });
  const out = shiftOnly(batch, new Rng(1)).dataSync();
  assertClose(
    out.reduce((a, b) => a + b, 0),
    32,
    1e-4,
  );
  let found = false;
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) {
      let same = true;
      for (let y = 0; y < 28 && same; y++)
        for (let x = 0; x < 28; x++)
          if (out[y * 28 + x] !== (img[(y - dy) * 28 + (x - dx)] ?? 0)) same = false;
      if (same) found = true;
    }
  }
  assert.ok(found, 'a pure shift of the image by at most 2 pixels');
  const both = imageAugmenter({ width: 28, height: 28 });
  assert.deepEqual(both(batch, new Rng(5)).dataSync(), both(batch, new Rng(5)).dataSync());
  assert.throws(
    () => both(tensor(new Float32Array(10), { shape: [1, 10] }), new Rng(1)),
    /not made of 28×28 images/,
  );
});

it('computes confusion matrices and per-class precision / recall / F1', () => {
  const cm = confusionMatrix([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0], 3);
  assert.deepEqual(cm, [
    [1, 1, 0],
    [0, 2, 0],
    [1, 0, 1],
  ]);
  assert.equal(accuracyFromConfusion(cm), 4 / 6);
  const [c0, c1] = classificationReport(cm);
  assertClose([c0!.precision, c0!.recall, c1!.precision, c1!.recall, c1!.f1], [0.5, 0.5, 2 / 3, 1, 0.8]);
  assert.match(formatConfusionMatrix(cm, ['a', 'b', 'c']), /true\\pred\s+a\s+b\s+c\na\s+1\s+1\s+0/);
  assert.deepEqual(
    confusionMatrix(
      tensor([
        [0.9, 0.1],
        [0.2, 0.8],
      ]),
      [0, 0],
      2,
    ),
    [
      [1, 0],
      [1, 0],
    ],
  );
});
