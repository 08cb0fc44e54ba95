/**
 * Depthwise convolution: every input channel convolved with its own depthMultiplier filters, no
 * mixing across channels (Keras DepthwiseConv2D, tf.nn.depthwise_conv2d). Output channel
 * c·depthMultiplier + m reads input channel c with filter w[:, :, c, m].
 *
 * Composed of recorded ops — unfold the windows (im2col), then one batched matrix product per
 * channel — so it is differentiable to any order with no rule of its own, and runs on whatever
 * matrix product the backend has.
 */
import { ShapeError } from '../../errors.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Conv2dOptions } from './conv2d.js';
import { pair, windowGeometry } from './geometry.js';
import { im2col } from './unfold.js';

/** x [batch, H, W, C], w [kH, kW, C, depthMultiplier] → [batch, outH, outW, C·depthMultiplier]. */
export function depthwiseConv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  const op = 'depthwiseConv2d';
  if (w.ndim !== 4) {
    throw new ShapeError(
      `${op}: kernel must be 4-D [kernelH, kernelW, inChannels, depthMultiplier], got ${formatShape(w.shape)}`,
    );
  }
  const [kh, kw, inC, multiplier] = w.shape as [number, number, number, number];
  const g = windowGeometry(
    op,
    x.shape,
    [kh, kw],
    pair(options.strides ?? 1, `${op}: strides`),
    pair(options.dilation ?? 1, `${op}: dilation`),
    options.padding ?? 'valid',
  );
  if (g.channels !== inC) {
    throw new ShapeError(
      `${op}: input ${formatShape(x.shape)} has ${g.channels} channels but the kernel ${formatShape(w.shape)} expects ${inC}`,
    );
  }
  const pixels = g.batch * g.outH * g.outW;
  const cells = kh * kw;
  // [pixels, cells, C] → [C, pixels, cells] · [C, cells, multiplier] → [C, pixels, multiplier].
  const windows = im2col(x, g).reshape([pixels, cells, inC]).permute(2, 0, 1);
  const filters = w.reshape([cells, inC, multiplier]).permute(1, 0, 2);
  const y = windows.matmul(filters).permute(1, 0, 2); // [pixels, C, multiplier]
  return y.reshape([g.batch, g.outH, g.outW, inC * multiplier]);
}
