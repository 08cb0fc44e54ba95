/**
 * Training callbacks: hooks the fit loop calls at the start and end of training, epochs and
 * batches. Any object with some of these methods is a callback; the factories below build the
 * common ones (early stopping, checkpoints, progress).
 */
import { booleanOption, checkOptions, enumOption, numberOption, stringOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelArtifacts } from './artifacts.js';
import { FilepathTemplate } from './callbacks/filepath-template.js';
import { improves, MODES, monitoredValue, resolveMode } from './callbacks/monitor.js';
import { resolveIOHandler } from './io.js';

export {
  type EpochSchedule,
  LearningRateScheduler,
  learningRateScheduler,
} from './callbacks/learning-rate-scheduler.js';
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  reduceLROnPlateau,
} from './callbacks/reduce-lr-on-plateau.js';
export { TerminateOnNaN, terminateOnNaN } from './callbacks/terminate-on-nan.js';

/** Numbers reported for a batch or an epoch: loss, metrics, their val_ forms. */
export type Logs = Record<string, number>;

/** The part of an optimiser a callback may change. */
export interface CallbackOptimizer {
  /** The rate of the next step; settable on an optimiser built with a constant rate. */
  learningRate: number;
}

/** What a callback may do with the model being trained. */
export interface CallbackModel {
  /** Set to true to end training after the current epoch. */
  stopTraining: boolean;
  /** The compiled optimiser (null before compile), for callbacks that change the learning rate. */
  optimizer?: CallbackOptimizer | null;
  getWeights(): Tensor[];
  setWeights(weights: readonly Tensor[]): void;
  save(target: string): Promise<unknown>;
  /** The model with its training state, while fit() runs (Sequential has it). */
  trainingArtifacts?(): ModelArtifacts;
}

export interface TrainingParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  /** Log keys that will be reported, e.g. ['loss', 'accuracy', 'val_loss', 'val_accuracy']. */
  metrics: string[];
  initialEpoch: number;
}

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

export interface Callback {
  /**
   * True on terminateOnNaN: fit, seeing it on any callback, ends training cleanly at a NaN or
   * infinite loss (that update skipped) instead of throwing.
   */
  readonly stopsOnNonFiniteLoss?: boolean;
  setModel?(model: CallbackModel): void;
  setParams?(params: TrainingParams): void;
  onTrainBegin?: Hook<[logs: Logs]>;
  onTrainEnd?: Hook<[logs: Logs]>;
  onEpochBegin?: Hook<[epoch: number, logs: Logs]>;
  /** `epoch` counts from 0; logs hold the epoch's mean loss/metrics and the validation ones. */
  onEpochEnd?: Hook<[epoch: number, logs: Logs]>;
  onBatchBegin?: Hook<[batch: number, logs: Logs]>;
  /** logs hold the batch's loss and metrics and its `size`. */
  onBatchEnd?: Hook<[batch: number, logs: Logs]>;
}

export interface EarlyStoppingOptions {
  /** Log key to watch. Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 'min' for losses, 'max' for accuracies; 'auto' decides from the name. */
  mode?: 'auto' | 'min' | 'max';
  /** At the end, put back the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
}

/** Stop when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  /** Epoch (0-based) at which training was stopped, or -1. */
  stoppedEpoch = -1;
  /** Best epoch seen (0-based). */
  bestEpoch = -1;
  best = Number.NaN;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  private model: CallbackModel | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    const c = 'earlyStopping';
    const o = checkOptions(c, options, ['monitor', 'minDelta', 'patience', 'mode', 'restoreBestWeights']);
    this.monitor = o.monitor === undefined ? 'val_loss' : stringOption(c, 'monitor', o.monitor);
    // The sign of minDelta does not matter (as in Keras): it is a size of change.
    this.minDelta = Math.abs(numberOption(c, 'minDelta', o.minDelta, {}, 0));
    this.patience = numberOption(c, 'patience', o.patience, { min: 0, integer: true }, 0);
    this.mode = resolveMode(enumOption(c, 'mode', o.mode, MODES, 'auto'), this.monitor);
    this.restoreBestWeights = booleanOption(c, 'restoreBestWeights', o.restoreBestWeights, false);
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitoredValue('earlyStopping', this.monitor, logs);
    if (improves(this.mode, value, this.best, this.minDelta)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.model) this.model.setWeights(this.bestWeights);
  }
}

export const earlyStopping = (options?: EarlyStoppingOptions): EarlyStopping => new EarlyStopping(options);

export interface ModelCheckpointOptions {
  /**
   * Where to save: a Keras template filled in at each save, `{epoch}` (1-based) and any logged
   * value, with Python format specs — 'ckpt/w-{epoch:02d}-{val_loss:.3f}'. `{{`/`}}` are braces.
   */
  filepath: string;
  monitor?: string;
  /** Only save when the monitored value improved. Default false (save every epoch). */
  saveBestOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  /**
   * Save the training state too (optimiser state, epoch, generators), as Keras saves the optimiser
   * with the model: `loadModel` then restores the optimiser, and `backupAndRestore({ backupDir:
   * 'ckpt/ep-3', deleteCheckpoint: false })` resumes from that epoch exactly. Default true.
   */
  saveTrainingState?: boolean;
}

/** Save the model at the end of epochs (every one, or only improvements). */
export class ModelCheckpoint implements Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly saveTrainingState: boolean;
  readonly mode: 'min' | 'max';
  /** The filepath parsed (and its format specs checked) once, here; filled in at each save. */
  private readonly template: FilepathTemplate;
  private best = Number.NaN;
  private model: CallbackModel | null = null;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];

  constructor(options: ModelCheckpointOptions) {
    const c = 'modelCheckpoint';
    const o = checkOptions(c, options, ['filepath', 'monitor', 'saveBestOnly', 'mode', 'saveTrainingState']);
    if (o.filepath === undefined) throw new ArgumentError('modelCheckpoint: filepath is required');
    this.filepath = stringOption(c, 'filepath', o.filepath);
    this.template = new FilepathTemplate(c, this.filepath);
    this.monitor = o.monitor === undefined ? 'val_loss' : stringOption(c, 'monitor', o.monitor);
    this.saveBestOnly = booleanOption(c, 'saveBestOnly', o.saveBestOnly, false);
    this.mode = resolveMode(enumOption(c, 'mode', o.mode, MODES, 'auto'), this.monitor);
    this.saveTrainingState = booleanOption(c, 'saveTrainingState', o.saveTrainingState, true);
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const value = logs[this.monitor];
      if (value === undefined) {
        throw new ArgumentError(
          `modelCheckpoint: '${this.monitor}' is not in the training logs (available: ${Object.keys(logs).join(', ')})`,
        );
      }
      if (!improves(this.mode, value, this.best, 0)) return;
      this.best = value;
    }
    const path = this.template.fill(epoch, logs);
    const model = this.model!;
    if (this.saveTrainingState && model.trainingArtifacts) {
      await resolveIOHandler(path, 'save').save!(model.trainingArtifacts());
    } else {
      await model.save(path);
    }
    this.saved.push(path);
  }
}

export const modelCheckpoint = (options: ModelCheckpointOptions): ModelCheckpoint =>
  new ModelCheckpoint(options);

/** Run `callbacks` in order; awaits each hook that returns a promise. */
export class CallbackList {
  constructor(readonly callbacks: readonly Callback[]) {}

  setModel(model: CallbackModel): void {
    for (const c of this.callbacks) c.setModel?.(model);
  }

  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams?.(params);
  }

  async trainBegin(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  async epochBegin(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}
