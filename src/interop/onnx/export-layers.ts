/**
 * One layer call → ONNX nodes. Each converter takes the names of the layer's input values and
 * returns the name of its output value; weights go into the graph as initializers. Layers are
 * matched by className (a subclass with its own className is not taken for its parent, whose
 * export might not match it).
 */
import { ArgumentError } from '../../errors.js';
import type { Activation } from '../../nn/activation.js';
import type { ActivationName } from '../../nn/activations.js';
import type { BatchNormalization } from '../../nn/batch-norm.js';
import type { Conv1D } from '../../nn/conv1d.js';
import type { Conv2D } from '../../nn/conv2d.js';
import type { Dense } from '../../nn/dense.js';
import type { Embedding } from '../../nn/embedding.js';
import type { LayerNormalization } from '../../nn/layer-norm.js';
import type { LeakyReLU } from '../../nn/leaky-relu.js';
import type { Concatenate } from '../../nn/merge/concatenate.js';
import type { Module } from '../../nn/module.js';
import type { AveragePooling2D, MaxPooling2D } from '../../nn/pooling.js';
import type { GRU, LSTM, SimpleRNN } from '../../nn/recurrent/layers.js';
import type { Reshape } from '../../nn/reshape.js';
import type { SymbolicShape } from '../../nn/symbolic-tensor.js';
import { batchNormalization, conv2d, globalAveragePooling2d, pool2d } from './export-conv.js';
import { gru, lstm, simpleRnn } from './export-rnn.js';
import { conv1d, embedding, layerNormalization } from './export-sequence.js';
import type { OnnxGraphBuilder } from './graph-builder.js';

/** What a converter gets: the inputs' value names and shapes (batch axis first, null if unknown). */
export interface LayerCall {
  inputs: readonly string[];
  shapes: readonly SymbolicShape[];
}

type Converter = (b: OnnxGraphBuilder, layer: Module, call: LayerCall) => string;

/** Layers that compute nothing at inference: dropout and noise act only in training. */
const identity: Converter = (b, layer, { inputs }) => b.addNode('Identity', [inputs[0]!], layer.name);

/** Variadic ONNX ops (Sum, Mean, Max, Min take any number of inputs with broadcasting). */
const variadic =
  (opType: string): Converter =>
  (b, layer, { inputs }) =>
    b.addNode(opType, inputs, layer.name);

const converters: Record<string, Converter> = {
  Dense: (b, layer, call) => dense(b, layer as Dense, call),
  Activation: (b, layer, { inputs }) =>
    activation(b, (layer as Activation).activation as ActivationName, inputs[0]!, layer.name, true),
  LeakyReLU: (b, layer, { inputs }) =>
    b.addNode('LeakyRelu', [inputs[0]!], layer.name, { alpha: { float: (layer as LeakyReLU).alpha } }),
  Dropout: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  // Flatten keeps the batch axis and joins the rest, as ONNX Flatten with axis 1 does.
  Flatten: (b, layer, { inputs }) => b.addNode('Flatten', [inputs[0]!], layer.name, { axis: { int: 1 } }),
  // 0 copies the input's size (the batch axis stays dynamic); the one −1 (if any) is inferred.
  Reshape: (b, layer, { inputs }) => {
    const shape = b.addInt64Initializer(`${layer.name}/shape`, [0, ...(layer as Reshape).targetShape]);
    return b.addNode('Reshape', [inputs[0]!, shape], layer.name);
  },
  Add: variadic('Sum'),
  Average: variadic('Mean'),
  Maximum: variadic('Max'),
  Minimum: variadic('Min'),
  Subtract: (b, layer, { inputs }) => b.addNode('Sub', [inputs[0]!, inputs[1]!], layer.name),
  Multiply: (b, layer, { inputs }) => {
    let out = inputs[0]!;
    for (let i = 1; i < inputs.length; i++) {
      out = b.addNode('Mul', [out, inputs[i]!], i === inputs.length - 1 ? layer.name : `${layer.name}/mul`);
    }
    return out;
  },
  // Keras' axis counts the batch axis, as ONNX's does; negative axes mean the same in both.
  Concatenate: (b, layer, { inputs }) =>
    b.addNode('Concat', inputs, layer.name, { axis: { int: (layer as Concatenate).axis } }),
  // Image layers (export-conv.ts): channels-first inside, channels-last at the model's edges.
  Conv2D: (b, layer, call) =>
    conv2d(b, layer as Conv2D, call, (g, name, input, output) => activation(g, name, input, output, false)),
  MaxPooling2D: (b, layer, call) => pool2d(b, layer as MaxPooling2D, call, 'MaxPool'),
  AveragePooling2D: (b, layer, call) => pool2d(b, layer as AveragePooling2D, call, 'AveragePool'),
  BatchNormalization: (b, layer, call) => batchNormalization(b, layer as BatchNormalization, call),
  GlobalAveragePooling2D: globalAveragePooling2d,
  // Recurrent layers (export-rnn.ts): ONNX's LSTM, GRU and RNN ops.
  LSTM: (b, layer, call) => lstm(b, layer as LSTM, call),
  GRU: (b, layer, call) => gru(b, layer as GRU, call),
  SimpleRNN: (b, layer, call) => simpleRnn(b, layer as SimpleRNN, call),
  // Sequence and text layers (export-sequence.ts).
  Embedding: (b, layer, call) => embedding(b, layer as Embedding, call),
  LayerNormalization: (b, layer, call) => layerNormalization(b, layer as LayerNormalization, call),
  Conv1D: (b, layer, call) =>
    conv1d(b, layer as Conv1D, call, (g, name, input, output) => activation(g, name, input, output, false)),
};

/**
 * The exported graph carries no masks. A mask (from Embedding({ maskZero })) changes outputs only
 * where a layer consumes it — the recurrent layers; the layers that pass it on (Dense, Dropout,
 * LayerNormalization…) compute the same with or without it, and the others refuse it when the
 * model is made. So each graph remembers which values carry a mask, and a consumer is refused.
 */
const MASK_CONSUMERS = new Set(['LSTM', 'GRU', 'SimpleRNN']);
const maskedValues = new WeakMap<OnnxGraphBuilder, Set<string>>();

function trackMask(b: OnnxGraphBuilder, layer: Module, call: LayerCall, output: string): void {
  let masked = maskedValues.get(b);
  if (!masked) {
    masked = new Set();
    maskedValues.set(b, masked);
  }
  const inputMasked = call.inputs.some((v) => masked.has(v));
  if (inputMasked && MASK_CONSUMERS.has(layer.className)) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (${layer.className}) reads a mask (from Embedding({ maskZero: true })), ` +
        'which the ONNX export does not carry: its outputs would differ; export a model without maskZero',
    );
  }
  const makesMask = layer.className === 'Embedding' && (layer as Embedding).maskZero;
  if (makesMask || (inputMasked && layer.supportsMasking)) masked.add(output);
}

/** The layer classes toOnnx exports, for error messages. */
export const EXPORTABLE_LAYERS: readonly string[] = Object.keys(converters);

/** Emit the nodes of one call of `layer`; throws an ArgumentError for a layer with no converter. */
export function exportLayerCall(b: OnnxGraphBuilder, layer: Module, call: LayerCall): string {
  const convert = Object.hasOwn(converters, layer.className) ? converters[layer.className] : undefined;
  if (!convert) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (${layer.className}) is not exportable to ONNX yet ` +
        `(exportable: ${EXPORTABLE_LAYERS.join(', ')})`,
    );
  }
  const output = convert(b, layer, call);
  trackMask(b, layer, call, output);
  return output;
}

/** y = activation(x·W + b); Gemm for [batch, features] inputs, MatMul + Add for longer ones. */
function dense(b: OnnxGraphBuilder, layer: Dense, { inputs, shapes }: LayerCall): string {
  const kernel = layer.getWeight('kernel');
  const w = b.addFloatInitializer(`${layer.name}/kernel`, kernel.shape, kernel.dataSync());
  const bias = layer.useBias ? layer.getWeight('bias') : undefined;
  const bName = bias ? b.addFloatInitializer(`${layer.name}/bias`, bias.shape, bias.dataSync()) : undefined;
  const linear = layer.activation === 'linear';
  const preName = linear ? layer.name : `${layer.name}/linear`;
  let out: string;
  if (shapes[0]!.length === 2) {
    out = b.addNode('Gemm', bName ? [inputs[0]!, w, bName] : [inputs[0]!, w], preName);
  } else {
    out = b.addNode('MatMul', [inputs[0]!, w], bName ? `${layer.name}/matmul` : preName);
    if (bName) out = b.addNode('Add', [out, bName], preName);
  }
  return linear ? out : activation(b, layer.activation as ActivationName, out, layer.name, false);
}

/**
 * The nodes for an activation by backprop's name, with backprop's parameters (leakyRelu's slope
 * 0.01 and elu's α 1 are the Tensor methods' defaults; hardSigmoid is Keras 2's 0.2·x + 0.5,
 * ONNX's own defaults). 'linear' gives an Identity only when the layer must output something.
 */
function activation(
  b: OnnxGraphBuilder,
  name: ActivationName,
  input: string,
  outputName: string,
  isLayer: boolean,
): string {
  switch (name) {
    case 'linear':
      return isLayer ? b.addNode('Identity', [input], outputName) : input;
    case 'relu':
      return b.addNode('Relu', [input], outputName);
    case 'sigmoid':
      return b.addNode('Sigmoid', [input], outputName);
    case 'tanh':
      return b.addNode('Tanh', [input], outputName);
    case 'softplus':
      return b.addNode('Softplus', [input], outputName);
    case 'elu':
      return b.addNode('Elu', [input], outputName, { alpha: { float: 1 } });
    case 'leakyRelu':
      return b.addNode('LeakyRelu', [input], outputName, { alpha: { float: 0.01 } });
    case 'hardSigmoid':
      return b.addNode('HardSigmoid', [input], outputName, { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    // Since opset 13 Softmax/LogSoftmax normalise along one axis, as backprop's (the last) do.
    case 'softmax':
      return b.addNode('Softmax', [input], outputName, { axis: { int: -1 } });
    case 'logSoftmax':
      return b.addNode('LogSoftmax', [input], outputName, { axis: { int: -1 } });
  }
}
