/**
 * The wasm heap's collector in Node (see src/backend/wasm/collector.ts): a way to run garbage
 * collection and finalization callbacks synchronously, so a synchronous hand-written loop gets the
 * wasm blocks of the tensors it dropped back instead of growing the memory.
 *
 * Neither is on by default. WeakRefs cannot stand in (a WeakRef keeps its target alive until the
 * current job ends, so none is seen to die inside a loop). V8 has both behind flags that it reads
 * when a context is created: `--expose-gc` installs `gc()`, and
 * `--harmony-weak-refs-with-cleanup-some` adds `FinalizationRegistry.prototype.cleanupSome`. So the
 * flags are set just long enough to create one private vm context, whose `gc` and
 * `FinalizationRegistry` work for objects of every context, and then set back, so that no other
 * context (the user's vm contexts, worker threads) sees them.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { CleanableRegistry, HeapCollector } from '../backend/wasm/collector.js';

type RegistryConstructor = new <T>(cleanup: (held: T) => void) => CleanableRegistry<T>;

/** The collector, or null where this V8 lacks either feature (the heap then works as in browsers). */
export function synchronousCollector(): HeapCollector | null {
  const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const hadCleanupSome = 'cleanupSome' in FinalizationRegistry.prototype;
  let context: vm.Context;
  try {
    if (!hadGc) v8.setFlagsFromString('--expose-gc');
    if (!hadCleanupSome) v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    context = vm.createContext({});
  } finally {
    if (!hadGc) v8.setFlagsFromString('--no-expose-gc');
    if (!hadCleanupSome) v8.setFlagsFromString('--no-harmony-weak-refs-with-cleanup-some');
  }
  const gc: unknown = vm.runInContext('typeof gc === "function" ? gc : null', context);
  const Registry: unknown = vm.runInContext('FinalizationRegistry', context);
  if (typeof gc !== 'function' || typeof Registry !== 'function') return null;
  if (typeof (Registry.prototype as { cleanupSome?: unknown }).cleanupSome !== 'function') return null;
  const RegistryWithCleanup = Registry as RegistryConstructor;
  return {
    createRegistry: (cleanup) => new RegistryWithCleanup(cleanup),
    gc: () => {
      (gc as () => void)();
    },
  };
}
