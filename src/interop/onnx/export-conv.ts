/**
 * ONNX converters for the image layers: Conv2D, MaxPooling2D, AveragePooling2D,
 * GlobalAveragePooling2D and BatchNormalization. backprop (like Keras and TF.js) keeps images channels-last [N, H, W, C];
 * ONNX's Conv and pooling ops want channels-first [N, C, H, W]. Each layer transposes in and out,
 * but remembers the channels-first twin of the value it produced, so that the next conv or pool
 * layer reads the twin: a run of conv/pool layers is transposed once at each end (the unread
 * transposes in between are dropped by OnnxGraphBuilder.pruneUnused). Layers that work per
 * channel or per element (BatchNormalization, activations, dropout) run on the twin too when
 * they find one, so they do not break a run.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentError } from '../../errors.js';
import type { ActivationName } from '../../nn/activations.js';
import type { BatchNormalization } from '../../nn/batch-norm.js';
import type { Conv2D } from '../../nn/conv2d.js';
import type { Module } from '../../nn/module.js';
import type { AveragePooling2D, MaxPooling2D } from '../../nn/pooling.js';
import type { SymbolicShape } from '../../nn/symbolic-tensor.js';
import { axisGeometry, type Padding } from '../../ops/conv/geometry.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LayerCall as Call } from './export-layers.js';
import type { AttributeValue, OnnxGraphBuilder } from './graph-builder.js';

export type ActivationEmitter = (
  b: OnnxGraphBuilder,
  name: ActivationName,
  input: string,
  output: string,
) => string;

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Per graph: channels-last value name → the channels-first value it was transposed from. */
const channelsFirstTwins = new WeakMap<OnnxGraphBuilder, Map<string, string>>();

function twins(b: OnnxGraphBuilder): Map<string, string> {
  let map = channelsFirstTwins.get(b);
  if (!map) {
    map = new Map();
    channelsFirstTwins.set(b, map);
  }
  return map;
}

/** The channels-first twin of a channels-last value, if a layer of a run left one. */
export function channelsFirstTwin(b: OnnxGraphBuilder, value: string): string | undefined {
  return twins(b).get(value);
}

/** The input as NCHW: the twin a previous conv/pool layer left, or a new Transpose. */
export function toChannelsFirst(b: OnnxGraphBuilder, layer: Module, value: string): string {
  return (
    twins(b).get(value) ??
    b.addNode('Transpose', [value], `${layer.name}/to_nchw`, { perm: { ints: NHWC_TO_NCHW } })
  );
}

/** Back to NHWC under the layer's name, remembering the NCHW twin for the next layer. */
export function toChannelsLast(b: OnnxGraphBuilder, layer: Module, value: string): string {
  const out = b.addNode('Transpose', [value], layer.name, { perm: { ints: NCHW_TO_NHWC } });
  twins(b).set(out, value);
  return out;
}

/** The image's [H, W] from a [N, H, W, C] shape, refusing other ranks by the layer's name. */
export function imageSize(layer: Module, shape: SymbolicShape): [number | null, number | null] {
  if (shape.length !== 4) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (${layer.className}) needs images [batch, height, width, channels], ` +
        `got [${shape.map((d) => d ?? '?').join(', ')}]`,
    );
  }
  return [shape[1] ?? null, shape[2] ?? null];
}

/**
 * Keras' padding as ONNX attributes: 'valid' is no padding; 'same' puts the odd extra cell at the
 * end (ONNX's SAME_UPPER), given as explicit pads [top, left, bottom, right] when the image size
 * is known, so that the graph says exactly what it computes.
 */
export function paddingAttributes(
  size: [number | null, number | null],
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number],
  padding: Padding,
): Record<string, AttributeValue> {
  if (padding === 'valid') return { pads: { ints: [0, 0, 0, 0] } };
  const [h, w] = size;
  if (h === null || w === null) return { auto_pad: { string: 'SAME_UPPER' } };
  const totals = [h, w].map((n, i) => {
    const g = axisGeometry(n, kernel[i]!, strides[i]!, dilation[i]!, 'same');
    return Math.max((g.out - 1) * strides[i]! + g.span - n, 0);
  });
  const begin = totals.map((t) => Math.floor(t / 2));
  return { pads: { ints: [...begin, ...totals.map((t, i) => t - begin[i]!)] } };
}

/**
 * A 2-D kernel [kh, kw, a, b] (backprop's and Keras' layout) as ONNX's [b, a, kh, kw]: Conv's
 * W [out, in, kh, kw] from [kh, kw, in, out], ConvTranspose's W [in, out, kh, kw] from [kh, kw, out, in].
 */
export function kernelToOnnx(kernel: Tensor): Float32Array {
  const [kh, kw, a, bs] = kernel.shape as [number, number, number, number];
  const k = kernel.dataSync();
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < a; i++) {
        for (let o = 0; o < bs; o++) w[((o * a + i) * kh + y) * kw + x] = k[((y * kw + x) * a + i) * bs + o]!;
      }
    }
  }
  return w;
}

/** Conv2D: kernel [kh, kw, in, out] → ONNX W [out, in, kh, kw]; bias; the activation. */
export function conv2d(b: OnnxGraphBuilder, layer: Conv2D, call: Call, emit: ActivationEmitter): string {
  const size = imageSize(layer, call.shapes[0]!);
  const kernel = layer.getWeight('kernel');
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const w = kernelToOnnx(kernel);
  const inputs = [
    toChannelsFirst(b, layer, call.inputs[0]!),
    b.addFloatInitializer(`${layer.name}/kernel`, [cout, cin, kh, kw], w),
  ];
  if (layer.useBias) {
    const bias = layer.getWeight('bias');
    inputs.push(b.addFloatInitializer(`${layer.name}/bias`, bias.shape, bias.dataSync()));
  }
  let out = b.addNode('Conv', inputs, `${layer.name}/conv`, {
    kernel_shape: { ints: [kh, kw] },
    strides: { ints: layer.strides },
    dilations: { ints: layer.dilationRate },
    ...paddingAttributes(size, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding),
  });
  const act = layer.activation as ActivationName;
  // Softmax and logSoftmax normalise the last axis, which is the channels only once back in NHWC;
  // the other activations are elementwise and run while the values are still channels-first.
  if (act === 'softmax' || act === 'logSoftmax') {
    return emit(b, act, toChannelsLast(b, layer, out), `${layer.name}/${act}`);
  }
  if (act !== 'linear') out = emit(b, act, out, `${layer.name}/${act}`);
  return toChannelsLast(b, layer, out);
}

/** MaxPooling2D / AveragePooling2D; AveragePool leaves padding cells out of the mean, as Keras. */
export function pool2d(
  b: OnnxGraphBuilder,
  layer: MaxPooling2D | AveragePooling2D,
  call: Call,
  opType: 'MaxPool' | 'AveragePool',
): string {
  const size = imageSize(layer, call.shapes[0]!);
  const attributes: Record<string, AttributeValue> = {
    kernel_shape: { ints: layer.poolSize },
    strides: { ints: layer.strides },
    ...paddingAttributes(size, layer.poolSize, layer.strides, [1, 1], layer.padding),
  };
  if (opType === 'AveragePool') attributes.count_include_pad = { int: 0 };
  const out = b.addNode(
    opType,
    [toChannelsFirst(b, layer, call.inputs[0]!)],
    `${layer.name}/pool`,
    attributes,
  );
  return toChannelsLast(b, layer, out);
}

/**
 * BatchNormalization at inference, in backprop's own float32 steps: (x − movingMean) / √(movingVariance + ε)
 * · γ + β on the last (feature) axis, which broadcasting lines up for any input rank. The standard
 * deviation √(movingVariance + ε) is computed here by backprop's own tensor ops, so Sub, Div, Mul and
 * Add round exactly as the layer's forward does and fromOnnx(toOnnx(model)) predicts bit-identically
 * (a scale folded into one Mul, γ/√(σ² + ε), would round differently). Inside a run of channels-first
 * image layers it normalises the twin, its parameters shaped [C, 1, 1].
 */
export function batchNormalization(b: OnnxGraphBuilder, layer: BatchNormalization, call: Call): string {
  const mean = layer.getWeight('moving_mean').dataSync();
  const std = noGrad(() => layer.getWeight('moving_variance').add(layer.epsilon).sqrt().dataSync());
  return perChannel(b, layer, call.inputs[0]!, (x, name, channelsFirst) => {
    const dims = channelsFirst ? [mean.length, 1, 1] : [mean.length];
    const param = (suffix: string, values: Float32Array) =>
      b.addFloatInitializer(`${layer.name}/${suffix}`, dims, values);
    const centred = b.addNode('Sub', [x, param('moving_mean', mean)], `${layer.name}/centred`);
    let y = b.addNode(
      'Div',
      [centred, param('std', std)],
      layer.scale || layer.center ? `${layer.name}/normalised` : name,
    );
    if (layer.scale) {
      y = b.addNode(
        'Mul',
        [y, param('gamma', layer.getWeight('gamma').dataSync())],
        layer.center ? `${layer.name}/scaled` : name,
      );
    }
    if (!layer.center) return y;
    return b.addNode('Add', [y, param('beta', layer.getWeight('beta').dataSync())], name);
  });
}

/**
 * A layer that works per element or per channel: on the channels-first twin when the input has
 * one (the run goes on), else on the input itself. `emit(x, name, channelsFirst)` makes the nodes,
 * the last one named `name`, and returns the result's name.
 */
export function perChannel(
  b: OnnxGraphBuilder,
  layer: Module,
  input: string,
  emit: (x: string, name: string, channelsFirst: boolean) => string,
): string {
  const twin = twins(b).get(input);
  if (twin === undefined) return emit(input, layer.name, false);
  return toChannelsLast(b, layer, emit(twin, `${layer.name}/nchw`, true));
}

/**
 * GlobalAveragePooling2D: [N, H, W, C] → [N, C]. Reading a conv run's channels-first twin, ONNX's
 * GlobalAveragePool then Flatten; on a channels-last value, ReduceMean over H and W (opset 17
 * still takes the axes as an attribute).
 */
export function globalAveragePooling2d(b: OnnxGraphBuilder, layer: Module, call: Call): string {
  imageSize(layer, call.shapes[0]!);
  const twin = twins(b).get(call.inputs[0]!);
  if (twin === undefined) {
    return b.addNode('ReduceMean', [call.inputs[0]!], layer.name, {
      axes: { ints: [1, 2] },
      keepdims: { int: 0 },
    });
  }
  const pooled = b.addNode('GlobalAveragePool', [twin], `${layer.name}/pool`);
  return b.addNode('Flatten', [pooled], layer.name, { axis: { int: 1 } });
}
