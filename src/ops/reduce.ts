/**
 * Reductions over any set of axes, with keepdims. The kernel reduces the middle of an
 * [outer, size, inner] view; runs of consecutive axes are one such view, others follow in turn.
 */
import { record } from '../autograd/graph.js';
import type { ArgReduceOp, ReduceOp } from '../backend/backend.js';
import { normalizeAxes, normalizeAxis, type Shape, shapesEqual, splitAtAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { binaryForward } from './elementwise.js';
import { broadcastTo } from './layout.js';
import { alloc, view } from './util.js';

type Axes = number | readonly number[] | undefined;

/**
 * Reduce `axes` (sorted) of x, keeping them as size-1 dimensions. Always returns a new tensor.
 * Consecutive axes are one kernel call over their product (a convolution's bias gradient sums
 * [batch, h, w] in one pass: a single float64 accumulation, not three rounded to float32 between).
 */
function reduceKeep(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  let cur = x;
  for (let i = 0; i < axes.length; ) {
    let j = i;
    while (j + 1 < axes.length && axes[j + 1] === axes[j]! + 1) j++;
    const first = axes[i]!;
    const last = axes[j]!;
    const shape = [...cur.shape];
    let outer = 1;
    let size = 1;
    let inner = 1;
    shape.forEach((d, a) => {
      if (a < first) outer *= d;
      else if (a > last) inner *= d;
      else size *= d;
    });
    for (let a = first; a <= last; a++) shape[a] = 1;
    const out = alloc(shape, x.backend);
    x.backend.reduce(op, cur.storage, outer, size, inner, out.storage);
    cur = out;
    i = j + 1;
  }
  if (cur === x) {
    cur = alloc(x.shape, x.backend);
    x.backend.copy(x.storage, cur.storage);
  }
  return cur;
}

function dropAxes(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

export function sum(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'sum');
  const kept = reduceKeep('sum', x, axes);
  const out = keepdims ? kept : view(kept, dropAxes(x.shape, axes));
  // Every input element contributed once: its gradient is the output's, broadcast back (with
  // recorded ops: under createGraph, g may itself depend on what is being differentiated).
  return record('sum', out, [x], (g) => [broadcastTo(keepdims ? g : g.reshape(kept.shape), x.shape)]);
}

export function mean(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'mean');
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  return sum(x, axes, keepdims).mul(1 / count);
}

export function max(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  return extremum('max', x, axis, keepdims);
}

export function min(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  return extremum('min', x, axis, keepdims);
}

/**
 * The gradient goes to the element(s) that were the extremum, split evenly between ties. The mask
 * and tie counts are constants, so the second derivative is zero, as it is for the piecewise-linear
 * max itself.
 */
function extremum(op: 'max' | 'min', x: Tensor, axis: Axes, keepdims: boolean): Tensor {
  const axes = normalizeAxes(axis, x.ndim, op);
  const kept = reduceKeep(op, x, axes);
  const out = keepdims ? kept : view(kept, dropAxes(x.shape, axes));
  return record(op, out, [x], (g) => {
    const mask = binaryForward('eq', x, kept);
    const ties = reduceKeep('sum', mask, axes);
    return [mask.mul((keepdims ? g : g.reshape(kept.shape)).div(ties))];
  });
}

export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argReduce('argmax', x, axis, keepdims);
}

export function argmin(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argReduce('argmin', x, axis, keepdims);
}

/** Indices (as float32) of the extremum along `axis`, or into the flattened tensor when no axis. */
function argReduce(op: ArgReduceOp, x: Tensor, axis: number | undefined, keepdims: boolean): Tensor {
  if (axis === undefined) {
    const out = alloc(keepdims ? x.shape.map(() => 1) : [], x.backend);
    x.backend.argReduce(op, x.storage, 1, x.size, 1, out.storage);
    return out;
  }
  const a = normalizeAxis(axis, x.ndim, op);
  const { outer, size, inner } = splitAtAxis(x.shape, a);
  const shape = [...x.shape];
  shape[a] = 1;
  const out = alloc(keepdims ? shape : dropAxes(x.shape, [a]), x.backend);
  x.backend.argReduce(op, x.storage, outer, size, inner, out.storage);
  return out;
}

/**
 * Sum `g` down to `shape`, undoing a broadcast: leading axes that `shape` lacks, and axes where
 * `shape` has 1 but `g` does not, are summed. Used by every backward rule of a broadcasting op.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return sum(g, axes, true).reshape(shape);
}
