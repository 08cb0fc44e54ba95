/**
 * where(cond, a, b): a where cond is non-zero, else b, all three broadcast together (TF.js's
 * `tf.where`, NumPy's `np.where`). A select, not `cond·a + (1 − cond)·b`, so an infinite or NaN
 * value in the branch not taken does not leak into the result.
 *
 * Backward: each branch gets g where it was chosen and 0 elsewhere (a where of g itself, so it is
 * differentiable again); cond gets no gradient.
 */
import { record } from '../autograd/graph.js';
import { ArgumentError } from '../errors.js';
import { broadcastShapes, broadcastStrides } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { sumTo } from './reduce.js';
import { allocOutput, asTensor, describe } from './util.js';

export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor))
    throw new ArgumentError(`where: cond must be a Tensor, got ${describe(cond)}`);
  const c = cond;
  const x = asTensor(a, c, 'where');
  const y = asTensor(b, c, 'where');
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, x.shape), y.shape);
  const out = allocOutput(shape, c.backend);
  c.backend.select(
    c.storage,
    broadcastStrides(c.shape, shape),
    x.storage,
    broadcastStrides(x.shape, shape),
    y.storage,
    broadcastStrides(y.shape, shape),
    out.storage,
    shape,
  );
  return record('where', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(where(c, g, 0), x.shape) : null,
    y.requiresGrad ? sumTo(where(c, 0, g), y.shape) : null,
  ]);
}
