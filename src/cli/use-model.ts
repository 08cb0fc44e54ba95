/** `backprop eval MODEL` and `backprop predict MODEL INPUT…`: use a model a `train` run saved. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StandardScaler } from '../data/index.js';
import {
  accuracyFromConfusion,
  confusionMatrix,
  formatConfusionMatrix,
  toLabels,
} from '../metrics/classification.js';
import { readCsv } from '../node/csv.js';
import { readImage, toMnistForm } from '../node/image.js';
import { ArgumentError, loadModel, type Sequential, tensor } from '../node/index.js';
import { loadMnist } from '../node/mnist.js';
import { encodeFeatures, type TabularPreprocessing } from './tabular.js';

type Preprocessing =
  | { kind: 'mnist'; width: number; height: number; binarize: boolean }
  | TabularPreprocessing;

async function open(dir: string): Promise<{ model: Sequential; prep: Preprocessing }> {
  const model = await loadModel(dir);
  const text = await readFile(join(dir, 'preprocessing.json'), 'utf8').catch(() => {
    throw new ArgumentError(
      `${dir} has no preprocessing.json: use a model folder written by 'backprop train'`,
    );
  });
  return { model, prep: JSON.parse(text) as Preprocessing };
}

function tabularInputs(prep: TabularPreprocessing, table: Awaited<ReturnType<typeof readCsv>>) {
  const missing = prep.columns.map((c) => c.name).filter((c) => !table.columns.includes(c));
  if (missing.length > 0)
    throw new ArgumentError(`the CSV lacks column(s) the model was trained on: ${missing.join(', ')}`);
  return StandardScaler.fromJSON(prep.scaler).transform(encodeFeatures(table, prep.columns));
}

export async function evaluateCommand(dir: string, options: { csv?: string; data?: string }): Promise<void> {
  const { model, prep } = await open(dir);
  if (prep.kind === 'mnist') {
    const { test } = await loadMnist({ path: options.data, binarize: prep.binarize });
    const result = model.evaluate(test.x, test.y);
    const cm = confusionMatrix(test.labels, model.predict(test.x).argmax(-1).data(), 10);
    console.log(
      `MNIST test set (${test.x.shape[0]} images): accuracy ${(result.accuracy! * 100).toFixed(2)}% · loss ${result.loss!.toFixed(4)}`,
    );
    console.log(formatConfusionMatrix(cm));
    return;
  }
  if (!options.csv)
    throw new ArgumentError('this model was trained on a CSV: pass the CSV to evaluate on with --csv FILE');
  const table = (await readCsv(options.csv)).dropMissing([prep.target, ...prep.columns.map((c) => c.name)]);
  const x = tabularInputs(prep, table);
  const probs = model.predict(x);
  if (prep.task === 'regression') {
    const y = table.numbers(prep.target);
    const p = probs.data();
    const mae = y.reduce((s, v, i) => s + Math.abs(v - p[i]!), 0) / y.length;
    console.log(`${options.csv}: MAE ${mae.toFixed(4)} over ${y.length} rows`);
    return;
  }
  const index = new Map(prep.classes.map((c, i) => [c, i]));
  const truth = table.column(prep.target).map((v, i) => {
    const k = index.get(table.kind(prep.target) === 'number' ? String(Number(v)) : v);
    if (k === undefined)
      throw new ArgumentError(
        `row ${i + 1}: '${v}' is not a class the model knows (${prep.classes.join(', ')})`,
      );
    return k;
  });
  const cm = confusionMatrix(truth, toLabels(probs), prep.classes.length);
  console.log(
    `${options.csv}: accuracy ${(accuracyFromConfusion(cm) * 100).toFixed(2)}% over ${truth.length} rows`,
  );
  console.log(formatConfusionMatrix(cm, prep.classes));
}

export async function predictCommand(dir: string, inputs: string[]): Promise<void> {
  const { model, prep } = await open(dir);
  if (inputs.length === 0)
    throw new ArgumentError('give at least one input: image files (MNIST models) or a CSV file');
  if (prep.kind === 'mnist') {
    const images = await Promise.all(inputs.map(readImage));
    const x = tensor(
      Float32Array.from(
        images.flatMap((img) =>
          Array.from(toMnistForm(img, prep.width, prep.height), (v) =>
            prep.binarize ? (v >= 0.5 ? 1 : 0) : v,
          ),
        ),
      ),
      { shape: [images.length, prep.width * prep.height] },
    );
    const probs = model.predict(x).data();
    inputs.forEach((file, i) => {
      const p = probs.subarray(i * 10, (i + 1) * 10);
      const digit = p.indexOf(Math.max(...p));
      console.log(`${file}: ${digit} (p = ${p[digit]!.toFixed(3)})`);
    });
    return;
  }
  for (const file of inputs) {
    const table = await readCsv(file);
    const probs = model.predict(tabularInputs(prep, table));
    if (prep.task === 'regression') {
      console.log(`row,${prep.target}`);
      Array.from(probs.data()).forEach((v, i) => {
        console.log(`${i + 1},${v}`);
      });
      continue;
    }
    const predicted = toLabels(probs);
    const conf =
      probs.shape[1] === 1
        ? Array.from(probs.data(), (p) => Math.max(p, 1 - p))
        : Array.from(probs.max(-1).data());
    console.log(`row,${prep.target},probability`);
    predicted.forEach((c, i) => {
      console.log(`${i + 1},${prep.classes[c]},${conf[i]!.toFixed(4)}`);
    });
  }
}
