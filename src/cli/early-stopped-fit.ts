/**
 * How `train csv` and `train text` train: until the validation loss (on the last 15 % of the
 * training rows) has not improved for `patience` epochs, at most `epochs`, then keep the best
 * epoch's weights — small tables converge, large ones are not overtrained — and say which it was
 * (returned: the epochs run and the best one, counted from 1).
 * The run is resumable (--resume) through the callbacks of resume.ts.
 */
import { earlyStopping } from '../model/callbacks.js';
import type { History } from '../model/history.js';
import type { TrainableModel } from '../model/trainable-model.js';
import type { Tensor } from '../tensor/tensor.js';
import { resumable } from './resume.js';

/** The share of the training rows held out to decide when to stop. */
const VALIDATION_SPLIT = 0.15;

/** The fewest training rows that leave fit() at least one row on each side of that hold-out (2). */
export const MIN_TRAINING_ROWS = Math.ceil(1 / (1 - VALIDATION_SPLIT));

export interface EarlyStoppedOptions {
  batch: number;
  epochs: number;
  patience: number;
  seed: number;
  /** The run's folder (for resuming). */
  out: string;
}

export async function fitWithEarlyStopping(
  model: TrainableModel,
  x: Tensor,
  y: Tensor,
  o: EarlyStoppedOptions,
): Promise<{ history: History; epochsRun: number; bestEpoch: number }> {
  const stopper = earlyStopping({ monitor: 'val_loss', patience: o.patience, restoreBestWeights: true });
  const history = await model.fit(x, y, {
    batchSize: o.batch,
    epochs: o.epochs,
    validationSplit: VALIDATION_SPLIT,
    seed: o.seed,
    callbacks: [stopper, ...resumable(o.out)],
  });
  const epochsRun = history.history.loss?.length ?? 0;
  console.log(
    stopper.stoppedEpoch >= 0
      ? `Stopped after epoch ${epochsRun}: validation loss had not improved for ${o.patience} epochs; kept the weights of epoch ${stopper.bestEpoch + 1}`
      : `Trained ${epochsRun} epochs (the --epochs cap); kept the weights of epoch ${stopper.bestEpoch + 1}`,
  );
  return { history, epochsRun, bestEpoch: stopper.bestEpoch + 1 };
}
