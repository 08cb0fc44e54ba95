/**
 * Loss functions. Each takes (yTrue, yPred) and returns a scalar: by default the mean over the
 * batch of the per-sample loss ('mean'), or its sum ('sum').
 *
 * Cross-entropies accept `fromLogits`. A model whose last activation is softmax (or sigmoid)
 * trained with categorical (or binary) cross-entropy passes logits instead of probabilities —
 * log-softmax of logits is exact where log of a softmax that underflowed to 0 would be −∞.
 */
import { booleanOption, checkOptions, describeValue, enumOption, NameRegistry } from '../config/options.js';
import type { KerasSpellings } from '../config/spellings.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { softmaxCrossEntropy } from '../ops/softmax-cross-entropy.js';
import { eye } from '../tensor/create.js';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTargets, type TargetDomain } from './targets.js';

export type Reduction = 'mean' | 'sum';

export interface LossOptions {
  fromLogits?: boolean;
  reduction?: Reduction;
}

/** Keras' clipping constant for probabilities fed to a log. */
const EPSILON = 1e-7;

export interface Loss {
  readonly name: LossName;
  readonly fromLogits: boolean;
  readonly reduction: Reduction;
  /** The final activation this loss can take logits in place of, if any. */
  readonly fusesWith: 'softmax' | 'sigmoid' | null;
  (yTrue: Tensor, yPred: Tensor): Tensor;
  /** The same loss applied to logits (for the fused path). */
  withLogits(): Loss;
  /**
   * Refuse targets outside the loss's domain (a label of 2 for binary cross-entropy), naming the
   * value and its position; `where` names the argument. Models call it once per fit/evaluate.
   */
  checkTargets?(yTrue: Tensor, outputShape: Shape, where: string): void;
}

export const LOSS_OPTIONS = ['fromLogits', 'reduction'] as const;

export type LossName =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'sumOfSquares'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy';

function sameShape(name: string, yTrue: Tensor, yPred: Tensor, hint = ''): void {
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
function perSampleSum(t: Tensor): Tensor {
  return t.ndim <= 1 ? t : t.sum(t.shape.slice(1).map((_, i) => i + 1));
}

function perSampleMean(t: Tensor): Tensor {
  return t.ndim <= 1 ? t : t.mean(t.shape.slice(1).map((_, i) => i + 1));
}

type Compute = (yTrue: Tensor, yPred: Tensor, fromLogits: boolean) => Tensor;

function makeLoss(
  name: LossName,
  fusesWith: Loss['fusesWith'],
  compute: Compute,
  options: LossOptions,
  domain: TargetDomain,
): Loss {
  checkOptions(name, options, LOSS_OPTIONS);
  const fromLogits = booleanOption(name, 'fromLogits', options.fromLogits, false);
  const reduction = enumOption(name, 'reduction', options.reduction, ['mean', 'sum'], 'mean');
  if (fromLogits && fusesWith === null) throw new ArgumentError(`${name} has no fromLogits form`);
  const fn = ((yTrue: Tensor, yPred: Tensor) => reduce(compute(yTrue, yPred, fromLogits), reduction)) as Loss;
  Object.defineProperties(fn, {
    name: { value: name },
    fromLogits: { value: fromLogits },
    reduction: { value: reduction },
    fusesWith: { value: fusesWith },
    withLogits: { value: () => makeLoss(name, fusesWith, compute, { ...options, fromLogits: true }, domain) },
    checkTargets: {
      value: (yTrue: Tensor, outputShape: Shape, where: string) =>
        checkTargets(name, domain, yTrue, outputShape, where),
    },
  });
  return fn;
}

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

/** −[y·log p + (1−y)·log(1−p)], averaged over outputs. From logits: max(z,0) − z·y + log(1+e^−|z|). */
export const binaryCrossentropy = (options: LossOptions = {}): Loss =>
  makeLoss(
    'binaryCrossentropy',
    'sigmoid',
    (y, p, fromLogits) => {
      sameShape('binaryCrossentropy', y, p);
      if (fromLogits) return perSampleMean(p.relu().sub(p.mul(y)).add(p.abs().neg().exp().add(1).log()));
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
      if (fromLogits) return perSampleSum(softmaxCrossEntropy(p, y)); // one fused kernel each way
      return perSampleSum(y.mul(p.clip(EPSILON, 1 - EPSILON).log())).neg();
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
      if (fromLogits) return perSampleSum(softmaxCrossEntropy(p, oneHot));
      return perSampleSum(oneHot.mul(p.clip(EPSILON, 1 - EPSILON).log())).neg();
    },
    options,
    'classIndex',
  );

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
  ],
  // Names match ignoring case and '_', so Keras' 'categorical_crossentropy' and class names
  // ('CategoricalCrossentropy') need no entry; these are the short forms.
  [
    ['mse', 'meanSquaredError'],
    ['mae', 'meanAbsoluteError'],
  ],
);

/** Keras' short names. */
export type LossAlias = 'mse' | 'mae';

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
    if (options !== undefined && Object.keys(checkOptions('loss', options, LOSS_OPTIONS)).length > 0) {
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
