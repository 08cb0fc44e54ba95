/**
 * The checks compile(), fit(), evaluate() and predict() run on their options before any work:
 * every option's type and range, and unknown names refused with the nearest valid one
 * ("fit(): unknown option 'epoch' — did you mean 'epochs'?"). Options Keras has and backprop
 * does not (validationFreq) are refused by name instead of being silently ignored.
 */
import {
  booleanOption,
  checkOptions,
  describeValue,
  isOptionsObject,
  nearestName,
  numberOption,
  type Options,
  withContext,
} from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Loss } from '../losses/index.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** The largest batch accepted: one batch is materialised at once. */
const BATCH = { min: 1, max: 2 ** 28, integer: true } as const;
const COUNT = { min: 1, integer: true } as const;

/** Keras fit/evaluate options backprop does not implement, with what to do instead. */
const UNSUPPORTED_FIT: Readonly<Record<string, string>> = {
  class_weight: 'backprop spells it classWeight',
  sample_weight: 'backprop spells it sampleWeight',
  validationFreq: 'validation runs after every epoch',
};

/** Run `make` (resolving one compile() option) so its errors say they come from compile(). */
export function inCompile<T>(make: () => T): T {
  return withContext('compile()', make);
}

/** The hooks fit() calls; a callback with a near-miss name ('onEpochend') would never be called. */
const HOOKS = [
  'setModel',
  'setParams',
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
] as const;

/** Method and property names of an object and its prototypes (short of Object.prototype). */
function memberNames(value: object): string[] {
  const names: string[] = [];
  for (let o: object | null = value; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    names.push(...Object.getOwnPropertyNames(o));
  }
  return names;
}

function checkCallback(value: unknown, where: string): void {
  if (!isOptionsObject(value)) {
    throw new ArgumentError(
      `${where} must be an object with hooks (onEpochEnd…) or a callback such as earlyStopping(), got ${describeValue(value)}`,
    );
  }
  for (const hook of HOOKS) {
    const fn = (value as Options)[hook];
    if (fn !== undefined && typeof fn !== 'function') {
      throw new ArgumentError(`${where}: ${hook} must be a function, got ${describeValue(fn)}`);
    }
  }
  // Only plain objects: a callback class may have other on… methods of its own.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return;
  for (const name of memberNames(value)) {
    if (!/^on[A-Z]/.test(name) || (HOOKS as readonly string[]).includes(name)) continue;
    const near = nearestName(name, HOOKS);
    throw new ArgumentError(
      `${where}: '${name}' is not a hook fit() calls${near !== undefined ? ` — did you mean '${near}'?` : ` (hooks: ${HOOKS.join(', ')})`}`,
    );
  }
}

/** A tensor, an array, or an object of them keyed by input/output name. */
function isDataInput(value: unknown): boolean {
  return (
    value instanceof Tensor || Array.isArray(value) || value instanceof Float32Array || isOptionsObject(value)
  );
}

/**
 * Check fit()'s options: `known` is the list of option names fit() takes (FIT_OPTIONS in
 * sequential.ts, which resume options extend). Only the options checked here are validated by
 * value; options added to `known` elsewhere are checked where they are used.
 */
export function checkFitArgs(args: unknown, known: readonly string[]): Options {
  const c = 'fit()';
  const o = checkOptions(c, args, known, UNSUPPORTED_FIT);
  numberOption(c, 'batchSize', o.batchSize, BATCH, 32);
  numberOption(c, 'epochs', o.epochs, COUNT, 1);
  booleanOption(c, 'shuffle', o.shuffle, true);
  if (o.validationData !== undefined) {
    const v = o.validationData;
    const streamed =
      typeof v === 'function' ||
      (v !== null && typeof v === 'object' && !Array.isArray(v) && Symbol.asyncIterator in (v as object));
    if (
      !streamed &&
      (!Array.isArray(v) || v.length < 2 || v.length > 3 || !isDataInput(v[0]) || !isDataInput(v[1]))
    ) {
      throw new ArgumentError(
        `fit(): validationData must be [x, y], [x, y, sampleWeight] or a Dataset of { xs, ys } batches, got ${describeValue(v)}`,
      );
    }
    if (o.validationSplit !== undefined) {
      throw new ArgumentError('fit(): give validationData or validationSplit, not both');
    }
  }
  if (o.validationSplit !== undefined) {
    numberOption(c, 'validationSplit', o.validationSplit, {
      min: 0,
      max: 1,
      minExclusive: true,
      maxExclusive: true,
    });
  }
  if (o.callbacks !== undefined) {
    if (Array.isArray(o.callbacks))
      o.callbacks.forEach((cb, i) => {
        checkCallback(cb, `fit(): callbacks[${i}]`);
      });
    else checkCallback(o.callbacks, 'fit(): callbacks');
  }
  if (o.verbose !== undefined && o.verbose !== 0 && o.verbose !== 1) {
    throw new ArgumentError(
      `fit(): verbose must be 0 (silent) or 1 (progress), got ${describeValue(o.verbose)}`,
    );
  }
  if (o.seed !== undefined) numberOption(c, 'seed', o.seed, {});
  numberOption(c, 'initialEpoch', o.initialEpoch, { min: 0, integer: true }, 0);
  if (o.stepsPerEpoch !== undefined) numberOption(c, 'stepsPerEpoch', o.stepsPerEpoch, COUNT);
  if (o.validationSteps !== undefined) numberOption(c, 'validationSteps', o.validationSteps, COUNT);
  if (o.augment !== undefined && typeof o.augment !== 'function') {
    throw new ArgumentError(
      `fit(): augment must be a function (x, rng) => x, got ${describeValue(o.augment)}`,
    );
  }
  return o;
}

/** evaluate()/predict() options: only batchSize. */
export function checkBatchArgs(args: unknown, component: string): number {
  const o = checkOptions(component, args, ['batchSize'], {
    verbose: 'evaluate() and predict() print nothing',
    steps: 'they always cover the whole of x',
  });
  return numberOption(component, 'batchSize', o.batchSize, BATCH, 256);
}

/**
 * Refuse targets outside the loss's domain before training starts (one pass over y), for losses
 * that say what they accept; a user's own loss function is taken as it is.
 */
export function checkLossTargets(loss: Loss, y: Tensor, outputShape: Shape, where: string): void {
  loss.checkTargets?.(y, outputShape, where);
}

/** fit()'s augment must give back a batch like the one it got (checked per batch: one instanceof). */
export function augmented(result: unknown, batch: Tensor): Tensor {
  if (!(result instanceof Tensor) || result.shape[0] !== batch.shape[0]) {
    throw new ArgumentError(
      `fit(): augment must return a Tensor of ${batch.shape[0]} samples (the batch it was given), got ${describeValue(result)}` +
        (result instanceof Tensor ? ` of shape [${result.shape.join(', ')}]` : ''),
    );
  }
  return result;
}
