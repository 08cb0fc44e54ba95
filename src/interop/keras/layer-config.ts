/**
 * One layer's config, Keras ⇄ backprop. backprop's configs are TF.js' (camelCase keys, Keras'
 * option names and meanings), so the translation is the key spelling plus, per layer, what Keras
 * writes that backprop has no option for: left out where its value changes nothing (null
 * constraints, data_format 'channels_last', a seed…), refused naming the layer where it would
 * (channels_first, a constraint, an activity regularizer…). The rest goes to the layer's own
 * constructor, which refuses any option it does not know — so nothing Keras says is dropped silently.
 * Weights need no translation: backprop's layers keep Keras' layouts and `get_weights()` order.
 */
import { ModelFormatError } from '../../errors.js';
import {
  activationFromKeras,
  activationToKeras,
  camelToSnake,
  dtypeName,
  initializerFromKeras,
  initializerToKeras,
  isObject,
  type Json,
  refuse,
  regularizerFromKeras,
  regularizerToKeras,
  short,
  snakeToCamel,
  type Where,
} from './keras-values.js';

export interface LayerSpec {
  className: string;
  config: Json;
}

/** The merge layers: Keras 3 combines their inputs' masks otherwise than Keras 2 / TF.js. */
const MERGE_CLASS_NAMES = [
  'Add',
  'Subtract',
  'Multiply',
  'Average',
  'Maximum',
  'Minimum',
  'Concatenate',
] as const;
export const MERGE_CLASSES: ReadonlySet<string> = new Set(MERGE_CLASS_NAMES);

/** Layer classes backprop and Keras share, by Keras' class name. */
export const KERAS_LAYER_CLASSES = [
  'InputLayer',
  'Dense',
  'Activation',
  'LeakyReLU',
  'Dropout',
  'GaussianNoise',
  'GaussianDropout',
  'Flatten',
  'Reshape',
  ...MERGE_CLASS_NAMES,
  'Conv1D',
  'Conv2D',
  'Conv2DTranspose',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'UpSampling2D',
  'ZeroPadding2D',
  'BatchNormalization',
  'LayerNormalization',
  'Embedding',
  'Masking',
  'SimpleRNN',
  'LSTM',
  'GRU',
  'Bidirectional',
  'TimeDistributed',
] as const;

/** Other names Keras (and TF.js) give the same layers. */
const ALIASES: Record<string, string> = {
  Convolution1D: 'Conv1D',
  Convolution2D: 'Conv2D',
  Deconvolution2D: 'Conv2DTranspose',
  SeparableConvolution2D: 'SeparableConv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
};
/** Keras layers backprop expresses with another layer: ReLU, Softmax, ELU → Activation (or LeakyReLU). */
const EXPRESSED = ['ReLU', 'Softmax', 'ELU'];

/** Every Keras class name modelFromKeras takes (models aside). */
export const SUPPORTED_KERAS_LAYERS: readonly string[] = [...KERAS_LAYER_CLASSES, ...EXPRESSED];

export interface FromKerasContext {
  source: string;
  /** Keras 3 (a .keras file): some names mean other things there (hard_sigmoid). */
  keras3: boolean;
  /**
   * BatchNormalization layers saved with a positive axis (Keras 2 writes [3] after building):
   * backprop's normalises over the last axis, checked once the input rank is known (from-keras.ts).
   * (LayerNormalization's axis counts the batch axis in both, so it is taken as it is.)
   */
  lastAxisChecks: { layer: string; axis: number; label: string }[];
}

// Keys Keras writes that never change what a loaded layer computes.
const IGNORED = new Set([
  'name',
  'dtype',
  'seed',
  'autocast',
  'input_length', // Embedding (Keras 2): only a shape hint
  'unroll',
  'implementation',
  'use_cudnn',
  'fused',
  'renorm_momentum',
  'lora_alpha',
  'input_dtype',
  'batch_input_shape',
  'batch_shape',
  'input_shape',
  'batch_size',
]);

// Keys whose value is accepted only if it is Keras' default (which is backprop's behaviour).
const NEUTRAL: Record<string, (v: unknown) => boolean> = {
  activity_regularizer: (v) => v === null,
  data_format: (v) => v === null || v === 'channels_last',
  sparse: (v) => v === false || v === null,
  ragged: (v) => v === false || v === null,
  synchronized: (v) => v === false,
  renorm: (v) => v === false,
  renorm_clipping: (v) => v === null,
  virtual_batch_size: (v) => v === null,
  adjustment: (v) => v === null,
  time_major: (v) => v === false,
  noise_shape: (v) => v === null,
  groups: (v) => v === 1,
  keepdims: (v) => v === false,
  rms_scaling: (v) => v === false,
  lora_rank: (v) => v === null,
  quantization_config: (v) => v === null,
};

/** Keys where null means something other than "the default". */
const NULL_MEANS_SOMETHING = new Set(['merge_mode']);

/** "layer 'conv2d' (Conv2D)" as errors name it. */
export function layerLabel(className: string, name: unknown): string {
  return typeof name === 'string' ? `layer '${name}' (${className})` : `a ${className} layer`;
}

/**
 * A Keras layer (class_name, config) as a backprop layer spec. Containers (Sequential, Model,
 * Functional) are from-keras.ts's; anything backprop cannot express is a ModelFormatError naming
 * the layer, its class and the supported ones.
 */
export function layerFromKeras(kerasClass: string, kerasConfig: Json, ctx: FromKerasContext): LayerSpec {
  const where: Where = { source: ctx.source, layer: layerLabel(kerasClass, kerasConfig.name) };
  const className = ALIASES[kerasClass] ?? kerasClass;
  if (EXPRESSED.includes(className)) return expressed(className, kerasConfig, where);
  if (!(KERAS_LAYER_CLASSES as readonly string[]).includes(className) || className === 'InputLayer') {
    refuse(
      where,
      `class '${kerasClass}' is not supported (supported: ${SUPPORTED_KERAS_LAYERS.filter((c) => c !== 'InputLayer').join(', ')}, and Sequential / functional models)`,
    );
  }
  const config: Json = {};
  if (typeof kerasConfig.name === 'string') config.name = kerasConfig.name;
  const dtype = dtypeName(kerasConfig.dtype);
  if (dtype !== null && !/float/.test(dtype))
    refuse(where, `dtype '${dtype}' is not supported (float32 only)`);
  for (const [key, value] of Object.entries(kerasConfig)) {
    if (IGNORED.has(key)) continue;
    const neutral = NEUTRAL[key];
    if (neutral) {
      if (neutral(value)) continue;
      if (key === 'data_format') {
        refuse(where, `data_format '${String(value)}' is not supported (backprop is channels-last only)`);
      }
      refuse(where, `${key} ${short(value)} is not supported`);
    }
    if (key.endsWith('_constraint')) {
      if (value === null) continue;
      refuse(where, `${key} ${short(value)} is not supported (backprop has no weight constraints)`);
    }
    if (value === null && !NULL_MEANS_SOMETHING.has(key)) continue;
    config[snakeToCamel(key)] = valueFromKeras(key, value, where, ctx);
  }
  return fixFromKeras({ className, config }, where, ctx);
}

function valueFromKeras(key: string, value: unknown, where: Where, ctx: FromKerasContext): unknown {
  if (key.endsWith('_initializer')) return initializerFromKeras(value, key, where);
  if (key.endsWith('_regularizer')) return regularizerFromKeras(value, key, where);
  if (key === 'activation' || key === 'recurrent_activation') {
    return activationFromKeras(value, key, where, ctx.keras3);
  }
  if (key === 'layer' || key === 'backward_layer') {
    if (!isObject(value) || typeof value.class_name !== 'string' || !isObject(value.config)) {
      refuse(where, `${key} must be a layer { class_name, config }, got ${short(value)}`);
    }
    return layerFromKeras(value.class_name, value.config, ctx);
  }
  return value;
}

/** Per-layer details after the generic translation. */
function fixFromKeras(spec: LayerSpec, where: Where, ctx: FromKerasContext): LayerSpec {
  const c = spec.config;
  // Keras 3: no mask if an input has none, else the masks OR-ed (Keras 2 / TF.js: AND of the masked ones).
  if (ctx.keras3 && MERGE_CLASSES.has(spec.className)) c.maskMerge = 'any';
  switch (spec.className) {
    case 'LeakyReLU':
      // Keras 3 calls it negative_slope.
      if (c.negativeSlope !== undefined) {
        c.alpha = c.negativeSlope;
        delete c.negativeSlope;
      }
      break;
    case 'BatchNormalization':
      lastAxis(c, 'axis', where, ctx);
      break;
    case 'Bidirectional': {
      // Keras 3 writes the backward copy too; the mirror of `layer` is what backprop makes anyway.
      const back = c.backwardLayer as LayerSpec | undefined;
      const fwd = c.layer as LayerSpec | undefined;
      if (back && fwd && isMirror(fwd, back)) delete c.backwardLayer;
      break;
    }
  }
  return spec;
}

/** The backward layer Keras makes from `forward`: same class and config but name and goBackwards. */
function isMirror(forward: LayerSpec, backward: LayerSpec): boolean {
  const strip = (s: LayerSpec) => {
    const { name: _n, goBackwards, ...rest } = s.config;
    return { className: s.className, rest, backwards: goBackwards === true };
  };
  const f = strip(forward);
  const b = strip(backward);
  return (
    f.className === b.className &&
    f.backwards !== b.backwards &&
    JSON.stringify(f.rest) === JSON.stringify(b.rest)
  );
}

/** BatchNormalization has no axis option (it is the last one); a positive axis is checked later. */
function lastAxis(c: Json, key: string, where: Where, ctx: FromKerasContext): void {
  const v = c[key];
  const axis = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (v === undefined || axis === -1) {
    delete c[key];
    return;
  }
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < 1) {
    refuse(where, `axis ${short(v)} is not supported (only the last axis, -1)`);
  }
  ctx.lastAxisChecks.push({ layer: String(c.name), axis, label: where.layer });
  delete c[key];
}

/** ReLU / Softmax / ELU layers as backprop's Activation or LeakyReLU. */
function expressed(className: string, k: Json, where: Where): LayerSpec {
  const name = typeof k.name === 'string' ? { name: k.name } : {};
  const trainable = typeof k.trainable === 'boolean' ? { trainable: k.trainable } : {};
  const known = (keys: string[]) => {
    for (const [key, v] of Object.entries(k)) {
      if (key === 'name' || key === 'trainable' || IGNORED.has(key) || keys.includes(key)) continue;
      if (v === null) continue;
      refuse(where, `option ${key} ${short(v)} is not supported`);
    }
  };
  if (className === 'ReLU') {
    known(['max_value', 'negative_slope', 'threshold']);
    if ((k.max_value ?? null) !== null || (k.threshold ?? 0) !== 0) {
      const set = [
        (k.max_value ?? null) !== null && `max_value ${short(k.max_value)}`,
        (k.threshold ?? 0) !== 0 && `threshold ${short(k.threshold)}`,
      ].filter(Boolean);
      refuse(where, `a ReLU with ${set.join(' and ')} is not supported (only max_value null, threshold 0)`);
    }
    const slope = k.negative_slope ?? 0;
    if (typeof slope !== 'number') refuse(where, `negative_slope must be a number, got ${short(slope)}`);
    return slope === 0
      ? { className: 'Activation', config: { ...name, ...trainable, activation: 'relu' } }
      : { className: 'LeakyReLU', config: { ...name, ...trainable, alpha: slope } };
  }
  if (className === 'Softmax') {
    known(['axis']);
    const axis = Array.isArray(k.axis) && k.axis.length === 1 ? k.axis[0] : (k.axis ?? -1);
    if (axis !== -1) refuse(where, `softmax over axis ${short(k.axis)} is not supported (only -1)`);
    return { className: 'Activation', config: { ...name, ...trainable, activation: 'softmax' } };
  }
  // ELU
  known(['alpha']);
  if ((k.alpha ?? 1) !== 1) refuse(where, `an ELU with alpha ${short(k.alpha)} is not supported (only 1)`);
  return { className: 'Activation', config: { ...name, ...trainable, activation: 'elu' } };
}

// ---- backprop → Keras ---------------------------------------------------------------------

/**
 * A backprop layer spec as Keras / TF.js write it (snake_case keys, {class_name, config}
 * initialisers). A layer without a Keras equivalent (Sampling, a custom class…) is refused.
 */
export function layerToKeras(spec: LayerSpec, source = 'model'): { class_name: string; config: Json } {
  const where: Where = { source, layer: layerLabel(spec.className, spec.config.name) };
  if (spec.className === 'OnnxGraph') {
    throw new ModelFormatError(
      `${source}: ${where.layer}: a model imported from ONNX exports to ONNX only (it runs the ONNX graph's nodes, which have no Keras / TF.js layers)`,
    );
  }
  if (
    !(KERAS_LAYER_CLASSES as readonly string[]).includes(spec.className) ||
    spec.className === 'InputLayer'
  ) {
    throw new ModelFormatError(
      `${source}: ${where.layer} has no Keras / TF.js equivalent (layers with one: ${KERAS_LAYER_CLASSES.filter((c) => c !== 'InputLayer').join(', ')})`,
    );
  }
  if (spec.className === 'Activation' && spec.config.activation === 'leakyRelu') {
    const { name, trainable } = spec.config;
    return { class_name: 'LeakyReLU', config: { name, trainable, alpha: 0.01 } };
  }
  const config: Json = {};
  for (const [key, value] of Object.entries(spec.config)) {
    // Only a layer's declared input shape; Embedding's inputDim is its vocabulary size.
    if (key === 'inputShape' || (key === 'inputDim' && spec.className !== 'Embedding')) continue;
    if (value === null && key !== 'mergeMode') continue;
    // Keras 2 / TF.js merge masks one way only ('all'); toTfjs refuses 'any' where a mask reaches it.
    if (key === 'maskMerge') continue;
    config[camelToSnake(key)] = valueToKeras(key, value, where, source);
  }
  if (spec.className === 'BatchNormalization') config.axis = -1;
  return { class_name: spec.className, config };
}

function valueToKeras(key: string, value: unknown, where: Where, source: string): unknown {
  if (key.endsWith('Initializer')) return initializerToKeras(value);
  if (key.endsWith('Regularizer')) return regularizerToKeras(value);
  if (key === 'activation' || key === 'recurrentActivation') return activationToKeras(value, where);
  if ((key === 'layer' || key === 'backwardLayer') && isObject(value)) {
    return layerToKeras(value as unknown as LayerSpec, source);
  }
  return value;
}
