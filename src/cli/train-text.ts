/**
 * `backprop train text FILE.csv --text COLUMN --target COLUMN`: a text classifier from a CSV —
 * words → ids (WordTokenizer, the numWords − 1 most frequent words, others the OOV id), padded to
 * one length, Embedding → LSTM / GRU / Conv1D → softmax. The same report folder as `train csv`;
 * the tokenizer and class names are saved with the model, so `predict` takes new texts.
 */
import { join } from 'node:path';
import { WordTokenizer } from '../data/text/word-tokenizer.js';
import {
  confusionMatrix,
  formatClassificationReport,
  formatConfusionMatrix,
  toLabels,
} from '../metrics/classification.js';
import { writeFileAtomic } from '../node/file-io.js';
import { ArgumentError, manualSeed, tensor } from '../node/index.js';
import { historyChart } from '../plot/specs.js';
import { readCsvFile } from './csv-options.js';
import { fitWithEarlyStopping } from './early-stopped-fit.js';
import { addClassificationResults, addPlot, finishReport, startReport } from './report.js';
import { splitRows } from './split-rows.js';
import { readTarget, rowsWithTarget } from './tabular.js';
import { buildTextClassifier, type TextModelKind, textOptimizer } from './text-models.js';
import { columnTexts, coveringLength, encodeTexts, type TextPreprocessing } from './text-preprocessing.js';

export interface TrainTextOptions {
  file: string;
  text: string;
  target: string;
  model: TextModelKind;
  /** Ids per text (default: the length that covers 95 % of the training texts, at most 400). */
  maxLen?: number;
  numWords: number;
  embeddingDim: number;
  units: number;
  dropout: number;
  optimizer: string;
  lr?: number;
  batch: number;
  epochs: number;
  patience: number;
  testSize: number;
  seed: number;
  delimiter?: string;
  out: string;
}

export const TEXT_DEFAULTS = {
  model: 'lstm' as TextModelKind,
  numWords: 10000,
  embeddingDim: 32,
  units: 32,
  dropout: 0.2,
  batch: 32,
  epochs: 30,
  /**
   * Adam at 0.003 and patience 10: on small tables a recurrent classifier often sits on a plateau
   * for several epochs — the validation loss even rising while it fits word counts — before it
   * finds the order of the words; patience 4 at Adam's 0.001 stopped it there (examples/reviews.csv
   * rows of 800: 52 % instead of 100 %).
   */
  lr: 0.003,
  patience: 10,
};

/** Share of the training texts fit() holds out to decide when to stop. */
const OOV = '<OOV>';

export async function trainText(o: TrainTextOptions): Promise<{ testAccuracy: number; dir: string }> {
  const started = performance.now();
  const table = await readCsvFile(o.file, o.delimiter);
  console.log(`Read ${o.file}: ${table.length} rows × ${table.columns.length} columns`);
  if (o.text === o.target) throw new ArgumentError(`--text and --target are both '${o.text}'`);
  const texts = columnTexts(table, o.text);
  const { task, classes, labels } = readTarget(table, o.target, 'error');
  if (task !== 'classification')
    throw new ArgumentError(
      `train text classifies texts: target '${o.target}' looks like a number to predict (more than 20 distinct values or fractions)`,
    );
  table.release();
  const labelled = rowsWithTarget(labels);
  if (labelled.length < texts.length)
    console.log(`  ${texts.length - labelled.length} rows have no '${o.target}' value: left out`);
  const { trainRows, testRows } = splitRows({
    file: o.file,
    target: o.target,
    classes,
    labels,
    labelled,
    testSize: o.testSize,
    seed: o.seed,
  });
  const textsOf = (rows: Int32Array) => Array.from(rows, (r) => texts[r]!);
  const labelsOf = (rows: Int32Array) =>
    tensor(
      Float32Array.from(rows, (r) => labels[r]!),
      { shape: [rows.length] },
    );

  // The vocabulary comes from the training texts only: a test word is as unknown as a new one.
  const tokenizer = new WordTokenizer({ numWords: o.numWords, oovToken: OOV }).fitOnTexts(textsOf(trainRows));
  const maxLen = o.maxLen ?? coveringLength(tokenizer.textsToSequences(textsOf(trainRows)), 0.95, 400);
  const prep: TextPreprocessing = {
    kind: 'text',
    textColumn: o.text,
    target: o.target,
    classes,
    tokenizer: tokenizer.toJSON(),
    maxLen,
    padding: 'pre',
    truncating: 'pre',
  };
  const xTrain = encodeTexts(tokenizer, textsOf(trainRows), prep);
  const xTest = encodeTexts(tokenizer, textsOf(testRows), prep);
  const yTrain = labelsOf(trainRows);
  const yTest = labelsOf(testRows);
  console.log(
    `Vocabulary: ${tokenizer.wordIndex.size - 1} distinct words in the training texts, ids for ${tokenizer.vocabularySize - 2} (--num-words ${o.numWords}) + ${OOV} + padding; ${maxLen} ids per text${o.maxLen === undefined ? ' (covers 95 % of the training texts)' : ''}`,
  );
  console.log(
    `Task: classification of '${o.target}' into ${classes.length} classes (${classes.join(', ')}); split ${trainRows.length} train / ${testRows.length} test rows (stratified)`,
  );

  manualSeed(o.seed);
  const model = buildTextClassifier({
    kind: o.model,
    vocabularySize: tokenizer.vocabularySize,
    maxLen,
    embeddingDim: o.embeddingDim,
    units: o.units,
    dropout: o.dropout,
    classes: classes.length,
  });
  model.compile({
    optimizer: textOptimizer(o.optimizer, o.lr),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  model.summary();
  const report = await startReport(o.out, `${o.file}: '${o.text}' → ${o.target} (${o.model})`);
  const { history, epochsRun, bestEpoch } = await fitWithEarlyStopping(model, xTrain, yTrain, o);
  const result = model.evaluate(xTest, yTest);
  const probs = model.predict(xTest);
  const predicted = toLabels(probs);
  const truth = Array.from(testRows, (r) => labels[r]!);
  const cm = confusionMatrix(truth, predicted, classes.length);

  const modelDir = join(o.out, 'model');
  await model.save(modelDir);
  await writeFileAtomic(join(modelDir, 'preprocessing.json'), `${JSON.stringify(prep, null, 2)}\n`);
  await addPlot(
    report,
    'loss',
    historyChart(history.history, 'loss'),
    'Loss per epoch, training vs validation',
  );
  const perClass = await addClassificationResults(report, history.history, cm, classes, 'test rows');
  report.tables.push({
    title: `Misclassified test texts (of ${testRows.length})`,
    text: misclassifiedTexts(testRows, texts, truth, predicted, probs.max(-1).dataSync(), classes),
  });
  console.log(`\nTest accuracy: ${(result.accuracy! * 100).toFixed(2)}% (${testRows.length} texts)`);
  console.log(
    `\nConfusion matrix (rows: true '${o.target}', columns: predicted)\n${formatConfusionMatrix(cm, classes)}`,
  );
  console.log(`\n${formatClassificationReport(perClass)}`);
  const html = await finishReport(report, {
    file: o.file,
    textColumn: o.text,
    target: o.target,
    testAccuracy: result.accuracy,
    testLoss: result.loss,
    trainSamples: trainRows.length,
    testSamples: testRows.length,
    vocabulary: tokenizer.wordIndex.size - 1,
    maxLen,
    epochs: epochsRun,
    bestEpoch,
    settings: o,
    classes,
    history: history.history,
    confusionMatrix: cm,
    perClass,
    seconds: (performance.now() - started) / 1000,
  });
  console.log(`\nModel: ${modelDir} (with preprocessing.json: tokenizer, classes)\nReport: ${html}`);
  return { testAccuracy: result.accuracy!, dir: o.out };
}

/** The first misclassified test texts, in file order, with the prediction and its probability. */
function misclassifiedTexts(
  rows: Int32Array,
  texts: readonly string[],
  truth: readonly number[],
  predicted: Int32Array,
  confidence: Float32Array,
  classes: readonly string[],
  limit = 20,
): string {
  const wrong = Array.from(rows.keys())
    .filter((i) => predicted[i] !== truth[i])
    .sort((a, b) => rows[a]! - rows[b]!);
  if (wrong.length === 0) return 'none';
  const lines = wrong.slice(0, limit).map((i) => {
    const text = texts[rows[i]!]!;
    const shown = text.length > 70 ? `${text.slice(0, 69)}…` : text;
    return `${String(rows[i]! + 1).padStart(8)}  ${classes[truth[i]!]} → ${classes[predicted[i]!]} (${confidence[i]!.toFixed(2)})  ${shown}`;
  });
  const more = wrong.length > limit ? [`… and ${wrong.length - limit} more`] : [];
  return ['data row  true → predicted (probability)  text', ...lines, ...more].join('\n');
}
