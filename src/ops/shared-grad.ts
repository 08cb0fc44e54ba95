/**
 * One gradient buffer for all the pieces read out of a tensor (slices, gathers).
 *
 * Why: a loop that reads one time step at a time out of x [batch, T, features] makes T slices. If
 * each slice's backward returned an x-sized gradient, backward would allocate, zero and add T
 * x-sized buffers — O(T²) for a T-step loop. Instead every piece of x is read through one shared
 * "tap" of x (the same storage, recorded as an identity). In a first-order backward pass each piece
 * adds its gradient into a single x-sized buffer — work proportional to the piece — and the first
 * piece to run hands that buffer to the graph as the tap's gradient while the others return null.
 * Backward reaches a tensor only after every op that consumed it, so when the tap's own rule runs
 * the buffer holds the whole sum, which it passes on to x once.
 *
 * When a graph of the backward pass is being built (`createGraph`), the pieces return recorded ops
 * instead (pad, scatterAdd into zeros), which are differentiable again; the buffer is not used.
 */

import { isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import { Tensor } from '../tensor/tensor.js';
import { alloc } from './util.js';

export interface Tap {
  /** Stands in for x as the input of every piece read from it. */
  readonly tensor: Tensor;
  /** The buffer collecting this backward pass's gradient, from the first piece until the tap runs. */
  pending: Tensor | null;
}

const taps = new WeakMap<Tensor, Tap>();

/** The tap pieces of x should record as their input, or null when no gradient will be needed. */
export function tapOf(x: Tensor): Tap | null {
  if (!isGradEnabled() || !x.requiresGrad) return null;
  const existing = taps.get(x);
  if (existing !== undefined) {
    // Between passes the buffer is always null; clearing it here also heals a pass that threw
    // half-way (its buffer would otherwise be taken as this pass's).
    existing.pending = null;
    return existing;
  }
  const tap: Tap = { tensor: new Tensor(x.storage, x.shape, x.backend), pending: null };
  record('tap', tap.tensor, [x], (g) => {
    tap.pending = null; // the next backward pass starts a fresh buffer
    return [g];
  });
  // The tap outlives any one backward pass: two graphs built from pieces of the same x (two losses,
  // each with its own backward) share it, so freeing the first graph must not free the tap — which
  // would leave the second unable to reach x. Its node holds only x, which its pieces hold anyway;
  // the tap goes away with x (a WeakMap entry) once no piece refers to it.
  const node = tap.tensor._node;
  Object.defineProperty(tap.tensor, '_node', { get: () => node, set: () => {} });
  Object.defineProperty(tap.tensor, '_freed', { get: () => false, set: () => {} });
  taps.set(x, tap);
  return tap;
}

/**
 * Add one piece's gradient into the tap's buffer with `write`. Returns the buffer to the first piece
 * of a pass (it becomes the tap's gradient) and null to the others (already counted in it).
 */
export function accumulateInto(tap: Tap, write: (buffer: Tensor) => void): Tensor | null {
  const first = tap.pending === null;
  if (tap.pending === null) tap.pending = alloc(tap.tensor.shape, tap.tensor.backend);
  write(tap.pending);
  return first ? tap.pending : null;
}
