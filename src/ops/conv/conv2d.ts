/**
 * 2-D convolution on channels-last images and its two derivatives, each a recorded op:
 *
 *   y  = conv2d(x, w)                 y[n,oy,ox,f] = Σ x[n, oy·s − pad + ky·d, …, c] · w[ky,kx,c,f]
 *   dx = conv2dBackpropInput(dy, w)   the transposed convolution (col2im(dy · wᵀ))
 *   dw = conv2dBackpropFilter(x, dy)  the correlation of x with dy (windows(x)ᵀ · dy)
 *
 * The three are one bilinear form ⟨dy, conv(x, w)⟩ = ⟨backpropInput(dy, w), x⟩ =
 * ⟨backpropFilter(x, dy), w⟩ read three ways, so each one's derivative is written with the other
 * two — which makes convolution differentiable to any order. Each forward runs the backend's fused
 * kernel where it has one (wasm: convForward / convInputGrad / convKernelGrad, a few images at a
 * time) and unfolds with im2col and multiplies otherwise; first-order training therefore runs the
 * same kernels as before the derivatives became ops.
 */
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { record } from '../../autograd/graph.js';
import type { WindowGeometry } from '../../backend/backend.js';
import { ShapeError } from '../../errors.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { matmulRaw } from '../matmul.js';
import { allocOutput, view } from '../util.js';
import { inputShapeOf, type Padding, type Pair, pair, windowGeometry } from './geometry.js';

export interface Conv2dOptions {
  /** Step between windows; default 1. */
  strides?: Pair;
  /** 'valid' (no padding, default) or 'same' (output = ceil(input / stride), zeros around). */
  padding?: Padding;
  /** Spacing between kernel taps; default 1. */
  dilation?: Pair;
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
  const [kh, kw, inC] = w.shape as [number, number, number, number];
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
  return convolve(x, w, g);
}

/** conv2d for a checked geometry g (x is [batch, inH, inW, C], w [kH, kW, C, F]). */
export function convolve(x: Tensor, w: Tensor, g: WindowGeometry): Tensor {
  const backend = x.backend;
  const filters = w.shape[3]!;
  const rule = (dy: Tensor) => [
    x.requiresGrad ? conv2dBackpropInput(dy, w, g) : null,
    w.requiresGrad ? conv2dBackpropFilter(x, dy, g) : null,
  ];
  if (backend.convForward) {
    const out = allocOutput([g.batch, g.outH, g.outW, filters], backend);
    if (backend.convForward(x.storage, g, w.storage, filters, out.storage)) {
      return record('conv2d', out, [x, w], rule);
    }
  }
  if (!isGradEnabled() || (!x.requiresGrad && !w.requiresGrad)) return convolveInChunks(x, w, g);
  // Unfold the whole batch once and keep it: the first-order kernel gradient is colsᵀ·dy.
  const rows = g.batch * g.outH * g.outW;
  const cols = allocOutput([rows, g.kernelH * g.kernelW * g.channels], backend);
  backend.im2col(x.storage, g, cols.storage, 0);
  const y = matmulRaw(cols, view(w, [cols.shape[1]!, filters]), false, false);
  return record('conv2d', view(y, [g.batch, g.outH, g.outW, filters]), [x, w], (dy) => {
    if (isGradEnabled() || !w.requiresGrad) return rule(dy);
    const dw = matmulRaw(cols, view(dy, [rows, filters]), true, false);
    return [x.requiresGrad ? conv2dBackpropInput(dy, w, g) : null, view(dw, w.shape)];
  });
}

/**
 * The gradient of conv2d for its input — the transposed convolution: dx [batch, inH, inW, C] from
 * dy [batch, outH, outW, F] and w [kH, kW, C, F], dx = col2im(dy · wᵀ).
 */
export function conv2dBackpropInput(dy: Tensor, w: Tensor, g: WindowGeometry): Tensor {
  const backend = dy.backend;
  const [kh, kw, channels, filters] = w.shape as [number, number, number, number];
  const dx = allocOutput(inputShapeOf(g), backend);
  if (!backend.convInputGrad?.(dy.storage, g, w.storage, filters, dx.storage)) {
    const dCols = matmulRaw(
      view(dy, [g.batch * g.outH * g.outW, filters]),
      view(w, [kh * kw * channels, filters]),
      false,
      true,
    );
    backend.col2im(dCols.storage, g, dx.storage);
  }
  // ⟨h, backpropInput(dy, w)⟩ = ⟨conv(h, w), dy⟩ = ⟨backpropFilter(h, dy), w⟩.
  return record('conv2dBackpropInput', dx, [dy, w], (h) => [
    dy.requiresGrad ? convolve(h, w, g) : null,
    w.requiresGrad ? conv2dBackpropFilter(h, dy, g) : null,
  ]);
}

/**
 * The gradient of conv2d for its kernel — the correlation of the input with the output gradient:
 * dw [kH, kW, C, F] = windows(x)ᵀ · dy, for x [batch, inH, inW, C] and dy [batch, outH, outW, F].
 */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, g: WindowGeometry): Tensor {
  const backend = x.backend;
  const filters = dy.shape[3]!;
  const kernelShape = [g.kernelH, g.kernelW, g.channels, filters];
  const rows = g.batch * g.outH * g.outW;
  let dw = backend.convKernelGrad ? allocOutput(kernelShape, backend) : null;
  if (!dw || !backend.convKernelGrad?.(x.storage, g, dy.storage, filters, dw.storage)) {
    const cols = allocOutput([rows, g.kernelH * g.kernelW * g.channels], backend);
    backend.im2col(x.storage, g, cols.storage, 0);
    dw = view(matmulRaw(cols, view(dy, [rows, filters]), true, false), kernelShape);
  }
  // ⟨h, backpropFilter(x, dy)⟩ = ⟨backpropInput(dy, h), x⟩ = ⟨conv(x, h), dy⟩.
  return record('conv2dBackpropFilter', dw, [x, dy], (h) => [
    x.requiresGrad ? conv2dBackpropInput(dy, h, g) : null,
    dy.requiresGrad ? convolve(x, h, g) : null,
  ]);
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
function convolveInChunks(x: Tensor, w: Tensor, g: WindowGeometry): Tensor {
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
