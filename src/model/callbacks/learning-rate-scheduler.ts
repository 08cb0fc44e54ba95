/**
 * Keras' LearningRateScheduler: at the start of each epoch, the learning rate becomes
 * `schedule(epoch, currentRate)` — a per-epoch schedule written as a function (step decay,
 * warm-up, cosine…), where the optimiser's own schedules count steps.
 */
import { describeValue } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import type { Callback, CallbackModel } from '../callbacks.js';
import { optimizerOf } from './optimizer-of.js';

/** The rate for `epoch` (0-based), given the rate in use now. */
export type EpochSchedule = (epoch: number, learningRate: number) => number;

export class LearningRateScheduler implements Callback {
  /** The rate set at the start of each epoch so far, in order. */
  readonly rates: number[] = [];
  private model: CallbackModel | null = null;

  constructor(readonly schedule: EpochSchedule) {
    if (typeof schedule !== 'function') {
      throw new ArgumentError(
        `learningRateScheduler: schedule must be a function (epoch, learningRate) => learningRate, got ${describeValue(schedule)}`,
      );
    }
  }

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onEpochBegin(epoch: number): void {
    const optimizer = optimizerOf('learningRateScheduler', this.model);
    const rate: unknown = this.schedule(epoch, optimizer.learningRate);
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new ArgumentError(
        `learningRateScheduler: schedule(${epoch}, ${optimizer.learningRate}) must return a finite learning rate > 0 (optimisers refuse 0), got ${describeValue(rate)}`,
      );
    }
    optimizer.learningRate = rate;
    this.rates.push(rate);
  }
}

export const learningRateScheduler = (schedule: EpochSchedule): LearningRateScheduler =>
  new LearningRateScheduler(schedule);
