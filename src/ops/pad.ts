/**
 * Constant padding: `paddings[d] = [before, after]` entries of `value` around axis d (TF.js's
 * `tf.pad`). ZeroPadding2D is pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]).
 *
 * Backward: the gradient of the kept entries is the window of g they landed in — a slice of g.
 */
import { record } from '../autograd/graph.js';
import { ArgumentError } from '../errors.js';
import { formatShape, stridesOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { slice } from './slice.js';
import { alloc, allocOutput } from './util.js';

export function pad(x: Tensor, paddings: ReadonlyArray<readonly [number, number]>, value = 0): Tensor {
  const where = () => `pad: paddings ${JSON.stringify(paddings)} for shape ${formatShape(x.shape)}`;
  if (!Array.isArray(paddings) || paddings.length !== x.ndim) {
    throw new ArgumentError(`${where()}: needs one [before, after] pair per axis (${x.ndim})`);
  }
  paddings.forEach((p, d) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new ArgumentError(`${where()}: axis ${d} needs [before, after] with non-negative integers`);
    }
  });
  if (typeof value !== 'number') throw new ArgumentError(`${where()}: value must be a number`);
  const shape = x.shape.map((dim, d) => paddings[d]![0] + dim + paddings[d]![1]);
  const out = value === 0 ? alloc(shape, x.backend) : allocOutput(shape, x.backend);
  if (value !== 0) x.backend.fill(out.storage, value);
  const outStrides = stridesOf(shape);
  let offset = 0;
  paddings.forEach(([before], d) => {
    offset += before * outStrides[d]!;
  });
  x.backend.stridedCopy(x.storage, 0, stridesOf(x.shape), out.storage, offset, outStrides, x.shape, false);
  return record('pad', out, [x], (g) => [
    slice(
      g,
      paddings.map(([before]) => before),
      x.shape,
    ),
  ]);
}
