/** Layer classes by saved name, so a model file can be turned back into layers. */
import { checkOptions, describeValue, suggestion } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { Activation } from './activation.js';
import { BatchNormalization } from './batch-norm.js';
import { Conv1D } from './conv1d.js';
import { Conv2D } from './conv2d.js';
import { Conv2DTranspose } from './conv2d-transpose.js';
import { Dense } from './dense.js';
import { DepthwiseConv2D } from './depthwise-conv2d.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Flatten } from './flatten.js';
import { GaussianKL } from './gaussian-kl.js';
import { GaussianDropout, GaussianNoise } from './gaussian-noise.js';
import { LayerNormalization } from './layer-norm.js';
import { LeakyReLU } from './leaky-relu.js';
import { Masking } from './masking.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge/index.js';
import type { Module } from './module.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from './pooling.js';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell } from './recurrent/index.js';
import { Reshape } from './reshape.js';
import { Sampling } from './sampling.js';
import { SeparableConv2D } from './separable-conv2d.js';
import { UpSampling2D } from './up-sampling.js';
import { Bidirectional } from './wrappers/bidirectional.js';
import { TimeDistributed } from './wrappers/time-distributed.js';
import { ZeroPadding2D } from './zero-padding.js';

type LayerFactory = (config: Record<string, unknown>) => Module;

const factories = new Map<string, LayerFactory>([
  ['Dense', (c) => new Dense(c as never)],
  ['Activation', (c) => new Activation(c as never)],
  ['LeakyReLU', (c) => new LeakyReLU(c as never)],
  ['Dropout', (c) => new Dropout(c as never)],
  ['GaussianNoise', (c) => new GaussianNoise(c as never)],
  ['GaussianDropout', (c) => new GaussianDropout(c as never)],
  // A VAE's reparameterised draw and its KL term ([mean, logVar] in).
  ['Sampling', (c) => new Sampling(c as never)],
  ['GaussianKL', (c) => new GaussianKL(c as never)],
  ['Flatten', (c) => new Flatten(c as never)],
  ['Reshape', (c) => new Reshape(c as never)],
  ['Conv2D', (c) => new Conv2D(c as never)],
  ['MaxPooling2D', (c) => new MaxPooling2D(c as never)],
  ['AveragePooling2D', (c) => new AveragePooling2D(c as never)],
  ['GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(c as never)],
  ['BatchNormalization', (c) => new BatchNormalization(c as never)],
  ['LayerNormalization', (c) => new LayerNormalization(c as never)],
  ['Conv1D', (c) => new Conv1D(c as never)],
  ['Conv2DTranspose', (c) => new Conv2DTranspose(c as never)],
  ['DepthwiseConv2D', (c) => new DepthwiseConv2D(c as never)],
  ['SeparableConv2D', (c) => new SeparableConv2D(c as never)],
  ['UpSampling2D', (c) => new UpSampling2D(c as never)],
  ['ZeroPadding2D', (c) => new ZeroPadding2D(c as never)],
  // Recurrent layers and their cells.
  ['SimpleRNN', (c) => new SimpleRNN(c as never)],
  ['LSTM', (c) => new LSTM(c as never)],
  ['GRU', (c) => new GRU(c as never)],
  ['RNN', (c) => new RNN(c as never)],
  ['SimpleRNNCell', (c) => new SimpleRNNCell(c as never)],
  ['LSTMCell', (c) => new LSTMCell(c as never)],
  ['GRUCell', (c) => new GRUCell(c as never)],
  // Sequences: embeddings, masks and the wrappers (which rebuild their layer from its config).
  ['Embedding', (c) => new Embedding(c as never)],
  ['Masking', (c) => new Masking(c as never)],
  ['Bidirectional', (c) => new Bidirectional(c as never)],
  ['TimeDistributed', (c) => new TimeDistributed(c as never)],
  // Merge layers (a list of tensors in, one out).
  ['Concatenate', (c) => new Concatenate(c as never)],
  ['Add', (c) => new Add(c as never)],
  ['Subtract', (c) => new Subtract(c as never)],
  ['Multiply', (c) => new Multiply(c as never)],
  ['Average', (c) => new Average(c as never)],
  ['Maximum', (c) => new Maximum(c as never)],
  ['Minimum', (c) => new Minimum(c as never)],
]);

/** The class names a saved model may name (the built-in layers, cells and models, and any registered). */
export function registeredLayerClasses(): string[] {
  return [...factories.keys()];
}

/** Make a custom layer class loadable from saved models. */
export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

/**
 * Make a layer (or module) class loadable by its static `className`, constructed from its saved
 * config: `class Bilinear extends Module { static className = 'Bilinear'; … }` then
 * `registerClass(Bilinear)`. The instances' `className` must say the same (it is what is saved).
 */
export function registerClass(cls: (new (config: never) => Module) & { className?: unknown }): void {
  if (typeof cls !== 'function' || typeof cls.className !== 'string' || cls.className.length === 0) {
    throw new ArgumentError(
      `registerClass(): give a class with a static className (the name it is saved under), got ${describeValue(cls)}`,
    );
  }
  factories.set(cls.className, (c) => new cls(c as never));
}

export function layerFromConfig(spec: { className: string; config: Record<string, unknown> }): Module {
  const o = checkOptions('layer spec { className, config }', spec, ['className', 'config']);
  // A Map, so 'constructor' or '__proto__' are unknown classes, not Object.prototype's members.
  const factory = typeof o.className === 'string' ? factories.get(o.className) : undefined;
  if (!factory) {
    const name = typeof o.className === 'string' ? `'${o.className}'` : describeValue(o.className);
    const known = [...factories.keys()];
    throw new ArgumentError(
      `unknown layer class ${name}${typeof o.className === 'string' ? suggestion(o.className, known) : ` (known: ${known.join(', ')})`}`,
    );
  }
  return factory(o.config === undefined ? {} : (o.config as Record<string, unknown>));
}
