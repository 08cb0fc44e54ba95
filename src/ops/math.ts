/** Element-wise math of one input: each op is its value for one number and its derivative, with ops. */
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { defineParametricUnary, defineUnary } from './unary.js';

export const neg = defineUnary({
  name: 'neg',
  kernel: 'neg',
  scalar: (v) => -v,
  derivative: (_x, _y, g) => g.neg(),
});

export const exp = defineUnary({
  name: 'exp',
  kernel: 'exp',
  scalar: Math.exp,
  derivative: (_x, y, g) => g.mul(y),
});

export const log = defineUnary({
  name: 'log',
  kernel: 'log',
  scalar: Math.log,
  derivative: (x, _y, g) => g.div(x),
});

/** d√x = 1 / (2√x) = 0.5 / y. */
export const sqrt = defineUnary({
  name: 'sqrt',
  kernel: 'sqrt',
  scalar: Math.sqrt,
  derivative: (_x, y, g) => g.mul(0.5).div(y),
});

export const abs = defineUnary({
  name: 'abs',
  kernel: 'abs',
  scalar: Math.abs,
  derivative: (x, _y, g) => g.mul(x.sign()),
});

export const square = defineUnary({
  name: 'square',
  kernel: 'square',
  scalar: (v) => v * v,
  derivative: (x, _y, g) => g.mul(x).mul(2),
});

/** −1, 0 or 1; its gradient is zero everywhere. */
export const sign = defineUnary({ name: 'sign', kernel: 'sign', scalar: Math.sign, derivative: null });

const clipOp = defineParametricUnary({
  name: 'clip',
  kernel: 'clip',
  scalar: (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v), // NaN passes through
  // The mask is a constant (comparisons are not recorded): the second derivative is zero.
  derivative: (x, _y, g, lo, hi) => g.mul(x.ge(lo).mul(x.le(hi))),
});

/** Limit values to [min, max]; the gradient passes only where the value was inside. */
export function clip(x: Tensor, min: number, max: number): Tensor {
  if (!(min <= max)) throw new ArgumentError(`clip: min (${min}) must not exceed max (${max})`);
  return clipOp(x, min, max);
}
