/**
 * Ops that rearrange values: reshape, squeeze/expandDims, transpose/permute, broadcast, concat and
 * stack (slice and gather live in slice.ts and indexing.ts, re-exported here).
 *
 * Every backward rule is written with recorded ops (reshape, permute, sumTo, sliceAxis), so with
 * `createGraph` the gradients carry a graph and can be differentiated again; outside that, recording
 * is off and each of them costs what the bare kernel does.
 */
import { record } from '../autograd/graph.js';
import { ArgumentError, ShapeError } from '../errors.js';
import {
  broadcastShapes,
  broadcastStrides,
  formatShape,
  normalizeAxes,
  normalizeAxis,
  resolveReshape,
  type Shape,
  shapesEqual,
  stridesOf,
} from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { sumTo } from './reduce.js';
import { sliceAxis } from './slice.js';
import { alloc, allocOutput, view } from './util.js';

export { gather, scatterAdd } from './indexing.js';
export { slice, sliceAxis } from './slice.js';

/** Same values, new shape (one dimension may be -1). Shares storage: no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = view(x, resolveReshape(x.shape, shape));
  return record('reshape', out, [x], (g) => [reshape(g, x.shape)]);
}

/**
 * Drop axes of size 1: the given one(s), or every one when `axis` is left out. Naming an axis whose
 * size is not 1 is an error (as in TF.js), not silently ignored.
 */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes =
    axis === undefined
      ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : normalizeAxes(axis, x.ndim, 'squeeze');
  for (const a of axes) {
    if (x.shape[a] !== 1) {
      throw new ShapeError(
        `squeeze: axis ${a} of shape ${formatShape(x.shape)} has size ${x.shape[a]}, not 1`,
      );
    }
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Insert an axis of size 1 at `axis` (−1 appends one: [3] becomes [3, 1]). */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const a = normalizeAxis(axis, x.ndim + 1, 'expandDims');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Collapse the axes from `startAxis` on into one (flatten(1) keeps a batch axis). */
export function flatten(x: Tensor, startAxis = 0): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const start = normalizeAxis(startAxis, x.ndim, 'flatten');
  return reshape(x, [...x.shape.slice(0, start), -1]);
}

export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normalizeAxis(a, x.ndim, 'permute'));
  if (p.length !== x.ndim || new Set(p).size !== p.length) {
    throw new ArgumentError(
      `permute: [${perm.join(', ')}] is not a permutation of the ${x.ndim} axes of ${formatShape(x.shape)}`,
    );
  }
  const out = permuteRaw(x, p);
  const inverse = new Array<number>(p.length);
  p.forEach((axis, i) => {
    inverse[axis] = i;
  });
  return record('permute', out, [x], (g) => [permute(g, inverse)]);
}

function permuteRaw(x: Tensor, perm: readonly number[]): Tensor {
  const out = alloc(
    perm.map((a) => x.shape[a]!),
    x.backend,
  );
  x.backend.permute(x.storage, x.shape, perm, out.storage);
  return out;
}

/**
 * Swap two axes (PyTorch's transpose). A tensor of rank < 2 has nothing to swap and is returned as
 * it is. TF.js's transpose(x, perm) is permute(x, perm) here: an array is refused by name rather
 * than taken as a permutation, since transpose(x) without one still swaps only the last two axes
 * (TF.js reverses them all) and code written for TF.js would silently differ on rank > 2.
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (typeof axis0 !== 'number' || typeof axis1 !== 'number') throw transposeArgs(axis0, axis1);
  if (x.ndim < 2) return x;
  const perm = x.shape.map((_, i) => i);
  const a = normalizeAxis(axis0, x.ndim, 'transpose');
  const b = normalizeAxis(axis1, x.ndim, 'transpose');
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

function transposeArgs(axis0: unknown, axis1: unknown): ArgumentError {
  const bad = typeof axis0 !== 'number' ? axis0 : axis1;
  const shown = Array.isArray(bad) ? `[${bad.join(', ')}]` : String(bad);
  const hint = Array.isArray(bad)
    ? `; for a permutation of the axes (TF.js's transpose(x, perm)) use permute(x, ${shown})`
    : '';
  return new ArgumentError(
    `transpose: takes two axes to swap, transpose(x, axis0, axis1); got ${shown}${hint}`,
  );
}

/** Repeat x along broadcast axes to exactly `shape` (materialised). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  if (shapesEqual(x.shape, shape)) return x;
  const out = alloc(shape, x.backend);
  x.backend.broadcastTo(x.storage, broadcastStrides(x.shape, shape), out.storage, shape);
  return record('broadcastTo', out, [x], (g) => [sumTo(g, x.shape)]);
}

/** A copy with its own storage. */
export function clone(x: Tensor): Tensor {
  const out = alloc(x.shape, x.backend);
  x.backend.copy(x.storage, out.storage);
  return record('clone', out, [x], (g) => [g]);
}

/**
 * Join tensors along an existing axis. Each input is written into its window of the output with
 * strides (no axis is moved); each one's gradient is its window of g, a slice along that axis.
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ArgumentError('concat: needs at least one tensor');
  const first = tensors[0]!;
  if (first.ndim === 0) throw new ShapeError('concat: scalars have no axis to join along (use stack)');
  const a = normalizeAxis(axis, first.ndim, 'concat');
  tensors.forEach((t, i) => {
    const same = t.ndim === first.ndim && t.shape.every((d, j) => j === a || d === first.shape[j]);
    if (!same) {
      throw new ShapeError(
        `concat: tensor ${i} has shape ${formatShape(t.shape)}, which does not match ${formatShape(first.shape)} outside axis ${a}`,
      );
    }
    if (t.backend !== first.backend)
      throw new ArgumentError(`concat: tensor ${i} lives on another backend ('${t.backend.name}')`);
  });
  const total = tensors.reduce((n, t) => n + t.shape[a]!, 0);
  const shape = first.shape.map((d, j) => (j === a ? total : d));
  const out = allocOutput(shape, first.backend); // every element is written below
  const outStrides = stridesOf(shape);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at);
    first.backend.stridedCopy(
      t.storage,
      0,
      stridesOf(t.shape),
      out.storage,
      at * outStrides[a]!,
      outStrides,
      t.shape,
      false,
    );
    at += t.shape[a]!;
  }
  return record('concat', out, tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? sliceAxis(g, a, starts[i]!, starts[i]! + t.shape[a]!) : null)),
  );
}

/** Join same-shaped tensors along a new axis (stack([a, b]) of two [3] vectors is [2, 3]). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ArgumentError('stack: needs at least one tensor');
  const shape = tensors[0]!.shape;
  const a = normalizeAxis(axis, shape.length + 1, 'stack');
  tensors.forEach((t, i) => {
    if (t.ndim !== shape.length || t.shape.some((d, j) => d !== shape[j])) {
      throw new ShapeError(
        `stack: tensor ${i} has shape ${formatShape(t.shape)}, expected ${formatShape(shape)} like tensor 0`,
      );
    }
  });
  const expanded = [...shape.slice(0, a), 1, ...shape.slice(a)];
  return concat(
    tensors.map((t) => reshape(t, expanded)),
    a,
  );
}
