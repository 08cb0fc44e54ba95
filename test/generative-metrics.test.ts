/** Inception score, Fréchet distance and the Jacobi eigensolver against hand-computed cases. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  featureStatistics,
  frechetDistance,
  inceptionScore,
  ShapeError,
  symmetricEigen,
  tensor,
} from '../src/index.js';
import { describeEachBackend } from './helpers.js';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `got ${actual}, expected ${expected} (±${tol})`);

/** Points (±a_j along axis j) around `mean`: their sample covariance is exactly diagonal. */
function crossPoints(mean: number[], spread: number[]): number[][] {
  const rows: number[][] = [];
  spread.forEach((a, j) => {
    for (const sign of [1, -1]) rows.push(mean.map((m, k) => m + (k === j ? sign * a : 0)));
  });
  return rows;
}

const rotate = (rows: number[][], angle: number) =>
  rows.map(([x, y]) => [
    Math.cos(angle) * x! - Math.sin(angle) * y!,
    Math.sin(angle) * x! + Math.cos(angle) * y!,
  ]);

describeEachBackend('inceptionScore', () => {
  it('is the number of classes for confident predictions spread evenly over them', () => {
    const probs = Array.from({ length: 20 }, (_, i) => [0, 1, 2, 3, 4].map((c) => (c === i % 5 ? 1 : 0)));
    close(inceptionScore(tensor(probs)).mean, 5);
    const split = inceptionScore(probs, 4); // each split of 5 rows holds each class once
    close(split.mean, 5);
    close(split.std, 0);
  });

  it('is 1 when every sample gets the same distribution (no information)', () => {
    close(
      inceptionScore(
        tensor([
          [0.2, 0.8],
          [0.2, 0.8],
          [0.2, 0.8],
        ]),
      ).mean,
      1,
      1e-6,
    );
    close(
      inceptionScore([
        [1, 0],
        [1, 0],
      ]).mean,
      1,
    ); // confident but one class: mode collapse
  });

  it('matches exp of the mean KL to the marginal, computed by hand', () => {
    // marginal (0.75, 0.25); KL = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25) and ln(1/0.75)
    close(
      inceptionScore([
        [0.5, 0.5],
        [1, 0],
      ]).mean,
      1.2408064788027995,
      1e-12,
    );
  });

  it('averages splits and reports their spread', () => {
    // split 1: two classes evenly → 2; split 2: one class → 1.
    const s = inceptionScore(
      [
        [1, 0],
        [0, 1],
        [1, 0],
        [1, 0],
      ],
      2,
    );
    close(s.mean, 1.5);
    close(s.std, 0.5);
  });

  it('refuses what is not a set of distributions, naming the problem', () => {
    assert.throws(
      () => inceptionScore([[0.5, 0.6]]),
      (e: Error) => e instanceof ArgumentError && /row 0 sums to 1\.1/.test(e.message),
    );
    assert.throws(
      () => inceptionScore([[1.5, -0.5]]),
      (e: Error) => e instanceof ArgumentError && /-0\.5 < 0/.test(e.message),
    );
    assert.throws(
      () => inceptionScore([[1, 0]], 2),
      (e: Error) => e instanceof ArgumentError && /splits/.test(e.message),
    );
    assert.throws(() => inceptionScore([[Number.NaN, 1]]), ArgumentError);
    assert.throws(
      () => inceptionScore(tensor([1, 0])),
      (e: Error) => e instanceof ShapeError && /\[2\]/.test(e.message),
    );
  });

  it('refuses what is neither a [n, d] Tensor nor an array of rows, describing it', () => {
    const refused = (value: unknown, got: RegExp) =>
      assert.throws(
        () => inceptionScore(value as never),
        (e: Error) =>
          e instanceof ArgumentError &&
          /inceptionScore: expected a \[n, d\] Tensor or array of rows, got/.test(e.message) &&
          got.test(e.message),
        String(value),
      );
    refused(null, /got null$/);
    refused(new Float32Array([0.5, 0.5]), /got a Float32Array$/);
    refused([0.5, 0.5], /got 0\.5 as row 0$/);
    assert.throws(
      () => featureStatistics(undefined as never),
      (e: Error) => e instanceof ArgumentError && /featureStatistics: .* got undefined$/.test(e.message),
    );
  });
});

describeEachBackend('frechetDistance', () => {
  it('is 0 for identical sets', () => {
    const a = [
      [1, 2, 0.5],
      [0, -1, 2],
      [3, 0.5, -1],
      [-2, 1, 1],
      [0.5, 0.5, 0.5],
    ];
    close(frechetDistance(tensor(a), tensor(a)), 0, 1e-9);
  });

  it('has the closed form ‖μa − μb‖² + Σ (σa − σb)² for diagonal covariances', () => {
    const a = crossPoints([0, 0, 0], [1, 2, 3]);
    const b = crossPoints([1, -1, 0.5], [2, 2, 0.5]);
    // variances a²·2/(n−1) with n = 6 rows: σ = a·√(2/5)
    const f = Math.sqrt(2 / 5);
    const expected = 1 + 1 + 0.25 + (f * (1 - 2)) ** 2 + 0 + (f * (3 - 0.5)) ** 2;
    close(frechetDistance(a, b), expected, 1e-9);
    close(frechetDistance(tensor(a), tensor(b)), expected, 1e-5); // float32 round trip
  });

  it('does not change when both sets are rotated together (non-diagonal covariances)', () => {
    const a = crossPoints([0, 0], [1, 3]);
    const b = crossPoints([2, 1], [2.5, 0.5]);
    const f = Math.sqrt(2 / 3);
    const expected = 4 + 1 + (f * (1 - 2.5)) ** 2 + (f * (3 - 0.5)) ** 2;
    close(frechetDistance(rotate(a, 0.5), rotate(b, 0.5)), expected, 1e-9);
    // Only one set rotated: covariances that do not commute. For 2 × 2 matrices
    // Tr √M = √(tr M + 2 √det M), with tr(Ca^½ Cb Ca^½) = tr(Ca Cb) and det = det Ca · det Cb.
    const c = rotate(b, 0.9);
    const sa = featureStatistics(a);
    const sc = featureStatistics(c);
    const [p, q, , r] = sa.covariance;
    const [u, v, , w] = sc.covariance;
    const traceProduct = p! * u! + 2 * q! * v! + r! * w!;
    const rootDet = Math.sqrt((p! * r! - q! * q!) * (u! * w! - v! * v!));
    const meanTerm = (sa.mean[0]! - sc.mean[0]!) ** 2 + (sa.mean[1]! - sc.mean[1]!) ** 2;
    const closedForm = meanTerm + p! + r! + u! + w! - 2 * Math.sqrt(traceProduct + 2 * rootDet);
    assert.ok(Math.abs(q!) < 1e-12 && Math.abs(v!) > 0.1); // a diagonal, c not
    close(frechetDistance(a, c), closedForm, 1e-9);
  });

  it('gives (1 − s)² Tr(C) for a set scaled by s about its mean', () => {
    const a = [
      [1, 2],
      [2, 3.5],
      [0, 0.5],
      [3, 2],
      [1.5, 1],
    ];
    const s = 0.5;
    const mean = [7.5 / 5, 9 / 5];
    const b = a.map((row) => row.map((v, j) => mean[j]! + s * (v - mean[j]!)));
    const { covariance } = featureStatistics(a);
    close(frechetDistance(a, b), (1 - s) ** 2 * (covariance[0]! + covariance[3]!), 1e-9);
  });

  it('computes means and unbiased covariances', () => {
    const { mean, covariance } = featureStatistics([
      [1, 2],
      [3, 6],
      [5, 4],
    ]);
    assert.deepEqual(Array.from(mean), [3, 4]);
    assert.deepEqual(Array.from(covariance), [4, 2, 2, 4]);
  });

  it('refuses sets that cannot be compared', () => {
    assert.throws(
      () =>
        frechetDistance(
          [
            [1, 2],
            [3, 4],
          ],
          [[1], [2]],
        ),
      (e: Error) => e instanceof ShapeError && /2 and 1 dimensions/.test(e.message),
    );
    assert.throws(
      () =>
        frechetDistance(
          [[1, 2]],
          [
            [1, 2],
            [3, 4],
          ],
        ),
      (e: Error) => e instanceof ShapeError && /at least 2 rows/.test(e.message),
    );
    assert.throws(
      () =>
        frechetDistance(
          [[1, 2], [3]],
          [
            [1, 2],
            [3, 4],
          ],
        ),
      (e: Error) => e instanceof ShapeError && /row 1 has 1/.test(e.message),
    );
    assert.throws(
      () =>
        frechetDistance(
          [
            [1, Number.POSITIVE_INFINITY],
            [3, 4],
          ],
          [
            [1, 2],
            [3, 4],
          ],
        ),
      ArgumentError,
    );
  });
});

describeEachBackend('symmetricEigen', () => {
  it('finds the eigenvalues 1 and 3 of [[2, 1], [1, 2]]', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    assert.deepEqual(
      Array.from(values)
        .map((v) => Math.round(v * 1e12) / 1e12)
        .sort(),
      [1, 3],
    );
    // Column k is an eigenvector of values[k].
    for (let k = 0; k < 2; k++) {
      const [x, y] = [vectors[k]!, vectors[2 + k]!];
      close(2 * x + y, values[k]! * x, 1e-12);
      close(x + 2 * y, values[k]! * y, 1e-12);
    }
  });

  it('reconstructs a 6 × 6 symmetric matrix as V diag(λ) Vᵀ with V orthonormal', () => {
    const d = 6;
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) m[i * d + j] = m[j * d + i] = Math.sin(i * 7 + j * 3 + 1) * 2;
    const { values, vectors: v } = symmetricEigen(m, d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let a = 0;
        let vtv = 0;
        for (let k = 0; k < d; k++) {
          a += v[i * d + k]! * values[k]! * v[j * d + k]!;
          vtv += v[k * d + i]! * v[k * d + j]!;
        }
        close(a, m[i * d + j]!, 1e-10);
        close(vtv, i === j ? 1 : 0, 1e-12);
      }
    }
  });

  it('refuses a matrix that is not symmetric, or of the wrong size', () => {
    assert.throws(
      () => symmetricEigen([1, 2, 3, 4], 2),
      (e: Error) => e instanceof ArgumentError && /not symmetric/.test(e.message),
    );
    assert.throws(
      () => symmetricEigen([1, 2, 3], 2),
      (e: Error) => e instanceof ArgumentError && /3 values for a 2 × 2/.test(e.message),
    );
  });
});
