/** Softmax and log-softmax along an axis, fused into one kernel each way (stable for any input). */
import { record } from '../autograd/graph.js';
import { normalizeAxis, splitAtAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { alloc } from './util.js';

export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(x, axis, false);
}

/** log(softmax(x)), computed as x − logsumexp(x): exact where log(softmax) would give log(0). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(x, axis, true);
}

function softmaxOp(x: Tensor, axis: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const { outer, size, inner } = splitAtAxis(x.shape, normalizeAxis(axis, x.ndim, op));
  const out = alloc(x.shape, x.backend);
  x.backend.softmax(x.storage, outer, size, inner, out.storage, log);
  return record(op, out, [x], (g) => {
    const dx = alloc(x.shape, x.backend);
    x.backend.softmaxGrad(out.storage, g.storage, outer, size, inner, dx.storage, log);
    return [dx];
  });
}
