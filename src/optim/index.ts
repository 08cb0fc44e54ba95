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
 *   nothing (null values, `name`, `amsgrad: false`, `use_ema: false`, `loss_scale_factor`…) are
 *   skipped, and refused by name when set to what backprop cannot do. A learning rate may be a
 *   saved schedule, backprop's or Keras' (schedules.ts).
 */
import {
  checkOptions,
  classSpec,
  describeValue,
  isOptionsObject,
  NameRegistry,
  normalizeName,
  type OffOnlyEntry,
  type Options,
  requireOff,
  withContext,
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

/**
 * Entries Keras writes into every optimizer config — Keras 3's BaseOptimizer.get_config (name,
 * use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps),
 * tf.keras 2.11+'s (jit_compile, is_legacy_optimizer, and the legacy decay) — and the rules'
 * switches backprop has no counterpart for: `off` says when the entry changes nothing (it is then
 * skipped), `why` is the refusal otherwise.
 */
const KERAS_BOOKKEEPING: Readonly<Record<string, OffOnlyEntry>> = {
  name: { off: (v) => v === null || typeof v === 'string', why: 'a name is a string' },
  use_ema: { off: (v) => v === null || v === false, why: 'weight averaging (EMA) is not implemented' },
  // Read by Keras only when use_ema is on, which is refused above.
  ema_momentum: { off: (v) => v === null || typeof v === 'number', why: 'it must be a number' },
  ema_overwrite_frequency: { off: (v) => v === null || typeof v === 'number', why: 'it must be a number' },
  // Keras multiplies the loss by it and divides the gradients by it before clipping, so that float16
  // gradients do not underflow; in float32 the two cancel (the logged loss is the unscaled one).
  loss_scale_factor: {
    off: (v) => v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0),
    why: 'it must be null or a positive number',
  },
  // Keras treats 0 as off too (it tests the value's truth, and refuses 1).
  gradient_accumulation_steps: {
    off: (v) => v === null || v === 0 || v === false,
    why: 'gradient accumulation is not implemented (a batch that many times larger averages the same gradients)',
  },
  jit_compile: { off: (v) => typeof v === 'boolean', why: 'it must be true or false' },
  is_legacy_optimizer: { off: (v) => v === false, why: "Keras' legacy optimizers are not read" },
  decay: {
    off: (v) => v === null || v === 0,
    why: 'use a learning-rate schedule (exponentialDecay, stepDecay, cosineDecay) as learningRate',
  },
  amsgrad: { off: (v) => v === null || v === false, why: 'AMSGrad is not implemented' },
  centered: { off: (v) => v === null || v === false, why: 'centered RMSprop is not implemented' },
};

/** RMSprop's Keras momentum (0 by default) is not SGD's momentum: only 0 is read, as "off". */
const RMSPROP_MOMENTUM: OffOnlyEntry = {
  off: (v: unknown) => v === null || v === 0,
  why: 'RMSprop with momentum is not implemented',
};

/** Keras entries whose meaning differs from backprop's option of a similar name. */
const KERAS_DIFFERENT: Readonly<Record<string, string>> = {
  clipnorm:
    "Keras' clipnorm clips each gradient separately; backprop's clipNorm is the global norm (Keras' global_clipnorm)",
  weight_decay:
    "Keras' weight_decay is decoupled; use className 'AdamW' with weightDecay, or weightDecay (coupled L2) by its backprop name",
};

/** How to read `key` if it is a Keras bookkeeping entry (momentum is one only in RMSprop's config). */
function bookkeepingEntry(key: string, isRmsprop: boolean): OffOnlyEntry | undefined {
  if (key === 'momentum') return isRmsprop ? RMSPROP_MOMENTUM : undefined;
  return Object.hasOwn(KERAS_BOOKKEEPING, key) ? KERAS_BOOKKEEPING[key] : undefined;
}

/** The Keras names of one class's config: AdamW's weight_decay is decoupled, as backprop's AdamW's. */
function kerasNames(className: string): Readonly<Record<string, string>> {
  return normalizeName(className) === 'adamw' ? { ...KERAS_NAMES, weight_decay: 'weightDecay' } : KERAS_NAMES;
}

/** Translate Keras/TF.js names in a `{ className, config }` config to backprop's. */
function translateConfig(className: string, config: Options): Options {
  const out: Options = {};
  const names = kerasNames(className);
  const isRmsprop = normalizeName(className) === 'rmsprop';
  for (const [key, value] of Object.entries(config)) {
    const target = Object.hasOwn(names, key) ? names[key]! : key;
    if (target !== key && value === null) continue; // Keras writes null for "off"
    const bookkeeping = bookkeepingEntry(key, isRmsprop);
    if (bookkeeping !== undefined) {
      requireOff(className, key, value, bookkeeping);
      continue;
    }
    if (target === key && Object.hasOwn(KERAS_DIFFERENT, key)) {
      if (value !== null && value !== 0) {
        throw new ArgumentError(`${className}: option '${key}' is not supported — ${KERAS_DIFFERENT[key]}`);
      }
      continue; // null or 0: off, as when left out
    }
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
  // A saved schedule (backprop's or Keras'): its errors say which optimiser's learning rate it was.
  if (config.learningRate !== undefined) {
    config.learningRate = withContext(`${String(className)}: learningRate`, () =>
      learningRateFromConfig(config.learningRate),
    );
  }
  return make(config);
}
