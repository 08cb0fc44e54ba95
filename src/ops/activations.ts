/**
 * Activation functions, each its value for one number and its derivative with ops. Each is stable
 * for any finite input (no overflow to NaN at ±1000).
 */
import type { Tensor } from '../tensor/tensor.js';
import { defineParametricUnary, defineUnary } from './unary.js';

/** σ' = σ(1 − σ), from the output. exp(−x) overflowing to Infinity gives a clean 0. */
export const sigmoid = defineUnary({
  name: 'sigmoid',
  kernel: 'sigmoid',
  scalar: (v) => 1 / (1 + Math.exp(-v)),
  derivative: (_x, y, g) => g.mul(y.mul(y.neg().add(1))),
});

/** tanh' = 1 − tanh². */
export const tanh = defineUnary({
  name: 'tanh',
  kernel: 'tanh',
  scalar: Math.tanh,
  derivative: (_x, y, g) => g.mul(y.square().neg().add(1)),
});

/**
 * max(x, 0). Written `v < 0 ? 0 : v` so NaN passes through instead of becoming 0: a NaN input
 * must surface in the loss, not vanish inside the network. The derivative's mask is a constant.
 */
export const relu = defineUnary({
  name: 'relu',
  kernel: 'relu',
  scalar: (v) => (v < 0 ? 0 : v),
  derivative: (x, _y, g) => g.mul(x.gt(0)),
});

const leakyReluOp = defineParametricUnary({
  name: 'leakyRelu',
  kernel: 'leakyRelu',
  scalar: (v, alpha) => (v < 0 ? alpha * v : v),
  // 1 where x > 0, alpha elsewhere: mask·(1 − alpha) + alpha, a constant.
  derivative: (x, _y, g, alpha) =>
    g.mul(
      x
        .gt(0)
        .mul(1 - alpha)
        .add(alpha),
    ),
});

/** x for x > 0, alpha·x otherwise. */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => leakyReluOp(x, alpha);

const eluOp = defineParametricUnary({
  name: 'elu',
  kernel: 'elu',
  scalar: (v, alpha) => (v < 0 ? alpha * Math.expm1(v) : v),
  // 1 for x > 0; for x ≤ 0, d/dx α(eˣ − 1) = αeˣ = y + α (y recorded, so this differentiates again).
  derivative: (x, y, g, alpha) => {
    const positive = x.gt(0);
    return g.mul(positive.add(positive.neg().add(1).mul(y.add(alpha))));
  },
});

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: Tensor, alpha = 1): Tensor => eluOp(x, alpha);

/** log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), a smooth ReLU that never overflows; its derivative is σ(x). */
export const softplus = defineUnary({
  name: 'softplus',
  kernel: 'softplus',
  scalar: (v) => (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))),
  derivative: (x, _y, g) => g.mul(sigmoid(x)),
});
