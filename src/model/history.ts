/** What fit() returns: per-epoch values of the loss and every metric, train and validation. */
import type { Logs } from './callbacks.js';

export class History {
  /** Epoch numbers (0-based) in the order they ran. */
  readonly epoch: number[] = [];
  /** history.loss[i], history.val_accuracy[i]… for epoch this.epoch[i]. */
  readonly history: Record<string, number[]> = {};

  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}
