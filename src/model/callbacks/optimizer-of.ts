/** The optimiser of the model a callback is attached to, or an error saying why there is none. */
import { ArgumentError } from '../../errors.js';
import type { CallbackModel, CallbackOptimizer } from '../callbacks.js';

export function optimizerOf(callback: string, model: CallbackModel | null): CallbackOptimizer {
  if (model === null) {
    throw new ArgumentError(`${callback}: not attached to a model (pass it in fit()'s callbacks)`);
  }
  const optimizer = model.optimizer;
  if (optimizer === undefined || optimizer === null) {
    throw new ArgumentError(`${callback}: the model has no optimizer; compile({ optimizer, loss }) it first`);
  }
  return optimizer;
}
