/**
 * One training batch in a step scope — weights, forward, losses, backward, update, metrics — and
 * what fit() and trainOnBatch() check and set up before the first one.
 */
import type { Backend } from '../../backend/backend.js';
import { getBackend } from '../../backend/registry.js';
import { ArgumentError } from '../../errors.js';
import type { Loss } from '../../losses/index.js';
import type { Rng } from '../../random/rng.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Callback, Logs } from '../callbacks.js';
import { augmented, checkFitArgs } from '../fit-options.js';
import type { Batch } from './batches.js';
import type { Compiled } from './compile.js';
import type { EngineModel } from './contract.js';
import { nonFiniteInput, type RowOf } from './finite-inputs.js';
import { EpochMetrics } from './metric-logs.js';
import { batchWeights, type SampleWeighting } from './sample-weights.js';
import { applyGradients, forwardAndLoss, fusedLosses, lossLogs, nonFiniteLoss } from './step.js';
import { inStep } from './step-scope.js';

export interface FitArgs {
  /** Default 32 (in-memory data; a stream's batches come as they are). */
  batchSize?: number;
  /**
   * The epoch to stop before (Keras): epochs initialEpoch … epochs − 1 run, none if
   * initialEpoch ≥ epochs. Without initialEpoch, the number of epochs. Default 1.
   */
  epochs?: number;
  /** Reshuffle the training samples every epoch (in-memory data). Default true. */
  shuffle?: boolean;
  /** Held-out data evaluated after every epoch: [x, y], [x, y, sampleWeight] or a Dataset of batches. */
  validationData?: unknown;
  /** Or: the last fraction of x/y (before shuffling) held out for validation. */
  validationSplit?: number;
  callbacks?: Callback | Callback[];
  /** 0 silent, 1 progress (a live bar on a terminal, a line per epoch otherwise). Default 1. */
  verbose?: 0 | 1;
  /** Seed for the shuffling order; default: the global RNG. */
  seed?: number;
  /** The first epoch's index (resuming a run): training runs epochs initialEpoch … epochs − 1. Default 0. */
  initialEpoch?: number;
  /** Transform each training batch's inputs (data augmentation, e.g. imageAugmenter()); one-input models. */
  augment?: (x: Tensor, rng: Rng) => Tensor;
  /** A weight per training sample ([n]), multiplying its loss; per output as a list or by name. */
  sampleWeight?: unknown;
  /** A weight per class ({ 0: 1, 1: 5 }), multiplying each sample's loss by its class's; per output by name. */
  classWeight?: Record<number, number> | Record<string, Record<number, number>>;
  /** Batches per epoch from a stream (an endless stream needs it). */
  stepsPerEpoch?: number;
  /** Batches of a streamed validationData per evaluation (default: all). */
  validationSteps?: number;
}

/**
 * Every option name fit() takes (keep in step with FitArgs): any other is refused with the nearest
 * of these. Values are checked in checkFitArgs (fit-options.ts).
 */
export const FIT_OPTIONS: readonly (keyof FitArgs)[] = [
  'batchSize',
  'epochs',
  'shuffle',
  'validationData',
  'validationSplit',
  'callbacks',
  'verbose',
  'seed',
  'initialEpoch',
  'augment',
  'sampleWeight',
  'classWeight',
  'stepsPerEpoch',
  'validationSteps',
];

export function checkFit(args: FitArgs, streamed: boolean): void {
  checkFitArgs(args, FIT_OPTIONS);
  if (streamed) {
    for (const option of ['batchSize', 'shuffle', 'validationSplit'] as const) {
      if (args[option] !== undefined) {
        throw new ArgumentError(
          `fit(): ${option} applies to in-memory x/y; a Dataset batches${option === 'shuffle' ? ' and shuffles' : ''} itself (dataset.${option === 'batchSize' ? 'batch(n)' : option === 'shuffle' ? 'shuffle(bufferSize)' : 'take()/skip()'})`,
        );
      }
    }
  } else if (args.stepsPerEpoch !== undefined) {
    throw new ArgumentError(
      'fit(): stepsPerEpoch applies to a Dataset; with in-memory x/y an epoch is one pass',
    );
  }
}

export function requireCompiled(model: EngineModel): Compiled {
  if (!model.compiled) {
    throw new ArgumentError(`model '${model.name}' is not compiled: call compile({ optimizer, loss }) first`);
  }
  return model.compiled;
}

/** The backend holding the model's weights (the active one for a model without weights). */
export function modelBackend(model: EngineModel): Backend {
  return model.weights[0]?.tensor.backend ?? getBackend();
}

/** Build the model for the data if needed, move the data to its backend, check the targets. */
export function prepare(
  model: EngineModel,
  compiled: Compiled,
  xs: Tensor[],
  ys: Tensor[],
  where: string,
): { xs: Tensor[]; ys: Tensor[] } {
  if (!model.built) model.buildFromSampleShapes(xs.map((t) => t.shape.slice(1)));
  const backend = modelBackend(model).name;
  const moved = { xs: xs.map((t) => t.to(backend)), ys: ys.map((t) => t.to(backend)) };
  checkTargets(model, compiled, moved.ys, where);
  return moved;
}

/** Refuse targets outside each loss's domain, for losses that say what they accept. */
export function checkTargets(
  model: EngineModel,
  compiled: Compiled,
  ys: readonly Tensor[],
  where: string,
): void {
  const shapes = model.outputSampleShapes();
  compiled.losses.forEach((loss, i) => {
    // 'fit(): y', 'fit(): validationData y', "fit(): y['out']"
    const y = where.endsWith(')') ? `${where}: y` : `${where} y`;
    const what = model.outputNames.length > 1 ? `${y}['${model.outputNames[i]}']` : y;
    loss.checkTargets?.(
      ys[i]!,
      shapes[i]!.map((d) => d ?? -1),
      what,
    );
  });
}

/**
 * What stays the same over a fit: the fused losses, the epoch's metric accumulators and the
 * backend of the weights (the data was moved to it once, before the first batch; null for a
 * model built by its first streamed batch).
 */
export interface TrainState {
  fused: (Loss | null)[];
  metrics: EpochMetrics;
  backend: Backend | null;
}

export function prepareTraining(model: EngineModel, compiled: Compiled): TrainState {
  return {
    fused: fusedLosses(model, compiled),
    metrics: new EpochMetrics(model.outputNames, compiled),
    // Looked up once: model.weights gathers every layer's list, a few µs on each of 600 steps.
    backend: model.built && model.weights.length > 0 ? modelBackend(model) : null,
  };
}

/**
 * Train on one batch; returns its logs. Everything the step allocates (activations, gradients) is
 * internal to it: backends that own memory take it back at the end and reuse it next batch.
 * A non-finite loss throws — an ArgumentError naming the value when x holds a NaN/Infinity, else a
 * TrainingError — or with `stopsOnNaN` (terminateOnNaN) skips the update and is logged. `where`
 * names the call, the position ('epoch 2, batch 5/10') and the batch's rows in errors.
 */
export function trainBatch(
  model: EngineModel,
  compiled: Compiled,
  state: TrainState,
  makeBatch: () => { batch: Batch; sampleWeights: readonly (Tensor | null)[] | null },
  weighting: SampleWeighting | null,
  where: { component: string; at: string; rowOf: RowOf },
  stopsOnNaN: boolean,
  augment?: (x: Tensor, rng: Rng) => Tensor,
  rng?: Rng,
): Logs {
  return inStep(state.backend ?? modelBackend(model), (): Logs => {
    // Taking the batch's rows allocates too: inside the step, so that memory is reused.
    const { batch, sampleWeights } = makeBatch();
    let xs = batch.xs;
    if (augment) {
      if (xs.length !== 1)
        throw new ArgumentError(`${where.component}: augment works on models with one input`);
      xs = [augmented(augment(xs[0]!, rng!), xs[0]!)];
    }
    const weights = combinedWeights(model, batch, sampleWeights, weighting, where.component);
    const result = forwardAndLoss(model, compiled, state.fused, xs, batch.ys, weights, true);
    const logs: Logs = {};
    const value = lossLogs(model, result, logs);
    if (!Number.isFinite(value)) {
      if (!stopsOnNaN) {
        // Bad data, not a diverged model, when the batch's own inputs hold the NaN/Infinity.
        throw (
          nonFiniteInput(logs, batch.xs, model.inputNames, where.component, where.rowOf, where.at) ??
          nonFiniteLoss(value, where.component, where.at)
        );
      }
      return logs;
    }
    applyGradients(model, compiled, result.total);
    state.metrics.update(batch.ys, result.predictions, logs, batch.size, result.masks);
    return logs;
  });
}

/** Per output: the batch's sample weights times its class weights (null where neither applies). */
export function combinedWeights(
  model: EngineModel,
  batch: Batch,
  sampleWeights: readonly (Tensor | null)[] | null,
  weighting: SampleWeighting | null,
  where: string,
): readonly (Tensor | null)[] | null {
  const given =
    sampleWeights ?? (batch.sampleWeight ? model.outputNames.map(() => batch.sampleWeight) : null);
  if (!weighting || weighting.classes.every((c) => c === null)) return given;
  const byClass = batchWeights(
    { sample: model.outputNames.map(() => null), classes: weighting.classes },
    batch.ys,
    (t) => t,
    model.outputNames,
    where,
  );
  return byClass.map((w, i) => {
    const s = given?.[i] ?? null;
    if (w === null) return s;
    return s === null ? w : s.mul(w);
  });
}
