/**
 * Scores for generative models, computed with a classifier (Salimans et al. 2016; Heusel et al.
 * 2017), in float64 on the host:
 *
 *   inceptionScore(probs)       exp E_x[ KL(p(y|x) ‖ p(y)) ]: high (up to the number of classes)
 *                               when each sample is classified confidently and the classes are
 *                               evenly covered. MNIST's real test digits score 9.88 with a good
 *                               MNIST classifier.
 *   frechetDistance(a, b)       ‖μa − μb‖² + Tr(Ca + Cb − 2 (Ca^½ Cb Ca^½)^½) between Gaussians
 *                               fitted to two sets of features (a classifier's penultimate layer):
 *                               0 for identical sets, larger as samples drift from the real ones.
 *
 * The matrix square root comes from symmetric eigendecompositions (Jacobi): Ca^½ Cb Ca^½ is
 * symmetric positive semi-definite, so its square root's trace is Σ √λ — no complex arithmetic,
 * unlike scipy's sqrtm of the non-symmetric Ca·Cb. Jacobi is O(d³) per sweep: meant for the few
 * hundred features of a small classifier, not Inception's 2,048.
 */
import { describeValue } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** Rows of numbers (features or probabilities): a [n, d] tensor or nested arrays. */
export type FeatureRows = Tensor | readonly (readonly number[])[];

function toRows(x: FeatureRows, what: string): { values: Float64Array; n: number; d: number } {
  const expected = `${what}: expected a [n, d] Tensor or array of rows`;
  if (Array.isArray(x)) {
    const n = x.length;
    const rows = x as readonly unknown[];
    const bad = rows.findIndex((row) => !Array.isArray(row) && !ArrayBuffer.isView(row));
    if (bad >= 0) throw new ArgumentError(`${expected}, got ${describeValue(rows[bad])} as row ${bad}`);
    const d = n > 0 ? x[0]!.length : 0;
    const values = new Float64Array(n * d);
    x.forEach((row: readonly number[], i: number) => {
      if (row.length !== d)
        throw new ShapeError(`${what}: row ${i} has ${row.length} values, row 0 has ${d}`);
      values.set(row, i * d);
    });
    return { values, n, d };
  }
  if (!(x instanceof Tensor)) throw new ArgumentError(`${expected}, got ${describeValue(x)}`);
  const t = x;
  if (t.ndim !== 2) throw new ShapeError(`${expected}, got shape [${t.shape}]`);
  return { values: Float64Array.from(t.dataSync()), n: t.shape[0]!, d: t.shape[1]! };
}

function checkFinite(values: Float64Array, what: string): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ArgumentError(`${what}: value ${values[bad]} at flat index ${bad} is not finite`);
}

export interface InceptionScore {
  /** The mean score over the splits. */
  mean: number;
  /** Their standard deviation (0 with one split). */
  std: number;
}

/**
 * The Inception score of class probabilities `probs` [n, classes] (each row a distribution, e.g. a
 * classifier's softmax on generated samples), averaged over `splits` equal parts (default 1;
 * the original used 10 splits of 5,000).
 */
export function inceptionScore(probs: FeatureRows, splits = 1): InceptionScore {
  const { values, n, d } = toRows(probs, 'inceptionScore');
  if (n === 0 || d === 0) throw new ShapeError(`inceptionScore: no probabilities (shape [${n}, ${d}])`);
  if (!Number.isInteger(splits) || splits < 1 || splits > n)
    throw new ArgumentError(`inceptionScore: splits must be an integer in 1…${n} (the rows), got ${splits}`);
  checkFinite(values, 'inceptionScore');
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const p = values[i * d + j]!;
      if (p < 0) throw new ArgumentError(`inceptionScore: probability ${p} < 0 in row ${i}`);
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-3)
      throw new ArgumentError(
        `inceptionScore: row ${i} sums to ${sum}, not 1 (give probabilities, e.g. a softmax)`,
      );
  }
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const from = Math.floor((s * n) / splits);
    const to = Math.floor(((s + 1) * n) / splits);
    const marginal = new Float64Array(d);
    for (let i = from; i < to; i++) for (let j = 0; j < d; j++) marginal[j]! += values[i * d + j]!;
    for (let j = 0; j < d; j++) marginal[j]! /= to - from;
    let kl = 0;
    for (let i = from; i < to; i++) {
      for (let j = 0; j < d; j++) {
        const p = values[i * d + j]!;
        if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[j]!)); // 0·log 0 = 0
      }
    }
    scores.push(Math.exp(kl / (to - from)));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std };
}

/** The mean [d] and covariance [d × d, row-major] of a set of feature rows, in float64. */
export interface FeatureStatistics {
  mean: Float64Array;
  covariance: Float64Array;
  dim: number;
  count: number;
}

/** Mean and (unbiased, n − 1) covariance of feature rows [n, d], n ≥ 2: compute once for the real set. */
export function featureStatistics(features: FeatureRows): FeatureStatistics {
  const { values, n, d } = toRows(features, 'featureStatistics');
  if (n < 2 || d === 0)
    throw new ShapeError(`featureStatistics: needs at least 2 rows of ≥ 1 feature, got [${n}, ${d}]`);
  checkFinite(values, 'featureStatistics');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += values[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const covariance = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = values[i * d + j]! - mean[j]!;
    for (let j = 0; j < d; j++) {
      const cj = centred[j]!;
      if (cj === 0) continue;
      for (let k = j; k < d; k++) covariance[j * d + k]! += cj * centred[k]!;
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const c = covariance[j * d + k]! / (n - 1);
      covariance[j * d + k] = c;
      covariance[k * d + j] = c;
    }
  }
  return { mean, covariance, dim: d, count: n };
}

/** The Fréchet distance between two Gaussians given by their statistics. */
export function frechetDistanceFromStatistics(a: FeatureStatistics, b: FeatureStatistics): number {
  if (a.dim !== b.dim)
    throw new ShapeError(`frechetDistance: features of ${a.dim} and ${b.dim} dimensions cannot be compared`);
  const d = a.dim;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j]! - b.mean[j]!) ** 2;
  let traces = 0;
  for (let j = 0; j < d; j++) traces += a.covariance[j * d + j]! + b.covariance[j * d + j]!;
  // Ca^½ = V diag(√λ) Vᵀ (eigenvalues below 0 are rounding: clipped).
  const { values: la, vectors: va } = symmetricEigen(a.covariance, d);
  const rootA = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += va[i * d + k]! * Math.sqrt(Math.max(la[k]!, 0)) * va[j * d + k]!;
      rootA[i * d + j] = s;
      rootA[j * d + i] = s;
    }
  }
  const middle = multiply(multiply(rootA, b.covariance, d), rootA, d);
  // Symmetrise away rounding so Jacobi sees an exactly symmetric matrix.
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = (middle[i * d + j]! + middle[j * d + i]!) / 2;
      middle[i * d + j] = s;
      middle[j * d + i] = s;
    }
  }
  const { values: lm } = symmetricEigen(middle, d);
  let traceRoot = 0;
  for (const l of lm) traceRoot += Math.sqrt(Math.max(l, 0));
  // Rounding can take a distance of 0 a hair below it.
  return Math.max(meanTerm + traces - 2 * traceRoot, 0);
}

/** The Fréchet distance between two sets of feature rows [n, d] and [m, d] (n, m ≥ 2). */
export function frechetDistance(featuresA: FeatureRows, featuresB: FeatureRows): number {
  return frechetDistanceFromStatistics(featureStatistics(featuresA), featureStatistics(featuresB));
}

function multiply(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j]! += aik * b[k * d + j]!;
    }
  }
  return out;
}
