/**
 * Loss functions. Each takes (yTrue, yPred) and returns a scalar: by default the mean over the
 * batch of the per-sample loss ('mean'), or its sum ('sum').
 *
 * Cross-entropies accept `fromLogits`. A model whose last activation is softmax (or sigmoid)
 * trained with categorical (or binary) cross-entropy passes logits instead of probabilities —
 * log-softmax of logits is exact where log of a softmax that underflowed to 0 would be −∞.
 *
 * This file holds the squared-error and cross-entropy losses and the name registry; loss.ts the
 * Loss type and the constructor every loss goes through; robust.ts (Huber, log-cosh), hinge.ts and
 * distribution.ts (KL divergence, Poisson, cosine similarity) the others.
 */
import { checkOptions, describeValue, NameRegistry } from '../config/options.js';
import type { KerasSpellings } from '../config/spellings.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { softmaxCrossEntropy } from '../ops/softmax-cross-entropy.js';
import { eye } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { cosineSimilarity, klDivergence, poisson } from './distribution.js';
import { categoricalHinge, hinge, squaredHinge } from './hinge.js';
import {
  EPSILON,
  LOSS_OPTIONS,
  type Loss,
  type LossName,
  type LossOptions,
  makeLoss,
  perSampleMean,
  perSampleSum,
  sameShape,
} from './loss.js';
import { huber, logCosh } from './robust.js';

export { cosineSimilarity, klDivergence, poisson } from './distribution.js';
export { categoricalHinge, hinge, squaredHinge } from './hinge.js';
export { LOSS_OPTIONS, type Loss, type LossName, type LossOptions, type Reduction } from './loss.js';
export { huber, logCosh } from './robust.js';

/** mean((y − ŷ)²) over outputs, per sample. */
export const meanSquaredError = (options: LossOptions = {}): Loss =>
  makeLoss(
    'meanSquaredError',
    null,
    (y, p) => {
      sameShape('meanSquaredError', y, p);
      return perSampleMean(p.sub(y).square());
    },
    options,
    'real',
  );

/** mean(|y − ŷ|) over outputs, per sample. */
export const meanAbsoluteError = (options: LossOptions = {}): Loss =>
  makeLoss(
    'meanAbsoluteError',
    null,
    (y, p) => {
      sameShape('meanAbsoluteError', y, p);
      return perSampleMean(p.sub(y).abs());
    },
    options,
    'real',
  );

/** ½Σ(y − ŷ)² over outputs, per sample: the tutorials' sum-of-squares error (gradient ŷ − y). */
export const sumOfSquares = (options: LossOptions = {}): Loss =>
  makeLoss(
    'sumOfSquares',
    null,
    (y, p) => {
      sameShape('sumOfSquares', y, p);
      return perSampleSum(p.sub(y).square()).mul(0.5);
    },
    options,
    'real',
  );

/** −[y·log p + (1−y)·log(1−p)], averaged over outputs. From logits: softplus(z) − z·y. */
export const binaryCrossentropy = (options: LossOptions = {}): Loss =>
  makeLoss(
    'binaryCrossentropy',
    'sigmoid',
    (y, p, fromLogits) => {
      sameShape('binaryCrossentropy', y, p);
      // softplus(z) − z·y: one op whose derivative σ(z) holds at z = 0 too (relu + |z| composed
      // would use relu′(0) = |·|′(0) = 0 there and give −y instead of ½ − y).
      if (fromLogits) return perSampleMean(p.softplus().sub(p.mul(y)));
      const q = p.clip(EPSILON, 1 - EPSILON);
      return perSampleMean(
        y
          .mul(q.log())
          .add(y.neg().add(1).mul(q.neg().add(1).log()))
          .neg(),
      );
    },
    options,
    'probability',
  );

/** −Σ y·log p over classes (one-hot or soft targets). */
export const categoricalCrossentropy = (options: LossOptions = {}): Loss =>
  makeLoss(
    'categoricalCrossentropy',
    'softmax',
    (y, p, fromLogits) => {
      sameShape(
        'categoricalCrossentropy',
        y,
        p,
        y.ndim === 1 || y.shape[y.ndim - 1] === 1
          ? ' (for integer class labels use sparseCategoricalCrossentropy)'
          : '',
      );
      // Summed over the classes (last axis), averaged over any other axis (time steps, pixels) as
      // Keras does: a sequence's loss is the mean of its steps' losses.
      if (fromLogits) return perSampleMean(softmaxCrossEntropy(p, y)); // one fused kernel each way
      return perSampleMean(y.mul(classLog(p)).sum(-1)).neg();
    },
    options,
    'distribution',
  );

/** Categorical cross-entropy with integer class labels ([batch] or [batch, 1]). */
export const sparseCategoricalCrossentropy = (options: LossOptions = {}): Loss =>
  makeLoss(
    'sparseCategoricalCrossentropy',
    'softmax',
    (y, p, fromLogits) => {
      const classes = p.shape[p.ndim - 1]!;
      const labels = y.ndim === p.ndim && y.shape[y.ndim - 1] === 1 ? y.reshape(y.shape.slice(0, -1)) : y;
      if (labels.ndim !== p.ndim - 1 || labels.shape[0] !== p.shape[0]) {
        throw new ShapeError(
          `sparseCategoricalCrossentropy: labels of shape ${formatShape(y.shape)} do not fit predictions of shape ` +
            `${formatShape(p.shape)} (expected one integer label per sample)`,
        );
      }
      const oneHot = eye(classes).gather(checkLabels(labels, classes)).reshape(p.shape);
      if (fromLogits) return perSampleMean(softmaxCrossEntropy(p, oneHot));
      return perSampleMean(oneHot.mul(classLog(p)).sum(-1)).neg();
    },
    options,
    'classIndex',
  );

/**
 * log p for the categorical cross-entropies on probabilities: p divided by its sum over the classes
 * (last axis) first, then clipped to [ε, 1 − ε], as Keras and TF.js do — outputs that do not sum to
 * 1 (sigmoids, unnormalised scores) are read as proportions. Where a row sums to 0 Keras gets
 * 0/0 = NaN; the floor keeps it 0 here, so it is clipped to ε instead. (A softmax output trained
 * with these losses takes the fused path on logits and never comes here.)
 */
function classLog(p: Tensor): Tensor {
  return p
    .div(p.sum(-1, true).maximum(SUM_FLOOR))
    .clip(EPSILON, 1 - EPSILON)
    .log();
}

/** Far below any real sum of float32 probabilities, and 1/SUM_FLOOR is still finite in float32. */
const SUM_FLOOR = 1e-30;

function checkLabels(labels: Tensor, classes: number): Int32Array {
  const values = labels.dataSync();
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new ArgumentError(
        `sparseCategoricalCrossentropy: label ${v} at position ${i} is not a class index in [0, ${classes})`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * A user's own loss function (yTrue, yPred) => scalar Tensor, as a Loss: never fused, and its
 * result checked each batch (one instanceof) so a function returning a number is named, not a
 * TypeError inside fit.
 */
function customLoss(fn: LossFunction): Loss {
  const name = fn.name || 'custom loss';
  const loss = ((yTrue: Tensor, yPred: Tensor) => {
    const value: unknown = fn(yTrue, yPred);
    if (!(value instanceof Tensor) || value.size !== 1) {
      throw new ArgumentError(
        `loss function '${name}' must return a scalar Tensor, got ${value instanceof Tensor ? `a Tensor of shape [${value.shape.join(', ')}]` : describeValue(value)}`,
      );
    }
    return value;
  }) as Loss;
  Object.defineProperties(loss, {
    name: { value: name },
    fromLogits: { value: false },
    reduction: { value: 'mean' },
    fusesWith: { value: null },
    withLogits: { value: () => loss },
  });
  return loss;
}

const losses = new NameRegistry<(o?: LossOptions) => Loss>(
  'loss',
  [
    ['meanSquaredError', meanSquaredError],
    ['meanAbsoluteError', meanAbsoluteError],
    ['sumOfSquares', sumOfSquares],
    ['binaryCrossentropy', binaryCrossentropy],
    ['categoricalCrossentropy', categoricalCrossentropy],
    ['sparseCategoricalCrossentropy', sparseCategoricalCrossentropy],
    ['huber', huber],
    ['logCosh', logCosh],
    ['hinge', hinge],
    ['squaredHinge', squaredHinge],
    ['categoricalHinge', categoricalHinge],
    ['klDivergence', klDivergence],
    ['poisson', poisson],
    ['cosineSimilarity', cosineSimilarity],
  ],
  // Names match ignoring case and '_', so Keras' 'categorical_crossentropy' and class names
  // ('CategoricalCrossentropy') need no entry; these are the short forms.
  [
    ['mse', 'meanSquaredError'],
    ['mae', 'meanAbsoluteError'],
    ['huberLoss', 'huber'], // TF.js' tf.losses.huberLoss
    ['kld', 'klDivergence'],
    ['kullbackLeiblerDivergence', 'klDivergence'],
  ],
);

/** Keras' short names and other spellings (Keras' class KLDivergence, TF.js' huberLoss). */
export type LossAlias =
  | 'mse'
  | 'mae'
  | 'kld'
  | 'KLDivergence'
  | 'kullbackLeiblerDivergence'
  | 'kullback_leibler_divergence'
  | 'huberLoss'
  | 'huber_loss'
  | 'logcosh';

/** A user's own loss: targets and predictions in, a scalar Tensor out (built from yPred's ops, so it has a gradient). */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * What compile() takes as `loss`: a name as backprop, Keras or TF.js spell it
 * ('categoricalCrossentropy', 'categorical_crossentropy', 'CategoricalCrossentropy', 'mse') — a
 * misspelt one does not compile — or a loss function.
 */
export type LossLike = KerasSpellings<LossName> | LossAlias | Loss | LossFunction;

/**
 * A loss by name (backprop's, Keras' snake_case or class name: 'binary_crossentropy',
 * 'BinaryCrossentropy'), or a loss function, returned as is (options are for named losses only).
 * Any string is taken here and checked at run time (names read from files or a command line);
 * compile() takes only the spellings in LossLike.
 */
export function getLoss(spec: LossLike | (string & {}), options: LossOptions = {}): Loss {
  if (typeof spec === 'function') {
    if (
      options !== undefined &&
      Object.keys(checkOptions('loss', options, [...LOSS_OPTIONS, 'delta', 'axis'])).length > 0
    ) {
      throw new ArgumentError(
        'compile(): lossOptions apply to a loss given by name; a loss function takes its options itself',
      );
    }
    return typeof (spec as Partial<Loss>).withLogits === 'function' ? (spec as Loss) : customLoss(spec);
  }
  if (typeof spec !== 'string') {
    throw new ArgumentError(
      `loss must be a name ('categoricalCrossentropy') or a loss function, got ${describeValue(spec)}`,
    );
  }
  return losses.get(spec)(options);
}
