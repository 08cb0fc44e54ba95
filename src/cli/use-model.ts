/** `backprop eval MODEL` and `backprop predict MODEL INPUT…`: use a model a `train` run saved. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { confusionMatrix, formatConfusionMatrix } from '../metrics/classification.js';
import { ArgumentError, loadModel, type Model, type Sequential } from '../node/index.js';
import { loadMnist } from '../node/mnist.js';
import { assertCsvInput } from './input-kind.js';
import { IMPORTED_FROM_CODE } from './interop-commands.js';
import { type ImageModelPreprocessing, imagesForModel, predictImages } from './predict-images.js';
import type { BadValuePolicy, TabularPreprocessing } from './tabular.js';
import { evaluateCsv, predictCsv } from './tabular-use.js';
import type { CharPreprocessing, TextPreprocessing } from './text-preprocessing.js';
import { evaluateText, predictText } from './text-use.js';

type Preprocessing = ImageModelPreprocessing | TabularPreprocessing | TextPreprocessing | CharPreprocessing;

const CHAR_MODEL = "this is a character model: generate text with 'backprop sample MODEL'";

/** --bad-values concerns the columns of numbers of a `train csv` model; elsewhere it would do nothing. */
function checkBadValues(prep: Preprocessing, badValues: BadValuePolicy | undefined): void {
  if (badValues !== undefined && prep.kind !== 'csv')
    throw new ArgumentError(
      `--bad-values is for CSV models ('backprop train csv'); this is a ${prep.kind} model`,
    );
}

async function open(dir: string): Promise<{ model: Sequential; prep: Preprocessing }> {
  // `backprop import` writes functional models (an imported graph); only the image commands take them.
  const model = await loadModel<Sequential>(dir);
  const text = await readFile(join(dir, 'preprocessing.json'), 'utf8').catch(() => {
    throw new ArgumentError(
      `${dir} has no preprocessing.json: use a model folder written by 'backprop train'` +
        ` (${IMPORTED_FROM_CODE(dir).replace(/^An/, 'an')})`,
    );
  });
  return { model, prep: JSON.parse(text) as Preprocessing };
}

export async function evaluateCommand(
  dir: string,
  options: { csv?: string; data?: string; delimiter?: string; badValues?: BadValuePolicy },
): Promise<void> {
  const { model, prep } = await open(dir);
  checkBadValues(prep, options.badValues);
  if (prep.kind === 'mnist') {
    if (options.csv)
      throw new ArgumentError(
        `this is an MNIST model: it is evaluated on the MNIST test set (--data DIR); --csv is for CSV models`,
      );
    const { test } = await loadMnist({ path: options.data, binarize: prep.binarize });
    const imported = model as Sequential | Model;
    const x = imagesForModel(imported, test.x);
    const probs = imported.predict(x);
    const predicted = (Array.isArray(probs) ? probs[0]! : probs).argmax(-1).dataSync();
    const cm = confusionMatrix(test.labels, predicted, 10);
    const correct = predicted.reduce((n, p, i) => n + (p === test.labels[i] ? 1 : 0), 0);
    // An imported model has no loss until it is compiled (its output may be log-probabilities).
    const loss = imported.compiled ? ` · loss ${imported.evaluate(x, test.y).loss!.toFixed(4)}` : '';
    console.log(
      `MNIST test set (${test.x.shape[0]} images): accuracy ${((correct / predicted.length) * 100).toFixed(2)}%${loss}`,
    );
    console.log(formatConfusionMatrix(cm));
    return;
  }
  if (prep.kind === 'chars') throw new ArgumentError(CHAR_MODEL);
  if (!options.csv)
    throw new ArgumentError('this model was trained on a CSV: pass the CSV to evaluate on with --csv FILE');
  await assertCsvInput(options.csv);
  if (prep.kind === 'text') await evaluateText(model, prep, options.csv, options.delimiter);
  else await evaluateCsv(model, prep, options.csv, options.delimiter, options.badValues);
}

export async function predictCommand(
  dir: string,
  inputs: string[],
  options: { delimiter?: string; text?: string[]; badValues?: BadValuePolicy } = {},
): Promise<void> {
  const { model, prep } = await open(dir);
  checkBadValues(prep, options.badValues);
  const texts = options.text ?? [];
  if (prep.kind === 'chars') throw new ArgumentError(CHAR_MODEL);
  if (texts.length > 0 && prep.kind !== 'text')
    throw new ArgumentError(
      `--text is for text models ('backprop train text'); this is a ${prep.kind} model`,
    );
  if (inputs.length === 0 && texts.length === 0)
    throw new ArgumentError(
      'give at least one input: image files (MNIST models), a CSV file, or --text "…" (text models)',
    );
  if (prep.kind === 'mnist') {
    const failures = await predictImages(model, prep, inputs);
    if (failures > 0) process.exitCode = 1;
    return;
  }
  if (prep.kind === 'text') {
    for (const file of inputs) await assertCsvInput(file);
    await predictText(model, prep, inputs, texts, options.delimiter);
    return;
  }
  for (const file of inputs) {
    await assertCsvInput(file);
    await predictCsv(model, prep, file, options.delimiter, options.badValues);
  }
}
