/**
 * The tabular pipeline of the tutorials' bank-churn example, for any CSV: choose feature columns,
 * encode text columns (two categories → 0/1, more → one-hot with the first dropped), drop
 * identifier-like columns, impute missing cells (median / most frequent, fitted on the training rows,
 * plus a 0/1 "was missing" column for every column that had gaps in training), and keep everything
 * needed to apply the same steps to new rows (saved as the model's preprocessing.json).
 */
import {
  type CsvColumn,
  type CsvTable,
  formatFloat32,
  LabelEncoder,
  median,
  mostFrequent,
  OneHotEncoder,
  type StandardScaler,
} from '../data/index.js';
import { ArgumentError } from '../errors.js';

/** What to do with a text cell in a column of numbers: refuse the file, or treat it as missing. */
export type BadValuePolicy = 'error' | 'missing';
export const BAD_VALUE_POLICIES: readonly BadValuePolicy[] = ['error', 'missing'];

interface Imputation {
  /** Used for a missing cell. */
  fill: number | string;
  /** A 0/1 feature "<name> missing" follows the column's own (it had gaps in the training rows). */
  indicator: boolean;
}

export type ColumnPlan =
  | ({ name: string; kind: 'number' } & Imputation)
  | ({ name: string; kind: 'binary'; encoder: ReturnType<LabelEncoder['toJSON']> } & Imputation)
  | ({ name: string; kind: 'onehot'; encoder: ReturnType<OneHotEncoder['toJSON']> } & Imputation);

export interface TabularPreprocessing {
  kind: 'csv';
  target: string;
  task: 'classification' | 'regression';
  /** Class names in output order (classification). */
  classes: string[];
  columns: ColumnPlan[];
  scaler: ReturnType<StandardScaler['toJSON']>;
  featureNames: string[];
  /** Regression: the model predicts (y − mean) / scale. */
  targetScaler?: { mean: number; scale: number };
  badValues: BadValuePolicy;
}

export interface PlanNotes {
  dropped: { name: string; why: string }[];
  missing: Record<string, number>;
  /** Columns of numbers whose text cells were taken as missing (--bad-values missing). */
  badCells: Record<string, number>;
}

/** Most categories a column may have to be one-hot encoded (more would swamp the features). */
const MAX_ONE_HOT = 1000;

/**
 * Whether a column holds numbers: all its present cells are numbers, or most are and the rest are
 * bad cells — reported (policy 'error') or taken as missing. A column that is mostly text is text.
 */
export function columnIsNumeric(table: CsvTable, name: string, policy: BadValuePolicy): boolean {
  const p = table.profile(name);
  if (p.text === 0) return p.numeric > 0;
  if (p.numeric <= p.text) return false;
  if (policy === 'error') throw badCellError(table, name);
  return true;
}

export function badCellError(table: CsvTable, name: string): ArgumentError {
  const p = table.profile(name);
  const s = p.textSamples[0]!;
  return new ArgumentError(
    `column '${name}': '${s.value}' at line ${s.line} (data row ${s.row + 1}) is not a number, in a column of numbers ` +
      `(${p.text} such cell${p.text === 1 ? '' : 's'} of ${p.numeric + p.text + p.missing}). ` +
      'Fix the file, or pass --bad-values missing to treat such cells as missing values',
  );
}

/** A text column's category of a row: its text, a number cell by its number, null when missing. */
export function categoryOf(column: CsvColumn, row: number): string | null {
  const v = column.value(row);
  if (!Number.isNaN(v)) return formatFloat32(v);
  const code = column.code(row);
  if (code > 0) return column.texts[code - 1]!;
  return code < 0 ? column.cell(row) /* throws: text not kept */ : null;
}

/** The distinct categories of a text column, or null when there are more than `limit`. */
function categoriesOf(column: CsvColumn, limit: number): string[] | null {
  if (column.textOverflow) return null;
  const set = new Set(column.texts);
  for (let i = 0; i < column.length && set.size <= limit; i++) {
    const v = column.value(i);
    if (!Number.isNaN(v)) set.add(formatFloat32(v));
  }
  return set.size > limit ? null : [...set].sort();
}

/** Every present value a different integer: a row number or an identifier, not a feature. */
function looksLikeIdentifier(column: CsvColumn): boolean {
  if (column.length <= 20 || column.missing > 0) return false;
  const values = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const v = column.value(i);
    if (!Number.isInteger(v)) return false;
    values[i] = v;
  }
  values.sort();
  for (let i = 1; i < values.length; i++) if (values[i] === values[i - 1]) return false;
  return true;
}

/**
 * Decide what to do with each column; fill values and missing indicators are fitted on `trainRows`
 * only, so nothing about the test rows leaks into training.
 */
export function planColumns(
  table: CsvTable,
  target: string,
  drop: readonly string[],
  trainRows: Int32Array,
  policy: BadValuePolicy,
): { plans: ColumnPlan[]; notes: PlanNotes } {
  table.get(target); // throws naming the columns if the target is missing
  for (const d of drop) table.get(d);
  const notes: PlanNotes = {
    dropped: drop.map((name) => ({ name, why: 'asked (--drop)' })),
    missing: table.missingCounts(),
    badCells: {},
  };
  const plans: ColumnPlan[] = [];
  const n = table.length;
  for (const name of table.columns) {
    if (name === target || drop.includes(name)) continue;
    const column = table.get(name);
    const numeric = columnIsNumeric(table, name, policy);
    let gaps = 0;
    if (numeric) {
      if (column.text > 0) notes.badCells[name] = column.text;
      if (looksLikeIdentifier(column)) {
        notes.dropped.push({ name, why: 'every value is a different integer (an identifier)' });
        continue;
      }
      const values = Float64Array.from(trainRows, (r) => column.value(r));
      for (const v of values) if (Number.isNaN(v)) gaps++;
      if (gaps === values.length) {
        notes.dropped.push({ name, why: 'no values in the training rows' });
        continue;
      }
      plans.push({ name, kind: 'number', fill: median(values, `column '${name}'`), indicator: gaps > 0 });
      continue;
    }
    const categories = categoriesOf(column, MAX_ONE_HOT);
    if (categories === null) {
      notes.dropped.push({
        name,
        why: `text with more than ${MAX_ONE_HOT} distinct values (a name or identifier)`,
      });
      continue;
    }
    const distinct = categories.length;
    if (distinct <= 1) {
      notes.dropped.push({ name, why: distinct === 0 ? 'no values' : 'a single value' });
      continue;
    }
    if (distinct > 50 && distinct > 0.05 * n) {
      notes.dropped.push({ name, why: `text with ${distinct} distinct values (a name or identifier)` });
      continue;
    }
    const trainCategories = Array.from(trainRows, (r) => categoryOf(column, r));
    gaps = trainCategories.filter((c) => c === null).length;
    if (gaps === trainCategories.length) {
      notes.dropped.push({ name, why: 'no values in the training rows' });
      continue;
    }
    const fill = mostFrequent(trainCategories, `column '${name}'`);
    const imputation = { fill, indicator: gaps > 0 };
    if (distinct === 2) {
      const encoder = new LabelEncoder();
      encoder.classes = categories;
      plans.push({ name, kind: 'binary', encoder: encoder.toJSON(), ...imputation });
    } else {
      const encoder = new OneHotEncoder({ dropFirst: true });
      encoder.categories = categories;
      plans.push({ name, kind: 'onehot', encoder: encoder.toJSON(), ...imputation });
    }
  }
  if (plans.length === 0) throw noFeatures(target, notes.dropped);
  return { plans, notes };
}

/** Every column was left out: say why, column by column, so the user can see what to change. */
function noFeatures(target: string, dropped: PlanNotes['dropped']): ArgumentError {
  const why = dropped.map((d) => `'${d.name}' — ${d.why}`).join('; ');
  return new ArgumentError(
    `no usable feature columns are left: ${why || `the CSV has no column besides the target '${target}'`}`,
  );
}

export function featureNames(plans: readonly ColumnPlan[]): string[] {
  return plans.flatMap((p) => [
    ...(p.kind === 'onehot' ? OneHotEncoder.fromJSON(p.encoder).featureNames(`${p.name}=`) : [p.name]),
    ...(p.indicator ? [`${p.name} missing`] : []),
  ]);
}

function width(p: ColumnPlan): number {
  return (p.kind === 'onehot' ? p.encoder.categories!.length - 1 : 1) + (p.indicator ? 1 : 0);
}

/** Where a row of the table is in the file, for messages. */
function where(column: CsvColumn, row: number): string {
  const sample = column.textSamples.find((s) => s.row === row);
  return `data row ${row + 1}${sample ? ` (line ${sample.line})` : ''}`;
}

/**
 * The unscaled feature matrix (float32, row-major) of the given rows of `table`, following `plans`:
 * missing cells (and, under policy 'missing', text cells of number columns) get the column's fill
 * value and a 1 in its indicator. Every row gets a row of features.
 */
export function encodeFeatures(
  table: CsvTable,
  plans: readonly ColumnPlan[],
  rows: Int32Array,
  policy: BadValuePolicy,
): Float32Array {
  const absent = plans.map((p) => p.name).filter((c) => !table.columns.includes(c));
  if (absent.length > 0)
    throw new ArgumentError(`the CSV lacks column(s) the model was trained on: ${absent.join(', ')}`);
  const d = plans.reduce((s, p) => s + width(p), 0);
  const out = new Float32Array(rows.length * d);
  let offset = 0;
  for (const p of plans) {
    const column = table.get(p.name);
    const w = width(p);
    // A model saved before imputation existed has no fill value: its missing cells are an error.
    const markMissing = (i: number, row: number) => {
      if (p.fill === undefined)
        throw new ArgumentError(`column '${p.name}': missing value at ${where(column, row)}`);
      if (p.indicator) out[i * d + offset + w - 1] = 1;
    };
    if (p.kind === 'number') {
      if (column.text > 0 && policy === 'error') throw badCellError(table, p.name);
      for (let i = 0; i < rows.length; i++) {
        const v = column.value(rows[i]!);
        if (Number.isNaN(v)) {
          markMissing(i, rows[i]!);
          out[i * d + offset] = p.fill as number;
        } else out[i * d + offset] = v;
      }
    } else {
      const categories = p.kind === 'binary' ? p.encoder.classes! : p.encoder.categories!;
      const index = new Map(categories.map((c, k) => [c, k]));
      // Text codes → category index, once per distinct text rather than once per row.
      const byCode = column.texts.map((t) => index.get(t) ?? -1);
      const place = (i: number, k: number) => {
        if (p.kind === 'binary') out[i * d + offset] = k;
        else if (k > 0) out[i * d + offset + k - 1] = 1; // the first category is the all-zeros row
      };
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const v = column.value(row);
        const code = column.code(row);
        let k: number;
        if (!Number.isNaN(v)) k = index.get(formatFloat32(v)) ?? -1;
        else if (code > 0) k = byCode[code - 1]!;
        else if (code === 0) {
          markMissing(i, row);
          k = index.get(p.fill as string)!;
        } else k = -1;
        if (k < 0)
          throw new ArgumentError(
            `column '${p.name}': '${categoryOf(column, row)}' at ${where(column, row)} is a category the model has not seen (known: ${categories.join(', ')})`,
          );
        place(i, k);
      }
    }
    offset += w;
  }
  return out;
}

/** Standardise a row-major matrix in place with a fitted scaler's mean and scale. */
export function scaleInPlace(x: Float32Array, mean: readonly number[], scale: readonly number[]): void {
  const d = mean.length;
  for (let i = 0; i < x.length; i += d)
    for (let j = 0; j < d; j++) x[i + j] = (x[i + j]! - mean[j]!) / scale[j]!;
}

/** Column means and population standard deviations of a row-major matrix (a constant column: 1). */
export function fitScaler(x: Float32Array, d: number): { mean: number[]; scale: number[] } {
  const n = x.length / d;
  if (n === 0) throw new ArgumentError('StandardScaler: cannot fit on zero rows');
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < x.length; i += d) for (let j = 0; j < d; j++) mean[j]! += x[i + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < x.length; i += d) for (let j = 0; j < d; j++) sq[j]! += (x[i + j]! - mean[j]!) ** 2;
  return {
    mean: Array.from(mean),
    scale: Array.from(sq, (v) => (v > 0 ? Math.sqrt(v / n) : 1)),
  };
}

/** R², mean absolute error and root mean squared error of predictions. */
export function regressionMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): { r2: number; mae: number; rmse: number } {
  const n = actual.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]! / n;
  let abs = 0;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i]! - predicted[i]!;
    abs += Math.abs(e);
    sse += e * e;
    sst += (actual[i]! - mean) ** 2;
  }
  return { r2: sst > 0 ? 1 - sse / sst : Number.NaN, mae: abs / n, rmse: Math.sqrt(sse / n) };
}

/**
 * The target column: per row the class index (classification) or the value (regression), NaN where
 * the row has no target. A target of numbers is a regression target when it has more than 20
 * distinct values or any non-integer; otherwise its values are classes. `classes` given (a saved
 * model's): rows are read against those classes.
 */
export function readTarget(
  table: CsvTable,
  target: string,
  policy: BadValuePolicy,
  saved?: { task: 'classification' | 'regression'; classes: readonly string[] },
): { task: 'classification' | 'regression'; classes: string[]; labels: Float64Array } {
  const column = table.get(target);
  const n = table.length;
  const labels = new Float64Array(n);
  const numeric = saved ? saved.task === 'regression' : columnIsNumeric(table, target, policy);
  if (numeric && saved?.task === 'regression' && column.text > 0 && policy === 'error')
    throw badCellError(table, target);
  let regression = saved?.task === 'regression';
  if (numeric && !saved) {
    const distinct = new Set<number>();
    for (let i = 0; i < n && !regression; i++) {
      const v = column.value(i);
      if (Number.isNaN(v)) continue;
      distinct.add(v);
      if (!Number.isInteger(v) || distinct.size > 20) regression = true;
    }
  }
  if (regression) {
    for (let i = 0; i < n; i++) labels[i] = column.value(i);
    return { task: 'regression', classes: [], labels };
  }
  // Per row, its class name; computed once per distinct value (a large file has few classes).
  const byValue = new Map<number, string>();
  const nameOf = (i: number): string | null => {
    const v = column.value(i);
    if (Number.isNaN(v)) return numeric ? null : categoryOf(column, i); // in a column of numbers, text is missing ('missing' policy)
    let name = byValue.get(v);
    if (name === undefined) {
      name = formatFloat32(v);
      byValue.set(v, name);
    }
    return name;
  };
  let classes: string[];
  if (saved) classes = [...saved.classes];
  else {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const c = nameOf(i);
      if (c !== null) seen.add(c);
    }
    classes = [...seen].sort();
    if (classes.length < 2)
      throw new ArgumentError(
        `target '${target}' has ${classes.length === 0 ? 'no values' : 'a single value'}; nothing to learn`,
      );
  }
  const index = new Map(classes.map((c, k) => [c, k]));
  for (let i = 0; i < n; i++) {
    const c = nameOf(i);
    if (c === null) {
      labels[i] = Number.NaN;
      continue;
    }
    const k = index.get(c);
    if (k === undefined)
      throw new ArgumentError(
        `target '${target}': '${c}' at ${where(column, i)} is not a class the model knows (${classes.join(', ')})`,
      );
    labels[i] = k;
  }
  return { task: 'classification', classes, labels };
}

/** The rows that have a target value. */
export function rowsWithTarget(labels: Float64Array): Int32Array {
  let k = 0;
  for (const v of labels) if (!Number.isNaN(v)) k++;
  const rows = new Int32Array(k);
  k = 0;
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i]!)) rows[k++] = i;
  return rows;
}
