/**
 * The train/test split of `train csv` and `train text`, checked before anything trains: a table too
 * small to split, or a target with a class per row, stops here with what to change — not after
 * training on an empty test part, nor in fit()'s validation split, an option the user never set.
 */
import { splitIndices, testCount } from '../data/split.js';
import { ArgumentError } from '../errors.js';
import { MIN_TRAINING_ROWS } from './early-stopped-fit.js';

export interface RowSplitOptions {
  file: string;
  target: string;
  /** The target's class names; undefined for a regression (then the split is not stratified). */
  classes?: readonly string[];
  /** Per row of the table, its class index (or value); NaN where the target is missing. */
  labels: Float64Array;
  /** The rows with a target value. */
  labelled: Int32Array;
  testSize: number;
  seed: number;
  /** Another way out, for the message: ', or give --test-file'. */
  otherwise?: string;
}

/**
 * Table rows for training and for testing, stratified by class for a classification. The rows of
 * a class seen only once cannot be in both parts: they train (with a warning naming them), and the
 * other rows are split — where scikit-learn refuses the whole split, a run that worked before still
 * does.
 */
export function splitRows(o: RowSplitOptions): { trainRows: Int32Array; testRows: Int32Array } {
  const counts = o.classes ? classCounts(o) : null;
  if (counts) refuseClassPerRow(o, counts);
  const single = counts ? Array.from(o.labelled).filter((r) => counts.get(o.labels[r]!) === 1) : [];
  const lone = new Set(single);
  const rows = single.length > 0 ? o.labelled.filter((r) => !lone.has(r)) : o.labelled;
  checkSplittable({ ...o, labelled: rows });
  if (single.length > 0) {
    const names = [...new Set(single.map((r) => `'${o.classes![o.labels[r]!]}'`))];
    const named = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
    console.warn(
      `backprop: ${o.file}: ${names.length === 1 ? `class ${named} of '${o.target}' has` : `classes ${named} of '${o.target}' have`} a single row: it trains and is not tested (a stratified split needs 2 rows of a class)`,
    );
  }
  const stratify = o.classes && Float64Array.from(rows, (r) => o.labels[r]!);
  const split = splitIndices(rows.length, {
    testSize: o.testSize,
    seed: o.seed,
    ...(stratify && { stratify }),
  });
  return {
    // First: fit() holds out the last training rows to decide when to stop.
    trainRows: Int32Array.from([...single, ...Array.from(split.train, (i) => rows[i]!)]),
    testRows: Int32Array.from(split.test, (i) => rows[i]!),
  };
}

/** Rows per class (class index → rows with a target value). */
function classCounts(o: RowSplitOptions): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of o.labelled) counts.set(o.labels[r]!, (counts.get(o.labels[r]!) ?? 0) + 1);
  return counts;
}

/** A target whose classes are mostly of a single row: more likely the wrong column than too few rows. */
function refuseClassPerRow(o: RowSplitOptions, counts: Map<number, number>): void {
  const n = o.labelled.length;
  let single = 0;
  for (const c of counts.values()) if (c === 1) single++;
  if (single * 2 > n)
    throw new ArgumentError(
      `${o.file}: target '${o.target}' has ${counts.size} distinct values in ${n} rows, ${single === n ? 'each in a single row' : `${single} of them in a single row`}: a class needs at least 2 rows (one to learn from, one to test) — add rows, or check that '${o.target}' is the column to predict`,
    );
}

/** Training without a split (--test-file) still holds out some rows to decide when to stop. */
export function checkTrainingRows(file: string, target: string, rows: number): void {
  if (rows < MIN_TRAINING_ROWS)
    throw new ArgumentError(
      `${file}: ${rows} row${rows === 1 ? '' : 's'} with a '${target}' value; training needs at least ${MIN_TRAINING_ROWS} (15 % are held out to decide when to stop) — add rows`,
    );
}

/** What the stratified split (scikit-learn's rules) and early stopping need, in the user's terms. */
function checkSplittable(o: RowSplitOptions): void {
  const n = o.labelled.length;
  const k = o.classes ? presentClasses(o) : 0;
  const otherwise = o.otherwise ?? '';
  const needTest = Math.max(k, 1);
  const needTrain = Math.max(k, MIN_TRAINING_ROWS);
  const trainWhy =
    k > 0
      ? ' (one of each class, and 2 or more so that 15 % can be held out to decide when to stop)'
      : ' (15 % are held out to decide when to stop)';
  if (n < needTest + needTrain)
    throw new ArgumentError(
      `${o.file}: ${n} rows with a '${o.target}' value are too few to split: the test part needs at least ${needTest} row${needTest === 1 ? '' : 's'}${k > 0 ? ' (one per class)' : ''} and training at least ${needTrain}${trainWhy} — add rows${otherwise}`,
    );
  const nTest = testCount(n, o.testSize);
  if (nTest < needTest)
    throw new ArgumentError(
      `${o.file}: --test-size ${o.testSize} holds out ${nTest} of the ${n} rows${k > 0 ? `, fewer than the ${k} classes` : ''}; raise it (${fraction(needTest, n)} holds out ${needTest})`,
    );
  if (n - nTest < needTrain)
    throw new ArgumentError(
      `${o.file}: --test-size ${o.testSize} leaves ${n - nTest} of the ${n} rows to train on; training needs at least ${needTrain}${trainWhy} — lower it (${fraction(n - needTrain, n)} holds out ${n - needTrain})`,
    );
}

function presentClasses(o: RowSplitOptions): number {
  return new Set(Array.from(o.labelled, (r) => o.labels[r]!)).size;
}

/** A --test-size of 2 to 4 decimals that holds out exactly `rows` of n rows (a fraction in ((rows − 1)/n, rows/n]). */
function fraction(rows: number, n: number): string {
  for (const digits of [2, 3, 4]) {
    const f = Math.floor((rows / n) * 10 ** digits) / 10 ** digits;
    if (testCount(n, f) === rows) return String(f);
  }
  return String(rows / n);
}
