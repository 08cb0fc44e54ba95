/**
 * Training callbacks: hooks the fit loop calls at the start and end of training, epochs and
 * batches. Any object with some of these methods is a callback; the factories below build the
 * common ones (early stopping, checkpoints, progress).
 */
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** Numbers reported for a batch or an epoch: loss, metrics, their val_ forms. */
export type Logs = Record<string, number>;

/** What a callback may do with the model being trained. */
export interface CallbackModel {
  /** Set to true to end training after the current epoch. */
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: readonly Tensor[]): void;
  save(target: string): Promise<unknown>;
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

function improves(mode: 'min' | 'max', value: number, best: number, minDelta: number): boolean {
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}

function resolveMode(mode: 'auto' | 'min' | 'max', monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|precision|recall|auc|f1/i.test(monitor) ? 'max' : 'min';
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
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    this.mode = resolveMode(options.mode ?? 'auto', this.monitor);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    if (!(this.patience >= 0)) throw new ArgumentError('earlyStopping: patience must be ≥ 0');
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
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new ArgumentError(
        `earlyStopping: '${this.monitor}' is not in the training logs (available: ${Object.keys(logs).join(', ')}). ` +
          (this.monitor.startsWith('val_')
            ? 'Pass validationData or validationSplit to fit(), or monitor a training metric.'
            : ''),
      );
    }
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
  /** Where to save; `{epoch}` is replaced by the 1-based epoch number. */
  filepath: string;
  monitor?: string;
  /** Only save when the monitored value improved. Default false (save every epoch). */
  saveBestOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
}

/** Save the model at the end of epochs (every one, or only improvements). */
export class ModelCheckpoint implements Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  private best = Number.NaN;
  private model: CallbackModel | null = null;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];

  constructor(options: ModelCheckpointOptions) {
    if (!options?.filepath) throw new ArgumentError('modelCheckpoint: filepath is required');
    this.filepath = options.filepath;
    this.monitor = options.monitor ?? 'val_loss';
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.mode = resolveMode(options.mode ?? 'auto', this.monitor);
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
    const path = this.filepath.replaceAll('{epoch}', String(epoch + 1));
    await this.model!.save(path);
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
