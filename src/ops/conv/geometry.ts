/**
 * Where a 2-D window (a convolution kernel or a pooling window) lands on channels-last images
 * [batch, H, W, C], with 'valid' and 'same' padding as TensorFlow defines them. Every conv and pool
 * op, forward and backward, works from one WindowGeometry, so a derivative sees exactly the
 * geometry of the op it differentiates.
 */
import type { WindowGeometry } from '../../backend/backend.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { formatShape } from '../../tensor/shape.js';

export type Padding = 'valid' | 'same';
export type Pair = number | readonly [number, number];

export function pair(v: Pair, what: string): [number, number] {
  // Anything but a number or a two-element array (null from a config, a string) fails the check below.
  const p: [number, number] =
    typeof v === 'number'
      ? [v, v]
      : Array.isArray(v) && v.length === 2
        ? [v[0], v[1]]
        : [Number.NaN, Number.NaN];
  if (!p.every((n) => Number.isInteger(n) && n > 0)) {
    throw new ArgumentError(`${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** Output size and leading padding along one axis, as TensorFlow defines 'valid' and 'same'. */
export function axisGeometry(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
): { out: number; pad: number; span: number } {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, pad: 0, span };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, pad: Math.floor(total / 2), span };
}

export function checkPadding(op: string, padding: unknown): asserts padding is Padding {
  if (padding !== 'valid' && padding !== 'same') {
    throw new ArgumentError(`${op}: padding must be 'valid' or 'same', got '${String(padding)}'`);
  }
}

/** Geometry of a window op on x [batch, H, W, C], with errors that name the op and the shapes. */
export function windowGeometry(
  op: string,
  xShape: readonly number[],
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number],
  padding: Padding,
): WindowGeometry {
  if (xShape.length !== 4) {
    throw new ShapeError(
      `${op}: input must be 4-D [batch, height, width, channels] (channels-last), got ${formatShape(xShape)}`,
    );
  }
  checkPadding(op, padding);
  const [batch, inH, inW, channels] = xShape as [number, number, number, number];
  const h = axisGeometry(inH, kernel[0], strides[0], dilation[0], padding);
  const w = axisGeometry(inW, kernel[1], strides[1], dilation[1], padding);
  if (h.out <= 0 || w.out <= 0) {
    throw new ShapeError(
      `${op}: input ${formatShape(xShape)} is smaller than the ${h.span}×${w.span} window with padding 'valid'`,
    );
  }
  return {
    batch,
    inH,
    inW,
    channels,
    kernelH: kernel[0],
    kernelW: kernel[1],
    strideH: strides[0],
    strideW: strides[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    padTop: h.pad,
    padLeft: w.pad,
    outH: h.out,
    outW: w.out,
  };
}

/** The shape of the images a geometry reads, [batch, inH, inW, channels]. */
export function inputShapeOf(g: WindowGeometry): number[] {
  return [g.batch, g.inH, g.inW, g.channels];
}

/**
 * Output length of a transposed convolution along one axis, as Keras' deconv_output_length: the
 * input length of the convolution whose gradient it is. Without outputPadding that is the largest
 * such length ('valid') or size·stride ('same'); outputPadding (< stride) picks another of the
 * lengths the forward convolution maps to the same size.
 */
export function transposedLength(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
  outputPadding: number | null,
): number {
  const span = (kernel - 1) * dilation + 1;
  if (outputPadding === null) {
    return padding === 'valid' ? size * stride + Math.max(span - stride, 0) : size * stride;
  }
  const pad = padding === 'same' ? Math.floor(span / 2) : 0;
  return (size - 1) * stride + span - 2 * pad + outputPadding;
}
