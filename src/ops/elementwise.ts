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
  // d(xʸ)/dx = y·xʸ⁻¹;  d(xʸ)/dy = xʸ·ln x (defined for x > 0)
  return record('pow', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(g.mul(y).mul(x.pow(y.sub(1))), x.shape) : null,
    y.requiresGrad ? sumTo(g.mul(out).mul(x.log()), y.shape) : null,
  ]);
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
