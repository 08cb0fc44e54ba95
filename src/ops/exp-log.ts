/**
 * Exponentials and logarithms beyond exp/log: base 2, and the forms accurate near zero
 * (log1p(x) = log(1 + x), expm1(x) = eˣ − 1) that keep digits 1 + x would round away.
 */
import { defineUnary } from './unary.js';

/** 2ˣ; its derivative is 2ˣ·ln 2. */
export const exp2 = defineUnary({
  name: 'exp2',
  scalar: (v) => 2 ** v,
  derivative: (_x, y, g) => g.mul(y).mul(Math.LN2),
});

/** log₂ x; its derivative is 1 / (x ln 2). */
export const log2 = defineUnary({
  name: 'log2',
  scalar: Math.log2,
  derivative: (x, _y, g) => g.div(x.mul(Math.LN2)),
});

/** log(1 + x); its derivative is 1 / (1 + x). */
export const log1p = defineUnary({
  name: 'log1p',
  scalar: Math.log1p,
  derivative: (x, _y, g) => g.div(x.add(1)),
});

/** eˣ − 1; its derivative is eˣ = y + 1. */
export const expm1 = defineUnary({
  name: 'expm1',
  scalar: Math.expm1,
  derivative: (_x, y, g) => g.mul(y.add(1)),
});
