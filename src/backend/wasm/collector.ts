/**
 * How the wasm heap gets the blocks of dropped tensors back inside a synchronous loop.
 *
 * A block returns when its Storage is garbage collected and the heap's FinalizationRegistry calls
 * back. Two things stand in the way inside a long synchronous loop: V8 does not count wasm memory
 * as pressure on its own heap, so it rarely collects; and finalization callbacks normally run only
 * between event-loop tasks. A host that can do better registers a collector: a
 * FinalizationRegistry whose `cleanupSome()` runs pending callbacks synchronously, and a `gc()`
 * that collects now. The Node entry builds one (src/node/gc-pressure.ts); browsers have neither,
 * and the heap falls back to waiting for the event loop (and, past its soft limit, to ordinary
 * arrays).
 */

/** A FinalizationRegistry that can also run its pending callbacks on demand. */
export interface CleanableRegistry<T> {
  register(target: object, held: T, unregisterToken?: object): void;
  unregister(unregisterToken: object): boolean;
  /** Run callbacks for targets already collected; never collects by itself. */
  cleanupSome(): void;
}

export interface HeapCollector {
  /** A registry whose callback is `cleanup`, with a synchronous `cleanupSome()`. */
  createRegistry<T>(cleanup: (held: T) => void): CleanableRegistry<T>;
  /** A full, synchronous garbage collection. */
  gc(): void;
}

let registered: HeapCollector | null = null;

/** Use `collector` for wasm heaps created from now on (null: none, the browser behaviour). */
export function setHeapCollector(collector: HeapCollector | null): void {
  registered = collector;
}

export function registeredHeapCollector(): HeapCollector | null {
  return registered;
}

/**
 * When to collect. The heap collects only when a tensor allocation would otherwise take fresh
 * memory from the bump pointer, and only after `budget` bytes were handed out since the last
 * collection, where budget = max(MIN_BUDGET_BYTES, live bytes · BUDGET_PER_LIVE_BYTE). So the
 * memory in use stays within about (1 + BUDGET_PER_LIVE_BYTE)× what is live plus MIN_BUDGET_BYTES,
 * and there is one full gc per budget allocated. A full gc is not free — about 8 ms here with the
 * Node entry loaded (its JS heap is ~20 MB) — so these figures trade memory for time: on the docs'
 * 784-256-10 hand loop over MNIST (212 MiB of data, ~1.5 MB allocated per step) they keep RSS
 * under 400 MB for a gc every ~35 steps (scripts/memory-soak.ts). fit() is not affected: its step
 * scopes hand the same blocks back every batch, so it rarely needs fresh memory.
 */
export const MIN_BUDGET_BYTES = 32 * 2 ** 20;
export const BUDGET_PER_LIVE_BYTE = 0.25;
