/**
 * Optimisers by name, for `compile({ optimizer: 'adam' })` and for loading saved models.
 *
 * Accepted specs (anything else is an ArgumentError saying what was wrong):
 * - an Optimizer instance;
 * - a name: 'sgd', 'momentum' (SGD with μ 0.9), 'adagrad', 'rmsprop', 'adam', 'adamw', 'adamax',
 *   'nadam', in any case
 *   and with or without '_' ('Adam', 'RMSProp' as TF.js spells it);
 * - `{ className, config? }` (backprop's saved form, TF.js's) or Keras' `{ class_name, config?,
 *   module?, registered_name? }`. The config takes backprop's option names, and Keras' snake_case
 *   ones where they mean the same thing (KERAS_NAMES below); Keras bookkeeping entries that change
 *   nothing (null values, `name`, `amsgrad: false`, `use_ema: false`…) are skipped.
 */
import {
  checkOptions,
  classSpec,
  describeValue,
  isOptionsObject,
  NameRegistry,
  type Options,
} from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { learningRateFromConfig, Optimizer } from './optimizer.js';
import { Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop, SGD } from './rules.js';

export type OptimizerName =
  | 'sgd'
  | 'momentum'
  | 'adagrad'
  | 'rmsprop'
  | 'adam'
  | 'adamw'
  | 'adamax'
  | 'nadam';
/** The class names Keras and TF.js write ('RMSProp' is TF.js's spelling). */
export type OptimizerClassName =
  | 'SGD'
  | 'Momentum'
  | 'Adagrad'
  | 'RMSprop'
  | 'RMSProp'
  | 'Adam'
  | 'AdamW'
  | 'Adamax'
  | 'Nadam';
/** The `{ className, config }` form (config optional); Keras' `class_name` is accepted too. */
export type OptimizerSpec = { className: string; config?: Record<string, unknown> };
/**
 * What compile() takes as `optimizer`: a name ('adam', 'Adam') — a misspelt one does not compile —
 * an Optimizer, or its `{ className, config }` spec.
 */
export type OptimizerLike = OptimizerName | OptimizerClassName | Optimizer | OptimizerSpec;

const optimizers = new NameRegistry<(config: Options) => Optimizer>('optimizer', [
  ['sgd', (c) => new SGD(c)],
  // The tutorials' "Momentum" (and TF.js's MomentumOptimizer): SGD with μ = 0.9 unless given.
  ['momentum', (c) => new SGD({ momentum: 0.9, ...c })],
  ['adagrad', (c) => new Adagrad(c)],
  ['rmsprop', (c) => new RMSprop(c)],
  ['adam', (c) => new Adam(c)],
  ['adamw', (c) => new AdamW(c)],
  ['adamax', (c) => new Adamax(c)],
  ['nadam', (c) => new Nadam(c)],
]);

/** Keras (snake_case) and TF.js option names that mean exactly what a backprop option means. */
const KERAS_NAMES: Readonly<Record<string, string>> = {
  learning_rate: 'learningRate',
  beta_1: 'beta1',
  beta_2: 'beta2',
  initial_accumulator_value: 'initialAccumulatorValue',
  clipvalue: 'clipValue',
  // backprop's clipNorm scales all gradients by their global norm, as Keras' global_clipnorm does.
  global_clipnorm: 'clipNorm',
  useNesterov: 'nesterov',
};

/** Keras entries that change nothing when they hold these values (Keras writes them into every config). */
const KERAS_NEUTRAL: Readonly<Record<string, (v: unknown) => boolean>> = {
  name: (v) => typeof v === 'string',
  amsgrad: (v) => v === false,
  centered: (v) => v === false,
  use_ema: (v) => v === false,
  ema_momentum: (v) => typeof v === 'number',
  ema_overwrite_frequency: (v) => v === null || typeof v === 'number',
  jit_compile: (v) => typeof v === 'boolean',
  is_legacy_optimizer: (v) => v === false,
  decay: (v) => v === 0,
  momentum: (v) => v === 0,
};

/** Keras entries whose meaning differs from backprop's option of a similar name. */
const KERAS_DIFFERENT: Readonly<Record<string, string>> = {
  clipnorm:
    "Keras' clipnorm clips each gradient separately; backprop's clipNorm is the global norm (Keras' global_clipnorm)",
  weight_decay:
    "Keras' weight_decay is decoupled; use className 'AdamW' with weightDecay, or weightDecay (coupled L2) by its backprop name",
};

/** Translate Keras/TF.js names in a `{ className, config }` config to backprop's. */
function translateConfig(className: string, config: Options): Options {
  const out: Options = {};
  const isRmsprop = className.toLowerCase() === 'rmsprop';
  for (const [key, value] of Object.entries(config)) {
    const target = Object.hasOwn(KERAS_NAMES, key) ? KERAS_NAMES[key]! : key;
    if (target !== key && value === null) continue; // Keras writes null for "off"
    // RMSprop's Keras momentum (0 by default) is not SGD's momentum; anywhere else momentum is ours.
    const neutral = Object.hasOwn(KERAS_NEUTRAL, key) && (key !== 'momentum' || isRmsprop);
    if (neutral && KERAS_NEUTRAL[key]!(value)) continue;
    if (Object.hasOwn(KERAS_DIFFERENT, key) && value !== null && value !== 0) {
      throw new ArgumentError(`${className}: option '${key}' is not supported — ${KERAS_DIFFERENT[key]}`);
    }
    if (Object.hasOwn(KERAS_DIFFERENT, key)) continue; // null or 0: off, as when left out
    if (Object.hasOwn(out, target)) {
      throw new ArgumentError(
        `${className}: option '${target}' is given twice (as '${key}' and another spelling)`,
      );
    }
    out[target] = value;
  }
  return out;
}

/** Any string is taken here and checked at run time; compile() takes only the spellings in OptimizerLike. */
export function getOptimizer(spec: OptimizerLike | (string & {})): Optimizer {
  if (spec instanceof Optimizer) return spec;
  if (typeof spec === 'string') return optimizers.get(spec)({});
  if (!isOptionsObject(spec)) {
    throw new ArgumentError(
      `optimizer must be a name ('adam'), an Optimizer (new Adam({ … })) or { className, config }, got ${describeValue(spec)}`,
    );
  }
  const { className } = classSpec('optimizer spec { className, config }', spec);
  const make = optimizers.get(className, 'optimizer spec');
  const rawConfig = checkOptions(
    `${String(className)}`,
    spec.config,
    Object.keys(spec.config ?? {}),
    {},
    'config',
  );
  const config = translateConfig(String(className), rawConfig);
  if (config.learningRate !== undefined) config.learningRate = learningRateFromConfig(config.learningRate);
  return make(config);
}
