/** `backprop train csv FILE --target COLUMN`: the bank-churn pipeline on any CSV. */
import { join } from 'node:path';
import { withContext } from '../config/options.js';
import type { CsvTable } from '../data/csv.js';
import {
  confusionMatrix,
  formatClassificationReport,
  formatConfusionMatrix,
  toLabels,
} from '../metrics/classification.js';
import { writeFileAtomic } from '../node/file-io.js';
import { ArgumentError, getOptimizer, manualSeed, Rng, tensor } from '../node/index.js';
import { historyChart, predictedVsActualChart } from '../plot/specs.js';
import { buildMlp } from './build.js';
import { readCsvFile } from './csv-options.js';
import { fitWithEarlyStopping } from './early-stopped-fit.js';
import { addClassificationResults, addPlot, finishReport, startReport } from './report.js';
import { checkTrainingRows, splitRows } from './split-rows.js';
import {
  type BadValuePolicy,
  encodeFeatures,
  featureNames,
  fitScaler,
  planColumns,
  readTarget,
  regressionMetrics,
  rowsWithTarget,
  scaleInPlace,
  type TabularPreprocessing,
} from './tabular.js';
import { misclassifiedRows, worstPredictedRows } from './worst-rows.js';

export interface TrainCsvOptions {
  file: string;
  target: string;
  drop: string[];
  delimiter?: string;
  badValues: BadValuePolicy;
  hidden: number[];
  activation: string;
  optimizer: string;
  lr?: number;
  batch: number;
  epochs: number;
  patience: number;
  dropout: number;
  /**
   * L2 weight decay added to every gradient (decoupled for adamw). Optional because run.json files
   * written before it existed resume without it, meaning none.
   */
  weightDecay?: number;
  testSize: number;
  /** Evaluate on this CSV instead of holding out testSize of the rows. */
  testFile?: string;
  seed: number;
  out: string;
}

/** Share of the training rows fit() holds out to decide when to stop. */
/** Points drawn in the predicted-vs-actual plot (a sample of the test rows beyond that). */
const SCATTER_POINTS = 2000;

export async function trainCsv(o: TrainCsvOptions): Promise<{ testMetric: number; dir: string }> {
  const started = performance.now();
  const table = await readCsvFile(o.file, o.delimiter);
  const nRows = table.length;
  const delimiterName = table.delimiter === '\t' ? 'tab' : `'${table.delimiter}'`;
  console.log(
    `Read ${o.file}: ${table.length} rows × ${table.columns.length} columns (delimiter ${delimiterName})`,
  );
  const { task, classes, labels } = withContext(o.file, () => readTarget(table, o.target, o.badValues));
  const regression = task === 'regression';
  const labelled = rowsWithTarget(labels);
  if (labelled.length < table.length)
    console.log(
      `  ${table.length - labelled.length} rows have no '${o.target}' value: left out of training and evaluation`,
    );
  let trainRows: Int32Array;
  let testRows: Int32Array;
  if (o.testFile === undefined) {
    ({ trainRows, testRows } = splitRows({
      file: o.file,
      target: o.target,
      ...(!regression && { classes }),
      labels,
      labelled,
      testSize: o.testSize,
      seed: o.seed,
      otherwise: ', or give --test-file',
    }));
  } else {
    checkTrainingRows(o.file, o.target, labelled.length);
    // Every labelled row trains, in a seeded shuffle: fit() validates on the last rows it is given,
    // which in a file sorted by class would be a single class.
    trainRows = Int32Array.from(new Rng(o.seed).permutation(labelled.length), (i) => labelled[i]!);
    testRows = new Int32Array(0);
  }

  const { plans, notes } = withContext(o.file, () =>
    planColumns(table, o.target, o.drop, trainRows, o.badValues),
  );
  for (const [name, count] of Object.entries(notes.missing))
    if (name !== o.target) console.log(`  column '${name}': ${count} missing values, imputed`);
  for (const [name, count] of Object.entries(notes.badCells))
    console.log(
      `  column '${name}': ${count} cells are not numbers, imputed as missing (--bad-values missing)`,
    );
  for (const d of notes.dropped) console.log(`  not a feature: '${d.name}' — ${d.why}`);
  for (const p of plans) {
    if (p.kind !== 'number')
      console.log(
        `  '${p.name}': ${p.kind === 'binary' ? 'label-encoded (0/1)' : 'one-hot encoded (first category dropped)'}`,
      );
    if (p.indicator)
      console.log(
        `  '${p.name}': missing cells filled with ${p.kind === 'number' ? 'the median' : 'the most frequent value'} of the training rows (${p.fill}), plus a '${p.name} missing' column`,
      );
  }
  const names = featureNames(plans);
  console.log(`Features (${names.length}): ${names.join(', ')}`);
  console.log(
    regression
      ? `Task: regression of '${o.target}'`
      : `Task: classification of '${o.target}' into ${classes.length} classes (${classes.join(', ')})`,
  );

  // Features straight from the columns into two float32 matrices; then the table's storage goes.
  const encode = (file: string, t: CsvTable, rows: Int32Array) =>
    withContext(file, () => encodeFeatures(t, plans, rows, o.badValues));
  let xTrainRaw: Float32Array | null = encode(o.file, table, trainRows);
  let xTestRaw: Float32Array | null;
  let testTargets: Float64Array;
  if (o.testFile === undefined) {
    xTestRaw = encode(o.file, table, testRows);
    testTargets = Float64Array.from(testRows, (r) => labels[r]!);
  } else {
    const testTable = await readCsvFile(o.testFile, o.delimiter);
    const testFile = o.testFile;
    const test = withContext(testFile, () => readTarget(testTable, o.target, o.badValues, { task, classes }));
    testRows = rowsWithTarget(test.labels);
    if (testRows.length === 0) throw new ArgumentError(`${o.testFile}: no row has a '${o.target}' value`);
    xTestRaw = encode(testFile, testTable, testRows);
    testTargets = Float64Array.from(testRows, (r) => test.labels[r]!);
    testTable.release();
  }
  table.release();
  const d = names.length;
  const scaler = fitScaler(xTrainRaw, d);
  scaleInPlace(xTrainRaw, scaler.mean, scaler.scale);
  scaleInPlace(xTestRaw, scaler.mean, scaler.scale);
  const nTrain = trainRows.length;
  const nTest = testRows.length;
  const xTrain = tensor(xTrainRaw, { shape: [nTrain, d] });
  xTrainRaw = null;
  const xTest = tensor(xTestRaw, { shape: [nTest, d] });
  xTestRaw = null;

  const trainTargets = Float64Array.from(trainRows, (r) => labels[r]!);
  // A regression target is standardised for training (a target in the hundreds would start the
  // loss in the tens of thousands and swamp Adam's first steps); predictions are mapped back.
  const targetScaler = regression ? fitScaler(Float32Array.from(trainTargets), 1) : undefined;
  const binary = !regression && classes.length === 2;
  const toY = (values: Float64Array) => {
    if (regression) {
      const { mean, scale } = targetScaler!;
      return tensor(
        Float32Array.from(values, (v) => (v - mean[0]!) / scale[0]!),
        { shape: [values.length, 1] },
      );
    }
    if (binary) return tensor(Float32Array.from(values), { shape: [values.length, 1] });
    const k = classes.length;
    const y = new Float32Array(values.length * k);
    values.forEach((c, i) => {
      y[i * k + c] = 1;
    });
    return tensor(y, { shape: [values.length, k] });
  };
  const yTrain = toY(trainTargets);
  const yTest = toY(testTargets);
  console.log(
    `${o.testFile === undefined ? 'Split' : `Test rows from ${o.testFile}`}: ${nTrain} train / ${nTest} test rows${regression || o.testFile !== undefined ? '' : ' (stratified)'}; features ${regression ? 'and target ' : ''}standard-scaled on the training rows`,
  );

  manualSeed(o.seed);
  const outputs = regression || binary ? 1 : classes.length;
  const model = buildMlp({
    layers: [d, ...o.hidden, outputs],
    activation: o.activation,
    outputActivation: regression ? 'linear' : binary ? 'sigmoid' : 'softmax',
    dropout: o.dropout,
  });
  const loss = regression ? 'meanSquaredError' : binary ? 'binaryCrossentropy' : 'categoricalCrossentropy';
  model.compile({
    optimizer: getOptimizer({
      className: o.optimizer,
      config: { ...(o.lr !== undefined && { learningRate: o.lr }), weightDecay: o.weightDecay ?? 0 },
    }),
    loss,
    metrics: regression ? ['mae'] : ['accuracy'],
  });
  model.summary();
  const report = await startReport(o.out, `${o.file} → ${o.target}`);
  const { history, epochsRun, bestEpoch } = await fitWithEarlyStopping(model, xTrain, yTrain, o);
  const result = model.evaluate(xTest, yTest);

  const modelDir = join(o.out, 'model');
  await model.save(modelDir);
  const preprocessing: TabularPreprocessing = {
    kind: 'csv',
    target: o.target,
    task,
    classes,
    columns: plans,
    scaler: { className: 'StandardScaler', ...scaler },
    featureNames: names,
    ...(targetScaler && { targetScaler: { mean: targetScaler.mean[0]!, scale: targetScaler.scale[0]! } }),
    badValues: o.badValues,
  };
  await writeFileAtomic(join(modelDir, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
  await addPlot(
    report,
    'loss',
    historyChart(history.history, 'loss'),
    'Loss per epoch, training vs validation',
  );
  const metrics: Record<string, unknown> = {
    file: o.file,
    target: o.target,
    task,
    testLoss: result.loss,
    rows: nRows,
    rowsWithoutTarget: nRows - labelled.length,
    epochs: epochsRun,
    bestEpoch,
    settings: o,
    dropped: notes.dropped,
    features: names,
    history: history.history,
  };
  let headline: number;
  if (regression) {
    const { mean, scale } = targetScaler!;
    const predicted = Float64Array.from(model.predict(xTest).dataSync(), (v) => v * scale[0]! + mean[0]!);
    const m = regressionMetrics(testTargets, predicted);
    headline = m.r2;
    Object.assign(metrics, { testR2: m.r2, testMae: m.mae, testRmse: m.rmse });
    console.log(
      `\nTest R² ${m.r2.toFixed(4)} · MAE ${m.mae.toFixed(4)} · RMSE ${m.rmse.toFixed(4)} (${nTest} rows, in '${o.target}' units)`,
    );
    const step = Math.max(1, Math.ceil(nTest / SCATTER_POINTS));
    const shown = Array.from({ length: Math.ceil(nTest / step) }, (_, i) => i * step);
    await addPlot(
      report,
      'predicted-vs-actual',
      predictedVsActualChart({
        actual: shown.map((i) => testTargets[i]!),
        predicted: shown.map((i) => predicted[i]!),
        title: `Predicted vs actual '${o.target}' (test rows, R² ${m.r2.toFixed(3)})`,
      }),
      'Predicted against actual values on the test rows; the diagonal is a perfect prediction',
    );
    report.tables.push({
      title: `Worst-predicted test rows (of ${nTest})`,
      text: worstPredictedRows(testRows, testTargets, predicted),
    });
    await addPlot(
      report,
      'mae',
      historyChart(history.history, 'mae'),
      'Mean absolute error per epoch (standardised target)',
    );
  } else {
    headline = result.accuracy!;
    const probs = model.predict(xTest);
    const predicted = toLabels(probs); // argmax, or > 0.5 for the single sigmoid output
    const cm = confusionMatrix(Array.from(testTargets), predicted, classes.length);
    const perClass = await addClassificationResults(report, history.history, cm, classes, 'test rows');
    report.tables.push({
      title: `Misclassified test rows (of ${nTest})`,
      text: misclassifiedRows(testRows, testTargets, predicted, classes),
    });
    Object.assign(metrics, { testAccuracy: result.accuracy, confusionMatrix: cm, classes, perClass });
    console.log(`\nTest accuracy: ${(result.accuracy! * 100).toFixed(2)}% (${nTest} rows)`);
    console.log(
      `\nConfusion matrix (rows: true '${o.target}', columns: predicted)\n${formatConfusionMatrix(cm, classes)}`,
    );
    console.log(`\n${formatClassificationReport(perClass)}`);
  }
  metrics.seconds = (performance.now() - started) / 1000;
  const html = await finishReport(report, metrics);
  console.log(`\nModel: ${modelDir} (with preprocessing.json)\nReport: ${html}`);
  return { testMetric: headline, dir: o.out };
}
