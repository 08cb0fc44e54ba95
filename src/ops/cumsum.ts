/**
 * Running sums along an axis (TF.js's `tf.cumsum`): `exclusive` leaves each entry out of its own
 * sum, `reverse` sums from the end.
 *
 * Backward: entry j of the input feeds every output at or after it, so its gradient is the sum of g
 * from j on — a cumsum of g in the other direction, with the same exclusivity. Being a cumsum
 * itself, the rule is differentiable again.
 */
import { record } from '../autograd/graph.js';
import { ShapeError } from '../errors.js';
import { normalizeAxis, splitAtAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { allocOutput } from './util.js';

export interface CumsumOptions {
  /** Sum the entries before each one, not including it (the first output is 0). Default false. */
  exclusive?: boolean;
  /** Sum from the end of the axis towards its start. Default false. */
  reverse?: boolean;
}

export function cumsum(x: Tensor, axis = 0, options: CumsumOptions = {}): Tensor {
  if (x.ndim === 0) throw new ShapeError('cumsum: needs a tensor with at least one axis, got a scalar');
  const a = normalizeAxis(axis, x.ndim, 'cumsum');
  const exclusive = options.exclusive ?? false;
  const reverse = options.reverse ?? false;
  const { outer, size, inner } = splitAtAxis(x.shape, a);
  const out = allocOutput(x.shape, x.backend);
  x.backend.cumsum(x.storage, outer, size, inner, exclusive, reverse, out.storage);
  return record('cumsum', out, [x], (g) => [cumsum(g, a, { exclusive, reverse: !reverse })]);
}
