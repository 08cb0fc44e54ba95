/**
 * Variance and standard deviation over axes, composed from mean/sub/square/sum (so their gradients,
 * first and second order, come from those ops).
 *
 * `correction` is what is subtracted from the count: 0 (the default) is the population variance, as
 * TF.js's `tf.moments` and NumPy's `var` compute; PyTorch's `var`/`std` default to the unbiased
 * estimate, which is `correction: 1` here.
 */
import { ArgumentError } from '../errors.js';
import { normalizeAxes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { mean, sum } from './reduce.js';

type Axes = number | readonly number[] | undefined;

/** Σ(x − mean)² / (n − correction) over `axis` (default: every axis). Exported as `variance` (`var` is a keyword). */
export function variance(x: Tensor, axis?: Axes, keepdims = false, correction = 0): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'variance');
  let n = 1;
  for (const a of axes) n *= x.shape[a]!;
  if (!Number.isFinite(correction) || correction < 0 || n - correction <= 0) {
    throw new ArgumentError(
      `variance: correction ${correction} leaves no degrees of freedom for ${n} value(s) per result (needs 0 ≤ correction < ${n})`,
    );
  }
  const centred = x.sub(mean(x, axes, true));
  return sum(centred.square(), axes, keepdims).mul(1 / (n - correction));
}

/** √variance, with the same axes, keepdims and correction. */
export function std(x: Tensor, axis?: Axes, keepdims = false, correction = 0): Tensor {
  return variance(x, axis, keepdims, correction).sqrt();
}
