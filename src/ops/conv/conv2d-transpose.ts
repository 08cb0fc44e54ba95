/**
 * The transposed convolution ("deconvolution"): the gradient of conv2d for its input, used as a
 * layer of its own to upsample (Keras Conv2DTranspose, tf.nn.conv2d_transpose). Its kernel is
 * [kH, kW, outChannels, inChannels] — the kernel of the convolution it transposes, which maps the
 * output back to the input — so Keras and TF.js weights load unchanged.
 */
import { ArgumentError, ShapeError } from '../../errors.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { conv2dBackpropInput } from './conv2d.js';
import {
  axisGeometry,
  checkPadding,
  type Padding,
  type Pair,
  pair,
  transposedLength,
  windowGeometry,
} from './geometry.js';

export interface Conv2dTransposeOptions {
  /** Upsampling factor: the stride of the convolution this transposes; default 1. */
  strides?: Pair;
  /** 'valid' (default) or 'same' (output = input · stride). */
  padding?: Padding;
  /** Spacing between kernel taps; default 1. */
  dilation?: Pair;
  /**
   * Extra rows/columns at the bottom/right (each < its stride), to pick among the output sizes the
   * forward convolution maps to the same input size. Default: none (Keras' output_padding=None).
   */
  outputPadding?: Pair | null;
}

/** Output height and width of conv2dTranspose for an input of inH × inW (Keras' arithmetic). */
export function conv2dTransposeSize(
  op: string,
  inSize: [number, number],
  kernel: [number, number],
  options: Conv2dTransposeOptions,
): [number, number] {
  const strides = pair(options.strides ?? 1, `${op}: strides`);
  const dilation = pair(options.dilation ?? 1, `${op}: dilation`);
  const padding = options.padding ?? 'valid';
  checkPadding(op, padding);
  const extra = options.outputPadding == null ? null : outputPaddingPair(op, options.outputPadding, strides);
  const size = [0, 1].map((a) =>
    transposedLength(inSize[a]!, kernel[a]!, strides[a]!, dilation[a]!, padding, extra?.[a] ?? null),
  ) as [number, number];
  // The convolution of the output must give back the input's size, or the two are not transposes.
  for (const a of [0, 1]) {
    const back = axisGeometry(size[a]!, kernel[a]!, strides[a]!, dilation[a]!, padding).out;
    if (size[a]! <= 0 || back !== inSize[a]) {
      throw new ShapeError(
        `${op}: an input of ${inSize[0]}×${inSize[1]} with kernel ${kernel[0]}×${kernel[1]}, strides ` +
          `${formatShape(strides)}, padding '${padding}' and outputPadding ${JSON.stringify(options.outputPadding ?? null)} ` +
          `gives an output of ${size[0]}×${size[1]}, which the convolution maps back to another size`,
      );
    }
  }
  return size;
}

function outputPaddingPair(op: string, v: Pair, strides: [number, number]): [number, number] {
  const p: [number, number] =
    typeof v === 'number'
      ? [v, v]
      : Array.isArray(v) && v.length === 2
        ? [v[0], v[1]]
        : [Number.NaN, Number.NaN];
  if (!p.every((n, a) => Number.isInteger(n) && n >= 0 && n < strides[a]!)) {
    throw new ArgumentError(
      `${op}: outputPadding must be a non-negative integer (or a pair) smaller than the strides ${formatShape(strides)}, got ${JSON.stringify(v)}`,
    );
  }
  return p;
}

/**
 * y = the transposed convolution of x [batch, H, W, inC] with w [kH, kW, outC, inC]:
 * y[n, iy, ix, o] = Σ over the windows (oy, ox) of a stride-s convolution that read (iy, ix) of
 * x[n, oy, ox, c] · w[ky, kx, o, c]. Output [batch, H', W', outC] with H' = conv2dTransposeSize.
 */
export function conv2dTranspose(x: Tensor, w: Tensor, options: Conv2dTransposeOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  if (w.ndim !== 4) {
    throw new ShapeError(
      `${op}: kernel must be 4-D [kernelH, kernelW, outChannels, inChannels], got ${formatShape(w.shape)}`,
    );
  }
  if (x.ndim !== 4) {
    throw new ShapeError(
      `${op}: input must be 4-D [batch, height, width, channels] (channels-last), got ${formatShape(x.shape)}`,
    );
  }
  const [kh, kw, outC, inC] = w.shape as [number, number, number, number];
  const [batch, inH, inW, channels] = x.shape as [number, number, number, number];
  if (channels !== inC) {
    throw new ShapeError(
      `${op}: input ${formatShape(x.shape)} has ${channels} channels but the kernel ${formatShape(w.shape)} expects ${inC}`,
    );
  }
  const [outH, outW] = conv2dTransposeSize(op, [inH, inW], [kh, kw], options);
  // The geometry of the convolution that maps the output back to x.
  const g = windowGeometry(
    op,
    [batch, outH, outW, outC],
    [kh, kw],
    pair(options.strides ?? 1, `${op}: strides`),
    pair(options.dilation ?? 1, `${op}: dilation`),
    options.padding ?? 'valid',
  );
  return conv2dBackpropInput(x, w, g);
}
