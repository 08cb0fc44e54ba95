/**
 * Learning-rate schedules: functions of the optimiser's step count (batches seen), as in Keras.
 */
import { ArgumentError } from '../errors.js';

export interface LearningRateSchedule {
  readonly className: string;
  readonly config: Record<string, number | boolean>;
  /** The learning rate for optimiser step `step` (0-based). */
  at(step: number): number;
}

/** lr · gamma^⌊step / stepSize⌋: drop by a factor every `stepSize` steps. */
export function stepDecay(options: {
  initialLearningRate: number;
  stepSize: number;
  gamma?: number;
}): LearningRateSchedule {
  const { initialLearningRate, stepSize } = options;
  const gamma = options.gamma ?? 0.1;
  if (!(stepSize > 0)) throw new ArgumentError('stepDecay: stepSize must be > 0');
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
  const { initialLearningRate, decaySteps, decayRate } = options;
  const staircase = options.staircase ?? false;
  if (!(decaySteps > 0)) throw new ArgumentError('exponentialDecay: decaySteps must be > 0');
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
  const { initialLearningRate, decaySteps } = options;
  const alpha = options.alpha ?? 0;
  if (!(decaySteps > 0)) throw new ArgumentError('cosineDecay: decaySteps must be > 0');
  return {
    className: 'cosineDecay',
    config: { initialLearningRate, decaySteps, alpha },
    at: (step) => {
      const t = Math.min(step, decaySteps) / decaySteps;
      return initialLearningRate * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
    },
  };
}

export function scheduleFromConfig(spec: {
  className: string;
  config: Record<string, number | boolean>;
}): LearningRateSchedule {
  const c = spec.config as never;
  switch (spec.className) {
    case 'stepDecay':
      return stepDecay(c);
    case 'exponentialDecay':
      return exponentialDecay(c);
    case 'cosineDecay':
      return cosineDecay(c);
    default:
      throw new ArgumentError(`unknown learning-rate schedule '${spec.className}'`);
  }
}
