/** `backprop train csv FILE --target COLUMN`: the bank-churn pipeline on any CSV. */
import { join } from 'node:path';
import { LabelEncoder, StandardScaler, trainTestSplit } from '../data/index.js';
import {
  confusionMatrix,
  formatClassificationReport,
  formatConfusionMatrix,
  toLabels,
} from '../metrics/classification.js';
import { readCsv } from '../node/csv.js';
import { writeFileAtomic } from '../node/file-io.js';
import { ArgumentError, manualSeed, tensor } from '../node/index.js';
import { historyChart } from '../plot/specs.js';
import { buildMlp, makeOptimizer } from './build.js';
import { addClassificationResults, addPlot, finishReport, startReport } from './report.js';
import { resumable } from './resume.js';
import { encodeFeatures, featureNames, planColumns, type TabularPreprocessing } from './tabular.js';

export interface TrainCsvOptions {
  file: string;
  target: string;
  drop: string[];
  hidden: number[];
  activation: string;
  optimizer: string;
  lr?: number;
  batch: number;
  epochs: number;
  dropout: number;
  testSize: number;
  seed: number;
  out: string;
}

export async function trainCsv(o: TrainCsvOptions): Promise<{ testMetric: number; dir: string }> {
  const started = performance.now();
  const raw = await readCsv(o.file);
  console.log(`Read ${o.file}: ${raw.length} rows × ${raw.columns.length} columns`);
  const { plans, notes } = planColumns(raw, o.target, o.drop);
  for (const [name, count] of Object.entries(notes.missing))
    console.log(`  column '${name}': ${count} missing values`);
  const used = [o.target, ...plans.map((p) => p.name)];
  const table = raw.dropMissing(used);
  if (table.length < raw.length)
    console.log(`  dropped ${raw.length - table.length} rows with missing values`);
  for (const d of notes.dropped) console.log(`  not a feature: '${d.name}' — ${d.why}`);
  for (const p of plans)
    if (p.kind !== 'number')
      console.log(
        `  '${p.name}': ${p.kind === 'binary' ? 'label-encoded (0/1)' : 'one-hot encoded (first category dropped)'}`,
      );

  const targetValues = table.column(o.target);
  const distinct = [...new Set(targetValues)];
  const numericTarget = table.kind(o.target) === 'number';
  const regression =
    numericTarget && (distinct.length > 20 || targetValues.some((v) => !Number.isInteger(Number(v))));
  const targetEncoder = new LabelEncoder();
  if (!regression) {
    if (distinct.length < 2)
      throw new ArgumentError(`target '${o.target}' has a single value; nothing to learn`);
    targetEncoder.fit(numericTarget ? targetValues.map((v) => String(Number(v))) : targetValues);
  }
  const labels = regression
    ? Array.from(table.numbers(o.target))
    : targetEncoder.transform(numericTarget ? targetValues.map((v) => String(Number(v))) : targetValues);
  const classes = targetEncoder.classes ?? [];
  const X = encodeFeatures(table, plans);
  const names = featureNames(plans);
  console.log(`Features (${names.length}): ${names.join(', ')}`);
  console.log(
    regression
      ? `Task: regression of '${o.target}'`
      : `Task: classification of '${o.target}' into ${classes.length} classes (${classes.join(', ')})`,
  );

  const { train, test } = trainTestSplit([X, labels], {
    testSize: o.testSize,
    seed: o.seed,
    ...(!regression && { stratify: labels }),
  });
  const [xTrainRaw, yTrainLabels] = train as [number[][], number[]];
  const [xTestRaw, yTestLabels] = test as [number[][], number[]];
  const scaler = new StandardScaler().fit(xTrainRaw);
  const xTrain = scaler.transform(xTrainRaw);
  const xTest = scaler.transform(xTestRaw);
  const binary = !regression && classes.length === 2;
  const toY = (ls: number[]) =>
    regression || binary
      ? tensor(ls.map((v) => [v]))
      : tensor(ls.map((c) => Array.from({ length: classes.length }, (_, k) => (k === c ? 1 : 0))));
  const yTrain = toY(yTrainLabels);
  const yTest = toY(yTestLabels);
  console.log(
    `Split: ${xTrainRaw.length} train / ${xTestRaw.length} test rows${regression ? '' : ' (stratified)'}; features standard-scaled on the training rows`,
  );

  manualSeed(o.seed);
  const outputs = regression || binary ? 1 : classes.length;
  const model = buildMlp({
    layers: [names.length, ...o.hidden, outputs],
    activation: o.activation,
    outputActivation: regression ? 'linear' : binary ? 'sigmoid' : 'softmax',
    dropout: o.dropout,
  });
  const loss = regression ? 'meanSquaredError' : binary ? 'binaryCrossentropy' : 'categoricalCrossentropy';
  model.compile({
    optimizer: makeOptimizer(o.optimizer, o.lr, undefined),
    loss,
    metrics: [regression ? 'mae' : 'accuracy'],
  });
  model.summary();
  const report = await startReport(o.out, `${o.file} → ${o.target}`);
  const history = await model.fit(xTrain, yTrain, {
    batchSize: o.batch,
    epochs: o.epochs,
    validationSplit: 0.1,
    seed: o.seed,
    callbacks: resumable(o.out),
  });
  const result = model.evaluate(xTest, yTest);

  const modelDir = join(o.out, 'model');
  await model.save(modelDir);
  const preprocessing: TabularPreprocessing = {
    kind: 'csv',
    target: o.target,
    task: regression ? 'regression' : 'classification',
    classes,
    columns: plans,
    scaler: scaler.toJSON(),
    featureNames: names,
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
    task: preprocessing.task,
    testLoss: result.loss,
    settings: o,
    dropped: notes.dropped,
    features: names,
    history: history.history,
  };
  let headline: number;
  if (regression) {
    headline = result.mae!;
    metrics.testMae = result.mae;
    console.log(`\nTest MAE: ${result.mae!.toFixed(4)} · test MSE ${result.loss!.toFixed(4)}`);
    await addPlot(report, 'mae', historyChart(history.history, 'mae'), 'Mean absolute error per epoch');
  } else {
    headline = result.accuracy!;
    const probs = model.predict(xTest);
    const predicted = toLabels(probs); // argmax, or > 0.5 for the single sigmoid output
    const cm = confusionMatrix(yTestLabels, predicted, classes.length);
    const perClass = await addClassificationResults(report, history.history, cm, classes, 'test rows');
    Object.assign(metrics, { testAccuracy: result.accuracy, confusionMatrix: cm, classes, perClass });
    console.log(`\nTest accuracy: ${(result.accuracy! * 100).toFixed(2)}% (${xTestRaw.length} rows)`);
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
