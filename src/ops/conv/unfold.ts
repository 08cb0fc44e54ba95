/**
 * im2col and its adjoint col2im as recorded ops, each the other's derivative: unfolding copies
 * every input pixel into the window rows that read it, so the gradient of a row entry folds back
 * onto that pixel (a sum over the windows), and the gradient of folding unfolds again. Both are
 * linear, so the pair is differentiable to any order.
 */
import { record } from '../../autograd/graph.js';
import type { WindowGeometry } from '../../backend/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import { allocOutput } from '../util.js';
import { inputShapeOf } from './geometry.js';

/** Windows as rows: [batch·outH·outW, kH·kW·C], row (n, oy, ox), column (ky, kx, c). */
export function im2col(x: Tensor, g: WindowGeometry, padValue = 0): Tensor {
  const out = allocOutput([g.batch * g.outH * g.outW, g.kernelH * g.kernelW * g.channels], x.backend);
  x.backend.im2col(x.storage, g, out.storage, padValue);
  return record('im2col', out, [x], (dCols) => [col2im(dCols, g)]);
}

/** The image [batch, inH, inW, C] whose every pixel is the sum of the row entries that read it. */
export function col2im(cols: Tensor, g: WindowGeometry): Tensor {
  const out = allocOutput(inputShapeOf(g), cols.backend);
  cols.backend.col2im(cols.storage, g, out.storage);
  return record('col2im', out, [cols], (dImage) => [im2col(dImage, g)]);
}
