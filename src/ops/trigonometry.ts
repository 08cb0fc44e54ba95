/** Trigonometric functions, element-wise (radians). */
import { defineUnary } from './unary.js';

export const sin = defineUnary({ name: 'sin', scalar: Math.sin, derivative: (x, _y, g) => g.mul(x.cos()) });

export const cos = defineUnary({
  name: 'cos',
  scalar: Math.cos,
  derivative: (x, _y, g) => g.mul(x.sin()).neg(),
});

/** tan' = 1 + tan². */
export const tan = defineUnary({
  name: 'tan',
  scalar: Math.tan,
  derivative: (_x, y, g) => g.mul(y.square().add(1)),
});
