/**
 * Margin losses for classifiers whose outputs are scores, not probabilities (SVM-style), with
 * Keras' formulas. Binary labels may be −1/1 or 0/1: 0 is read as −1, as Keras does.
 */
import type { Tensor } from '../tensor/tensor.js';
import { type Loss, type LossOptions, makeLoss, perSampleMean, sameShape } from './loss.js';

/** Labels 0/1 (or −1/1) as −1/1: y − [y = 0] maps 0 → −1 and leaves ±1 alone, with no read of y. */
function signLabels(y: Tensor): Tensor {
  return y.sub(y.eq(0));
}

/** max(1 − y·ŷ, 0), the margin each sample's score misses by. */
function margin(name: string, y: Tensor, p: Tensor): Tensor {
  sameShape(name, y, p);
  return signLabels(y).mul(p).neg().add(1).relu();
}

/** mean(max(1 − y·ŷ, 0)) over outputs, labels −1/1 or 0/1. */
export const hinge = (options: LossOptions = {}): Loss =>
  makeLoss('hinge', null, (y, p) => perSampleMean(margin('hinge', y, p)), options, 'signLabel');

/** mean(max(1 − y·ŷ, 0)²) over outputs, labels −1/1 or 0/1. */
export const squaredHinge = (options: LossOptions = {}): Loss =>
  makeLoss(
    'squaredHinge',
    null,
    (y, p) => perSampleMean(margin('squaredHinge', y, p).square()),
    options,
    'signLabel',
  );

/**
 * max(neg − pos + 1, 0) with pos = Σ y·ŷ (the true class's score) and neg = max((1 − y)·ŷ) (the
 * best wrong class's score), one-hot targets: the multi-class hinge of Crammer & Singer.
 */
export const categoricalHinge = (options: LossOptions = {}): Loss =>
  makeLoss(
    'categoricalHinge',
    null,
    (y, p) => {
      sameShape('categoricalHinge', y, p);
      const pos = y.mul(p).sum(-1);
      const neg = y.neg().add(1).mul(p).max(-1);
      return perSampleMean(neg.sub(pos).add(1).relu());
    },
    options,
    'distribution',
  );
