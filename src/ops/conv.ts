/**
 * 2-D convolution and pooling on channels-last images [batch, height, width, channels] (the
 * Keras / TF.js layout).
 *
 * conv2d is im2col followed by one matrix product: every window of the input becomes a row
 * (ky, kx, c), the kernel [kH, kW, C, F] is viewed as a [kH·kW·C, F] matrix, and the product is
 * the output [batch·outH·outW, F]. The backward pass follows from the two pieces: matmul's rule
 * gives d(cols) = dY·Wᵀ and dW = colsᵀ·dY, and im2col's adjoint (col2im) folds d(cols) back onto
 * the image. So convolution runs on the fast matrix product of whichever backend is active.
 * Backends with fused kernels (wasm: convForward/convKernelGrad/convInputGrad) compute the same
 * products a few images at a time instead of unfolding the whole batch.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import type { WindowGeometry } from '../backend/backend.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { matmulRaw } from './matmul.js';
import { allocOutput, view } from './util.js';

export type Padding = 'valid' | 'same';
export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows; default 1. */
  strides?: Pair;
  /** 'valid' (no padding, default) or 'same' (output = ceil(input / stride), zeros around). */
  padding?: Padding;
  /** Spacing between kernel taps; default 1. */
  dilation?: Pair;
}

export interface Pool2dOptions {
  /** Default: the pool size (non-overlapping windows), as in Keras. */
  strides?: Pair;
  padding?: Padding;
}

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
function axisGeometry(size: number, kernel: number, stride: number, dilation: number, padding: Padding) {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, pad: 0, span };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, pad: Math.floor(total / 2), span };
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
  if (padding !== 'valid' && padding !== 'same') {
    throw new ArgumentError(`${op}: padding must be 'valid' or 'same', got '${String(padding)}'`);
  }
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

/** Windows as rows: [batch·outH·outW, kH·kW·C]; differentiable (its adjoint is col2im). */
export function im2col(x: Tensor, g: WindowGeometry, padValue = 0): Tensor {
  const cells = g.kernelH * g.kernelW;
  const out = allocOutput([g.batch * g.outH * g.outW, cells * g.channels], x.backend);
  x.backend.im2col(x.storage, g, out.storage, padValue);
  return record('im2col', out, [x], (dCols) => {
    const dx = allocOutput(x.shape, x.backend);
    x.backend.col2im(dCols.storage, g, dx.storage);
    return [dx];
  });
}

/**
 * y[n, oy, ox, f] = Σ x[n, oy·s − pad + ky·d, ox·s − pad + kx·d, c] · w[ky, kx, c, f] for
 * x [batch, H, W, C] and kernel w [kH, kW, C, F] (cross-correlation, as every framework computes).
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  if (w.ndim !== 4) {
    throw new ShapeError(
      `conv2d: kernel must be 4-D [kernelH, kernelW, inChannels, filters], got ${formatShape(w.shape)}`,
    );
  }
  const [kh, kw, inC, filters] = w.shape as [number, number, number, number];
  const g = windowGeometry(
    'conv2d',
    x.shape,
    [kh, kw],
    pair(options.strides ?? 1, 'conv2d: strides'),
    pair(options.dilation ?? 1, 'conv2d: dilation'),
    options.padding ?? 'valid',
  );
  if (g.channels !== inC) {
    throw new ShapeError(
      `conv2d: input ${formatShape(x.shape)} has ${g.channels} channels but the kernel ${formatShape(w.shape)} expects ${inC}`,
    );
  }
  const fused = conv2dFused(x, w, g);
  if (fused) return fused;
  if (!isGradEnabled() || (!x.requiresGrad && !w.requiresGrad)) return conv2dInference(x, w, g);
  const cols = im2col(x, g);
  const y = cols.matmul(w.reshape([kh * kw * inC, filters]));
  return y.reshape([g.batch, g.outH, g.outW, filters]);
}

/**
 * Convolution through the backend's fused kernels (wasm), which never unfold the whole batch; null
 * when the backend has none. The backward pass uses them too, each falling back to unfolding.
 */
function conv2dFused(x: Tensor, w: Tensor, g: WindowGeometry): Tensor | null {
  const backend = x.backend;
  const filters = w.shape[3]!;
  if (!backend.convForward) return null;
  const out = allocOutput([g.batch, g.outH, g.outW, filters], backend);
  if (!backend.convForward(x.storage, g, w.storage, filters, out.storage)) return null;
  return record('conv2d', out, [x, w], (dy) => [
    x.requiresGrad ? conv2dInputGrad(dy, w, g) : null,
    w.requiresGrad ? conv2dKernelGrad(x, dy, g, w) : null,
  ]);
}

/** dX = col2im(dY · Wᵀ). */
function conv2dInputGrad(dy: Tensor, w: Tensor, g: WindowGeometry): Tensor {
  const backend = dy.backend;
  const [kh, kw, channels, filters] = w.shape as [number, number, number, number];
  const dx = allocOutput([g.batch, g.inH, g.inW, channels], backend);
  if (backend.convInputGrad?.(dy.storage, g, w.storage, filters, dx.storage)) return dx;
  const dCols = matmulRaw(
    view(dy, [g.batch * g.outH * g.outW, filters]),
    view(w, [kh * kw * channels, filters]),
    false,
    true,
  );
  backend.col2im(dCols.storage, g, dx.storage);
  return dx;
}

/** dW = windows(x)ᵀ · dY. */
function conv2dKernelGrad(x: Tensor, dy: Tensor, g: WindowGeometry, w: Tensor): Tensor {
  const backend = x.backend;
  const [kh, kw, channels, filters] = w.shape as [number, number, number, number];
  const dw = allocOutput(w.shape, backend);
  if (backend.convKernelGrad?.(x.storage, g, dy.storage, filters, dw.storage)) return dw;
  const cols = allocOutput([g.batch * g.outH * g.outW, kh * kw * channels], backend);
  backend.im2col(x.storage, g, cols.storage, 0);
  return view(matmulRaw(cols, view(dy, [g.batch * g.outH * g.outW, filters]), true, false), w.shape);
}

/**
 * Unfolded floats per chunk when nothing needs gradients: 1 MB, cache-sized, not batch-sized, and
 * large enough for the unfolding and the product to be split over threads.
 */
const INFERENCE_COLS = 1 << 20;

/**
 * Without gradients the unfolded windows need not exist all at once: unfold and multiply a few
 * images at a time, each product written straight into its rows of the output.
 */
function conv2dInference(x: Tensor, w: Tensor, g: WindowGeometry): Tensor {
  const backend = x.backend;
  const rowLength = g.kernelH * g.kernelW * g.channels;
  const pixels = g.outH * g.outW;
  const filters = w.shape[3]!;
  const out = allocOutput([g.batch, g.outH, g.outW, filters], backend);
  const perChunk = Math.max(1, Math.floor(INFERENCE_COLS / (pixels * rowLength)));
  const imageSize = g.inH * g.inW * g.channels;
  const cols = backend.alloc(Math.min(perChunk, g.batch) * pixels * rowLength);
  for (let n0 = 0; n0 < g.batch; n0 += perChunk) {
    const count = Math.min(perChunk, g.batch - n0);
    const part = { ...g, batch: count };
    const xs = backend.slice(x.storage, n0 * imageSize, (n0 + count) * imageSize);
    const colsPart = backend.slice(cols, 0, count * pixels * rowLength);
    backend.im2col(xs, part, colsPart, 0);
    const outPart = backend.slice(out.storage, n0 * pixels * filters, (n0 + count) * pixels * filters);
    backend.matmul(colsPart, w.storage, outPart, {
      batch: 1,
      m: count * pixels,
      k: rowLength,
      n: filters,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
    });
  }
  return out;
}

function poolGeometry(op: string, x: Tensor, poolSize: Pair, options: Pool2dOptions): WindowGeometry {
  const size = pair(poolSize, `${op}: poolSize`);
  return windowGeometry(
    op,
    x.shape,
    size,
    pair(options.strides ?? size, `${op}: strides`),
    [1, 1],
    options.padding ?? 'valid',
  );
}

/** Max over each poolSize window, per channel; the gradient goes to the window's maximum. */
export function maxPool2d(x: Tensor, poolSize: Pair = 2, options: Pool2dOptions = {}): Tensor {
  const g = poolGeometry('maxPool2d', x, poolSize, options);
  const shape = [g.batch, g.outH, g.outW, g.channels];
  const out = allocOutput(shape, x.backend);
  const argmax = allocOutput(shape, x.backend);
  x.backend.maxPool(x.storage, g, out.storage, argmax.storage);
  return record('maxPool2d', out, [x], (dy) => {
    const dx = allocOutput(x.shape, x.backend);
    x.backend.maxPoolGrad(dy.storage, argmax.storage, g, dx.storage);
    return [dx];
  });
}

/** Mean over each poolSize window (cells in the padding are not counted), per channel. */
export function avgPool2d(x: Tensor, poolSize: Pair = 2, options: Pool2dOptions = {}): Tensor {
  const g = poolGeometry('avgPool2d', x, poolSize, options);
  const out = allocOutput([g.batch, g.outH, g.outW, g.channels], x.backend);
  x.backend.avgPool(x.storage, g, out.storage);
  return record('avgPool2d', out, [x], (dy) => {
    const dx = allocOutput(x.shape, x.backend);
    x.backend.avgPoolGrad(dy.storage, g, dx.storage);
    return [dx];
  });
}
