/**
 * `backprop eval` and `backprop predict` for `train text` models: the saved tokenizer and padding
 * applied to new texts — a CSV's text column, or texts given with --text.
 */
import { WordTokenizer } from '../data/text/word-tokenizer.js';
import {
  accuracyFromConfusion,
  confusionMatrix,
  formatConfusionMatrix,
  toLabels,
} from '../metrics/classification.js';
import type { Sequential } from '../model/sequential.js';
import { readCsvFile } from './csv-options.js';
import { readTarget, rowsWithTarget } from './tabular.js';
import { columnTexts, encodeTexts, type TextPreprocessing } from './text-preprocessing.js';

function classify(model: Sequential, prep: TextPreprocessing, texts: readonly string[]) {
  const tokenizer = WordTokenizer.fromJSON(prep.tokenizer);
  const probs = model.predict(encodeTexts(tokenizer, texts, prep));
  return { predicted: toLabels(probs), confidence: probs.max(-1).dataSync() };
}

const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** CSV lines on stdout: for files `row,<target>,probability`; for --text `text,<target>,probability`. */
export async function predictText(
  model: Sequential,
  prep: TextPreprocessing,
  files: readonly string[],
  texts: readonly string[],
  delimiter?: string,
): Promise<void> {
  if (texts.length > 0) {
    const { predicted, confidence } = classify(model, prep, texts);
    console.log(`text,${prep.target},probability`);
    texts.forEach((t, i) => {
      console.log(`${quoted(t)},${prep.classes[predicted[i]!]},${confidence[i]!.toFixed(4)}`);
    });
  }
  for (const file of files) {
    const table = await readCsvFile(file, delimiter);
    const { predicted, confidence } = classify(model, prep, columnTexts(table, prep.textColumn));
    console.log(`row,${prep.target},probability`);
    predicted.forEach((c, i) => {
      console.log(`${i + 1},${prep.classes[c]},${confidence[i]!.toFixed(4)}`);
    });
  }
}

/** Accuracy and confusion matrix on a CSV with both the text and the target column. */
export async function evaluateText(
  model: Sequential,
  prep: TextPreprocessing,
  file: string,
  delimiter?: string,
): Promise<void> {
  const table = await readCsvFile(file, delimiter);
  const texts = columnTexts(table, prep.textColumn);
  const { labels } = readTarget(table, prep.target, 'error', {
    task: 'classification',
    classes: prep.classes,
  });
  const rows = rowsWithTarget(labels);
  const { predicted } = classify(
    model,
    prep,
    Array.from(rows, (r) => texts[r]!),
  );
  const cm = confusionMatrix(
    Array.from(rows, (r) => labels[r]!),
    predicted,
    prep.classes.length,
  );
  const left = table.length - rows.length;
  console.log(
    `${file}: accuracy ${(accuracyFromConfusion(cm) * 100).toFixed(2)}% over ${rows.length} texts${left > 0 ? ` (${left} rows without a '${prep.target}' value left out)` : ''}`,
  );
  console.log(formatConfusionMatrix(cm, prep.classes));
}
