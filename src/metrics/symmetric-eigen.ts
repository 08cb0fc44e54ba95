/**
 * Eigenvalues and eigenvectors of a real symmetric matrix by cyclic Jacobi rotations (Golub & Van
 * Loan §8.5), in float64: each rotation zeroes one off-diagonal pair, sweeps repeat until the
 * off-diagonal mass is negligible. Slower than QR for big matrices (O(d³) per sweep, a handful of
 * sweeps) but short, unconditionally stable and accurate for small eigenvalues — what the Fréchet
 * distance's matrix square root needs.
 */
import { ArgumentError } from '../errors.js';

export interface SymmetricEigen {
  /** Eigenvalues, in no particular order. */
  values: Float64Array;
  /** Eigenvectors as columns of a row-major d × d matrix: column k belongs to values[k]. */
  vectors: Float64Array;
}

/** Decompose the symmetric d × d matrix `matrix` (row-major; only read, never changed). */
export function symmetricEigen(matrix: ArrayLike<number>, d: number, maxSweeps = 50): SymmetricEigen {
  if (matrix.length !== d * d)
    throw new ArgumentError(`symmetricEigen: ${matrix.length} values for a ${d} × ${d} matrix`);
  const a = Float64Array.from(matrix);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const x = a[i * d + j]!;
      const y = a[j * d + i]!;
      if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)))
        throw new ArgumentError(
          `symmetricEigen: the matrix is not symmetric ([${i}, ${j}] = ${x}, [${j}, ${i}] = ${y})`,
        );
    }
  }
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i]! ** 2;
  const tolerance = 1e-30 * Math.max(scale, Number.MIN_VALUE);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (off <= tolerance) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        // The rotation angle that zeroes a[p][q]: t = tan θ, the smaller root for stability.
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J: columns p, q, then rows p, q.
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: v };
}
