/**
 * Whether ops record the graph. Off inside `noGrad` (inference, optimiser updates) and while
 * backward rules run, so computing gradients never grows the graph it walks.
 */
import { ArgumentError } from '../errors.js';

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Run `fn` without recording a graph: results have `requiresGrad: false` and hold no references to
 * their inputs. `fn` must be synchronous; the mode is restored when it returns or throws.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Run `fn` with graph recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = mode;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new ArgumentError(
        'noGrad()/enableGrad() take a synchronous function: an async one would leave the mode set while other code runs. ' +
          'Wrap only the synchronous tensor work.',
      );
    }
    return result;
  } finally {
    enabled = previous;
  }
}
