/**
 * Top-k accuracy (Keras' top_k_categorical_accuracy): a sample counts as right when its true class
 * is among the k highest predictions. Ties straddling the k-th place count in the true class's
 * favour, as tf.math.in_top_k: right when fewer than k classes score strictly higher.
 */
import { checkOptions, numberOption, stringOption } from '../config/options.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Metric, MetricState } from './metric.js';
import { oneBatch, sampleWeights } from './sample-weights.js';

export interface TopKOptions {
  /** How many of the highest predictions may hold the true class. Default 5. */
  k?: number;
  /** The key in logs and history. */
  name?: string;
}

/** 1 or 0 per sample: is the true class in the top k? */
function hits(name: string, k: number, trueClasses: Float64Array, yPred: Tensor): Uint8Array {
  const classes = yPred.shape[yPred.ndim - 1]!;
  const p = yPred.dataSync();
  const out = new Uint8Array(trueClasses.length);
  for (let s = 0; s < trueClasses.length; s++) {
    const label = trueClasses[s]!;
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new ShapeError(`${name}: label ${label} of sample ${s} is not a class index in [0, ${classes})`);
    }
    const own = p[s * classes + label]!;
    if (!Number.isFinite(own)) continue;
    let higher = 0;
    for (let c = 0; c < classes; c++) if (p[s * classes + c]! > own) higher++;
    out[s] = higher < k ? 1 : 0;
  }
  return out;
}

function topKMetric(
  kind: 'topKCategoricalAccuracy' | 'sparseTopKCategoricalAccuracy',
  options: TopKOptions,
): Metric {
  const o = checkOptions(kind, options, ['k', 'name']);
  const k = numberOption(kind, 'k', o.k, { min: 1, integer: true }, 5);
  const name = o.name === undefined ? kind : stringOption(kind, 'name', o.name);
  const sparse = kind === 'sparseTopKCategoricalAccuracy';

  const trueClasses = (yTrue: Tensor, yPred: Tensor): Float64Array => {
    if (yPred.ndim !== 2) {
      throw new ShapeError(`${name}: predictions must be [batch, classes], got ${formatShape(yPred.shape)}`);
    }
    const [batch, classes] = yPred.shape as [number, number];
    if (sparse) {
      if (yTrue.size !== batch) {
        throw new ShapeError(
          `${name}: labels of shape ${formatShape(yTrue.shape)} do not give one integer label to each of ${batch} samples`,
        );
      }
      return Float64Array.from(yTrue.dataSync());
    }
    if (yTrue.ndim !== 2 || yTrue.shape[0] !== batch || yTrue.shape[1] !== classes) {
      throw new ShapeError(
        `${name}: targets of shape ${formatShape(yTrue.shape)} do not match predictions of shape ` +
          `${formatShape(yPred.shape)} (for integer labels use sparseTopKCategoricalAccuracy)`,
      );
    }
    return Float64Array.from(yTrue.argmax(-1).dataSync());
  };

  const create = (): MetricState => {
    let right = 0;
    let total = 0;
    return {
      update(yTrue, yPred, sampleWeight) {
        const h = hits(name, k, trueClasses(yTrue, yPred), yPred);
        const w = sampleWeights(name, sampleWeight, h.length);
        for (let s = 0; s < h.length; s++) {
          right += h[s]! * w[s]!;
          total += w[s]!;
        }
      },
      result: () => (total === 0 ? 0 : right / total),
      reset() {
        right = 0;
        total = 0;
      },
    };
  };
  return { name, fn: oneBatch(create), create };
}

/** Share of samples whose one-hot target's class is among the k highest predictions. */
export const topKCategoricalAccuracy = (options: TopKOptions = {}): Metric =>
  topKMetric('topKCategoricalAccuracy', options);

/** Share of samples whose integer label is among the k highest predictions. */
export const sparseTopKCategoricalAccuracy = (options: TopKOptions = {}): Metric =>
  topKMetric('sparseTopKCategoricalAccuracy', options);
