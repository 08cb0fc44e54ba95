/**
 * What the wasm backend's zero-skipping products share (assembly/sparse.ts): when an operand is
 * zeros enough to be worth it, and the kernel's scratch. Used by matmul.ts and conv.ts.
 */
import type { WasmContext } from './context.js';

/**
 * Skip zeros when at least this fraction of the operand is zeros: per multiply-add the sparse
 * kernel costs about 1.5× the dense one (one row at a time, no reuse of B from registers), so it
 * wins from about half zeros on (measured on random and on MNIST data).
 */
export const SPARSE_MIN_ZEROS = 0.5;

let enabled = true;
/**
 * Let wasm products skip zeros (the default) or not: results are the same bits either way, so this
 * only changes speed — for measuring the dense kernels, and for tests.
 */
export function setSkipZeros(on: boolean): void {
  enabled = on;
}

/**
 * Whether an operand of len values at x is zeros enough for the sparse kernel: `least` of them
 * (SPARSE_MIN_ZEROS unless the caller measured its own break-even).
 */
export function mostlyZeros(ctx: WasmContext, x: number, len: number, least = SPARSE_MIN_ZEROS): boolean {
  return enabled && zeroFraction(ctx, x, len) >= least;
}

/**
 * Roughly the fraction of zeros among len values at x: all of them when few, else 16 evenly spaced
 * stretches of 1024 (the decision needs an estimate, and a dense product should pay next to nothing
 * for it: 16K values is ~1 µs).
 */
function zeroFraction(ctx: WasmContext, x: number, len: number): number {
  const SAMPLES = 16;
  const STRETCH = 1024;
  if (len === 0) return 0;
  if (len <= SAMPLES * STRETCH) return ctx.kernels.countZeros(x, len) / len;
  const gap = Math.floor((len - STRETCH) / (SAMPLES - 1));
  let zeros = 0;
  for (let s = 0; s < SAMPLES; s++) zeros += ctx.kernels.countZeros(x + s * gap * 4, STRETCH);
  return zeros / (SAMPLES * STRETCH);
}

/** The sparse kernel's scratch for `threads` threads: its swizzle patterns, then a list per thread. */
export function allocateSparseLists(ctx: WasmContext, threads: number): number {
  const lists = ctx.heap.allocate(ctx.kernels.sparseScratchBytes(threads));
  ctx.kernels.writeCompactPatterns(lists);
  return lists;
}

let sparseProducts = 0;
/** How many products (of any wasm backend) skipped zeros so far: for tests and profiling. */
export function sparseProductCount(): number {
  return sparseProducts;
}
/** Count one product that skipped zeros. */
export function countSparseProduct(): void {
  sparseProducts++;
}
