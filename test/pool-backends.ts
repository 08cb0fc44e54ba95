/**
 * Shared by the worker-pool fault tests (threads-fault, threads-update): a one-thread wasm backend
 * beside one whose pool a given factory builds, and the console warnings the pool prints.
 */
import { afterEach, beforeEach, mock } from 'node:test';
import type { Backend } from '../src/backend/backend.js';
import {
  createWasmBackend,
  type GemmPool,
  type GemmPoolFactory,
  setGemmPoolFactory,
} from '../src/backend/wasm/index.js';

/**
 * The warnings printed in each test, in an array emptied before each (console.warn is mocked);
 * the pool factory is reset after each.
 */
export function watchWarnings(): string[] {
  const warnings: string[] = [];
  beforeEach(() => {
    warnings.length = 0;
    mock.method(console, 'warn', (message: string) => warnings.push(message));
  });
  afterEach(() => {
    mock.restoreAll();
    setGemmPoolFactory(null);
  });
  return warnings;
}

/** A wasm backend on one thread, and one whose pool `factory` builds (kept to read its counts). */
export function backends(factory: GemmPoolFactory): {
  single: Backend;
  multi: Backend;
  pool: () => GemmPool;
} {
  setGemmPoolFactory(null);
  const single = createWasmBackend();
  let pool: GemmPool | null = null;
  setGemmPoolFactory((module, memory) => (pool = factory(module, memory)));
  const multi = createWasmBackend();
  setGemmPoolFactory(null);
  return { single, multi, pool: () => pool! };
}
