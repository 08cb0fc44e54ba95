/**
 * Encoders and scalers with scikit-learn's fit / transform / fitTransform shape. Each serialises
 * to plain JSON (toJSON / fromJSON) so a saved model can carry its preprocessing.
 */
import { describeValue } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { tensor } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';

type Matrix = Tensor | readonly (readonly number[])[];

function rowsOf(x: Matrix, what: string): { values: Float32Array | Float64Array; n: number; d: number } {
  if (x instanceof Tensor) {
    if (x.ndim !== 2)
      throw new ArgumentError(`${what}: expects a 2-D [samples, features] input, got ${x.ndim}-D`);
    return { values: x.dataSync(), n: x.shape[0]!, d: x.shape[1]! };
  }
  const n = x.length;
  const d = n > 0 ? x[0]!.length : 0;
  const values = new Float64Array(n * d);
  x.forEach((row, i) => {
    if (row.length !== d)
      throw new ArgumentError(`${what}: row ${i} has ${row.length} values, expected ${d}`);
    row.forEach((v, j) => {
      values[i * d + j] = v;
    });
  });
  return { values, n, d };
}

function notFitted(name: string): never {
  throw new ArgumentError(`${name}: call fit() before transform()`);
}

/**
 * The scalers take NaN as a missing value (skipped in fit, kept in transform, as scikit-learn's);
 * ±Infinity is refused, as scikit-learn does, since it would make a column's mean or span infinite.
 */
function infiniteValue(what: string, v: number, i: number, j: number): never {
  throw new ArgumentError(
    `${what}: ${v} at row ${i}, column ${j}; only finite numbers, or NaN for a missing value, can be scaled`,
  );
}

/** A column with nothing but NaN has no statistics to fit; refused rather than scaled to all NaN. */
function noValues(what: string, j: number): never {
  throw new ArgumentError(`${what}: column ${j} has no values to fit (every value is NaN)`);
}

/**
 * A missing category (null, undefined, NaN) would become a category of its own that does not
 * survive toJSON (undefined and NaN turn into null), so it is refused; strings (and numbers, as
 * scikit-learn takes them) are categories.
 */
function checkStrings(what: string, values: readonly string[]): void {
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v === 'string' || (typeof v === 'number' && !Number.isNaN(v))) continue;
    throw new ArgumentError(
      `${what}: the value at position ${i} is ${typeof v === 'number' ? 'NaN' : describeValue(v)}, not a category; ` +
        'fill missing categories first (e.g. with mostFrequent)',
    );
  }
}

/**
 * The distinct categories, sorted as scikit-learn's np.unique sorts them: numbers by value (2, 9,
 * 10 — not 10, 2, 9 as strings), strings by code unit. A mix of the two is refused, as
 * scikit-learn's encoders refuse it: no order between them would be the same as its.
 */
function sortedCategories(what: string, values: readonly string[]): string[] {
  const distinct = [...new Set(values)];
  const text = values.findIndex((v) => typeof v === 'string');
  const number = values.findIndex((v) => typeof v === 'number');
  if (text < 0 || number < 0) return text < 0 ? distinct.sort((a, b) => +a - +b) : distinct.sort();
  throw new ArgumentError(
    `${what}: categories must be all strings or all numbers, got the string '${values[text]}' at position ${text} ` +
      `and the number ${values[number]} at position ${number}; convert them to one type first`,
  );
}

/** Strings (or numbers) → integers 0…k−1 (classes sorted: strings as strings, numbers by value). */
export class LabelEncoder {
  classes: string[] | null = null;

  fit(values: readonly string[]): this {
    checkStrings('LabelEncoder', values);
    this.classes = sortedCategories('LabelEncoder', values);
    return this;
  }

  transform(values: readonly string[]): number[] {
    const classes = this.classes ?? notFitted('LabelEncoder');
    checkStrings('LabelEncoder', values);
    const index = new Map(classes.map((c, i) => [c, i]));
    return values.map((v, i) => {
      const k = index.get(v);
      if (k === undefined) {
        throw new ArgumentError(
          `LabelEncoder: unseen category '${v}' at position ${i} (known: ${classes.join(', ')})`,
        );
      }
      return k;
    });
  }

  fitTransform(values: readonly string[]): number[] {
    return this.fit(values).transform(values);
  }

  inverseTransform(codes: readonly number[]): string[] {
    const classes = this.classes ?? notFitted('LabelEncoder');
    return codes.map((c) => {
      const v = classes[c];
      if (v === undefined)
        throw new ArgumentError(`LabelEncoder: code ${c} is not in [0, ${classes.length})`);
      return v;
    });
  }

  toJSON() {
    return { className: 'LabelEncoder', classes: this.classes };
  }

  static fromJSON(json: { classes: string[] | null }): LabelEncoder {
    const e = new LabelEncoder();
    e.classes = json.classes;
    return e;
  }
}

/** Strings → one-hot rows; with dropFirst the first category is the all-zeros row (avoids collinearity). */
export class OneHotEncoder {
  categories: string[] | null = null;
  readonly dropFirst: boolean;

  constructor(options: { dropFirst?: boolean } = {}) {
    this.dropFirst = options.dropFirst ?? false;
  }

  fit(values: readonly string[]): this {
    checkStrings('OneHotEncoder', values);
    this.categories = sortedCategories('OneHotEncoder', values);
    return this;
  }

  /** Names of the output columns: `${prefix}${category}`. */
  featureNames(prefix = ''): string[] {
    const cats = this.categories ?? notFitted('OneHotEncoder');
    return cats.slice(this.dropFirst ? 1 : 0).map((c) => `${prefix}${c}`);
  }

  transform(values: readonly string[]): number[][] {
    const cats = this.categories ?? notFitted('OneHotEncoder');
    checkStrings('OneHotEncoder', values);
    const index = new Map(cats.map((c, i) => [c, i]));
    const width = cats.length - (this.dropFirst ? 1 : 0);
    return values.map((v, i) => {
      const k = index.get(v);
      if (k === undefined) {
        throw new ArgumentError(
          `OneHotEncoder: unseen category '${v}' at position ${i} (known: ${cats.join(', ')})`,
        );
      }
      const row = new Array<number>(width).fill(0);
      const col = k - (this.dropFirst ? 1 : 0);
      if (col >= 0) row[col] = 1;
      return row;
    });
  }

  fitTransform(values: readonly string[]): number[][] {
    return this.fit(values).transform(values);
  }

  toJSON() {
    return { className: 'OneHotEncoder', categories: this.categories, dropFirst: this.dropFirst };
  }

  static fromJSON(json: { categories: string[] | null; dropFirst: boolean }): OneHotEncoder {
    const e = new OneHotEncoder({ dropFirst: json.dropFirst });
    e.categories = json.categories;
    return e;
  }
}

/**
 * (x − mean) / std per column (population std; a constant column is left centred, not divided by 0).
 * NaN is a missing value, as in scikit-learn: skipped in fit, kept as NaN in transform.
 */
export class StandardScaler {
  mean: number[] | null = null;
  scale: number[] | null = null;

  fit(x: Matrix): this {
    const { values, n, d } = rowsOf(x, 'StandardScaler');
    if (n === 0) throw new ArgumentError('StandardScaler: cannot fit on zero rows');
    // Counted first, then summed as v / count: with no NaN the same arithmetic (and bits) as before.
    const count = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = values[i * d + j]!;
        if (Number.isNaN(v)) continue;
        if (!Number.isFinite(v)) infiniteValue('StandardScaler', v, i, j);
        count[j]!++;
      }
    }
    for (let j = 0; j < d; j++) if (count[j] === 0) noValues('StandardScaler', j);
    const mean = new Array<number>(d).fill(0);
    const sq = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = values[i * d + j]!;
        if (!Number.isNaN(v)) mean[j]! += v / count[j]!;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = values[i * d + j]!;
        if (!Number.isNaN(v)) sq[j]! += (v - mean[j]!) ** 2 / count[j]!;
      }
    }
    this.mean = mean;
    this.scale = sq.map((v) => (v > 0 ? Math.sqrt(v) : 1));
    return this;
  }

  transform(x: Matrix): Tensor {
    const mean = this.mean ?? notFitted('StandardScaler');
    const scale = this.scale!;
    const { values, n, d } = rowsOf(x, 'StandardScaler');
    if (d !== mean.length)
      throw new ArgumentError(`StandardScaler: fitted on ${mean.length} features, got ${d}`);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = values[i * d + j]!;
        if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
          infiniteValue('StandardScaler', v, i, j);
        out[i * d + j] = (v - mean[j]!) / scale[j]!; // NaN stays NaN
      }
    }
    return tensor(out, { shape: [n, d] });
  }

  fitTransform(x: Matrix): Tensor {
    return this.fit(x).transform(x);
  }

  toJSON() {
    return { className: 'StandardScaler', mean: this.mean, scale: this.scale };
  }

  static fromJSON(json: { mean: number[] | null; scale: number[] | null }): StandardScaler {
    const s = new StandardScaler();
    s.mean = json.mean;
    s.scale = json.scale;
    return s;
  }
}

/** A range with min ≥ max would flip or flatten every column; scikit-learn refuses it too. */
function checkFeatureRange(range: unknown): asserts range is [number, number] {
  const pair = Array.isArray(range) && range.length === 2;
  if (!pair || !range.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new ArgumentError(
      `MinMaxScaler: featureRange must be [min, max], two finite numbers, got ${pair ? `[${range.map(describeValue).join(', ')}]` : describeValue(range)}`,
    );
  if (!(range[0] < range[1]))
    throw new ArgumentError(
      `MinMaxScaler: featureRange [${range[0]}, ${range[1]}]: the minimum must be smaller than the maximum`,
    );
}

/**
 * Scale each column linearly into featureRange (default [0, 1]). NaN is a missing value, as in
 * scikit-learn: skipped in fit, kept as NaN in transform.
 */
export class MinMaxScaler {
  min: number[] | null = null;
  max: number[] | null = null;
  readonly featureRange: [number, number];

  constructor(options: { featureRange?: [number, number] } = {}) {
    const range = options.featureRange ?? [0, 1];
    checkFeatureRange(range);
    this.featureRange = range;
  }

  fit(x: Matrix): this {
    const { values, n, d } = rowsOf(x, 'MinMaxScaler');
    if (n === 0) throw new ArgumentError('MinMaxScaler: cannot fit on zero rows');
    const min = new Array<number>(d).fill(Number.POSITIVE_INFINITY);
    const max = new Array<number>(d).fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = values[i * d + j]!;
        if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
          infiniteValue('MinMaxScaler', v, i, j);
        if (v < min[j]!) min[j] = v; // false for NaN: skipped
        if (v > max[j]!) max[j] = v;
      }
    }
    for (let j = 0; j < d; j++) if (min[j] === Number.POSITIVE_INFINITY) noValues('MinMaxScaler', j);
    this.min = min;
    this.max = max;
    return this;
  }

  transform(x: Matrix): Tensor {
    const min = this.min ?? notFitted('MinMaxScaler');
    const max = this.max!;
    const [lo, hi] = this.featureRange;
    const { values, n, d } = rowsOf(x, 'MinMaxScaler');
    if (d !== min.length) throw new ArgumentError(`MinMaxScaler: fitted on ${min.length} features, got ${d}`);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = values[i * d + j]!;
        if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
          infiniteValue('MinMaxScaler', v, i, j);
        const span = max[j]! - min[j]!;
        // A constant column maps to lo; a NaN stays NaN there too (not lo).
        out[i * d + j] = Number.isNaN(v) ? v : lo + (span > 0 ? (v - min[j]!) / span : 0) * (hi - lo);
      }
    }
    return tensor(out, { shape: [n, d] });
  }

  fitTransform(x: Matrix): Tensor {
    return this.fit(x).transform(x);
  }

  toJSON() {
    return { className: 'MinMaxScaler', min: this.min, max: this.max, featureRange: this.featureRange };
  }

  static fromJSON(json: {
    min: number[] | null;
    max: number[] | null;
    featureRange: [number, number];
  }): MinMaxScaler {
    const s = new MinMaxScaler({ featureRange: json.featureRange });
    s.min = json.min;
    s.max = json.max;
    return s;
  }
}
