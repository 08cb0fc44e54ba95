/**
 * Slices on any axis. A slice that is one contiguous block of its input (rows of the first axis,
 * or anything whose trailing axes are whole) shares the input's storage; others are a strided copy.
 *
 * Backward costs the size of the slice, not of the input: every slice of x adds into one shared
 * gradient buffer (see shared-grad.ts), so slicing T steps out of a sequence is O(T) in backward.
 * While a graph of the backward pass is built, the rule is the recorded op pad(g) instead.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, normalizeAxis, shapesEqual, sizeOf, stridesOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { pad } from './pad.js';
import { accumulateInto, tapOf } from './shared-grad.js';
import { allocOutput } from './util.js';

/**
 * Two forms:
 * - `slice(x, start, end?)`: rows start…end-1 of the first axis, Python-style (negative counts from
 *   the end, out-of-range clamped) — the form `t.slice(start, end)` has always had.
 * - `slice(x, begin, size?)` with arrays, as in TF.js: `begin[d]` is where axis d starts and
 *   `size[d]` how many entries it keeps (-1 or missing: to the end); axes past `begin` are whole.
 */
export function slice(x: Tensor, start: number, end?: number): Tensor;
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor;
export function slice(
  x: Tensor,
  begin: number | readonly number[],
  sizeOrEnd?: number | readonly number[],
): Tensor {
  if (typeof begin === 'number') {
    if (sizeOrEnd !== undefined && typeof sizeOrEnd !== 'number') {
      throw new ArgumentError('slice: with a number start, the end must be a number too (or left out)');
    }
    return sliceAxis(x, 0, begin, sizeOrEnd);
  }
  if (typeof sizeOrEnd === 'number') {
    throw new ArgumentError('slice: with an array begin, size must be an array too (or left out)');
  }
  const where = `slice: begin [${begin.join(', ')}]${sizeOrEnd ? `, size [${sizeOrEnd.join(', ')}]` : ''} on shape ${formatShape(x.shape)}`;
  if (begin.length > x.ndim || (sizeOrEnd !== undefined && sizeOrEnd.length > x.ndim)) {
    throw new ShapeError(`${where}: more entries than the ${x.ndim} axes`);
  }
  const b = x.shape.map((_, d) => begin[d] ?? 0);
  const s = x.shape.map((dim, d) => {
    const want = sizeOrEnd?.[d] ?? -1;
    return want === -1 ? dim - b[d]! : want;
  });
  x.shape.forEach((dim, d) => {
    const bd = b[d]!;
    const sd = s[d]!;
    if (!Number.isInteger(bd) || bd < 0 || bd > dim) {
      throw new ArgumentError(`${where}: begin ${bd} on axis ${d} is not an integer in [0, ${dim}]`);
    }
    if (!Number.isInteger(sd) || sd < 0 || bd + sd > dim) {
      throw new ArgumentError(
        `${where}: size ${sd} on axis ${d} is not an integer in [0, ${dim - bd}] (or -1 for the rest)`,
      );
    }
  });
  return sliceWindow(x, b, s);
}

/** Entries start…end-1 along `axis`, Python-style (negative from the end, clamped), others whole. */
export function sliceAxis(x: Tensor, axis: number, start: number, end?: number): Tensor {
  if (x.ndim === 0) throw new ShapeError('slice: needs a tensor with at least one axis, got a scalar');
  const a = normalizeAxis(axis, x.ndim, 'sliceAxis');
  for (const [what, v] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) {
      throw new ArgumentError(
        `slice: ${what} ${String(v)} on axis ${a} of ${formatShape(x.shape)} is not a number`,
      );
    }
  }
  const n = x.shape[a]!;
  const norm = (i: number) => Math.min(n, Math.max(0, i < 0 ? n + i : i));
  const s = norm(Math.trunc(start));
  const e = Math.max(s, end === undefined ? n : norm(Math.trunc(end)));
  const begin = x.shape.map((_, d) => (d === a ? s : 0));
  const size = x.shape.map((dim, d) => (d === a ? e - s : dim));
  return sliceWindow(x, begin, size);
}

/** The window [begin, begin + size) of x (already checked). */
function sliceWindow(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const strides = stridesOf(x.shape);
  let offset = 0;
  begin.forEach((b, d) => {
    offset += b * strides[d]!;
  });
  const n = sizeOf(size);
  let out: Tensor;
  if (shapesEqual(size, x.shape)) {
    out = new Tensor(x.storage, x.shape, x.backend); // the whole tensor: a new handle on the same values
  } else if (isContiguous(x.shape, size)) {
    out = new Tensor(x.backend.slice(x.storage, offset, offset + n), size, x.backend);
  } else {
    out = allocOutput(size, x.backend);
    x.backend.stridedCopy(x.storage, offset, strides, out.storage, 0, stridesOf(size), size, false);
  }
  const tap = tapOf(x);
  if (tap === null) return out;
  return record('slice', out, [tap.tensor], (g) => {
    if (isGradEnabled()) {
      return [
        pad(
          g,
          x.shape.map((dim, d) => [begin[d]!, dim - begin[d]! - size[d]!] as [number, number]),
        ),
      ];
    }
    return [
      accumulateInto(tap, (buffer) =>
        x.backend.stridedCopy(g.storage, 0, stridesOf(size), buffer.storage, offset, strides, size, true),
      ),
    ];
  });
}

/**
 * Whether a window of `size` is one block of memory: every axis after the first partial one is
 * whole, and every axis before it has extent 1.
 */
function isContiguous(shape: readonly number[], size: readonly number[]): boolean {
  let d = shape.length - 1;
  while (d >= 0 && size[d] === shape[d]) d--;
  for (let e = d - 1; e >= 0; e--) if (size[e] !== 1) return false;
  return true;
}
