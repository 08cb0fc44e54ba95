/**
 * The shared shape of every element-wise op of one input: forward through `backend.unary`, backward
 * through `backend.unaryGrad`, which gets x, y = f(x) and dy and fuses dy·f'(x) into one pass.
 */
import { record } from '../autograd/graph.js';
import type { UnaryOp } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { allocOutput } from './util.js';

export function unaryOp(op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  const out = allocOutput(x.shape, x.backend);
  x.backend.unary(op, x.storage, out.storage, p0, p1);
  return record(op, out, [x], (g) => {
    const dx = allocOutput(x.shape, x.backend);
    x.backend.unaryGrad(op, x.storage, out.storage, g.storage, dx.storage, p0, p1);
    return [dx];
  });
}
