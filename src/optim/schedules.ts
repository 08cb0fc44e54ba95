/**
 * Learning-rate schedules: functions of the optimiser's step count (batches seen), as in Keras.
 * Options are checked when a schedule is made, so `at()` (called every step) does no checking.
 */
import {
  booleanOption,
  checkOptions,
  classSpec,
  describeValue,
  isOptionsObject,
  NameRegistry,
  numberOption,
  type OffOnlyEntry,
  requireOff,
  withContext,
} from '../config/options.js';
import { ArgumentError } from '../errors.js';

export interface LearningRateSchedule {
  readonly className: string;
  readonly config: Record<string, number | boolean>;
  /** The learning rate for optimiser step `step` (0-based). */
  at(step: number): number;
}

const POSITIVE = { min: 0, minExclusive: true } as const;

/** lr · gamma^⌊step / stepSize⌋: drop by a factor every `stepSize` steps. */
export function stepDecay(options: {
  initialLearningRate: number;
  stepSize: number;
  gamma?: number;
}): LearningRateSchedule {
  const c = 'stepDecay';
  const o = checkOptions(c, options, ['initialLearningRate', 'stepSize', 'gamma']);
  const initialLearningRate = numberOption(c, 'initialLearningRate', o.initialLearningRate, POSITIVE);
  const stepSize = numberOption(c, 'stepSize', o.stepSize, POSITIVE);
  const gamma = numberOption(c, 'gamma', o.gamma, POSITIVE, 0.1);
  return {
    className: 'stepDecay',
    config: { initialLearningRate, stepSize, gamma },
    at: (step) => initialLearningRate * gamma ** Math.floor(step / stepSize),
  };
}

/** lr · decayRate^(step / decaySteps), or with ⌊·⌋ when staircase. */
export function exponentialDecay(options: {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}): LearningRateSchedule {
  const c = 'exponentialDecay';
  const o = checkOptions(c, options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
  const initialLearningRate = numberOption(c, 'initialLearningRate', o.initialLearningRate, POSITIVE);
  const decaySteps = numberOption(c, 'decaySteps', o.decaySteps, POSITIVE);
  const decayRate = numberOption(c, 'decayRate', o.decayRate, POSITIVE);
  const staircase = booleanOption(c, 'staircase', o.staircase, false);
  return {
    className: 'exponentialDecay',
    config: { initialLearningRate, decaySteps, decayRate, staircase },
    at: (step) => {
      const p = step / decaySteps;
      return initialLearningRate * decayRate ** (staircase ? Math.floor(p) : p);
    },
  };
}

/** Cosine from lr down to alpha·lr over decaySteps, then flat. */
export function cosineDecay(options: {
  initialLearningRate: number;
  decaySteps: number;
  alpha?: number;
}): LearningRateSchedule {
  const c = 'cosineDecay';
  const o = checkOptions(c, options, ['initialLearningRate', 'decaySteps', 'alpha']);
  const initialLearningRate = numberOption(c, 'initialLearningRate', o.initialLearningRate, POSITIVE);
  const decaySteps = numberOption(c, 'decaySteps', o.decaySteps, POSITIVE);
  // alpha = 1 is a constant rate; beyond [0, 1] the "decay" would grow or turn negative.
  const alpha = numberOption(c, 'alpha', o.alpha, { min: 0, max: 1 }, 0);
  return {
    className: 'cosineDecay',
    config: { initialLearningRate, decaySteps, alpha },
    at: (step) => {
      const t = Math.min(step, decaySteps) / decaySteps;
      return initialLearningRate * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
    },
  };
}

const schedules = new NameRegistry<(config: never) => LearningRateSchedule>('learning-rate schedule', [
  ['stepDecay', stepDecay],
  ['exponentialDecay', exponentialDecay],
  ['cosineDecay', cosineDecay],
]);

/**
 * A schedule from its saved form: backprop's { className, config }, or a Keras schedule as Keras
 * serializes it inside an optimizer config ({ module, class_name, config, registered_name }).
 */
export function scheduleFromConfig(spec: unknown): LearningRateSchedule {
  if (isOptionsObject(spec) && Object.hasOwn(spec, 'class_name')) return kerasSchedule(spec);
  const o = checkOptions('learning-rate schedule', spec, ['className', 'config'], {}, 'spec');
  return schedules.get(o.className, 'learning-rate schedule')(o.config as never);
}

interface KerasScheduleClass {
  make: (config: never) => LearningRateSchedule;
  /** Keras' config names → backprop's. */
  names: Readonly<Record<string, string>>;
  /** Keras entries backprop's schedule has no counterpart for: read only when they are off. */
  off: Readonly<Record<string, OffOnlyEntry>>;
}

/** Keras' schedules that backprop computes the same way (Keras 3 and tf.keras agree on these). */
const KERAS_SCHEDULES = new NameRegistry<KerasScheduleClass>('Keras learning-rate schedule', [
  [
    'ExponentialDecay',
    {
      make: exponentialDecay,
      names: {
        initial_learning_rate: 'initialLearningRate',
        decay_steps: 'decaySteps',
        decay_rate: 'decayRate',
        staircase: 'staircase',
      },
      off: {},
    },
  ],
  [
    'CosineDecay',
    {
      make: cosineDecay,
      names: { initial_learning_rate: 'initialLearningRate', decay_steps: 'decaySteps', alpha: 'alpha' },
      off: {
        warmup_target: { off: (v) => v === null, why: "backprop's cosineDecay has no warmup" },
        warmup_steps: { off: (v) => v === null || v === 0, why: "backprop's cosineDecay has no warmup" },
      },
    },
  ],
]);

/** A Keras schedule: its class among those backprop has, its config in backprop's names. */
function kerasSchedule(spec: Record<string, unknown>): LearningRateSchedule {
  const { className, config } = classSpec('learning-rate schedule', spec);
  if (typeof className !== 'string' || !KERAS_SCHEDULES.has(className)) {
    const named =
      typeof className === 'string' ? `class '${className.slice(0, 40)}'` : describeValue(className);
    throw new ArgumentError(
      `learning-rate schedule: Keras' ${named} is not supported ` +
        `(supported: ${KERAS_SCHEDULES.names.join(', ')}; or give stepDecay(…), exponentialDecay(…), cosineDecay(…))`,
    );
  }
  const keras = KERAS_SCHEDULES.get(className);
  const component = `learning-rate schedule ${className}`;
  const known = [...Object.keys(keras.names), ...Object.keys(keras.off), 'name'];
  const given = checkOptions(component, config, known, {}, 'config');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (key === 'name') continue; // Keras' label for the schedule
    if (Object.hasOwn(keras.off, key)) {
      requireOff(component, key, value, keras.off[key]!);
      continue;
    }
    out[keras.names[key]!] = value;
  }
  return withContext(component, () => keras.make(out as never));
}

/** True for an object usable as a schedule (what stepDecay() and friends return, or a user's own). */
export function isSchedule(value: unknown): value is LearningRateSchedule {
  return isOptionsObject(value) && typeof value.at === 'function';
}

/**
 * An optimiser's learningRate: a positive finite number or a schedule. A string such as '0.1' is
 * refused (it is not a number, and not a schedule either).
 */
export function learningRateOption(component: string, value: unknown): number | LearningRateSchedule {
  if (typeof value === 'number') return numberOption(component, 'learningRate', value, POSITIVE);
  if (isSchedule(value)) return value;
  throw new ArgumentError(
    `${component}: learningRate must be a positive number or a schedule (stepDecay(…), exponentialDecay(…), ` +
      `cosineDecay(…)), got ${describeValue(value)}`,
  );
}
