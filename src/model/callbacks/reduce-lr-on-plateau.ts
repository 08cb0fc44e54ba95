/**
 * Keras' ReduceLROnPlateau: when the monitored value has not improved for `patience` epochs,
 * multiply the learning rate by `factor` (not below `minLr`), then wait `cooldown` epochs before
 * counting again. Helps a model whose loss has stalled at a step size too coarse for the minimum.
 */
import { checkOptions, enumOption, numberOption, stringOption } from '../../config/options.js';
import type { Callback, CallbackModel, Logs } from '../callbacks.js';
import { improves, MODES, type Mode, monitoredValue, resolveMode } from './monitor.js';
import { optimizerOf } from './optimizer-of.js';

export interface ReduceLROnPlateauOptions {
  /** Log key to watch. Default 'val_loss'. */
  monitor?: string;
  /** The rate is multiplied by it, in [0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before the rate is reduced. Default 10. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction during which no waiting is counted. Default 0. */
  cooldown?: number;
  /** The rate is never reduced below it. Default 0. */
  minLr?: number;
  /** 'min' for losses, 'max' for accuracies; 'auto' decides from the name. */
  mode?: Mode;
}

export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly mode: 'min' | 'max';
  best = Number.NaN;
  /** Epochs (0-based) at which the rate was reduced, with the new rate. */
  readonly reductions: { epoch: number; learningRate: number }[] = [];
  private wait = 0;
  private cooldownLeft = 0;
  private model: CallbackModel | null = null;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    const c = 'reduceLROnPlateau';
    const o = checkOptions(c, options, [
      'monitor',
      'factor',
      'patience',
      'minDelta',
      'cooldown',
      'minLr',
      'mode',
    ]);
    this.monitor = o.monitor === undefined ? 'val_loss' : stringOption(c, 'monitor', o.monitor);
    // factor 1 would never reduce, factor > 1 would raise the rate: both are mistakes (Keras refuses ≥ 1).
    this.factor = numberOption(
      c,
      'factor',
      o.factor,
      { min: 0, minExclusive: true, max: 1, maxExclusive: true },
      0.1,
    );
    this.patience = numberOption(c, 'patience', o.patience, { min: 0, integer: true }, 10);
    this.minDelta = Math.abs(numberOption(c, 'minDelta', o.minDelta, {}, 1e-4));
    this.cooldown = numberOption(c, 'cooldown', o.cooldown, { min: 0, integer: true }, 0);
    this.minLr = numberOption(c, 'minLr', o.minLr, { min: 0 }, 0);
    this.mode = resolveMode(enumOption(c, 'mode', o.mode, MODES, 'auto'), this.monitor);
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.wait = 0;
    this.cooldownLeft = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitoredValue('reduceLROnPlateau', this.monitor, logs);
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (improves(this.mode, value, this.best, this.minDelta)) {
      this.best = value;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    this.wait++;
    if (this.wait < this.patience) return;
    const optimizer = optimizerOf('reduceLROnPlateau', this.model);
    const current = optimizer.learningRate;
    // Compared in float32, as Keras does: a rate at minLr is not above it whether it is held as a
    // float32 or a float64 (0.02 as float64 is above 0.02 as float32).
    if (Math.fround(current) > Math.fround(this.minLr)) {
      const reduced = Math.max(current * this.factor, this.minLr);
      optimizer.learningRate = reduced;
      this.reductions.push({ epoch, learningRate: reduced });
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
  }
}

export const reduceLROnPlateau = (options?: ReduceLROnPlateauOptions): ReduceLROnPlateau =>
  new ReduceLROnPlateau(options);
