/** Ops that rearrange values: reshape, transpose/permute, broadcast, row slices, gather. */
import { record } from '../autograd/graph.js';
import { ArgumentError, ShapeError } from '../errors.js';
import {
  broadcastShapes,
  broadcastStrides,
  formatShape,
  normalizeAxis,
  resolveReshape,
  type Shape,
  shapesEqual,
} from '../tensor/shape.js';
import { type IndexLike, Tensor } from '../tensor/tensor.js';
import { sumTo } from './reduce.js';
import { alloc, view } from './util.js';

/** Same values, new shape (one dimension may be -1). Shares storage: no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = view(x, resolveReshape(x.shape, shape));
  return record('reshape', out, [x], (g) => [view(g, x.shape)]);
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
  return record('permute', out, [x], (g) => [permuteRaw(g, inverse)]);
}

function permuteRaw(x: Tensor, perm: readonly number[]): Tensor {
  const out = alloc(
    perm.map((a) => x.shape[a]!),
    x.backend,
  );
  x.backend.permute(x.storage, x.shape, perm, out.storage);
  return out;
}

/** Swap two axes. A tensor of rank < 2 has nothing to swap and is returned as it is. */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.ndim < 2) return x;
  const perm = x.shape.map((_, i) => i);
  const a = normalizeAxis(axis0, x.ndim, 'transpose');
  const b = normalizeAxis(axis1, x.ndim, 'transpose');
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
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

function rowSizeOf(x: Tensor, op: string): number {
  if (x.ndim === 0) throw new ShapeError(`${op}: needs a tensor with at least one axis, got a scalar`);
  return x.shape[0] === 0 ? 0 : x.size / x.shape[0]!;
}

function range(start: number, end: number): Int32Array {
  const r = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < r.length; i++) r[i] = start + i;
  return r;
}

/** Rows [start, end) of the first axis, Python-style (negative from the end, clamped). A view. */
export function slice(x: Tensor, start: number, end?: number): Tensor {
  const rowSize = rowSizeOf(x, 'slice');
  const rows = x.shape[0]!;
  const norm = (i: number) => Math.min(rows, Math.max(0, i < 0 ? rows + i : i));
  const s = norm(Math.trunc(start));
  const e = Math.max(s, end === undefined ? rows : norm(Math.trunc(end)));
  const storage = x.backend.slice(x.storage, s * rowSize, e * rowSize);
  const out = new Tensor(storage, [e - s, ...x.shape.slice(1)], x.backend);
  return record('slice', out, [x], (g) => {
    const dx = alloc(x.shape, x.backend);
    x.backend.scatterAddRows(g.storage, rowSize, range(s, e), dx.storage);
    return [dx];
  });
}

/** Entries at `indices` along `axis`; indices may repeat (their gradients add up). */
export function gather(x: Tensor, indices: IndexLike, axis = 0): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'gather');
  if (a !== 0) {
    // Move the axis to the front, pick rows, move it back: the permutes carry the gradient.
    const perm = x.shape.map((_, i) => i);
    perm.splice(a, 1);
    perm.unshift(a);
    // Output axis i must read moved axis j where perm[j] = i.
    const inverse = x.shape.map((_, i) => (i === a ? 0 : i < a ? i + 1 : i));
    return permute(gather(permute(x, perm), indices, 0), inverse);
  }
  const rowSize = rowSizeOf(x, 'gather');
  const idx = toIndices(indices, x.shape[0]!);
  const out = alloc([idx.length, ...x.shape.slice(1)], x.backend);
  x.backend.gatherRows(x.storage, rowSize, idx, out.storage);
  return record('gather', out, [x], (g) => {
    const dx = alloc(x.shape, x.backend);
    x.backend.scatterAddRows(g.storage, rowSize, idx, dx.storage);
    return [dx];
  });
}

function toIndices(indices: IndexLike, n: number): Int32Array {
  let values: ArrayLike<number>;
  if (indices instanceof Tensor) {
    if (indices.ndim > 1)
      throw new ShapeError(`gather: indices must be 1-D, got shape ${formatShape(indices.shape)}`);
    values = indices.dataSync();
  } else {
    values = indices;
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new ArgumentError(`gather: index ${v} at position ${i} is not an integer in [0, ${n})`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Join tensors along an existing axis. Along the first axis each input is a contiguous block of
 * the output; other axes are moved to the front and back with (recorded) permutes.
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
  if (a !== 0) {
    const perm = first.shape.map((_, i) => i);
    perm.splice(a, 1);
    perm.unshift(a);
    const inverse = first.shape.map((_, i) => (i === a ? 0 : i < a ? i + 1 : i));
    return permute(
      concat(
        tensors.map((t) => permute(t, perm)),
        0,
      ),
      inverse,
    );
  }
  const rows = tensors.reduce((n, t) => n + t.shape[0]!, 0);
  const out = alloc([rows, ...first.shape.slice(1)], first.backend);
  const starts: number[] = [];
  let row = 0;
  for (const t of tensors) {
    starts.push(row);
    const offset = (row * out.size) / Math.max(1, rows);
    if (t.size > 0) first.backend.copy(t.storage, first.backend.slice(out.storage, offset, offset + t.size));
    row += t.shape[0]!;
  }
  // Each input's gradient is its block of rows of the output's gradient.
  return record('concat', out, tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? slice(g, starts[i]!, starts[i]! + t.shape[0]!) : null)),
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
