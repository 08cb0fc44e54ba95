/**
 * The tabular pipeline (issue 13): delimiter detection, strict numbers, the streaming reader,
 * bad cells named by line and column, imputation fitted on the training rows and applied when
 * predicting, and regression with a standardised target and R².
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildMlp } from '../src/cli/build.js';
import { CSV_DEFAULTS, delimiterOption } from '../src/cli/csv-options.js';
import {
  encodeFeatures,
  planColumns,
  readTarget,
  regressionMetrics,
  type TabularPreprocessing,
} from '../src/cli/tabular.js';
import { evaluateCsv, predictCsv } from '../src/cli/tabular-use.js';
import { type TrainCsvOptions, trainCsv } from '../src/cli/train-csv.js';
import {
  CsvRecordParser,
  detectDelimiter,
  median,
  mostFrequent,
  parseCsv,
  parseDecimal,
} from '../src/data/index.js';
import { readCsv } from '../src/node/csv.js';
import { ArgumentError, loadModel, Rng } from '../src/node/index.js';
import { describeEachBackend, useTempDir } from './helpers.js';

const tmp = useTempDir('tabular');

/** Run f with console.log and stdout writes captured (the CLI code prints its results). */
async function captured(f: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  const write = process.stdout.write;
  console.log = (...args: unknown[]) => {
    lines.push(args.join(' '));
  };
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    await f();
  } finally {
    console.log = log;
    process.stdout.write = write;
  }
  return lines.join('\n');
}

describe('reading CSV files', () => {
  it('detects , ; tab and | from the header and first rows, ignoring delimiters inside quotes', () => {
    for (const d of [',', ';', '\t', '|']) {
      const text =
        ['"a,b;c|d"', 'x', 'y'].join(d) +
        '\n' +
        ['"1,5;2|3"', '2', '3'].join(d) +
        '\r\n4' +
        d +
        '5' +
        d +
        '6';
      const t = parseCsv(text);
      assert.equal(t.delimiter, d, JSON.stringify(d));
      assert.deepEqual(t.columns, ['a,b;c|d', 'x', 'y']);
      assert.deepEqual(t.column('a,b;c|d'), ['1,5;2|3', '4']);
    }
    // A semicolon file with decimal commas inside quotes, and one bad line, is still semicolons.
    assert.equal(detectDelimiter('a;b;c\n"1,5";2;3\n4;5\n6;7;8\n'), ';');
    assert.equal(detectDelimiter('single\n1\n2\n', true), ',');
    assert.equal(parseCsv('a;b\n1;2\n', { delimiter: ',' }).columns.length, 1, 'a given delimiter wins');
    assert.equal(delimiterOption('tab'), '\t');
    assert.throws(() => delimiterOption(';;'), /--delimiter must be one character/);
  });

  it('takes only plain decimals as numbers: no hex, binary, octal, Infinity, blanks or inner spaces', () => {
    for (const [s, v] of [
      ['-1.5', -1.5],
      ['.5', 0.5],
      ['3.', 3],
      ['+2e-3', 0.002],
      [' 7 ', 7],
    ] as const)
      assert.equal(parseDecimal(s), v, s);
    for (const s of [
      '0x10',
      '0b11',
      '0o7',
      '',
      ' ',
      'Infinity',
      '-Infinity',
      '1e400',
      '1 2',
      '\n5',
      '1_000',
      '5e',
      'NaN',
    ])
      assert.equal(parseDecimal(s), null, JSON.stringify(s));
    const t = parseCsv('code,n\n0x10,1\n0b11,2\n7,3\n');
    assert.equal(t.kind('code'), 'string');
    assert.deepEqual(t.column('code'), ['0x10', '0b11', '7']);
    assert.deepEqual(t.profile('code'), {
      numeric: 1,
      text: 2,
      missing: 0,
      distinctText: 2,
      textOverflow: false,
      textSamples: [
        { row: 0, line: 2, value: '0x10' },
        { row: 1, line: 3, value: '0b11' },
      ],
    });
  });

  it('streams: any chunking of a file gives the same records, lines and table as one parse', async () => {
    const rng = new Rng(11);
    const cells = ['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\r\nlf"', '', 'NA', '-2.5e1', ' 3 '];
    const lines = ['id,f1,f2,f3'];
    for (let i = 0; i < 300; i++)
      lines.push([i, ...[0, 1, 2].map(() => cells[rng.int(cells.length)])].join(','));
    const text = `\uFEFF${lines.join(rng.uniform() < 0.5 ? '\n' : '\r\n')}\r\n`;
    const collect = (chunks: string[]) => {
      const out: [string[], number][] = [];
      const p = new CsvRecordParser((f, line) => out.push([f, line]));
      for (const c of chunks) p.push(c);
      p.end();
      return out;
    };
    const whole = collect([text]);
    assert.equal(whole.length, 301);
    for (const size of [1, 2, 3, 5, 64, 4096]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      assert.deepEqual(collect(chunks), whole, `chunks of ${size}`);
    }
    // The line a record starts on counts the line breaks inside quoted fields before it.
    const recordLines = whole.map(([, line]) => line);
    assert.ok(recordLines.every((l, i) => i === 0 || l > recordLines[i - 1]!));
    await writeFile(join(tmp.path, 'gen.csv'), text);
    const streamed = await readCsv(join(tmp.path, 'gen.csv'));
    const parsed = parseCsv(text);
    assert.deepEqual(streamed.rows, parsed.rows);
    assert.deepEqual(streamed.missingCounts(), parsed.missingCounts());
    assert.equal(streamed.kind('id'), 'number');
    assert.throws(() => parseCsv('a\n"open\n\nstill'), /quoted field opened on line 2 is never closed/);
    await assert.rejects(readCsv(join(tmp.path, 'nope.csv')), /no such CSV file/);
  });
});

describe('planning the columns', () => {
  const text = [
    'x,colour,y',
    '1,red,a',
    '2,,b',
    '3,blue,a',
    'abc,red,b',
    '5,red,a',
    ',blue,b',
    '7,red,a',
  ].join('\n');

  it('reports a text cell in a column of numbers with its line and column, or imputes it on request', () => {
    const t = parseCsv(text);
    const all = Int32Array.from({ length: t.length }, (_, i) => i);
    assert.throws(
      () => planColumns(t, 'y', [], all, 'error'),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /column 'x': 'abc' at line 5 \(data row 4\) is not a number.*--bad-values missing/.test(e.message),
    );
    const { plans, notes } = planColumns(t, 'y', [], all, 'missing');
    assert.deepEqual(notes.badCells, { x: 1 });
    assert.equal(plans[0]!.kind, 'number', 'not silently turned into a text feature');
  });

  it('says why each column was left out when none is left', () => {
    const t = parseCsv('c,e,z,y\nq,,1,a\nq,,2,b\n');
    assert.throws(
      () => planColumns(t, 'y', ['z'], Int32Array.from([0, 1]), 'error'),
      (e: unknown) =>
        e instanceof ArgumentError &&
        e.message ===
          "no usable feature columns are left: 'z' — asked (--drop); 'c' — a single value; 'e' — no values",
    );
    assert.throws(
      () => planColumns(parseCsv('y\na\nb\n'), 'y', [], Int32Array.from([0, 1]), 'error'),
      /no usable feature columns are left: the CSV has no column besides the target 'y'/,
    );
  });

  it('imputes from the training rows only (median, most frequent) and adds missing indicators', () => {
    const t = parseCsv(text);
    const train = Int32Array.from([0, 1, 3, 4, 5]); // x: 1, 2, 'abc', 5, missing → median 2
    const { plans } = planColumns(t, 'y', [], train, 'missing');
    assert.deepEqual(
      plans.map((p) => [p.name, p.fill, p.indicator]),
      [
        ['x', 2, true],
        ['colour', 'red', true],
      ],
    );
    // Every row is encoded: x, x missing, colour (binary: blue 0 / red 1), colour missing.
    const x = encodeFeatures(
      t,
      plans,
      Int32Array.from({ length: t.length }, (_, i) => i),
      'missing',
    );
    assert.deepEqual(Array.from(x.subarray(0, 8)), [1, 0, 1, 0, 2, 0, 1, 1]);
    assert.deepEqual(Array.from(x.subarray(12, 16)), [2, 1, 1, 0], "'abc' imputed as missing");
    assert.deepEqual(Array.from(x.subarray(20, 24)), [2, 1, 0, 0], 'empty x imputed');
    assert.equal(median([5, Number.NaN, 1, 4]), 4);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(mostFrequent(['b', null, 'a', 'b', 'a']), 'a', 'ties: first in order');
  });

  it('leaves out rows without a target, and reads a saved model’s classes', () => {
    const t = parseCsv('f,y\n1,a\n2,\n3,b\n4,c\n');
    const r = readTarget(t, 'y', 'error');
    assert.deepEqual(Array.from(r.labels), [0, Number.NaN, 1, 2]);
    assert.throws(
      () => readTarget(t, 'y', 'error', { task: 'classification', classes: ['a', 'b'] }),
      /'c' at data row 4 \(line 5\) is not a class the model knows \(a, b\)/,
    );
  });

  it('scores regression with R², MAE and RMSE', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1.5, 2, 2.5, 4]);
    assert.ok(Math.abs(m.r2 - (1 - 0.5 / 5)) < 1e-12);
    assert.equal(m.mae, 0.25);
    assert.equal(m.rmse, Math.sqrt(0.5 / 4));
  });
});

function options(
  file: string,
  target: string,
  out: string,
  more: Partial<TrainCsvOptions> = {},
): TrainCsvOptions {
  return {
    file,
    target,
    drop: [],
    badValues: 'error',
    activation: 'relu',
    optimizer: 'adam',
    testSize: 0.2,
    seed: 1,
    out,
    ...CSV_DEFAULTS,
    epochs: 60,
    patience: 10,
    ...more,
  };
}

describeEachBackend('train csv through its API', () => {
  it('imputes missing cells from the training rows and predicts every row; eval says how many rows it left out', async () => {
    const rng = new Rng(3);
    const lines = ['a;b;group;label'];
    for (let i = 0; i < 200; i++) {
      const a = rng.uniform() * 4 - 2;
      const b = rng.uniform() * 4 - 2;
      const group = ['x', 'y', 'z'][rng.int(3)]!;
      const cellA = i % 7 === 0 ? '' : a.toFixed(3); // 1 in 7 rows lacks a
      const cellG = i % 11 === 0 ? 'NA' : group;
      lines.push(`${cellA};${b.toFixed(3)};${cellG};${a + b > 0 ? 'pos' : 'neg'}`);
    }
    const file = join(tmp.path, 'semi.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const out = join(tmp.path, `run-impute-${Math.random().toString(36).slice(2)}`);
    const log = await captured(() => trainCsv(options(file, 'label', out)));
    assert.match(log, /Read .*semi\.csv: 200 rows × 4 columns \(delimiter ';'\)/);
    assert.match(log, /column 'a': 29 missing values, imputed/);
    assert.match(log, /'a': missing cells filled with the median of the training rows/);
    assert.match(log, /Split: 160 train \/ 40 test rows/, 'no row dropped for a missing value');
    const prep = JSON.parse(
      await readFile(join(out, 'model', 'preprocessing.json'), 'utf8'),
    ) as TabularPreprocessing;
    assert.deepEqual(prep.featureNames, ['a', 'a missing', 'b', 'group=y', 'group=z', 'group missing']);

    // New rows with gaps still each get a prediction; a row without a label is left out of eval.
    const fresh = join(tmp.path, 'fresh.csv');
    await writeFile(fresh, 'a,b,group,label\n,1.5,x,pos\n1.8,1.9,NA,pos\n-1.5,,z,\n-1.9,-1.7,y,neg\n');
    const model = await loadModel(join(out, 'model'));
    const predicted = await captured(() => predictCsv(model, prep, fresh));
    assert.match(
      predicted,
      /^row,label,probability\n1,(pos|neg),0\.\d{4}\n2,pos,0\.\d{4}\n3,neg,0\.\d{4}\n4,neg,0\.\d{4}$/,
    );
    const evaluated = await captured(() => evaluateCsv(model, prep, fresh));
    assert.match(evaluated, /accuracy [\d.]+% over 3 rows \(1 rows without a 'label' value left out\)/);
  });

  it('regression: trains on a standardised target and reports R², MAE, RMSE in the target’s units', async () => {
    const rng = new Rng(4);
    const lines = ['u,v,price'];
    for (let i = 0; i < 240; i++) {
      const u = rng.uniform();
      const v = rng.uniform();
      lines.push(
        `${u.toFixed(4)},${v.toFixed(4)},${(20000 + 30000 * u - 10000 * v + 500 * rng.normal()).toFixed(2)}`,
      );
    }
    const file = join(tmp.path, 'prices.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const out = join(tmp.path, `run-reg-${Math.random().toString(36).slice(2)}`);
    const log = await captured(() => trainCsv(options(file, 'price', out, { epochs: 80, patience: 20 })));
    assert.match(log, /Task: regression of 'price'/);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    assert.ok(
      metrics.history.loss[0] < 5,
      `first loss ${metrics.history.loss[0]} (a raw target would start near 1e9)`,
    );
    assert.ok(metrics.testR2 > 0.9, `R² ${metrics.testR2}`);
    assert.ok(metrics.testMae < 2000 && metrics.testRmse >= metrics.testMae, JSON.stringify(metrics));
    assert.match(log, new RegExp(`Test R² ${metrics.testR2.toFixed(4)} · MAE`));
    const png = await readFile(join(out, 'predicted-vs-actual.png'));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const prep = JSON.parse(
      await readFile(join(out, 'model', 'preprocessing.json'), 'utf8'),
    ) as TabularPreprocessing;
    assert.ok(Math.abs(prep.targetScaler!.mean - 30000) < 2000, JSON.stringify(prep.targetScaler));
    const predicted = await captured(async () => predictCsv(await loadModel(join(out, 'model')), prep, file));
    const first = Number(predicted.split('\n')[1]!.split(',')[1]);
    assert.ok(Math.abs(first - Number(lines[1]!.split(',')[2])) < 3000, `predicted ${first} in price units`);
  });

  it('--weight-decay reaches the optimiser: the same run with decay ends with smaller weights', async () => {
    const rng = new Rng(5);
    const lines = ['u,v,w,y'];
    for (let i = 0; i < 120; i++) {
      const [u, v, w] = [rng.normal(), rng.normal(), rng.normal()];
      lines.push(
        `${u.toFixed(4)},${v.toFixed(4)},${w.toFixed(4)},${(3 * u - 2 * v + rng.normal()).toFixed(4)}`,
      );
    }
    const file = join(tmp.path, 'decay.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const squaredWeights = async (weightDecay: number) => {
      const out = join(tmp.path, `run-decay-${weightDecay}-${Math.random().toString(36).slice(2)}`);
      // No early stop and no dropout, so the two runs differ only in the decay.
      await captured(() =>
        trainCsv(
          options(file, 'y', out, { weightDecay, dropout: 0, epochs: 15, patience: 15, hidden: [16] }),
        ),
      );
      const kernel = (await loadModel(join(out, 'model'))).getWeights()[0]!.dataSync();
      return kernel.reduce((sum, x) => sum + x * x, 0);
    };
    const plain = await squaredWeights(0);
    const decayed = await squaredWeights(0.3);
    assert.ok(
      decayed < 0.9 * plain,
      `sum of squared first-layer weights ${decayed} with decay, ${plain} without`,
    );
  });
});

describe('eval and predict of a CSV model: the file in messages, --bad-values', () => {
  // A one-feature model with its preprocessing, as `train csv` saves them (no training needed).
  const prep: TabularPreprocessing = {
    kind: 'csv',
    target: 'y',
    task: 'classification',
    classes: ['a', 'b'],
    columns: [{ name: 'x', kind: 'number', fill: 2, indicator: false }],
    scaler: { mean: [0], scale: [1] } as TabularPreprocessing['scaler'],
    featureNames: ['x'],
    badValues: 'error',
  };
  const model = buildMlp({ layers: [1, 1], activation: 'relu', outputActivation: 'sigmoid', dropout: 0 });

  it('a text cell among numbers: named with its file, row and column; --bad-values missing imputes it', async () => {
    const file = join(tmp.path, 'bad-cell.csv');
    await writeFile(file, 'x,y\n1,a\nabc,b\n3,a\n');
    for (const use of [predictCsv, evaluateCsv])
      await assert.rejects(
        captured(() => use(model, prep, file)),
        (e: unknown) =>
          e instanceof ArgumentError &&
          e.message.startsWith(`${file}: column 'x': 'abc' at line 3 (data row 2) is not a number`) &&
          /--bad-values missing/.test(e.message),
      );
    const predicted = await captured(() => predictCsv(model, prep, file, undefined, 'missing'));
    assert.equal(predicted.split('\n').length, 4, 'a header and one line per row');
    // The row read as missing gets the column's fill value: the same output as a row with x = 2.
    const [, , row2] = predicted.split('\n');
    const two = join(tmp.path, 'two.csv');
    await writeFile(two, 'x\n2\n');
    assert.equal(
      (await captured(() => predictCsv(model, prep, two))).split('\n')[1]!.slice(2),
      row2!.slice(2),
    );
    assert.match(
      await captured(() => evaluateCsv(model, prep, file, undefined, 'missing')),
      /accuracy [\d.]+% over 3 rows/,
    );
  });

  it('a missing column names the file', async () => {
    const file = join(tmp.path, 'no-x.csv');
    await writeFile(file, 'w,y\n1,a\n');
    await assert.rejects(
      captured(() => predictCsv(model, prep, file)),
      (e: unknown) =>
        e instanceof ArgumentError &&
        e.message === `${file}: the CSV lacks column(s) the model was trained on: x`,
    );
  });

  it('train csv --test-file: an unseen category names the test file', async () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${i % 5},${['red', 'green', 'blue'][i % 3]},${i % 2 ? 'p' : 'q'}`,
    );
    const file = join(tmp.path, 'colours.csv');
    await writeFile(file, `n,color,label\n${rows.join('\n')}\n`);
    const testFile = join(tmp.path, 'colours-test.csv');
    await writeFile(testFile, 'n,color,label\n1,red,p\n2,green,q\n3,blue,p\n4,purple,q\n');
    const out = join(tmp.path, `run-unseen-${Math.random().toString(36).slice(2)}`);
    await assert.rejects(
      captured(() => trainCsv(options(file, 'label', out, { testFile, epochs: 1 }))),
      (e: unknown) =>
        e instanceof ArgumentError &&
        e.message.startsWith(`${testFile}: column 'color': 'purple' at data row 4 (line 5)`),
    );
  });
});
