/**
 * One layer call → ONNX nodes. Each converter takes the names of the layer's input values and
 * returns the name of its output value; weights go into the graph as initializers. Layers are
 * matched by className (a subclass with its own className is not taken for its parent, whose
 * export might not match it).
 */
import { ArgumentError } from '../../errors.js';
import type { Model } from '../../model/functional/model.js';
import type { Sequential } from '../../model/sequential.js';
import type { Activation } from '../../nn/activation.js';
import type { ActivationName } from '../../nn/activations.js';
import type { BatchNormalization } from '../../nn/batch-norm.js';
import type { Conv1D } from '../../nn/conv1d.js';
import type { Conv2D } from '../../nn/conv2d.js';
import type { Conv2DTranspose } from '../../nn/conv2d-transpose.js';
import type { Dense } from '../../nn/dense.js';
import type { DepthwiseConv2D } from '../../nn/depthwise-conv2d.js';
import type { Embedding } from '../../nn/embedding.js';
import type { LayerNormalization } from '../../nn/layer-norm.js';
import type { LeakyReLU } from '../../nn/leaky-relu.js';
import type { Masking } from '../../nn/masking.js';
import type { Concatenate } from '../../nn/merge/concatenate.js';
import type { Module } from '../../nn/module.js';
import type { AveragePooling2D, MaxPooling2D } from '../../nn/pooling.js';
import type { RNN } from '../../nn/recurrent/rnn.js';
import type { Reshape } from '../../nn/reshape.js';
import type { SeparableConv2D } from '../../nn/separable-conv2d.js';
import type { SymbolicShape } from '../../nn/symbolic-tensor.js';
import type { UpSampling2D } from '../../nn/up-sampling.js';
import type { Bidirectional } from '../../nn/wrappers/bidirectional.js';
import type { TimeDistributed } from '../../nn/wrappers/time-distributed.js';
import type { ZeroPadding2D } from '../../nn/zero-padding.js';
import { batchNormalization, conv2d, globalAveragePooling2d, perChannel, pool2d } from './export-conv.js';
import {
  conv2dTranspose,
  depthwiseConv2d,
  separableConv2d,
  upSampling2d,
  zeroPadding2d,
} from './export-conv-more.js';
import { consumeMask, MASK_CONSUMERS, masking, masksOf, outputMask } from './export-masks.js';
import { onnxGraph } from './export-onnx-graph.js';
import { recurrent } from './export-rnn.js';
import { conv1d, embedding, layerNormalization } from './export-sequence.js';
import { bidirectional, nestedModel, nestedSequential, timeDistributed } from './export-wrappers.js';
import type { OnnxGraphBuilder } from './graph-builder.js';

/** What a converter gets: the inputs' value names and shapes (batch axis first, null if unknown). */
export interface LayerCall {
  inputs: readonly string[];
  shapes: readonly SymbolicShape[];
}

/** A converter returns its output value's name, or the names of several (a nested Model's). */
type Converter = (b: OnnxGraphBuilder, layer: Module, call: LayerCall) => string | readonly string[];

/**
 * Layers that compute nothing at inference: dropout and noise act only in training. Inside a run
 * of channels-first image layers they pass the run on.
 */
const identity: Converter = (b, layer, { inputs }) =>
  perChannel(b, layer, inputs[0]!, (x, name) => b.addNode('Identity', [x], name));

/** Variadic ONNX ops (Sum, Mean, Max, Min take any number of inputs with broadcasting). */
const variadic =
  (opType: string): Converter =>
  (b, layer, { inputs }) =>
    b.addNode(opType, inputs, layer.name);

/** The activation as a node of its own; per element (so inside an image run) but for softmax's. */
const emitActivation = (b: OnnxGraphBuilder, name: ActivationName, input: string, output: string) =>
  activation(b, name, input, output, false);

const converters: Record<string, Converter> = {
  Dense: (b, layer, call) => dense(b, layer as Dense, call),
  Activation: (b, layer, { inputs }) => {
    const name = (layer as Activation).activation as ActivationName;
    if (name === 'softmax' || name === 'logSoftmax') return activation(b, name, inputs[0]!, layer.name, true);
    return perChannel(b, layer, inputs[0]!, (x, out) => activation(b, name, x, out, true));
  },
  LeakyReLU: (b, layer, { inputs }) =>
    perChannel(b, layer, inputs[0]!, (x, name) =>
      b.addNode('LeakyRelu', [x], name, { alpha: { float: (layer as LeakyReLU).alpha } }),
    ),
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
  // Image layers (export-conv.ts, export-conv-more.ts): channels-first inside, channels-last at the model's edges.
  Conv2D: (b, layer, call) => conv2d(b, layer as Conv2D, call, emitActivation),
  Conv2DTranspose: (b, layer, call) => conv2dTranspose(b, layer as Conv2DTranspose, call, emitActivation),
  DepthwiseConv2D: (b, layer, call) => depthwiseConv2d(b, layer as DepthwiseConv2D, call, emitActivation),
  SeparableConv2D: (b, layer, call) => separableConv2d(b, layer as SeparableConv2D, call, emitActivation),
  MaxPooling2D: (b, layer, call) => pool2d(b, layer as MaxPooling2D, call, 'MaxPool'),
  AveragePooling2D: (b, layer, call) => pool2d(b, layer as AveragePooling2D, call, 'AveragePool'),
  BatchNormalization: (b, layer, call) => batchNormalization(b, layer as BatchNormalization, call),
  GlobalAveragePooling2D: globalAveragePooling2d,
  UpSampling2D: (b, layer, call) => upSampling2d(b, layer as UpSampling2D, call),
  ZeroPadding2D: (b, layer, call) => zeroPadding2d(b, layer as ZeroPadding2D, call),
  // Recurrent layers (export-rnn.ts): ONNX's LSTM, GRU and RNN ops; RNN with a built-in cell too.
  LSTM: (b, layer, call) => recurrent(b, layer as RNN, call),
  GRU: (b, layer, call) => recurrent(b, layer as RNN, call),
  SimpleRNN: (b, layer, call) => recurrent(b, layer as RNN, call),
  RNN: (b, layer, call) => recurrent(b, layer as RNN, call),
  // Sequence and text layers (export-sequence.ts).
  Embedding: (b, layer, call) => embedding(b, layer as Embedding, call),
  LayerNormalization: (b, layer, call) => layerNormalization(b, layer as LayerNormalization, call),
  Conv1D: (b, layer, call) => conv1d(b, layer as Conv1D, call, emitActivation),
  Masking: (b, layer, call) => masking(b, layer as Masking, call),
  // Wrappers and nested models (export-wrappers.ts).
  Bidirectional: (b, layer, call) => bidirectional(b, layer as Bidirectional, call),
  TimeDistributed: (b, layer, call) => timeDistributed(b, layer as TimeDistributed, call, exportLayerCall),
  Sequential: (b, layer, call) => nestedSequential(b, layer as Sequential, call, exportLayerCall),
  Model: (b, layer, call) => nestedModel(b, layer as Model, call, exportLayerCall),
  // An imported ONNX model (export-onnx-graph.ts): its nodes as imported, its weights as they are now.
  OnnxGraph: (b, layer, call) => onnxGraph(b, layer, call),
  // A VAE's KL term: deterministic, ½·Σ(μ² + exp(logVar) − 1 − logVar) per sample.
  GaussianKL: (b, layer, call) => gaussianKl(b, layer, call),
};

/**
 * Registered layer classes toOnnx refuses, and why (a new layer class must land in `converters`
 * or here: a test checks every registered class).
 */
export const REFUSED_LAYERS: Readonly<Record<string, string>> = {
  Sampling:
    'draws new random noise in predict too (z = μ + exp(½·logVar)·ε), which no deterministic ONNX graph ' +
    "reproduces: export the VAE's decoder (vae.decoder) to generate, and its encoder (vae.encoder, " +
    'whose first output is the mean μ) to encode',
  SimpleRNNCell: 'is a cell, not a layer: it is exported inside the RNN or SimpleRNN layer that runs it',
  LSTMCell: 'is a cell, not a layer: it is exported inside the RNN or LSTM layer that runs it',
  GRUCell: 'is a cell, not a layer: it is exported inside the RNN or GRU layer that runs it',
};

/** The layer classes toOnnx exports. */
export const EXPORTABLE_LAYERS: readonly string[] = Object.keys(converters);

/**
 * Emit the nodes of one call of `layer`; its output values (one, but for a nested Model's or a
 * Bidirectional's with mergeMode null). Throws an ArgumentError naming the layer and why for a
 * layer that cannot be exported.
 */
export function exportLayerCall(b: OnnxGraphBuilder, layer: Module, call: LayerCall): readonly string[] {
  const className = layer.className;
  if (Object.hasOwn(REFUSED_LAYERS, className)) {
    throw new ArgumentError(`toOnnx: layer '${layer.name}' (${className}) ${REFUSED_LAYERS[className]}`);
  }
  const convert = Object.hasOwn(converters, className) ? converters[className] : undefined;
  if (!convert) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (${className}) is not exportable to ONNX yet ` +
        `(exportable: ${EXPORTABLE_LAYERS.join(', ')})`,
    );
  }
  const masks = masksOf(b);
  const inputMasks = call.inputs.map((v) => masks.get(v));
  const mask = inputMasks.find((m) => m !== undefined);
  const made =
    mask !== undefined && MASK_CONSUMERS.has(className)
      ? consumeMask(b, layer, call, mask)
      : convert(b, layer, call);
  const outputs = typeof made === 'string' ? [made] : made;
  // A nested model's own layers were tracked as they were emitted.
  if (className !== 'Sequential' && className !== 'Model') {
    const out = outputMask(b, layer, call, inputMasks);
    if (out !== undefined) for (const o of outputs) masks.set(o, out);
  }
  return outputs;
}

/** GaussianKL: ½·Σ over all but the batch axis of (μ² + exp(logVar) − 1 − logVar), shape [batch, 1]. */
function gaussianKl(b: OnnxGraphBuilder, layer: Module, { inputs, shapes }: LayerCall): string {
  const [mean, logVar] = [inputs[0]!, inputs[1]!];
  const n = layer.name;
  const one = b.addFloatInitializer(`${n}/one`, [], [1]);
  const perUnit = b.addNode(
    'Sub',
    [
      b.addNode(
        'Sub',
        [
          b.addNode(
            'Add',
            [
              b.addNode('Mul', [mean, mean], `${n}/mean_squared`),
              b.addNode('Exp', [logVar], `${n}/variance`),
            ],
            `${n}/sum`,
          ),
          logVar,
        ],
        `${n}/minus_log_var`,
      ),
      one,
    ],
    `${n}/per_unit`,
  );
  const rank = shapes[0]!.length;
  const axes = b.addInt64Initializer(
    `${n}/axes`,
    Array.from({ length: rank - 1 }, (_, i) => i + 1),
  );
  const summed =
    rank > 1 ? b.addNode('ReduceSum', [perUnit, axes], `${n}/summed`, { keepdims: { int: 0 } }) : perUnit;
  const half = b.addNode('Mul', [summed, b.addFloatInitializer(`${n}/half`, [], [0.5])], `${n}/half_sum`);
  return b.addNode('Reshape', [half, b.addInt64Initializer(`${n}/shape`, [-1, 1])], n);
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
