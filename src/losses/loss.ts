/**
 * What a loss is, and the one constructor every built-in loss goes through: options checked,
 * the per-sample loss ([batch]) computed once, reduced to a scalar by `reduction`.
 */
import { booleanOption, checkOptions, enumOption } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTargets, type TargetDomain } from './targets.js';

export type Reduction = 'mean' | 'sum';

export interface LossOptions {
  /** Cross-entropies: predictions are logits (the fused, exact form). */
  fromLogits?: boolean;
  /** 'mean' (default) of the per-sample losses over the batch, or their 'sum'. */
  reduction?: Reduction;
  /** huber only: where the loss turns from quadratic to linear. Default 1. */
  delta?: number;
  /** cosineSimilarity only: the axis the vectors lie along. Default -1. */
  axis?: number;
}

/** Keras' clipping constant for probabilities fed to a log. */
export const EPSILON = 1e-7;

export type LossName =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'sumOfSquares'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'huber'
  | 'logCosh'
  | 'hinge'
  | 'squaredHinge'
  | 'categoricalHinge'
  | 'klDivergence'
  | 'poisson'
  | 'cosineSimilarity';

export interface Loss {
  readonly name: LossName;
  readonly fromLogits: boolean;
  readonly reduction: Reduction;
  /** The final activation this loss can take logits in place of, if any. */
  readonly fusesWith: 'softmax' | 'sigmoid' | null;
  (yTrue: Tensor, yPred: Tensor): Tensor;
  /**
   * The loss of each sample, shape [batch], before reduction: what sampleWeight / classWeight
   * weight. Every built-in loss has it; a user's function returning a scalar has not.
   */
  perSample?(yTrue: Tensor, yPred: Tensor): Tensor;
  /** The same loss applied to logits (for the fused path). */
  withLogits(): Loss;
  /**
   * Refuse targets outside the loss's domain (a label of 2 for binary cross-entropy), naming the
   * value and its position; `where` names the argument. Models call it once per fit/evaluate.
   */
  checkTargets?(yTrue: Tensor, outputShape: Shape, where: string): void;
}

export const LOSS_OPTIONS = ['fromLogits', 'reduction'] as const;

export function sameShape(name: string, yTrue: Tensor, yPred: Tensor, hint = ''): void {
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new ShapeError(
      `${name}: targets of shape ${formatShape(yTrue.shape)} do not match predictions of shape ${formatShape(yPred.shape)}${hint}`,
    );
  }
}

/** Per-sample losses [batch] → scalar. */
function reduce(perSample: Tensor, reduction: Reduction): Tensor {
  return reduction === 'sum' ? perSample.sum() : perSample.mean();
}

/** Sum over every axis but the batch axis. */
export function perSampleSum(t: Tensor): Tensor {
  return t.ndim <= 1 ? t : t.sum(t.shape.slice(1).map((_, i) => i + 1));
}

export function perSampleMean(t: Tensor): Tensor {
  return t.ndim <= 1 ? t : t.mean(t.shape.slice(1).map((_, i) => i + 1));
}

/** A per-sample loss of a rank-0 prediction (a single sample) as a [1] vector, so perSample is always [batch]. */
function asBatchVector(perSample: Tensor): Tensor {
  return perSample.ndim === 0 ? perSample.reshape([1]) : perSample;
}

/** The per-sample loss ([batch], or [] for a rank-0 prediction) of one batch. */
export type Compute = (yTrue: Tensor, yPred: Tensor, fromLogits: boolean) => Tensor;

/**
 * A Loss from its per-sample computation. `extraOptions` are the option names this loss takes
 * besides fromLogits and reduction (already read by its factory; listed here so they pass the
 * unknown-option check).
 */
export function makeLoss(
  name: LossName,
  fusesWith: Loss['fusesWith'],
  compute: Compute,
  options: LossOptions,
  domain: TargetDomain,
  extraOptions: readonly string[] = [],
): Loss {
  checkOptions(name, options, [...LOSS_OPTIONS, ...extraOptions]);
  const fromLogits = booleanOption(name, 'fromLogits', options.fromLogits, false);
  const reduction = enumOption(name, 'reduction', options.reduction, ['mean', 'sum'], 'mean');
  if (fromLogits && fusesWith === null) throw new ArgumentError(`${name} has no fromLogits form`);
  const fn = ((yTrue: Tensor, yPred: Tensor) => reduce(compute(yTrue, yPred, fromLogits), reduction)) as Loss;
  Object.defineProperties(fn, {
    name: { value: name },
    fromLogits: { value: fromLogits },
    reduction: { value: reduction },
    fusesWith: { value: fusesWith },
    perSample: { value: (yTrue: Tensor, yPred: Tensor) => asBatchVector(compute(yTrue, yPred, fromLogits)) },
    withLogits: {
      value: () => makeLoss(name, fusesWith, compute, { ...options, fromLogits: true }, domain, extraOptions),
    },
    checkTargets: {
      value: (yTrue: Tensor, outputShape: Shape, where: string) =>
        checkTargets(name, domain, yTrue, outputShape, where),
    },
  });
  return fn;
}
