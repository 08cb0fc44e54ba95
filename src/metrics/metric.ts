/**
 * What a metric is. Most metrics are batch means (accuracy, MSE): `fn` gives one batch's value and
 * the training engine averages batches weighted by their size. Metrics that are not batch means —
 * precision, recall, F1, AUC: the precision of an epoch is not the mean of its batches' precisions —
 * also have `create()`, a fresh accumulator of counts that the engine updates batch by batch and
 * reads once per epoch (Keras' stateful `Metric.update_state` / `result` / `reset_state`).
 */
import type { Tensor } from '../tensor/tensor.js';

/** One batch's value of a metric (also what a custom loop calls). */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => number;

/** An accumulator over many batches: counts, not tensors, so it holds no memory between steps. */
export interface MetricState {
  /** Add one batch; sampleWeight ([batch]) weights each sample's contribution (null or absent: 1). */
  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor | null): void;
  /** The metric over everything added since the last reset. */
  result(): number;
  /** Forget everything (the engine calls it at each epoch's start and before validation). */
  reset(): void;
}

export interface Metric {
  /** The key in logs and history ('accuracy', 'val_accuracy'…). */
  readonly name: string;
  readonly fn: MetricFn;
  /** A fresh accumulator, for metrics that are not batch means; absent: size-weighted mean of `fn`. */
  readonly create?: () => MetricState;
}
