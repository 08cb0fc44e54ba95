/**
 * Regression losses that grow linearly for large errors, so a few outliers do not dominate the
 * gradient as they do in mean squared error (Keras' Huber and LogCosh).
 */
import { numberOption } from '../config/options.js';
import { type Loss, type LossOptions, makeLoss, perSampleMean, sameShape } from './loss.js';

/**
 * mean over outputs of ½e² where |e| ≤ delta, else delta·(|e| − ½delta), e = ŷ − y. Written as
 * ½q² + delta·(|e| − q) with q = min(|e|, delta): one formula for both pieces, no select op.
 */
export const huber = (options: LossOptions = {}): Loss => {
  const delta = numberOption('huber', 'delta', options.delta, { min: 0, minExclusive: true }, 1);
  return makeLoss(
    'huber',
    null,
    (y, p) => {
      sameShape('huber', y, p);
      const error = p.sub(y).abs();
      const quadratic = error.minimum(delta);
      return perSampleMean(quadratic.square().mul(0.5).add(error.sub(quadratic).mul(delta)));
    },
    options,
    'real',
    ['delta'],
  );
};

/**
 * mean over outputs of log(cosh(e)), e = ŷ − y: ≈ ½e² for small errors, ≈ |e| − log 2 for large.
 * Computed as e + softplus(−2e) − log 2, which never overflows (cosh(100) is Infinity in float32).
 */
export const logCosh = (options: LossOptions = {}): Loss =>
  makeLoss(
    'logCosh',
    null,
    (y, p) => {
      sameShape('logCosh', y, p);
      const error = p.sub(y);
      return perSampleMean(error.add(error.mul(-2).softplus()).sub(Math.LN2));
    },
    options,
    'real',
  );
