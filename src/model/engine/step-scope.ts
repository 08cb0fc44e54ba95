/**
 * Step scopes: on backends that own their memory (wasm), everything a training step allocates goes
 * back to the allocator when the step ends, so a loop reuses the same blocks every batch instead of
 * waiting for the garbage collector. fit(), evaluate(), predict() and the *OnBatch methods open one
 * per batch; `stepScope` gives hand-written loops the same, with nothing to dispose.
 */
import type { Backend } from '../../backend/backend.js';
import { getBackend } from '../../backend/registry.js';
import { ArgumentError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';

/** Run `fn` in `backend`'s step scope (if it has one); memory it allocated is reused afterwards. */
export function inStep<T>(backend: Backend, fn: () => T): T {
  backend.beginStep?.();
  try {
    return fn();
  } finally {
    backend.endStep?.();
  }
}

/** Tensors inside a result (alone, in an array or as an object's values), copied out of the step. */
function keep<T>(value: T, backend: Backend): T {
  if (value instanceof Tensor) {
    const copy = () => new Tensor(value.backend.fromValues(value.dataSync()), value.shape, value.backend);
    return (value.backend.persistent ? value.backend.persistent(copy) : copy()) as T;
  }
  if (Array.isArray(value)) return value.map((v) => keep(v, backend)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = keep(v, backend);
    return out as T;
  }
  return value;
}

/**
 * Run one step of a hand-written training loop — forward, backward, optimiser update — in a step
 * scope, so memory stays flat however many steps run:
 *
 *   const loss = stepScope(() => {
 *     const l = lossFn(model.call(x), y);
 *     l.backward();
 *     opt.step(model.trainableWeights);
 *     opt.zeroGrad(model.trainableWeights);
 *     return l.item();
 *   });
 *
 * Numbers and other plain values come out as they are; tensors returned (alone, in an array or in
 * a plain object) are copied out of the step, detached from its graph. Weights and optimiser state
 * are not step memory: updating them in place is what the step is for. A tensor made inside the
 * step and kept elsewhere (a closure, a global) must not be used after it: it throws if it is.
 */
export function stepScope<T>(fn: () => T, backend: Backend = getBackend()): T {
  backend.beginStep?.();
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new ArgumentError('stepScope() takes a synchronous function: await outside it, per step');
    }
    return keep(result, backend);
  } finally {
    backend.endStep?.();
  }
}

/** How often long loops let the event loop run (finalizers, timers, browser repaints). */
export const YIELD_EVERY_MS = 20;

/** setImmediate where it exists (Node: no 1 ms timer clamp), setTimeout elsewhere. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}
