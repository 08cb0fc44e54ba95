/**
 * Softmax and log-softmax along an axis. Forward: one fused backend kernel each (stable for any
 * input), or, on a backend without it, the same computation composed of ops. Backward, written
 * with ops from the output y (so it differentiates again):
 *   softmax:      dx = y·(g − Σ g·y)
 *   log-softmax:  dx = g − eʸ·Σ g
 * with the backend's fused softmaxGrad as the fast path of a first-order pass.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
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
  const a = normalizeAxis(axis, x.ndim, op);
  const { outer, size, inner } = splitAtAxis(x.shape, a);
  const backend = x.backend;
  let out: Tensor;
  if (backend.softmax) {
    out = alloc(x.shape, backend);
    backend.softmax(x.storage, outer, size, inner, out.storage, log);
  } else {
    out = noGrad(() => composedSoftmax(x, a, log));
  }
  return record(op, out, [x], (g) => {
    if (backend.softmaxGrad && !isGradEnabled()) {
      const dx = alloc(x.shape, backend);
      backend.softmaxGrad(out.storage, g.storage, outer, size, inner, dx.storage, log);
      return [dx];
    }
    return [log ? g.sub(out.exp().mul(g.sum(a, true))) : out.mul(g.sub(g.mul(out).sum(a, true)))];
  });
}

/** The forward from ops: shift by the max so exp() ≤ 1, then normalise (or subtract log Σ). */
function composedSoftmax(x: Tensor, axis: number, log: boolean): Tensor {
  const shifted = x.sub(x.max(axis, true));
  const e = shifted.exp();
  const total = e.sum(axis, true);
  return log ? shifted.sub(total.log()) : e.div(total);
}
