/**
 * Losses between distributions, counts and directions (Keras' KLDivergence, Poisson,
 * CosineSimilarity), with Keras' formulas and clipping.
 */
import { numberOption } from '../config/options.js';
import { integerAxis } from './axis.js';
import { EPSILON, type Loss, type LossOptions, makeLoss, perSampleMean, sameShape } from './loss.js';

/**
 * Σ y·log(y / ŷ) over the last axis, both clipped to [1e-7, 1] as Keras does (so a zero target
 * contributes nothing and a zero prediction a large finite penalty, never NaN).
 */
export const klDivergence = (options: LossOptions = {}): Loss =>
  makeLoss(
    'klDivergence',
    null,
    (y, p) => {
      sameShape('klDivergence', y, p);
      const yc = y.clip(EPSILON, 1);
      const pc = p.clip(EPSILON, 1);
      return perSampleMean(yc.mul(yc.log().sub(pc.log())).sum(-1));
    },
    options,
    'probability',
  );

/** mean(ŷ − y·log(ŷ + 1e-7)) over outputs: the negative log-likelihood of counts y at rate ŷ (up to a constant). */
export const poisson = (options: LossOptions = {}): Loss =>
  makeLoss(
    'poisson',
    null,
    (y, p) => {
      sameShape('poisson', y, p);
      return perSampleMean(p.sub(y.mul(p.add(EPSILON).log())));
    },
    options,
    'nonNegative',
  );

/**
 * −Σ ŷ·y / (‖ŷ‖·‖y‖) along `axis` (default −1), Keras' sign: minimising it aligns the
 * predictions with the targets (−1 is the best value, 0 orthogonal). Each vector is divided by
 * √max(‖x‖², 1e-12), so a zero vector gives 0, not NaN.
 */
export const cosineSimilarity = (options: LossOptions = {}): Loss => {
  const axisOption = numberOption('cosineSimilarity', 'axis', options.axis, { integer: true }, -1);
  return makeLoss(
    'cosineSimilarity',
    null,
    (y, p) => {
      sameShape('cosineSimilarity', y, p);
      const axis = integerAxis('cosineSimilarity', axisOption, p.ndim);
      const unit = (x: typeof p) => x.div(x.square().sum(axis, true).maximum(1e-12).sqrt());
      return perSampleMean(unit(y).mul(unit(p)).sum(axis).neg());
    },
    options,
    'real',
    ['axis'],
  );
};
