/**
 * Rounding to integers, element-wise. Piecewise constant: the gradient is zero wherever it is
 * defined (as in PyTorch and TF.js), so they pass no gradient back.
 */
import { defineUnary } from './unary.js';

export const floor = defineUnary({ name: 'floor', scalar: Math.floor, derivative: null });

export const ceil = defineUnary({ name: 'ceil', scalar: Math.ceil, derivative: null });

/**
 * Round half to even (banker's rounding, as NumPy, PyTorch and TF.js do): 0.5 → 0, 1.5 → 2,
 * −2.5 → −2. JavaScript's Math.round would round halves up.
 */
export const round = defineUnary({
  name: 'round',
  scalar: (v) => {
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  derivative: null,
});
