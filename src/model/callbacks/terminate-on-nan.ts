/**
 * Keras' TerminateOnNaN: end training when a batch's loss is NaN or infinite, instead of
 * training on (every weight turns NaN after one such step) or throwing away the run. fit, seeing
 * `stopsOnNonFiniteLoss` on a callback, skips that update and stops cleanly; the callback also
 * sets stopTraining itself from the batch logs, for a loop that does not know the flag.
 */
import type { Callback, CallbackModel, Logs } from '../callbacks.js';

export class TerminateOnNaN implements Callback {
  readonly stopsOnNonFiniteLoss = true;
  /** Where training was stopped (0-based epoch and batch) and the loss seen, or null. */
  terminated: { epoch: number; batch: number; loss: number } | null = null;
  private epoch = 0;
  private model: CallbackModel | null = null;

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.terminated = null;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    this.terminated ??= { epoch: this.epoch, batch, loss };
    if (this.model) this.model.stopTraining = true;
  }
}

export const terminateOnNaN = (): TerminateOnNaN => new TerminateOnNaN();
