/**
 * The backends every entry of the package registers: TypeScript kernels everywhere, and the
 * WebAssembly SIMD ones (preferred) where the engine runs them. Imported for its effect by the
 * entries (index.ts, node/index.ts), never by the core, which knows backends only through the
 * registry.
 */
import { registerBackend, registerLazyBackend } from './registry.js';
import { float64Backend } from './ts/float64.js';
import { tsBackend } from './ts/index.js';
import { createWasmBackend, wasmSimdSupported } from './wasm/index.js';

registerBackend(tsBackend, 0);
// float64 kernels for numerical checks (gradgradcheck), reachable by name, never chosen by default.
registerBackend(float64Backend, -1, { listed: false });
if (wasmSimdSupported()) registerLazyBackend('wasm', createWasmBackend, 10);
