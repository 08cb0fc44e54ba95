/**
 * `backprop eval` and `backprop predict` for models trained by `train csv`: the saved preprocessing
 * (column plans with their fill values, scaler, target scaling, bad-value policy) applied to a new
 * CSV, so a row with missing cells is imputed as in training and still gets a prediction.
 */
import { withContext } from '../config/options.js';
import type { CsvTable } from '../data/csv.js';
import { formatFloat32 } from '../data/index.js';
import {
  accuracyFromConfusion,
  confusionMatrix,
  formatConfusionMatrix,
  toLabels,
} from '../metrics/classification.js';
import type { Sequential } from '../model/sequential.js';
import { tensor } from '../node/index.js';
import { readCsvFile } from './csv-options.js';
import {
  type BadValuePolicy,
  encodeFeatures,
  readTarget,
  regressionMetrics,
  rowsWithTarget,
  scaleInPlace,
  type TabularPreprocessing,
} from './tabular.js';

/**
 * `--bad-values` if given, else the policy the model was trained with. Either applies: every column
 * of numbers has its fill value, so a text cell taken as missing is imputed like an empty one.
 * Models saved before the policy existed behaved as 'error' for a text cell in a number column.
 */
function policyOf(prep: TabularPreprocessing, given: BadValuePolicy | undefined): BadValuePolicy {
  return given ?? prep.badValues ?? 'error';
}

function outputs(
  model: Sequential,
  prep: TabularPreprocessing,
  file: string,
  table: CsvTable,
  rows: Int32Array,
  policy: BadValuePolicy,
) {
  const x = withContext(file, () => encodeFeatures(table, prep.columns, rows, policy));
  scaleInPlace(x, prep.scaler.mean!, prep.scaler.scale!);
  const probs = model.predict(tensor(x, { shape: [rows.length, prep.featureNames.length] }));
  if (prep.task !== 'regression') return probs;
  const { mean, scale } = prep.targetScaler ?? { mean: 0, scale: 1 };
  return tensor(
    Float32Array.from(probs.dataSync(), (v) => v * scale + mean),
    { shape: probs.shape },
  );
}

export async function evaluateCsv(
  model: Sequential,
  prep: TabularPreprocessing,
  file: string,
  delimiter?: string,
  badValues?: BadValuePolicy,
): Promise<void> {
  const table = await readCsvFile(file, delimiter);
  const policy = policyOf(prep, badValues);
  const { labels } = withContext(file, () => readTarget(table, prep.target, policy, prep));
  const rows = rowsWithTarget(labels);
  const left = table.length - rows.length;
  const over = `over ${rows.length} rows${left > 0 ? ` (${left} rows without a '${prep.target}' value left out)` : ''}`;
  const out = outputs(model, prep, file, table, rows, policy);
  const truth = Float64Array.from(rows, (r) => labels[r]!);
  if (prep.task === 'regression') {
    const m = regressionMetrics(truth, out.dataSync());
    console.log(
      `${file}: R² ${m.r2.toFixed(4)} · MAE ${m.mae.toFixed(4)} · RMSE ${m.rmse.toFixed(4)} ${over}`,
    );
    return;
  }
  const cm = confusionMatrix(Array.from(truth), toLabels(out), prep.classes.length);
  console.log(`${file}: accuracy ${(accuracyFromConfusion(cm) * 100).toFixed(2)}% ${over}`);
  console.log(formatConfusionMatrix(cm, prep.classes));
}

/** One line per data row of the file, in order: row number, prediction (and its probability). */
export async function predictCsv(
  model: Sequential,
  prep: TabularPreprocessing,
  file: string,
  delimiter?: string,
  badValues?: BadValuePolicy,
): Promise<void> {
  const table = await readCsvFile(file, delimiter);
  const rows = Int32Array.from({ length: table.length }, (_, i) => i);
  const out = outputs(model, prep, file, table, rows, policyOf(prep, badValues));
  if (prep.task === 'regression') {
    console.log(`row,${prep.target}`);
    Array.from(out.dataSync()).forEach((v, i) => {
      console.log(`${i + 1},${formatFloat32(v)}`);
    });
    return;
  }
  const predicted = toLabels(out);
  const conf =
    out.shape[1] === 1
      ? Array.from(out.dataSync(), (p) => Math.max(p, 1 - p))
      : Array.from(out.max(-1).dataSync());
  console.log(`row,${prep.target},probability`);
  predicted.forEach((c, i) => {
    console.log(`${i + 1},${prep.classes[c]},${conf[i]!.toFixed(4)}`);
  });
}
