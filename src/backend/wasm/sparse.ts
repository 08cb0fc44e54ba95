/**
 * What the wasm backend's zero-skipping products share (assembly/sparse.ts): when an operand is
 * zeros enough to be worth it, and the kernel's scratch. Used by matmul.ts and conv.ts.
 */
import { ArgumentError } from '../../errors.js';
import type { WasmContext } from './context.js';

/**
 * Skip zeros when at least this fraction of the operand is zeros. Per multiply-add the sparse
 * kernel now costs about the dense one's, but listing the nonzeros is paid per value of A, and a
 * narrow B (100–128 columns) spreads it over few columns: there it broke even at 34–39 % zeros
 * (bench/sparse-threshold.ts: the MLP's 100×784×100 and 1000×784×100, the Keras CNN's 128×9216×128
 * on one thread), and at 42–54 % for that CNN's 128×9216×128 and 9216×128×128 (A transposed) on
 * two threads, so half stays the bar. Wide products: matmul.ts WIDE_MIN_ZEROS.
 */
export const SPARSE_MIN_ZEROS = 0.5;

let enabled: boolean | 'always' = true;
/**
 * Let wasm products skip zeros when worth it (the default), never, or whatever A's share of zeros
 * ('always': every caller of mostlyZeros — matmul, the convolutions, the LSTM's dW — though products
 * too small for the sparse kernel, n < 16 or m < 8, stay dense): results are the same bits either
 * way, so this only changes speed — for measuring the kernels against each other
 * (bench/sparse-threshold.ts), and for tests.
 */
export function setSkipZeros(on: boolean | 'always'): void {
  if (on !== true && on !== false && on !== 'always') {
    throw new ArgumentError(
      `setSkipZeros: expected true, false or 'always', got ${JSON.stringify(on) ?? String(on)}`,
    );
  }
  enabled = on;
}

/**
 * Whether an operand of len values at x is zeros enough for the sparse kernel: `least` of them
 * (SPARSE_MIN_ZEROS unless the caller measured its own break-even).
 */
export function mostlyZeros(ctx: WasmContext, x: number, len: number, least = SPARSE_MIN_ZEROS): boolean {
  return enabled === 'always' || (enabled && zeroFraction(ctx, x, len) >= least);
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
let groupedProducts = 0;
/** How many products (of any wasm backend) skipped zeros so far: for tests and profiling. */
export function sparseProductCount(): number {
  return sparseProducts;
}
/**
 * How many of them listed A's rows in groups before multiplying (an A past the L2, read from
 * memory): the same bits either way, so only this count shows that path ran.
 */
export function groupedSparseProductCount(): number {
  return groupedProducts;
}
/** Count one product that skipped zeros (`grouped`: its rows listed in groups). */
export function countSparseProduct(grouped = false): void {
  sparseProducts++;
  if (grouped) groupedProducts++;
}
