/**
 * Learning-rate schedules: functions of the optimiser's step count (batches seen), as in Keras.
 * Options are checked when a schedule is made, so `at()` (called every step) does no checking.
 */
import {
  booleanOption,
  checkOptions,
  describeValue,
  isOptionsObject,
  NameRegistry,
  numberOption,
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

/** A schedule from its saved form { className, config } (each schedule checks its own config). */
export function scheduleFromConfig(spec: {
  className: string;
  config: Record<string, number | boolean>;
}): LearningRateSchedule {
  const o = checkOptions('learning-rate schedule', spec, ['className', 'config'], {}, 'spec');
  return schedules.get(o.className, 'learning-rate schedule')(o.config as never);
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
