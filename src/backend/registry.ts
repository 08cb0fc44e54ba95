/**
 * Which backend new tensors use. One active backend at a time, like TF.js's `setBackend`; by default
 * the WebAssembly one where the engine runs WebAssembly SIMD, the TypeScript one otherwise.
 */
import { ArgumentError } from '../errors.js';
import type { Backend } from './backend.js';
import { tsBackend } from './ts/index.js';
import { createWasmBackend, wasmSimdSupported } from './wasm/index.js';

const backends = new Map<string, Backend>([[tsBackend.name, tsBackend]]);
/** Backends built on first use (the wasm one compiles a module and reserves memory). */
const lazy = new Map<string, () => Backend>(wasmSimdSupported() ? [['wasm', createWasmBackend]] : []);
/** Chosen on first use, so registering backends or thread pools at import time still counts. */
let active: Backend | null = null;

/** The active backend: `setBackend`'s choice, else wasm where WebAssembly SIMD runs, else ts. */
export function getBackend(): Backend {
  active ??= automaticBackend();
  return active;
}

function automaticBackend(): Backend {
  if (!lazy.has('wasm') && !backends.has('wasm')) return tsBackend;
  try {
    return backendByName('wasm');
  } catch (error) {
    // e.g. the engine refuses to reserve the memory: the TypeScript kernels always work.
    console.warn(`backprop: the wasm backend could not start (${String(error)}); using ts`);
    return tsBackend;
  }
}

/** Make `name` the backend for tensors created from now on. */
export function setBackend(name: string): Backend {
  active = backendByName(name);
  return active;
}

/** The backend called `name` (building it on first use), without making it the active one. */
export function backendByName(name: string): Backend {
  let b = backends.get(name);
  const make = lazy.get(name);
  if (!b && make) {
    b = make();
    backends.set(name, b);
    lazy.delete(name);
  }
  if (!b)
    throw new ArgumentError(
      `setBackend: no backend named '${name}' (registered: ${listBackends().join(', ')})`,
    );
  return b;
}

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function listBackends(): string[] {
  return [...new Set([...backends.keys(), ...lazy.keys()])];
}
