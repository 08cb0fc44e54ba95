/** Shape arithmetic: sizes, strides, broadcasting and axis normalisation. Pure functions, no tensors. */
import { ArgumentError, ShapeError } from '../errors.js';

export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

// Indexed loops in these helpers, not for-of: every op calls them, and until V8 optimises them
// (most of fit's first epoch) an array iterator costs more than the arithmetic.
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major (C order) strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkShape(shape: Shape, what: string): void {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${what}: invalid shape ${formatShape(shape)} (dimensions must be non-negative integers)`,
      );
    }
  }
}

/** NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together ` +
          `(dimension ${i - n} is ${da} vs ${db}; each pair must be equal or one of them 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` as if it had `outShape` (which it broadcasts to):
 * one stride per output dimension, 0 where the input is repeated.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    strides[i + offset] = shape[i] === 1 && outShape[i + offset] !== 1 ? 0 : own[i]!;
  }
  return strides;
}

/** Turn a possibly negative axis into 0…ndim-1, or throw naming the op. */
export function normalizeAxis(axis: number, ndim: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new ArgumentError(`${op}: axis ${axis} is out of range for a tensor with ${ndim} dimension(s)`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalise `axis` (one, several or undefined = all) to a sorted list of distinct axes. */
export function normalizeAxes(
  axis: number | readonly number[] | undefined,
  ndim: number,
  op: string,
): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = [...new Set(list.map((a) => normalizeAxis(a, ndim, op)))];
  if (out.length !== list.length) throw new ArgumentError(`${op}: repeated axis in [${list.join(', ')}]`);
  return out.sort((x, y) => x - y);
}

/** View a shape as [outer, size, inner] around one axis: the layout every axis-wise kernel uses. */
export function splitAtAxis(shape: Shape, axis: number): { outer: number; size: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, size: shape[axis]!, inner };
}

/** Resolve a reshape target that may contain one -1. */
export function resolveReshape(from: Shape, to: readonly number[]): number[] {
  const size = sizeOf(from);
  const unknown = to.indexOf(-1);
  if (unknown !== to.lastIndexOf(-1))
    throw new ShapeError(`reshape: only one dimension can be -1, got ${formatShape(to)}`);
  const out = [...to];
  if (unknown >= 0) {
    const known = sizeOf(to.filter((_, i) => i !== unknown));
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${formatShape(from)} (size ${size}) into ${formatShape(to)}`,
      );
    }
    out[unknown] = size / known;
  }
  checkShape(out, 'reshape');
  if (sizeOf(out) !== size) {
    throw new ShapeError(
      `reshape: cannot reshape ${formatShape(from)} (size ${size}) into ${formatShape(to)} (size ${sizeOf(out)})`,
    );
  }
  return out;
}
