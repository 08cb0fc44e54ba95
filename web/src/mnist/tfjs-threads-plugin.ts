/**
 * Build fix for TF.js's threaded wasm backend (used by the MNIST page's benchmark only).
 * tfjs-backend-wasm starts its pthread workers from `factory.toString()`, so the factory's source
 * must still make sense outside its module. It reads a closure variable there behind a typeof
 * guard (`typeof _scriptDir !== "undefined" && _scriptDir`); a minifier sees the variable declared
 * and drops the guard, and the workers fail with "ReferenceError: e is not defined". Guarding on
 * `document` instead means the same here (in a worker there is no document, and no script
 * directory) and survives minification. Vite applies it to worker bundles (vite.config.ts).
 */
import type { Plugin } from 'vite';

const GUARDED = 'typeof _scriptDir !== "undefined" && _scriptDir';

export function tfjsThreadsFix(): Plugin {
  return {
    name: 'backprop:tfjs-wasm-threads',
    transform(code, id) {
      if (!id.includes('tfjs-backend-wasm-threaded-simd.js') || !code.includes(GUARDED)) return null;
      return { code: code.replaceAll(GUARDED, 'typeof document !== "undefined" && _scriptDir'), map: null };
    },
  };
}
