/** Reading the per-sample weights a MetricState's update() receives. */
import { ShapeError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * One weight per sample ([batch] or [batch, 1]) as numbers; null or undefined: every sample
 * weighs 1. `metric` names the metric in the error for a weight count that does not match.
 */
export function sampleWeights(
  metric: string,
  weights: Tensor | null | undefined,
  samples: number,
): Float64Array {
  if (weights === null || weights === undefined) return new Float64Array(samples).fill(1);
  if (weights.size !== samples) {
    throw new ShapeError(
      `${metric}: sampleWeight of shape ${formatShape(weights.shape)} does not give one weight to each of the ${samples} samples`,
    );
  }
  return Float64Array.from(weights.dataSync());
}

/** A MetricState's one-batch value: a fresh state updated once, for a Metric's `fn`. */
export function oneBatch(
  create: () => {
    update(yTrue: Tensor, yPred: Tensor): void;
    result(): number;
  },
): (yTrue: Tensor, yPred: Tensor) => number {
  return (yTrue, yPred) => {
    const state = create();
    state.update(yTrue, yPred);
    return state.result();
  };
}
