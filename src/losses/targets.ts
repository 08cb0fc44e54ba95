/**
 * The values a loss accepts as targets, checked once over the whole of y when fit / evaluate
 * start (one pass over y's values, next to nothing beside an epoch) instead of per batch:
 * a binary cross-entropy fed a label of 2 trains towards a meaningless optimum without any error.
 */
import { ArgumentError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * - real: any finite number (regression losses);
 * - probability: each value in [0, 1] (binary cross-entropy);
 * - distribution: each value in [0, 1] and each row summing to 1 (one-hot or soft categorical);
 * - classIndex: integers in [0, classes), classes being the model's last output axis;
 * - nonNegative: finite numbers ≥ 0 (counts, for poisson);
 * - signLabel: binary labels as −1/1 or as 0/1 (hinge losses read 0 as −1), not both spellings.
 */
export type TargetDomain =
  | 'real'
  | 'probability'
  | 'distribution'
  | 'classIndex'
  | 'nonNegative'
  | 'signLabel';

/** How far a row of a soft target may sum from 1 (float32 rounding of a few hundred classes). */
const ROW_SUM_TOLERANCE = 1e-3;

/** "row 3, column 1" for the flat index `i` of a tensor of `shape`. */
function position(i: number, shape: Shape): string {
  if (shape.length <= 1) return `row ${i}`;
  const index: number[] = [];
  let rest = i;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(rest % shape[axis]!);
    rest = Math.floor(rest / shape[axis]!);
  }
  return shape.length === 2 ? `row ${index[0]}, column ${index[1]}` : `index [${index.join(', ')}]`;
}

/**
 * Throw an ArgumentError naming the loss, the first bad value and its position in y, if y has a
 * value outside `domain`. `where` names the argument ('fit(): y', 'validationData y').
 */
export function checkTargets(
  lossName: string,
  domain: TargetDomain,
  y: Tensor,
  outputShape: Shape,
  where: string,
): void {
  const values = y.dataSync();
  const classes = outputShape[outputShape.length - 1] ?? 1;
  // Valid targets (every fit) take one tight pass; only bad ones go through the loop below,
  // which finds the first bad value and words the error.
  if (allValid(values, domain, classes, y)) return;
  const fail = (i: number, needs: string): never => {
    throw new ArgumentError(
      `${where}: ${lossName} needs ${needs}, but y has ${values[i]} at ${position(i, y.shape)}`,
    );
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) fail(i, 'finite targets');
    if (domain === 'probability' && !(v >= 0 && v <= 1)) fail(i, 'targets in [0, 1]');
    if (domain === 'distribution' && !(v >= 0 && v <= 1))
      fail(i, 'one-hot or probability rows (values in [0, 1])');
    if (domain === 'classIndex' && !(Number.isInteger(v) && v >= 0 && v < classes)) {
      fail(i, `integer class labels in [0, ${classes})`);
    }
    if (domain === 'nonNegative' && v < 0) fail(i, 'targets ≥ 0');
    if (domain === 'signLabel' && v !== -1 && v !== 0 && v !== 1) fail(i, 'labels −1/1 or 0/1');
  }
  if (domain === 'signLabel') {
    // A 0 among −1s would be read as −1 by the loss and as a third class by the user.
    const minusOne = values.indexOf(-1);
    const zero = values.indexOf(0);
    if (minusOne >= 0 && zero >= 0) fail(Math.max(minusOne, zero), 'labels −1/1 or 0/1, not both spellings');
  }
  if (domain !== 'distribution' || y.ndim < 1) return;
  const width = y.shape[y.ndim - 1]!;
  // A single column is a shape mismatch the loss itself reports (with the sparse hint).
  if (width <= 1) return;
  for (let start = 0; start < values.length; start += width) {
    let sum = 0;
    for (let j = start; j < start + width; j++) sum += values[j]!;
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      const row = position(start, y.shape).replace(/, column 0$/, '');
      throw new ArgumentError(
        `${where}: ${lossName} needs one-hot or probability rows summing to 1, but ${row} of y sums to ${sum}` +
          ' (for integer class labels use sparseCategoricalCrossentropy)',
      );
    }
  }
}

/**
 * Whether every value of y is in `domain` (and, for 'distribution', every row sums to 1 as
 * checkTargets reckons it) — the same tests as checkTargets' loops, one domain per loop so that
 * 600,000 one-hot values take a fraction of a millisecond. False for signLabel: its loop decides.
 */
function allValid(values: Float32Array, domain: TargetDomain, classes: number, y: Tensor): boolean {
  const n = values.length;
  let ok = true;
  switch (domain) {
    case 'real':
      for (let i = 0; i < n; i++) ok = ok && Number.isFinite(values[i]!);
      return ok;
    case 'nonNegative':
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        ok = ok && v >= 0 && v < Infinity;
      }
      return ok;
    case 'probability':
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        ok = ok && v >= 0 && v <= 1;
      }
      return ok;
    case 'classIndex':
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        ok = ok && v >= 0 && v < classes && Math.floor(v) === v;
      }
      return ok;
    case 'distribution': {
      const width = y.ndim < 1 ? 1 : y.shape[y.ndim - 1]!;
      if (width <= 1) {
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          ok = ok && v >= 0 && v <= 1;
        }
        return ok;
      }
      for (let start = 0; start < n && ok; start += width) {
        let sum = 0;
        for (let j = start; j < start + width; j++) {
          const v = values[j]!;
          ok = ok && v >= 0 && v <= 1;
          sum += v;
        }
        ok = ok && Math.abs(sum - 1) <= ROW_SUM_TOLERANCE;
      }
      return ok;
    }
    default:
      return false;
  }
}
