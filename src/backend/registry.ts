/** Which backend new tensors use. One active backend at a time, like TF.js's `setBackend`. */
import { ArgumentError } from '../errors.js';
import type { Backend } from './backend.js';
import { tsBackend } from './ts/index.js';

const backends = new Map<string, Backend>([[tsBackend.name, tsBackend]]);
let active: Backend = tsBackend;

export function getBackend(): Backend {
  return active;
}

/** Make `name` the backend for tensors created from now on. */
export function setBackend(name: string): Backend {
  const b = backends.get(name);
  if (!b)
    throw new ArgumentError(
      `setBackend: no backend named '${name}' (registered: ${listBackends().join(', ')})`,
    );
  active = b;
  return b;
}

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function listBackends(): string[] {
  return [...backends.keys()];
}
