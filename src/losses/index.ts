/**
 * Loss functions. Each takes (yTrue, yPred) and returns a scalar: by default the mean over the
 * batch of the per-sample loss ('mean'), or its sum ('sum').
 *
 * Cross-entropies accept `fromLogits`. A model whose last activation is softmax (or sigmoid)
 * trained with categorical (or binary) cross-entropy passes logits instead of probabilities —
 * log-softmax of logits is exact where log of a softmax that underflowed to 0 would be −∞.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { softmaxCrossEntropy } from '../ops/softmax-cross-entropy.js';
import { eye } from '../tensor/create.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

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
}

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
): Loss {
  const fromLogits = options.fromLogits ?? false;
  const reduction = options.reduction ?? 'mean';
  if (fromLogits && fusesWith === null) throw new ArgumentError(`${name} has no fromLogits form`);
  const fn = ((yTrue: Tensor, yPred: Tensor) => reduce(compute(yTrue, yPred, fromLogits), reduction)) as Loss;
  Object.defineProperties(fn, {
    name: { value: name },
    fromLogits: { value: fromLogits },
    reduction: { value: reduction },
    fusesWith: { value: fusesWith },
    withLogits: { value: () => makeLoss(name, fusesWith, compute, { ...options, fromLogits: true }) },
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
  );

function checkLabels(labels: Tensor, classes: number): Int32Array {
  const values = labels.data();
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

const byName: Record<LossName, (o?: LossOptions) => Loss> = {
  meanSquaredError,
  meanAbsoluteError,
  sumOfSquares,
  binaryCrossentropy,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
};

const aliases: Record<string, LossName> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_squared_error: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
  sum_of_squares: 'sumOfSquares',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
};

export type LossLike = LossName | keyof typeof aliases | Loss;

export function getLoss(spec: LossLike, options: LossOptions = {}): Loss {
  if (typeof spec === 'function') return spec;
  const name = aliases[spec] ?? spec;
  const make = byName[name as LossName];
  if (!make) throw new ArgumentError(`unknown loss '${spec}' (known: ${Object.keys(byName).join(', ')})`);
  return make(options);
}
