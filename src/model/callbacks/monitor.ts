/**
 * Watching one log value across epochs (earlyStopping, modelCheckpoint, reduceLROnPlateau): which
 * direction is better, what counts as an improvement, and the error for a key that is not logged.
 */
import { ArgumentError } from '../../errors.js';

export const MODES = ['auto', 'min', 'max'] as const;
export type Mode = (typeof MODES)[number];

export function improves(mode: 'min' | 'max', value: number, best: number, minDelta: number): boolean {
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}

/** 'auto': higher is better for accuracies and the like, lower for everything else (losses). */
export function resolveMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|precision|recall|auc|f1/i.test(monitor) ? 'max' : 'min';
}

/** The monitored value of an epoch's logs; an ArgumentError naming the callback if it is not there. */
export function monitoredValue(
  callback: string,
  monitor: string,
  logs: Readonly<Record<string, number>>,
): number {
  const value = logs[monitor];
  if (value === undefined) {
    throw new ArgumentError(
      `${callback}: '${monitor}' is not in the training logs (available: ${Object.keys(logs).join(', ')}).` +
        (monitor.startsWith('val_')
          ? ' Pass validationData or validationSplit to fit(), or monitor a training metric.'
          : ''),
    );
  }
  return value;
}
