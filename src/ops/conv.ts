/**
 * 2-D convolution and pooling on channels-last images [batch, height, width, channels] (the
 * Keras / TF.js layout), one concept per file under conv/:
 *
 * - geometry.ts: where windows land ('valid' / 'same' padding, strides, dilation);
 * - unfold.ts: im2col and col2im, each other's derivative;
 * - conv2d.ts: conv2d and its two derivatives (transposed convolution, correlation), each an op;
 * - conv2d-transpose.ts: the transposed convolution as an op of its own (Conv2DTranspose);
 * - depthwise.ts: depthwise convolution (DepthwiseConv2D, SeparableConv2D);
 * - pool.ts: max and average pooling and their derivatives.
 *
 * conv2d is im2col followed by one matrix product: every window of the input becomes a row
 * (ky, kx, c), the kernel [kH, kW, C, F] is viewed as a [kH·kW·C, F] matrix, and the product is
 * the output [batch·outH·outW, F]. Backends with fused kernels (wasm: convForward/convKernelGrad/
 * convInputGrad) compute the same products a few images at a time instead of unfolding the batch.
 */
export {
  type Conv2dOptions,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  convolve,
} from './conv/conv2d.js';
export {
  type Conv2dTransposeOptions,
  conv2dTranspose,
  conv2dTransposeSize,
} from './conv/conv2d-transpose.js';
export { depthwiseConv2d } from './conv/depthwise.js';
export { type Padding, type Pair, pair, windowGeometry } from './conv/geometry.js';
export { avgPool2d, maxPool2d, type Pool2dOptions } from './conv/pool.js';
export { col2im, im2col } from './conv/unfold.js';
