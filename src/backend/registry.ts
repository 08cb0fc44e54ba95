/**
 * Which backend new tensors use. One active backend at a time, like TF.js's `setBackend`. The
 * registry knows no backend by itself — the core imports none — so the package entries register
 * theirs (backend/defaults.ts: wasm where the engine runs WebAssembly SIMD, ts always), each with a
 * priority; the first use picks the highest that starts.
 */
import { ArgumentError } from '../errors.js';
import type { Backend } from './backend.js';

const backends = new Map<string, Backend>();
/** Backends built on first use (the wasm one compiles a module and reserves memory). */
const lazy = new Map<string, () => Backend>();
/** Registered but left out of listBackends() and the automatic choice. */
const unlisted = new Set<string>();
/** Higher wins when no backend was chosen with setBackend. */
const priorities = new Map<string, number>();
/** Chosen on first use, so registering backends or thread pools at import time still counts. */
let active: Backend | null = null;

/** The active backend: `setBackend`'s choice, else the registered one of highest priority that starts. */
export function getBackend(): Backend {
  active ??= automaticBackend();
  return active;
}

function automaticBackend(): Backend {
  const names = listBackends().sort((a, b) => (priorities.get(b) ?? 0) - (priorities.get(a) ?? 0));
  if (names.length === 0) {
    throw new ArgumentError(
      "no backend is registered: import the library from 'backprop-js' (which registers ts and wasm), " +
        'or call registerBackend() first',
    );
  }
  for (const [i, name] of names.entries()) {
    try {
      return backendByName(name);
    } catch (error) {
      // e.g. the engine refuses to reserve the memory: the next one (ts always works) takes over.
      if (i === names.length - 1) throw error;
      console.warn(`backprop: the ${name} backend could not start (${String(error)}); trying the next one`);
    }
  }
  throw new ArgumentError('no backend could start');
}

/** Register a backend built on first use (`make` runs once, when it is first asked for). */
export function registerLazyBackend(name: string, make: () => Backend, priority = 0): void {
  if (!backends.has(name)) lazy.set(name, make);
  priorities.set(name, priority);
}

/**
 * Run `fn` with `backend` as the active one (tensors `fn` creates land on it), then restore the
 * previous choice. The backend need not be registered: gradgradcheck runs its float64 reference
 * this way without making the checking backend one that tests and users would see.
 */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = active;
  active = backend;
  try {
    return fn();
  } finally {
    active = previous;
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

export interface RegisterBackendOptions {
  /**
   * Whether listBackends() shows it (and so the automatic choice may take it). False for checking
   * backends such as 'ts64' (float64, used by gradgradcheck), which are reachable by name only.
   * Default true.
   */
  listed?: boolean;
}

export function registerBackend(backend: Backend, priority = 0, options: RegisterBackendOptions = {}): void {
  if (options.listed === false) unlisted.add(backend.name);
  else unlisted.delete(backend.name);
  backends.set(backend.name, backend);
  lazy.delete(backend.name);
  if (!priorities.has(backend.name) || priority !== 0) priorities.set(backend.name, priority);
}

export function listBackends(): string[] {
  return [...new Set([...backends.keys(), ...lazy.keys()])].filter((name) => !unlisted.has(name));
}
