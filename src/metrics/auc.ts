/**
 * Area under the ROC or precision-recall curve during training, Keras' AUC: predictions are
 * counted into `numThresholds` evenly spaced thresholds over [0, 1] (Keras' buckets, so values
 * match Keras'), and the area is summed over the curve through those points. Memory is a
 * histogram of numThresholds numbers whatever the data size.
 *
 * Where no positive and negative fall between the same two thresholds (scores at least
 * 1/(numThresholds − 1) apart, or exactly tied) the ROC area equals the exact one of
 * scikit-learn's roc_auc_score; closer scores count as ties. The PR area with 'interpolation' is
 * Davis & Goadrich's interpolated curve (Keras' default), not average precision.
 *
 * Several output columns are pooled (every element one binary decision), as Keras' AUC with
 * multi_label false. Targets are weights in [0, 1]: a soft label y counts y positive and 1 − y
 * negative.
 */
import { booleanOption, checkOptions, enumOption, numberOption, stringOption } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Metric, MetricState } from './metric.js';
import { oneBatch, sampleWeights } from './sample-weights.js';

export interface AucOptions {
  /** Thresholds the curve is evaluated at (more: finer, Keras' default 200). At least 2. */
  numThresholds?: number;
  /** 'ROC' (default): true vs false positive rate; 'PR': precision vs recall. */
  curve?: 'ROC' | 'PR';
  /** How each strip between two thresholds is measured. Default 'interpolation'. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Predictions are logits: a sigmoid is applied before counting. Default false. */
  fromLogits?: boolean;
  /** The key in logs and history. Default 'auc'. */
  name?: string;
}

/** a / b, 0 where b is 0 (tf.math.divide_no_nan). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export const auc = (options: AucOptions = {}): Metric => {
  const c = 'auc';
  const o = checkOptions(c, options, ['numThresholds', 'curve', 'summationMethod', 'fromLogits', 'name']);
  const n = numberOption(c, 'numThresholds', o.numThresholds, { min: 2, integer: true }, 200);
  const curve = enumOption(c, 'curve', o.curve, ['ROC', 'PR'], 'ROC');
  const summation = enumOption(
    c,
    'summationMethod',
    o.summationMethod,
    ['interpolation', 'minoring', 'majoring'],
    'interpolation',
  );
  const fromLogits = booleanOption(c, 'fromLogits', o.fromLogits, false);
  const name = o.name === undefined ? 'auc' : stringOption(c, 'name', o.name);

  const create = (): MetricState => {
    // Weighted positives and negatives per bucket; bucket b is above thresholds 0…b.
    const positives = new Float64Array(n);
    const negatives = new Float64Array(n);
    return {
      update(yTrue, yPred, sampleWeight) {
        if (yTrue.size !== yPred.size) {
          throw new ShapeError(
            `${name}: targets of shape ${formatShape(yTrue.shape)} do not match predictions of shape ${formatShape(yPred.shape)}`,
          );
        }
        const columns = yPred.ndim <= 1 ? 1 : yPred.size / yPred.shape[0]!;
        const w = sampleWeights(name, sampleWeight, yPred.size / columns);
        const t = yTrue.dataSync();
        const p = yPred.dataSync();
        for (let i = 0; i < p.length; i++) {
          const score = fromLogits ? 1 / (1 + Math.exp(-p[i]!)) : p[i]!;
          const label = t[i]!;
          if (!(score >= 0 && score <= 1)) {
            throw new ArgumentError(
              `${name}: predictions must be probabilities in [0, 1], got ${p[i]} at position ${i}` +
                (fromLogits ? '' : ' (for logits pass fromLogits: true)'),
            );
          }
          if (!(label >= 0 && label <= 1)) {
            throw new ArgumentError(`${name}: targets must be in [0, 1], got ${label} at position ${i}`);
          }
          // Keras' bucketing: the score is above thresholds 0 … ceil(score·(n−1)) − 1.
          const bucket = Math.max(Math.ceil(Math.fround(score * (n - 1))) - 1, 0);
          const weight = w[Math.floor(i / columns)]!;
          positives[bucket]! += label * weight;
          negatives[bucket]! += (1 - label) * weight;
        }
      },
      result() {
        // tp[i], fp[i]: weight above threshold i (a suffix sum); fn, tn the rest.
        const tp = new Float64Array(n);
        const fp = new Float64Array(n);
        let accPos = 0;
        let accNeg = 0;
        for (let i = n - 1; i >= 0; i--) {
          accPos += positives[i]!;
          accNeg += negatives[i]!;
          tp[i] = accPos;
          fp[i] = accNeg;
        }
        const allPositive = accPos;
        const allNegative = accNeg;
        if (curve === 'PR' && summation === 'interpolation') return interpolatedPrAuc(tp, fp, allPositive);
        const x = new Float64Array(n);
        const y = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const recall = ratio(tp[i]!, allPositive);
          x[i] = curve === 'ROC' ? ratio(fp[i]!, allNegative) : recall;
          y[i] = curve === 'ROC' ? recall : ratio(tp[i]!, tp[i]! + fp[i]!);
        }
        let area = 0;
        for (let i = 0; i < n - 1; i++) {
          const a = y[i]!;
          const b = y[i + 1]!;
          const height =
            summation === 'interpolation'
              ? (a + b) / 2
              : summation === 'minoring'
                ? Math.min(a, b)
                : Math.max(a, b);
          area += (x[i]! - x[i + 1]!) * height;
        }
        return area;
      },
      reset() {
        positives.fill(0);
        negatives.fill(0);
      },
    };
  };
  return { name, fn: oneBatch(create), create };
};

/**
 * Area under the PR curve with precision interpolated between thresholds as Davis & Goadrich
 * (2006) do: between two points, true positives grow linearly with all predicted positives, so
 * precision is (tp₁ + slope·(p − p₁)) / p and its integral over recall has the closed form below
 * (Keras' interpolate_pr_auc).
 */
function interpolatedPrAuc(tp: Float64Array, fp: Float64Array, positives: number): number {
  let area = 0;
  for (let i = 0; i < tp.length - 1; i++) {
    const p0 = tp[i]! + fp[i]!;
    const p1 = tp[i + 1]! + fp[i + 1]!;
    const dtp = tp[i]! - tp[i + 1]!;
    const slope = ratio(dtp, Math.max(p0 - p1, 0));
    const intercept = tp[i + 1]! - slope * p1;
    const pRatio = p0 > 0 && p1 > 0 ? ratio(p0, Math.max(p1, 0)) : 1;
    area += ratio(slope * (dtp + intercept * Math.log(pRatio)), Math.max(positives, 0));
  }
  return area;
}
