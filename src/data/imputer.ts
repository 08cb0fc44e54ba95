/**
 * Fill values for missing cells, fitted on the training rows only (scikit-learn's SimpleImputer
 * strategies): the median of a numeric column, the most frequent category of a text column.
 */
import { ArgumentError } from '../errors.js';

/** The median of the non-NaN values (the mean of the middle two for an even count). */
export function median(values: ArrayLike<number>, what = 'median'): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  if (n === 0) throw new ArgumentError(`${what}: no values to take the median of`);
  const sorted = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) sorted[k++] = values[i]!;
  sorted.sort();
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** The most frequent of the non-null values; ties go to the first in sorted order (reproducible). */
export function mostFrequent(values: Iterable<string | null>, what = 'mostFrequent'): string {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (counts.size === 0) throw new ArgumentError(`${what}: no values to count`);
  let best = '';
  let bestCount = -1;
  for (const [v, c] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  return best;
}
