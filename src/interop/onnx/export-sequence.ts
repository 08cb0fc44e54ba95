/**
 * ONNX converters for sequence and text layers: Embedding (Gather on the table), LayerNormalization
 * (ONNX's own op, opset 17) and Conv1D (Conv on [N, C, L] between two Transposes; backprop keeps
 * sequences channels-last [N, L, C] as Keras and TF.js do).
 */
import { ArgumentError } from '../../errors.js';
import type { ActivationName } from '../../nn/activations.js';
import type { Conv1D } from '../../nn/conv1d.js';
import type { Embedding } from '../../nn/embedding.js';
import type { LayerNormalization } from '../../nn/layer-norm.js';
import type { SymbolicShape } from '../../nn/symbolic-tensor.js';
import { axisGeometry } from '../../ops/conv/geometry.js';
import type { ActivationEmitter } from './export-conv.js';
import type { LayerCall as Call } from './export-layers.js';
import type { AttributeValue, OnnxGraphBuilder } from './graph-builder.js';
import { DataType } from './onnx-proto.js';

const formatShape = (shape: SymbolicShape) => `[${shape.map((d) => d ?? '?').join(', ')}]`;

/**
 * Embedding: the ids arrive as float32 (backprop's inputs are float tensors), so they are cast to
 * int64 and Gather picks rows of the table: [N, …] → [N, …, outputDim]. ONNX Runtime rejects an
 * id outside the table, as backprop does. (Whether the maskZero mask may be dropped is decided by
 * the caller, which sees where the mask goes.)
 */
export function embedding(b: OnnxGraphBuilder, layer: Embedding, call: Call): string {
  const table = layer.getWeight('embeddings');
  const weights = b.addFloatInitializer(`${layer.name}/embeddings`, table.shape, table.dataSync());
  const ids = b.addNode('Cast', [call.inputs[0]!], `${layer.name}/ids`, { to: { int: DataType.INT64 } });
  return b.addNode('Gather', [weights, ids], layer.name, { axis: { int: 0 } });
}

/**
 * LayerNormalization → ONNX LayerNormalization, which normalises from `axis` to the last axis: so
 * backprop's axes must be a run of trailing axes (the default, −1, is). γ is a required input in
 * ONNX: ones stand in when scale is false. ONNX's ε is added to the biased variance, as backprop's.
 */
export function layerNormalization(b: OnnxGraphBuilder, layer: LayerNormalization, call: Call): string {
  const shape = call.shapes[0]!;
  const rank = shape.length;
  const axes = (typeof layer.axis === 'number' ? [layer.axis] : [...layer.axis])
    .map((a) => (a < 0 ? a + rank : a))
    .sort((x, y) => x - y);
  const first = axes[0]!;
  if (!axes.every((a, i) => a === first + i) || axes[axes.length - 1] !== rank - 1) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (LayerNormalization) normalises axes ${JSON.stringify(layer.axis)} of an input ` +
        `${formatShape(shape)}; ONNX's LayerNormalization needs the last axes (e.g. axis -1)`,
    );
  }
  const paramShape = axes.map((a) => shape[a]!);
  const size = paramShape.reduce((p, d) => p * d, 1);
  const gamma = layer.scale ? layer.getWeight('gamma').dataSync() : new Float32Array(size).fill(1);
  const inputs = [call.inputs[0]!, b.addFloatInitializer(`${layer.name}/gamma`, paramShape, gamma)];
  if (layer.center) {
    inputs.push(b.addFloatInitializer(`${layer.name}/beta`, paramShape, layer.getWeight('beta').dataSync()));
  }
  return b.addNode('LayerNormalization', inputs, layer.name, {
    axis: { int: first },
    epsilon: { float: layer.epsilon },
  });
}

/**
 * Conv1D: kernel [k, in, out] → ONNX W [out, in, k]; the sequence is transposed to [N, C, L] and
 * back. 'causal' pads (k − 1)·dilation steps on the left only; 'same' puts the odd extra step at
 * the end (explicit pads when the length is known, SAME_UPPER otherwise).
 */
export function conv1d(b: OnnxGraphBuilder, layer: Conv1D, call: Call, emit: ActivationEmitter): string {
  const shape = call.shapes[0]!;
  if (shape.length !== 3) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (Conv1D) needs sequences [batch, length, channels], got ${formatShape(shape)}`,
    );
  }
  const kernel = layer.getWeight('kernel');
  const [k, cin, cout] = kernel.shape as [number, number, number];
  const data = kernel.dataSync();
  const w = new Float32Array(data.length);
  for (let t = 0; t < k; t++) {
    for (let i = 0; i < cin; i++) {
      for (let o = 0; o < cout; o++) w[(o * cin + i) * k + t] = data[(t * cin + i) * cout + o]!;
    }
  }
  const inputs = [
    b.addNode('Transpose', [call.inputs[0]!], `${layer.name}/to_ncl`, { perm: { ints: [0, 2, 1] } }),
    b.addFloatInitializer(`${layer.name}/kernel`, [cout, cin, k], w),
  ];
  if (layer.useBias) {
    const bias = layer.getWeight('bias');
    inputs.push(b.addFloatInitializer(`${layer.name}/bias`, bias.shape, bias.dataSync()));
  }
  let out = b.addNode('Conv', inputs, `${layer.name}/conv`, {
    kernel_shape: { ints: [k] },
    strides: { ints: [layer.strides] },
    dilations: { ints: [layer.dilationRate] },
    ...conv1dPadding(layer, shape[1] ?? null),
  });
  const act = layer.activation as ActivationName;
  const toNlc = (value: string, name: string) =>
    b.addNode('Transpose', [value], name, { perm: { ints: [0, 2, 1] } });
  // Softmax and logSoftmax normalise the last axis, which holds the channels only back in [N, L, C].
  if (act === 'softmax' || act === 'logSoftmax') {
    return emit(b, act, toNlc(out, `${layer.name}/to_nlc`), layer.name);
  }
  if (act !== 'linear') out = emit(b, act, out, `${layer.name}/${act}`);
  return toNlc(out, layer.name);
}

function conv1dPadding(layer: Conv1D, length: number | null): Record<string, AttributeValue> {
  if (layer.padding === 'valid') return { pads: { ints: [0, 0] } };
  if (layer.padding === 'causal') return { pads: { ints: [(layer.kernelSize - 1) * layer.dilationRate, 0] } };
  if (length === null) return { auto_pad: { string: 'SAME_UPPER' } };
  const g = axisGeometry(length, layer.kernelSize, layer.strides, layer.dilationRate, 'same');
  const total = Math.max((g.out - 1) * layer.strides + g.span - length, 0);
  const begin = Math.floor(total / 2);
  return { pads: { ints: [begin, total - begin] } };
}
