/** Special functions, element-wise. */
import { defineUnary } from './unary.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(v) in float64 to a few ulp: erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), a series
 * of positive terms (no cancellation, unlike the Taylor series) that converges for every x; beyond
 * |x| = 6, erf is ±1 to double precision. Accuracy matters beyond float32 here: gradgradcheck
 * differentiates it numerically in float64.
 */
function erfScalar(v: number): number {
  if (Number.isNaN(v)) return v;
  const x = Math.abs(v);
  if (x >= 6) return Math.sign(v);
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(v) * TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** The error function; its derivative is 2/√π · e^(−x²). */
export const erf = defineUnary({
  name: 'erf',
  scalar: erfScalar,
  derivative: (x, _y, g) => g.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI)),
});
