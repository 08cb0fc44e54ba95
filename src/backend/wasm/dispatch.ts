/**
 * Which calls the compiled kernels take, and in what form. Ops the WebAssembly kernels do not cover
 * (or layouts they do not handle) return null here and run on the TypeScript kernels over views of
 * the same memory, so results never depend on which path ran — only speed does.
 */
import type { BinaryOp, UnaryOp } from '../backend.js';

/** Op codes of assembly/elementwise.ts. */
export const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  relu: 0,
  leakyRelu: 1,
  sigmoid: 2,
  tanh: 3,
  exp: 4,
  neg: 5,
  square: 6,
};

/**
 * Work per element of the transcendental activations, relative to relu's (a load, add and store),
 * for deciding when to split over threads: sigmoid over 1000×100 took 297 µs against relu's 25 µs
 * on one thread here, tanh 437 µs.
 */
export const UNARY_COST: Partial<Record<UnaryOp, number>> = { sigmoid: 12, tanh: 16, exp: 10 };

export const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3 };

/** An input of a broadcast binary op seen as a matrix: element (r, c) at r·rowStride + c·colStride. */
export interface Strides2d {
  rowStride: number;
  colStride: number;
}

/**
 * Collapse an input's strides over the output shape to two dimensions (rows = everything but the
 * last axis), or null when that is impossible or the last axis is neither contiguous (stride 1)
 * nor broadcast (stride 0). Size-1 axes carry no information and are skipped.
 */
export function as2d(strides: readonly number[], shape: readonly number[]): Strides2d | null {
  const nd = shape.length;
  if (nd === 0) return { rowStride: 0, colStride: 0 };
  const colStride = shape[nd - 1] === 1 ? 0 : strides[nd - 1]!;
  if (colStride !== 0 && colStride !== 1) return null;
  // Leading axes must step like one flattened axis: stride[d] = stride[d+1]·shape[d+1].
  let rowStride: number | null = null;
  let next: { stride: number; size: number } | null = null;
  for (let d = nd - 2; d >= 0; d--) {
    if (shape[d] === 1) continue;
    const s = strides[d]!;
    if (next === null) rowStride = s;
    else if (s !== next.stride * next.size) return null;
    next = { stride: s, size: shape[d]! };
  }
  return { rowStride: rowStride ?? 0, colStride };
}
