/**
 * The orthogonal initialiser (Saxe et al., 2014), Keras' default for recurrent kernels: a
 * recurrent matrix with orthonormal columns neither shrinks nor grows h when applied step after
 * step, so early gradients neither vanish nor explode through it.
 *
 * As Keras: the weight is seen as a matrix [product of all axes but the last, last axis]; a normal
 * matrix of that size (taller side first) is orthonormalised (QR with the signs of R's diagonal
 * made positive, here by modified Gram–Schmidt in float64), transposed back when the weight is
 * wide, and scaled by `gain`. Only the weight's own values are drawn and held: the work is
 * O(rows·cols·min(rows, cols)) and the memory one float64 copy of the weight (TF.js users report
 * 5 GB to initialise a 3 MB model with theirs).
 */
import { checkOptions, numberOption } from '../config/options.js';
import type { Rng } from '../random/rng.js';
import { tensor } from '../tensor/create.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import type { Initializer } from './initializers.js';

const SEEDED: Readonly<Record<string, string>> = {
  seed: 'initialisers draw from the global RNG: call manualSeed(seed) before building the model',
};

export function orthogonal(options: { gain?: number } = {}): Initializer {
  const o = checkOptions('orthogonal', options, ['gain'], SEEDED);
  const gain = numberOption('orthogonal', 'gain', o.gain, { min: -3.4e38, max: 3.4e38 }, 1);
  return {
    className: 'orthogonal',
    config: { gain },
    init: (shape, rng) => tensor(orthogonalValues(shape, gain, rng), { shape }),
  };
}

/** The values, row-major in `shape`. */
export function orthogonalValues(shape: Shape, gain: number, rng: Rng): Float32Array {
  const size = sizeOf(shape);
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const rows = cols === 0 ? 0 : size / cols;
  const out = new Float32Array(size);
  if (size === 0) return out;
  // Orthonormalise k = min(rows, cols) vectors of length n = max(rows, cols).
  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const q = new Float64Array(n * k); // vector j at q[j·n .. j·n + n)
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let j = 0; j < k; j++) {
    const v = q.subarray(j * n, j * n + n);
    // One pass of modified Gram–Schmidt loses orthogonality in proportion to ε·cond(A); in
    // float64 that stays far below float32's resolution even for a square normal matrix (cond ≈ n).
    for (let p = 0; p < j; p++) {
      const u = q.subarray(p * n, p * n + n);
      let dot = 0;
      for (let i = 0; i < n; i++) dot += u[i]! * v[i]!;
      for (let i = 0; i < n; i++) v[i]! -= dot * u[i]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    // A normal draw is linearly dependent with probability 0; guard the degenerate case anyway.
    if (norm < 1e-12) {
      v.fill(0);
      v[j % n] = 1;
      norm = 1;
    }
    for (let i = 0; i < n; i++) v[i]! /= norm;
  }
  // Tall weight (rows ≥ cols): column c of the weight is vector c. Wide: row r is vector r.
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows >= cols ? q[c * n + r]! : q[r * n + c]!);
    }
  }
  return out;
}
