/**
 * The report page's layout: headline numbers first, then the pictures, the configuration as a
 * table, and the raw metrics linked rather than poured into the page.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { finishReport, startReport } from '../src/cli/report.js';
import { headlinesFromMetrics } from '../src/cli/report-page.js';
import { misclassifiedRows, worstPredictedRows } from '../src/cli/worst-rows.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir('report');

const history = {
  loss: Array.from({ length: 300 }, (_, i) => 1 / (i + 1)),
  val_loss: Array.from({ length: 300 }, (_, i) => 1.1 / (i + 1)),
};

it('index.html shows the headline, then the pictures, the configuration table and a link to metrics.json', async () => {
  const dir = join(tmp.path, 'run');
  const report = await startReport(dir, 'MNIST 784-256-10 (relu)');
  // Plots as addPlot records them (rendering them is not what this test is about).
  report.plots.push({ file: 'loss.png', caption: 'Loss per epoch', width: 380, height: 190, svg: true });
  report.plots.push({ file: 'confusion-matrix.png', caption: 'Confusion matrix', width: 279, height: 258 });
  report.tables.push({ title: 'Per-class precision, recall, F1', text: 'digit precision\n0 0.98' });
  const page = await readFile(
    await finishReport(report, {
      testAccuracy: 0.97654,
      testLoss: 0.0812,
      trainSamples: 50000,
      testSamples: 10000,
      settings: { layers: [784, 256, 10], optimizer: 'adam', lr: undefined, epochs: 10 },
      history,
      confusionMatrix: [
        [1, 0],
        [0, 1],
      ],
      seconds: 12.3,
    }),
    'utf8',
  );
  const at = (s: string) => {
    const i = page.indexOf(s);
    assert.ok(i >= 0, `page lacks ${s}`);
    return i;
  };
  // The headline, formatted, comes before the first picture; the pictures before the configuration.
  assert.ok(at('97.65') < at('<img'), 'headline before the first image');
  assert.ok(at('Test accuracy') < at('Test loss'), 'accuracy is the first headline');
  assert.ok(at('src="confusion-matrix.png"') < at('Configuration'));
  assert.match(page, /50,000 training · 10,000 test samples · 12 s/);
  assert.match(page, /<img src="loss\.png" alt="Loss per epoch" width="380" height="190">/);
  assert.match(page, /<a href="loss\.svg">SVG<\/a>/);
  // The configuration as table rows, lists joined and unset values shown as such.
  assert.match(page, /<tr><td>layers<\/td><td>784, 256, 10<\/td><\/tr>/);
  assert.match(page, /<tr><td>optimizer<\/td><td>adam<\/td><\/tr>/);
  assert.match(page, /<tr><td>lr<\/td><td>—<\/td><\/tr>/);
  // The raw JSON is linked and written beside the page, not inlined.
  assert.match(page, /<a href="metrics\.json">metrics\.json<\/a>/);
  assert.ok(!page.includes('"val_loss"') && !page.includes('0.0033444'), 'history inlined');
  assert.ok(!/<pre>\s*\{/.test(page), 'a JSON blob in the page');
  const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
  assert.equal(metrics.history.loss.length, 300);
  // One screenful of markup, not one number per line.
  assert.ok(page.split('\n').length < 80, `${page.split('\n').length} lines`);
});

it('headlines come from every test… number: accuracy or R² first, loss last, fractions as percentages', () => {
  assert.deepEqual(
    headlinesFromMetrics({ testLoss: 0.5, testMae: 3.2, testR2: 0.81, testSamples: 100, trainAccuracy: 0.9 }),
    [
      { label: 'Test R²', value: 0.81, format: 'number' },
      { label: 'Test MAE', value: 3.2, format: 'number' },
      { label: 'Test loss', value: 0.5, format: 'number' },
    ],
  );
  assert.deepEqual(headlinesFromMetrics({ testLoss: 0.2, testAccuracy: 0.9 }), [
    { label: 'Test accuracy', value: 0.9, format: 'percent' },
    { label: 'Test loss', value: 0.2, format: 'number' },
  ]);
});

it('lists the worst-predicted and the misclassified test rows by their data row in the file', () => {
  const rows = Int32Array.from([4, 9, 11, 20]);
  const worst = worstPredictedRows(
    rows,
    Float64Array.from([1, 2, 3, 4]),
    Float64Array.from([1.5, 2, 9, 3]),
    2,
  );
  const lines = worst.split('\n');
  assert.equal(lines.length, 3, 'a header and the two worst rows');
  assert.match(lines[1]!, /^\s+12\s+3\.0000\s+9\.0000\s+6\.0000$/, 'data row 12 (index 11): off by 6');
  assert.match(lines[2]!, /^\s+21\s+4\.0000\s+3\.0000\s+-1\.0000$/);
  const classes = ['setosa', 'versicolor', 'virginica'];
  const wrong = misclassifiedRows(rows, Float64Array.from([0, 1, 2, 2]), [0, 2, 2, 1], classes);
  assert.deepEqual(
    wrong
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)),
    [
      ['10', 'versicolor', 'virginica'],
      ['21', 'virginica', 'versicolor'],
    ],
  );
  assert.match(
    misclassifiedRows(rows.subarray(0, 2), Float64Array.from([0, 1]), [0, 1], classes),
    /every test row/,
  );
});
