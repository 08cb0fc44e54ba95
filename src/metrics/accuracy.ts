/**
 * Metrics reported during training and evaluation, and the registry of their names. The ones here
 * return the batch mean as a number, which the engine averages over batches weighted by their size;
 * precision, recall, F1, AUC and top-k (their own files) accumulate over the epoch via create().
 */
import { noGrad } from '../autograd/grad-mode.js';
import {
  checkOptions,
  describeValue,
  isOptionsObject,
  NameRegistry,
  stringOption,
} from '../config/options.js';
import type { CamelOrSnake } from '../config/spellings.js';
import { ArgumentError } from '../errors.js';
import { auc } from './auc.js';
import type { Metric, MetricFn } from './metric.js';
import { f1Score, precision, recall } from './precision-recall.js';
import { sparseTopKCategoricalAccuracy, topKCategoricalAccuracy } from './top-k.js';

export { type AucOptions, auc } from './auc.js';
export type { Metric, MetricFn, MetricState } from './metric.js';
export {
  type Average,
  type ClassificationMetricOptions,
  f1Score,
  precision,
  recall,
} from './precision-recall.js';
export { sparseTopKCategoricalAccuracy, type TopKOptions, topKCategoricalAccuracy } from './top-k.js';

/** Share of samples whose predicted class (argmax) equals the one-hot target's. */
export const categoricalAccuracy: MetricFn = (yTrue, yPred) =>
  noGrad(() => yTrue.argmax(-1).eq(yPred.argmax(-1)).mean().item());

/** Share of samples whose predicted class equals the integer label. */
export const sparseCategoricalAccuracy: MetricFn = (yTrue, yPred) =>
  noGrad(() => {
    const labels = yTrue.ndim === yPred.ndim ? yTrue.reshape(yTrue.shape.slice(0, -1)) : yTrue;
    return labels.eq(yPred.argmax(-1)).mean().item();
  });

/** Share of outputs on the right side of `threshold` (0.5 for probabilities). */
export const binaryAccuracy: MetricFn = (yTrue, yPred) =>
  noGrad(() => yTrue.gt(0.5).eq(yPred.gt(0.5)).mean().item());

export const meanSquaredErrorMetric: MetricFn = (yTrue, yPred) =>
  noGrad(() => yPred.sub(yTrue).square().mean().item());
export const meanAbsoluteErrorMetric: MetricFn = (yTrue, yPred) =>
  noGrad(() => yPred.sub(yTrue).abs().mean().item());

/**
 * 'accuracy' picks its form from the shapes, as Keras does from the loss: one output column is
 * binary, targets shaped like predictions are one-hot, anything else is integer labels.
 */
export const accuracy: MetricFn = (yTrue, yPred) => {
  if (yPred.shape[yPred.ndim - 1] === 1) return binaryAccuracy(yTrue, yPred);
  if (yTrue.ndim === yPred.ndim && yTrue.shape[yTrue.ndim - 1] === yPred.shape[yPred.ndim - 1]) {
    return categoricalAccuracy(yTrue, yPred);
  }
  return sparseCategoricalAccuracy(yTrue, yPred);
};

/** A named metric as written ('acc' is logged as 'accuracy'): a batch mean, or a stateful one's factory. */
const batchMean =
  (fn: MetricFn) =>
  (name: string): Metric => ({ name: name === 'acc' ? 'accuracy' : name, fn });
const stateful =
  (factory: (options: { name: string }) => Metric) =>
  (name: string): Metric =>
    factory({ name });

const metrics = new NameRegistry<(name: string) => Metric>(
  'metric',
  [
    ['accuracy', batchMean(accuracy)],
    ['categoricalAccuracy', batchMean(categoricalAccuracy)],
    ['sparseCategoricalAccuracy', batchMean(sparseCategoricalAccuracy)],
    ['binaryAccuracy', batchMean(binaryAccuracy)],
    ['meanSquaredError', batchMean(meanSquaredErrorMetric)],
    ['meanAbsoluteError', batchMean(meanAbsoluteErrorMetric)],
    ['precision', stateful(precision)],
    ['recall', stateful(recall)],
    ['f1Score', stateful(f1Score)],
    ['auc', stateful(auc)],
    ['topKCategoricalAccuracy', stateful(topKCategoricalAccuracy)],
    ['sparseTopKCategoricalAccuracy', stateful(sparseTopKCategoricalAccuracy)],
  ],
  // Case and '_' are ignored ('categorical_accuracy' is 'categoricalAccuracy'); these are short forms.
  [
    ['acc', 'accuracy'],
    ['mse', 'meanSquaredError'],
    ['mae', 'meanAbsoluteError'],
    ['f1', 'f1Score'],
    ['topK', 'topKCategoricalAccuracy'],
    ['sparseTopK', 'sparseTopKCategoricalAccuracy'],
  ],
);

export type MetricName =
  | 'accuracy'
  | 'categoricalAccuracy'
  | 'sparseCategoricalAccuracy'
  | 'binaryAccuracy'
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'precision'
  | 'recall'
  | 'f1Score'
  | 'auc'
  | 'topKCategoricalAccuracy'
  | 'sparseTopKCategoricalAccuracy';

/**
 * Keras' short names ('acc' is logged as 'accuracy') and class names. By name, the stateful
 * metrics take their defaults (top 5, 200 thresholds…); call the factory for other options.
 */
export type MetricAlias =
  | 'acc'
  | 'mse'
  | 'mae'
  | 'f1'
  | 'topK'
  | 'sparseTopK'
  | 'AUC'
  | 'Precision'
  | 'Recall'
  | 'F1Score';

/**
 * What compile() takes in `metrics`: a name as backprop or Keras spell it ('categoricalAccuracy',
 * 'categorical_accuracy', 'acc') — a misspelt one does not compile — or your own `{ name, fn }`.
 */
export type MetricLike = CamelOrSnake<MetricName> | MetricAlias | Metric;

/**
 * A metric by name (looked up among the library's own, never Object.prototype's) or as given. Any
 * string is taken here and checked at run time; compile() takes only the spellings in MetricLike.
 */
export function getMetric(spec: MetricLike | (string & {})): Metric {
  if (isOptionsObject(spec)) {
    checkOptions('metric', spec, ['name', 'fn', 'create'], {}, 'metric object');
    stringOption('metric', 'name', spec.name);
    if (typeof spec.fn !== 'function') {
      throw new ArgumentError(`metric '${spec.name}': fn must be a function, got ${describeValue(spec.fn)}`);
    }
    if (spec.create !== undefined && typeof spec.create !== 'function') {
      throw new ArgumentError(
        `metric '${spec.name}': create must be a function returning a MetricState, got ${describeValue(spec.create)}`,
      );
    }
    return spec as Metric;
  }
  // The key in logs and history is the name as written, except Keras' 'acc', which reads 'accuracy'.
  return metrics.get(spec, 'metrics')(spec as string);
}
