/** 1/x and 1/√x, element-wise: one op each instead of a division by a broadcast scalar. */
import { defineUnary } from './unary.js';

/** 1/x; its derivative is −1/x² = −y². */
export const reciprocal = defineUnary({
  name: 'reciprocal',
  scalar: (v) => 1 / v,
  derivative: (_x, y, g) => g.mul(y.square()).neg(),
});

/** 1/√x; its derivative is −½·x^(−3/2) = −½·y³. */
export const rsqrt = defineUnary({
  name: 'rsqrt',
  scalar: (v) => 1 / Math.sqrt(v),
  derivative: (_x, y, g) => g.mul(y.square().mul(y)).mul(-0.5),
});
