/**
 * The values inside a Keras layer config, both ways: key spellings (Keras snake_case, backprop's
 * TF.js-style camelCase), initialisers and regularisers ({class_name, config}), activation names
 * and dtypes. Layer-by-layer details are layer-config.ts's.
 */
import { ModelFormatError } from '../../errors.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keras class names of models (a model can be a layer of another). */
export const MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Model', 'Functional']);

/**
 * An operation (not a layer) in a Keras 3 functional model's layer list: the mask arithmetic Keras 3
 * records for Masking, Embedding and merges (NotEqual, Any, LogicalOr, ExpandDims…, module
 * keras.src.ops.*). Operations have no weights (no group in model.weights.h5) and feed only `mask`
 * arguments, which backprop's layers compute themselves.
 */
export function isKerasOperation(layer: { class_name?: unknown; module?: unknown }): boolean {
  return (
    (typeof layer.module === 'string' && layer.module.startsWith('keras.src.ops')) ||
    layer.class_name === 'NotEqual' ||
    layer.class_name === 'Any'
  );
}

/** A ModelFormatError "source: what". */
export function fail(source: string, what: string): never {
  throw new ModelFormatError(`${source}: ${what}`);
}

export const snakeToCamel = (key: string): string =>
  key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** 'kernelSize' → 'kernel_size' (used on config keys and option values, which have no capitals after digits). */
export const camelToSnake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Where an error happened: the file (source) and the layer, as messages name them. */
export interface Where {
  source: string;
  /** e.g. "layer 'dense_1' (Dense)" */
  layer: string;
}

export function refuse(where: Where, why: string): never {
  throw new ModelFormatError(`${where.source}: ${where.layer}: ${why}`);
}

/** Keras 3 objects carry module / registered_name beside class_name and config; these are dropped. */
function classAndConfig(v: Json, what: string, where: Where): { className: string; config: Json } {
  const className = v.class_name ?? v.className;
  if (typeof className !== 'string') refuse(where, `${what} must be { class_name, config }, got ${short(v)}`);
  const config = v.config ?? {};
  if (!isObject(config)) refuse(where, `${what} '${className}' has a config that is not an object`);
  return { className, config };
}

export function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// ---- initialisers -------------------------------------------------------------------------

/** Keras / TF.js initialiser classes backprop has (case and '_' aside), with their option names. */
const KERAS_INITIALIZERS: Record<string, readonly string[]> = {
  zeros: [],
  ones: [],
  constant: ['value'],
  randomnormal: ['mean', 'stddev'],
  randomuniform: ['minval', 'maxval'],
  variancescaling: ['scale', 'mode', 'distribution'],
  glorotnormal: [],
  glorotuniform: [],
  henormal: [],
  heuniform: [],
  lecunnormal: [],
  lecununiform: [],
  orthogonal: ['gain'],
};

/** A Keras initialiser ({class_name, config} or a name) as backprop takes it. */
export function initializerFromKeras(v: unknown, key: string, where: Where): unknown {
  if (typeof v === 'string') {
    if (!(v.toLowerCase().replace(/_/g, '') in KERAS_INITIALIZERS)) unsupportedInitializer(v, key, where);
    return v;
  }
  if (!isObject(v)) refuse(where, `${key} must be an initializer { class_name, config }, got ${short(v)}`);
  const { className, config } = classAndConfig(v, key, where);
  const kind = className.toLowerCase().replace(/_/g, '');
  const known = KERAS_INITIALIZERS[kind];
  if (!known) unsupportedInitializer(className, key, where);
  const out: Json = {};
  for (const [k, value] of Object.entries(config)) {
    // The seed only changes a fresh draw; the weights come from the file.
    if (k === 'seed' || value === null) continue;
    if (!known.includes(k)) refuse(where, `${key} ${className} has an option '${k}' backprop does not know`);
    if (k === 'distribution' && value === 'normal') {
      // Keras 2 and TF.js: 'normal' is the truncated normal.
      out.distribution = 'truncatedNormal';
    } else if (k === 'distribution' && value === 'untruncated_normal') {
      refuse(where, `${key} VarianceScaling with distribution 'untruncated_normal' is not supported`);
    } else {
      out[k] = value;
    }
  }
  return { className, config: out };
}

function unsupportedInitializer(name: string, key: string, where: Where): never {
  refuse(
    where,
    `${key} '${name}' is not supported (supported: Zeros, Ones, Constant, RandomNormal, RandomUniform, ` +
      'VarianceScaling, GlorotNormal/Uniform, HeNormal/Uniform, LecunNormal/Uniform, Orthogonal)',
  );
}

/** backprop's 'glorotUniform' → Keras' 'GlorotUniform'. */
const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

export function initializerToKeras(v: unknown): unknown {
  if (!isObject(v) || typeof v.className !== 'string') return v;
  const config: Json = {};
  for (const [k, value] of Object.entries(isObject(v.config) ? v.config : {})) {
    config[camelToSnake(k)] = k === 'mode' || k === 'distribution' ? camelToSnake(String(value)) : value;
  }
  return { class_name: pascal(v.className), config };
}

// ---- regularisers -------------------------------------------------------------------------

export function regularizerFromKeras(v: unknown, key: string, where: Where): unknown {
  if (typeof v === 'string') return v.toLowerCase();
  if (!isObject(v)) refuse(where, `${key} must be a regularizer { class_name, config }, got ${short(v)}`);
  const { className, config } = classAndConfig(v, key, where);
  const kind = className.toLowerCase().replace(/_/g, '');
  if (kind !== 'l1l2' && kind !== 'l1' && kind !== 'l2') {
    refuse(where, `${key} '${className}' is not supported (supported: L1, L2, L1L2)`);
  }
  return { className: kind, config };
}

export function regularizerToKeras(v: unknown): unknown {
  if (!isObject(v)) return v;
  return { class_name: 'L1L2', config: { ...(isObject(v.config) ? v.config : {}) } };
}

// ---- activations --------------------------------------------------------------------------

/** Keras names of the activations backprop has with the same function. */
const KERAS_ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  sigmoid: 'sigmoid',
  hard_sigmoid: 'hardSigmoid',
  hardsigmoid: 'hardSigmoid',
  tanh: 'tanh',
  relu: 'relu',
  elu: 'elu',
  softplus: 'softplus',
  softmax: 'softmax',
  log_softmax: 'logSoftmax',
  logsoftmax: 'logSoftmax',
};

/**
 * A Keras activation name as backprop spells it. Keras 3 changed hard_sigmoid (relu6(x + 3) / 6,
 * where Keras 2 and TF.js use clip(0.2·x + 0.5, 0, 1)), so with `keras3` it is refused; leaky_relu
 * (slope 0.2 in Keras, 0.01 in backprop's activation) is refused too — use a LeakyReLU layer.
 */
export function activationFromKeras(v: unknown, key: string, where: Where, keras3: boolean): string {
  if (v === null || v === undefined) return 'linear';
  // Keras 3 may write { module, class_name: 'function', config: 'relu' }.
  const name = isObject(v) && typeof v.config === 'string' ? v.config : v;
  if (typeof name !== 'string') refuse(where, `${key} must be an activation name, got ${short(v)}`);
  const mapped = KERAS_ACTIVATIONS[name] ?? KERAS_ACTIVATIONS[camelToSnake(name)];
  if (keras3 && mapped === 'hardSigmoid') {
    refuse(
      where,
      `${key} 'hard_sigmoid' is not supported in a Keras 3 model (Keras 3's is relu6(x + 3) / 6, backprop's the clip(0.2·x + 0.5, 0, 1) of Keras 2 and TF.js)`,
    );
  }
  if (!mapped) {
    refuse(
      where,
      `${key} '${name}' is not supported (supported: linear, sigmoid, ${keras3 ? '' : 'hard_sigmoid, '}tanh, relu, elu, softplus, softmax, log_softmax)`,
    );
  }
  return mapped;
}

/** backprop's activation name in Keras' spelling; leakyRelu (no Keras activation with its slope) is refused. */
export function activationToKeras(name: unknown, where: Where): string {
  if (name === 'leakyRelu') {
    refuse(
      where,
      "activation 'leakyRelu' has no Keras / TF.js activation with backprop's slope 0.01 (use a LeakyReLU layer)",
    );
  }
  return camelToSnake(String(name));
}

// ---- dtypes -------------------------------------------------------------------------------

/** Keras 2 / TF.js write 'float32'; Keras 3 a DTypePolicy { class_name, config: { name } }. */
export function dtypeName(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (isObject(v) && isObject(v.config) && typeof v.config.name === 'string') return v.config.name;
  return short(v);
}
