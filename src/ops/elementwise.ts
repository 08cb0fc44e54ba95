/**
 * Binary element-wise ops with NumPy broadcasting. Backward rules reduce each gradient back to its
 * input's shape (`sumTo`), since a broadcast input contributed to many outputs.
 */
import { record } from '../autograd/graph.js';
import type { BinaryOp } from '../backend/backend.js';
import { broadcastShapes, broadcastStrides } from '../tensor/shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { sumTo } from './reduce.js';
import { allocOutput, asTensor } from './util.js';
import { where } from './where.js';

/** Compute a op b into a new tensor of the broadcast shape; no graph. */
export function binaryForward(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocOutput(shape, a.backend);
  a.backend.binary(
    op,
    a.storage,
    broadcastStrides(a.shape, shape),
    b.storage,
    broadcastStrides(b.shape, shape),
    out.storage,
    shape,
  );
  return out;
}

/** The two operands as tensors (read as xy[0], xy[1]: a destructuring is slow in unoptimised code). */
function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number') {
    const tb = asTensor(b, b as Tensor, op);
    return [asTensor(a, tb, op), tb];
  }
  return [a, asTensor(b, a, op)];
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const xy = operands('add', a, b);
  const x = xy[0];
  const y = xy[1];
  return record('add', binaryForward('add', x, y), [x, y], (g) => [sumTo(g, x.shape), sumTo(g, y.shape)]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const xy = operands('sub', a, b);
  const x = xy[0];
  const y = xy[1];
  return record('sub', binaryForward('sub', x, y), [x, y], (g) => [
    sumTo(g, x.shape),
    y.requiresGrad ? sumTo(g.neg(), y.shape) : null,
  ]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const xy = operands('mul', a, b);
  const x = xy[0];
  const y = xy[1];
  return record('mul', binaryForward('mul', x, y), [x, y], (g) => [
    x.requiresGrad ? sumTo(g.mul(y), x.shape) : null,
    y.requiresGrad ? sumTo(g.mul(x), y.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const xy = operands('div', a, b);
  const x = xy[0];
  const y = xy[1];
  const out = binaryForward('div', x, y);
  // d(x/y)/dy = −x/y² = −out/y
  return record('div', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(g.div(y), x.shape) : null,
    y.requiresGrad ? sumTo(g.mul(out).div(y).neg(), y.shape) : null,
  ]);
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  const xy = operands('pow', a, b);
  const x = xy[0];
  const y = xy[1];
  const out = binaryForward('pow', x, y);
  return record('pow', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(powBaseGradient(g, x, y), x.shape) : null,
    y.requiresGrad ? sumTo(powExponentGradient(g, x, y, out), y.shape) : null,
  ]);
}

/**
 * d(xʸ)/dx = y·xʸ⁻¹, and 0 where y = 0 (xʸ is the constant 1 there; the formula would give
 * 0·0⁻¹ = NaN at x = 0). torch's pow_backward_self does the same.
 */
function powBaseGradient(g: Tensor, x: Tensor, y: Tensor): Tensor {
  return where(eq(y, 0), 0, g.mul(y).mul(x.pow(y.sub(1))));
}

/**
 * d(xʸ)/dy = xʸ·ln x, and 0 where x = 0 and y ≥ 0: 0ʸ is constant there (0·ln 0 is taken as 0, as
 * torch's pow_backward_exponent and TF.js do). At x = 0, y < 0 it stays −∞ (torch's value); for
 * x < 0 ln x is NaN, as in torch.
 */
function powExponentGradient(g: Tensor, x: Tensor, y: Tensor, out: Tensor): Tensor {
  const flat = eq(x, 0).mul(ge(y, 0));
  return where(flat, 0, g.mul(out).mul(x.log()));
}

/** Element-wise max; where a = b the gradient is split evenly (as PyTorch does). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return minMax('maximum', 'gt', a, b);
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return minMax('minimum', 'lt', a, b);
}

function minMax(op: 'maximum' | 'minimum', wins: 'gt' | 'lt', a: TensorLike, b: TensorLike): Tensor {
  const xy = operands(op, a, b);
  const x = xy[0];
  const y = xy[1];
  return record(op, binaryForward(op, x, y), [x, y], (g) => {
    const share = binaryForward(wins, x, y).add(binaryForward('eq', x, y).mul(0.5)); // x's share of g
    const gx = g.mul(share);
    return [x.requiresGrad ? sumTo(gx, x.shape) : null, y.requiresGrad ? sumTo(g.sub(gx), y.shape) : null];
  });
}

// Comparisons give 1 where true and 0 where false; they have no gradient.
export const eq = (a: TensorLike, b: TensorLike): Tensor => binaryForward('eq', ...operands('eq', a, b));
export const gt = (a: TensorLike, b: TensorLike): Tensor => binaryForward('gt', ...operands('gt', a, b));
export const ge = (a: TensorLike, b: TensorLike): Tensor => binaryForward('ge', ...operands('ge', a, b));
export const lt = (a: TensorLike, b: TensorLike): Tensor => binaryForward('lt', ...operands('lt', a, b));
export const le = (a: TensorLike, b: TensorLike): Tensor => binaryForward('le', ...operands('le', a, b));
