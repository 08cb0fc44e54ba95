/**
 * The test rows a tabular model got most wrong, as text tables for the report: the rows a reader
 * would look up in the file next (`data row` counts the file's data rows from 1, header excluded).
 */

/** Regression: the rows with the largest absolute error, largest first. */
export function worstPredictedRows(
  rows: Int32Array,
  actual: Float64Array,
  predicted: Float64Array,
  limit = 15,
): string {
  const order = Array.from(rows.keys()).sort(
    (a, b) => Math.abs(predicted[b]! - actual[b]!) - Math.abs(predicted[a]! - actual[a]!),
  );
  const lines = order
    .slice(0, limit)
    .map((i) =>
      [rows[i]! + 1, actual[i]!, predicted[i]!, predicted[i]! - actual[i]!]
        .map((v, k) => (k === 0 ? String(v) : v.toFixed(4)).padStart(12))
        .join(''),
    );
  return [['data row', 'actual', 'predicted', 'error'].map((h) => h.padStart(12)).join(''), ...lines].join(
    '\n',
  );
}

/** Classification: the misclassified rows, in file order, with what was predicted. */
export function misclassifiedRows(
  rows: Int32Array,
  actual: Float64Array,
  predicted: ArrayLike<number>,
  classes: readonly string[],
  limit = 15,
): string {
  const wrong = Array.from(rows.keys()).filter((i) => predicted[i] !== actual[i]);
  if (wrong.length === 0) return 'none: every test row was classified correctly';
  const width = Math.max(12, ...classes.map((c) => c.length + 2));
  const lines = wrong
    .slice(0, limit)
    .map(
      (i) =>
        `${String(rows[i]! + 1).padStart(10)}${classes[actual[i]!]!.padStart(width)}${classes[predicted[i]!]!.padStart(width)}`,
    );
  const more = wrong.length > limit ? [`… and ${wrong.length - limit} more`] : [];
  return [
    `${'data row'.padStart(10)}${'actual'.padStart(width)}${'predicted'.padStart(width)}`,
    ...lines,
    ...more,
  ].join('\n');
}
