/**
 * Metrics reported during training and evaluation. Each returns the batch mean as a number;
 * the fit loop averages batches weighted by their size.
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
import type { Tensor } from '../tensor/tensor.js';

export type MetricFn = (yTrue: Tensor, yPred: Tensor) => number;

export interface Metric {
  /** The key in logs and history ('accuracy', 'val_accuracy'…). */
  readonly name: string;
  readonly fn: MetricFn;
}

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

const metrics = new NameRegistry<MetricFn>(
  'metric',
  [
    ['accuracy', accuracy],
    ['categoricalAccuracy', categoricalAccuracy],
    ['sparseCategoricalAccuracy', sparseCategoricalAccuracy],
    ['binaryAccuracy', binaryAccuracy],
    ['meanSquaredError', meanSquaredErrorMetric],
    ['meanAbsoluteError', meanAbsoluteErrorMetric],
  ],
  // Case and '_' are ignored ('categorical_accuracy' is 'categoricalAccuracy'); these are short forms.
  [
    ['acc', 'accuracy'],
    ['mse', 'meanSquaredError'],
    ['mae', 'meanAbsoluteError'],
  ],
);

export type MetricName =
  | 'accuracy'
  | 'categoricalAccuracy'
  | 'sparseCategoricalAccuracy'
  | 'binaryAccuracy'
  | 'meanSquaredError'
  | 'meanAbsoluteError';

/** Keras' short names ('acc' is logged as 'accuracy'). */
export type MetricAlias = 'acc' | 'mse' | 'mae';

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
    checkOptions('metric', spec, ['name', 'fn'], {}, 'metric object');
    stringOption('metric', 'name', spec.name);
    if (typeof spec.fn !== 'function') {
      throw new ArgumentError(`metric '${spec.name}': fn must be a function, got ${describeValue(spec.fn)}`);
    }
    return spec as Metric;
  }
  const fn = metrics.get(spec, 'metrics');
  // The key in logs and history is the name as written, except Keras' 'acc', which reads 'accuracy'.
  return { name: spec === 'acc' ? 'accuracy' : (spec as string), fn };
}
