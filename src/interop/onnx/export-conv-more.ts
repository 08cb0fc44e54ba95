/**
 * ONNX converters for the image layers beyond Conv2D and pooling: Conv2DTranspose (ConvTranspose),
 * DepthwiseConv2D (Conv with one group per input channel), SeparableConv2D (that, then a 1×1 Conv),
 * UpSampling2D (Resize) and ZeroPadding2D (Pad). All run channels-first and join the runs of
 * export-conv.ts: a generator's ConvTranspose → BatchNormalization → Relu → Resize → Conv is
 * transposed once at each end.
 */

import { ArgumentError } from '../../errors.js';
import type { ActivationName } from '../../nn/activations.js';
import type { Conv2DTranspose } from '../../nn/conv2d-transpose.js';
import type { DepthwiseBase } from '../../nn/depthwise-conv2d.js';
import type { Module } from '../../nn/module.js';
import type { SeparableConv2D } from '../../nn/separable-conv2d.js';
import type { UpSampling2D } from '../../nn/up-sampling.js';
import type { ZeroPadding2D } from '../../nn/zero-padding.js';
import { axisGeometry, transposedLength } from '../../ops/conv/geometry.js';
import {
  type ActivationEmitter,
  imageSize,
  kernelToOnnx,
  paddingAttributes,
  toChannelsFirst,
  toChannelsLast,
} from './export-conv.js';
import type { LayerCall as Call } from './export-layers.js';
import type { AttributeValue, OnnxGraphBuilder } from './graph-builder.js';

/** The bias (if any) as an input of the Conv node, then the activation, back to channels-last. */
function finish(
  b: OnnxGraphBuilder,
  layer: Module,
  conv: string,
  activation: ActivationName,
  emit: ActivationEmitter,
): string {
  // Softmax and logSoftmax normalise the last axis, which holds the channels only back in NHWC.
  if (activation === 'softmax' || activation === 'logSoftmax') {
    return emit(b, activation, toChannelsLast(b, layer, conv), `${layer.name}/${activation}`);
  }
  const out = activation === 'linear' ? conv : emit(b, activation, conv, `${layer.name}/${activation}`);
  return toChannelsLast(b, layer, out);
}

function biasInput(b: OnnxGraphBuilder, layer: Module, useBias: boolean): string[] {
  if (!useBias) return [];
  const bias = layer.getWeight('bias');
  return [b.addFloatInitializer(`${layer.name}/bias`, bias.shape, bias.dataSync())];
}

/**
 * Conv2DTranspose → ConvTranspose. backprop's kernel [kh, kw, out, in] (the kernel of the
 * convolution it transposes) is ONNX's W [in, out, kh, kw] with no flip: both ops are that
 * convolution's gradient for its input. backprop places the output as the convolution that maps
 * it back to the input would (its leading padding is that convolution's 'same' padding); ONNX
 * crops pads[begin] and pads[end] from the full (in − 1)·s + span rows and adds output_padding
 * rows at the end — so pads[begin] is that leading padding and the rest makes the size match.
 * Neither depends on the input size, only on the options.
 */
export function conv2dTranspose(
  b: OnnxGraphBuilder,
  layer: Conv2DTranspose,
  call: Call,
  emit: ActivationEmitter,
): string {
  const [h, w] = imageSize(layer, call.shapes[0]!);
  const kernel = layer.getWeight('kernel');
  const [kh, kw, cout, cin] = kernel.shape as [number, number, number, number];
  const onnxW = kernelToOnnx(kernel);
  const begin: number[] = [];
  const end: number[] = [];
  const outputPadding: number[] = [];
  for (const a of [0, 1] as const) {
    // Any input size gives the same pads; the known one keeps the arithmetic checkable.
    const n = [h, w][a] ?? 8;
    const s = layer.strides[a];
    const dilation = layer.dilationRate[a];
    const out = transposedLength(
      n,
      layer.kernelSize[a],
      s,
      dilation,
      layer.padding,
      layer.outputPadding?.[a] ?? null,
    );
    const g = axisGeometry(out, layer.kernelSize[a], s, dilation, layer.padding);
    const full = (n - 1) * s + g.span;
    const rest = full - g.pad - out;
    begin.push(g.pad);
    end.push(Math.max(rest, 0));
    outputPadding.push(Math.max(-rest, 0));
  }
  const conv = b.addNode(
    'ConvTranspose',
    [
      toChannelsFirst(b, layer, call.inputs[0]!),
      b.addFloatInitializer(`${layer.name}/kernel`, [cin, cout, kh, kw], onnxW),
      ...biasInput(b, layer, layer.useBias),
    ],
    `${layer.name}/conv_transpose`,
    {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: layer.strides },
      dilations: { ints: layer.dilationRate },
      pads: { ints: [...begin, ...end] },
      output_padding: { ints: outputPadding },
    },
  );
  return finish(b, layer, conv, layer.activation as ActivationName, emit);
}

/**
 * The depthwise step as a grouped Conv: group = C, and output channel c·M + m (backprop's and
 * Keras' order) is input channel c's m-th filter: W [C·M, 1, kh, kw] from depthwise_kernel
 * [kh, kw, C, M].
 */
function depthwiseConv(b: OnnxGraphBuilder, layer: DepthwiseBase, call: Call, bias: string[]): string {
  const size = imageSize(layer, call.shapes[0]!);
  const kernel = layer.getWeight('depthwise_kernel');
  const [kh, kw, channels, multiplier] = kernel.shape as [number, number, number, number];
  const k = kernel.dataSync();
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let c = 0; c < channels; c++) {
        for (let m = 0; m < multiplier; m++) {
          w[((c * multiplier + m) * kh + y) * kw + x] = k[((y * kw + x) * channels + c) * multiplier + m]!;
        }
      }
    }
  }
  return b.addNode(
    'Conv',
    [
      toChannelsFirst(b, layer, call.inputs[0]!),
      b.addFloatInitializer(`${layer.name}/depthwise_kernel`, [channels * multiplier, 1, kh, kw], w),
      ...bias,
    ],
    `${layer.name}/depthwise`,
    {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: layer.strides },
      dilations: { ints: layer.dilationRate },
      group: { int: channels },
      ...paddingAttributes(size, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding),
    },
  );
}

export function depthwiseConv2d(
  b: OnnxGraphBuilder,
  layer: DepthwiseBase,
  call: Call,
  emit: ActivationEmitter,
): string {
  const conv = depthwiseConv(b, layer, call, biasInput(b, layer, layer.useBias));
  return finish(b, layer, conv, layer.activation as ActivationName, emit);
}

/** SeparableConv2D: the depthwise Conv, then a 1×1 Conv with pointwise_kernel [1, 1, C·M, F] and the bias. */
export function separableConv2d(
  b: OnnxGraphBuilder,
  layer: SeparableConv2D,
  call: Call,
  emit: ActivationEmitter,
): string {
  const depthwise = depthwiseConv(b, layer, call, []);
  const pointwise = layer.getWeight('pointwise_kernel');
  const [, , mixed, filters] = pointwise.shape as [number, number, number, number];
  const p = pointwise.dataSync();
  const w = new Float32Array(p.length);
  for (let i = 0; i < mixed; i++) {
    for (let f = 0; f < filters; f++) w[f * mixed + i] = p[i * filters + f]!;
  }
  const conv = b.addNode(
    'Conv',
    [
      depthwise,
      b.addFloatInitializer(`${layer.name}/pointwise_kernel`, [filters, mixed, 1, 1], w),
      ...biasInput(b, layer, layer.useBias),
    ],
    `${layer.name}/pointwise`,
    { kernel_shape: { ints: [1, 1] } },
  );
  return finish(b, layer, conv, layer.activation as ActivationName, emit);
}

/**
 * UpSampling2D → Resize with scales [1, 1, sh, sw]. 'nearest' repeats each pixel: output i reads
 * input ⌊i / s⌋, which is Resize's 'asymmetric' coordinates with nearest_mode 'floor'. 'bilinear'
 * places output i at (i + ½)/s − ½ clamped to the edges, which is 'half_pixel' with mode 'linear'.
 */
export function upSampling2d(b: OnnxGraphBuilder, layer: UpSampling2D, call: Call): string {
  imageSize(layer, call.shapes[0]!);
  const scales = b.addFloatInitializer(`${layer.name}/scales`, [4], [1, 1, ...layer.size]);
  const attributes: Record<string, AttributeValue> =
    layer.interpolation === 'nearest'
      ? {
          mode: { string: 'nearest' },
          coordinate_transformation_mode: { string: 'asymmetric' },
          nearest_mode: { string: 'floor' },
        }
      : { mode: { string: 'linear' }, coordinate_transformation_mode: { string: 'half_pixel' } };
  const out = b.addNode(
    'Resize',
    [toChannelsFirst(b, layer, call.inputs[0]!), '', scales],
    `${layer.name}/resize`,
    attributes,
  );
  return toChannelsLast(b, layer, out);
}

/**
 * ZeroPadding2D → a Conv that copies each channel (group = C, a 1×1 kernel of ones, no bias) with
 * pads [top, left, bottom, right]: exactly the zero-padded image (x·1 is x). Not a Pad node: ONNX
 * Runtime's default optimiser folds a zero Pad that feeds a MaxPool/AveragePool into the pool's
 * own pads, which MaxPool fills with −∞ (not zeros) and AveragePool refuses when a pad reaches the
 * kernel size — and its transpose optimiser rebuilds that pattern from a channels-last Pad too.
 * The copy Conv is opaque to both, and the Conv after it may still absorb the pads correctly.
 */
export function zeroPadding2d(b: OnnxGraphBuilder, layer: ZeroPadding2D, call: Call): string {
  const shape = call.shapes[0]!;
  imageSize(layer, shape);
  const channels = shape[3];
  if (channels == null) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (ZeroPadding2D) needs a known number of channels, got [${shape.map((d) => d ?? '?').join(', ')}]`,
    );
  }
  const [[top, bottom], [left, right]] = layer.padding;
  const ones = b.addFloatInitializer(
    `${layer.name}/copy`,
    [channels, 1, 1, 1],
    new Float32Array(channels).fill(1),
  );
  const out = b.addNode('Conv', [toChannelsFirst(b, layer, call.inputs[0]!), ones], `${layer.name}/pad`, {
    kernel_shape: { ints: [1, 1] },
    group: { int: channels },
    pads: { ints: [top, left, bottom, right] },
  });
  return toChannelsLast(b, layer, out);
}
