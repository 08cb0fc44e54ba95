/**
 * Precision, recall and F1 during training (Keras' Precision, Recall, F1Score), accumulated as
 * counts over the epoch through create(). Binary for one output column; for several, averaged
 * over classes: 'micro' pools the counts of every class (for single-label argmax predictions it
 * equals accuracy), 'macro' averages the per-class values (a class never predicted or never
 * present counts 0, as scikit-learn's zero_division=0).
 */
import { checkOptions, enumOption, optionalNumber, stringOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { ConfusionCounts, type DecisionOptions } from './confusion-counts.js';
import type { Metric, MetricState } from './metric.js';
import { oneBatch } from './sample-weights.js';

export type Average = 'micro' | 'macro';

export interface ClassificationMetricOptions extends DecisionOptions {
  /** How classes combine for several output columns. Default 'micro'. */
  average?: Average;
  /** Only this class (column), one-vs-rest; `average` is then moot. */
  classId?: number;
  /** The key in logs and history. */
  name?: string;
}

type Score = (tp: number, fp: number, fn: number) => number;

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const scores: Record<'precision' | 'recall' | 'f1Score', Score> = {
  precision: (tp, fp) => ratio(tp, tp + fp),
  recall: (tp, _fp, fn) => ratio(tp, tp + fn),
  f1Score: (tp, fp, fn) => ratio(2 * tp, 2 * tp + fp + fn),
};

function classificationMetric(kind: keyof typeof scores, options: ClassificationMetricOptions): Metric {
  const o = checkOptions(kind, options, ['threshold', 'average', 'classId', 'name']);
  const threshold = optionalNumber(kind, 'threshold', o.threshold, { min: 0, max: 1 });
  const average = enumOption(kind, 'average', o.average, ['micro', 'macro'], 'micro');
  const classId = optionalNumber(kind, 'classId', o.classId, { min: 0, integer: true });
  const name = o.name === undefined ? kind : stringOption(kind, 'name', o.name);
  const score = scores[kind];

  const create = (): MetricState => {
    const counts = new ConfusionCounts(name, threshold);
    return {
      update: (yTrue, yPred, sampleWeight) => {
        counts.update(yTrue, yPred, sampleWeight);
        if (classId !== undefined && classId >= counts.classes) {
          throw new ArgumentError(
            `${name}: classId ${classId} is not a class of predictions with ${counts.classes} columns`,
          );
        }
      },
      result: () => {
        const { tp, fp, fn } = counts;
        if (tp.length === 0) return 0;
        if (classId !== undefined) return score(tp[classId]!, fp[classId]!, fn[classId]!);
        if (average === 'micro') {
          const total = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
          return score(total(tp), total(fp), total(fn));
        }
        let sum = 0;
        for (let c = 0; c < tp.length; c++) sum += score(tp[c]!, fp[c]!, fn[c]!);
        return sum / tp.length;
      },
      reset: () => counts.reset(),
    };
  };
  return { name, fn: oneBatch(create), create };
}

/** Share of predicted positives that are positive: tp / (tp + fp). */
export const precision = (options: ClassificationMetricOptions = {}): Metric =>
  classificationMetric('precision', options);

/** Share of positives predicted positive: tp / (tp + fn). */
export const recall = (options: ClassificationMetricOptions = {}): Metric =>
  classificationMetric('recall', options);

/** Harmonic mean of precision and recall: 2tp / (2tp + fp + fn). */
export const f1Score = (options: ClassificationMetricOptions = {}): Metric =>
  classificationMetric('f1Score', options);
