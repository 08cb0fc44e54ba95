/**
 * gather and scatterAdd along any axis: an adjoint pair, each the other's backward.
 *
 * Both read with strides ([outer, size, inner] around the axis), so no axis is moved to the front
 * and back; each costs the size of what it picks or adds. gather's backward adds into one gradient
 * buffer shared by every piece read from the same tensor (shared-grad.ts), so gathering one step at
 * a time in a loop stays O(steps) in backward.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, normalizeAxis, sizeOf, splitAtAxis } from '../tensor/shape.js';
import { type IndexLike, Tensor } from '../tensor/tensor.js';
import { accumulateInto, tapOf } from './shared-grad.js';
import { alloc, allocOutput } from './util.js';

interface Indices {
  values: Int32Array;
  shape: number[];
}

/**
 * Entries of x at `indices` along `axis` (default 0); indices may repeat (their gradients add up).
 * The result's shape is x's with that axis replaced by the indices' shape (as TF.js's gather):
 * rows of a [4, 3] matrix gathered with [[0, 1], [3, 3]] make a [2, 2, 3] tensor.
 */
export function gather(x: Tensor, indices: IndexLike, axis = 0): Tensor {
  if (x.ndim === 0) throw new ShapeError('gather: needs a tensor with at least one axis, got a scalar');
  const a = normalizeAxis(axis, x.ndim, 'gather');
  return gatherChecked(x, checkIndices('gather', indices, x.shape, a), a);
}

function gatherChecked(x: Tensor, idx: Indices, a: number): Tensor {
  const { outer, size, inner } = splitAtAxis(x.shape, a);
  const out = allocOutput([...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)], x.backend);
  if (outer === 1) x.backend.gatherRows(x.storage, inner, idx.values, out.storage);
  else x.backend.gatherAxis(x.storage, outer, size, inner, idx.values, out.storage);
  const tap = tapOf(x);
  if (tap === null) return out;
  return record('gather', out, [tap.tensor], (g) => {
    if (isGradEnabled()) return [scatterAddChecked(alloc(x.shape, x.backend), idx, g, a)];
    return [
      accumulateInto(tap, (buffer) => {
        if (outer === 1) x.backend.scatterAddRows(g.storage, inner, idx.values, buffer.storage);
        else x.backend.scatterAddAxis(g.storage, outer, size, inner, idx.values, buffer.storage);
      }),
    ];
  });
}

/**
 * x with `updates` added at `indices` along `axis` (repeated indices add up): the result is x's
 * shape, and `updates` has x's shape with that axis replaced by the indices' shape. Differentiable
 * in x (the gradient passes through) and in updates (the gradient gathered at the indices).
 */
export function scatterAdd(x: Tensor, indices: IndexLike, updates: Tensor, axis = 0): Tensor {
  if (x.ndim === 0) throw new ShapeError('scatterAdd: needs a tensor with at least one axis, got a scalar');
  const a = normalizeAxis(axis, x.ndim, 'scatterAdd');
  const idx = checkIndices('scatterAdd', indices, x.shape, a);
  const expected = [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)];
  if (
    !(updates instanceof Tensor) ||
    updates.shape.join() !== expected.join() ||
    updates.ndim !== expected.length
  ) {
    throw new ShapeError(
      `scatterAdd: updates of shape ${updates instanceof Tensor ? formatShape(updates.shape) : String(updates)} ` +
        `do not fit x ${formatShape(x.shape)} with indices ${formatShape(idx.shape)} on axis ${a} ` +
        `(expected ${formatShape(expected)})`,
    );
  }
  if (updates.backend !== x.backend) {
    throw new ArgumentError(`scatterAdd: updates live on another backend ('${updates.backend.name}')`);
  }
  return scatterAddChecked(x, idx, updates, a);
}

function scatterAddChecked(x: Tensor, idx: Indices, updates: Tensor, a: number): Tensor {
  const { outer, size, inner } = splitAtAxis(x.shape, a);
  const out = allocOutput(x.shape, x.backend);
  x.backend.copy(x.storage, out.storage);
  if (outer === 1) x.backend.scatterAddRows(updates.storage, inner, idx.values, out.storage);
  else x.backend.scatterAddAxis(updates.storage, outer, size, inner, idx.values, out.storage);
  return record('scatterAdd', out, [x, updates], (g) => [
    g,
    updates.requiresGrad ? gatherChecked(g, idx, a) : null,
  ]);
}

/** Integer indices in [0, x.shape[axis]) from a tensor (any shape) or an array (1-D). */
function checkIndices(op: string, indices: IndexLike, shape: readonly number[], axis: number): Indices {
  const n = shape[axis]!;
  let values: ArrayLike<number>;
  let indexShape: number[];
  if (indices instanceof Tensor) {
    values = indices.dataSync();
    indexShape = [...indices.shape];
  } else if (Array.isArray(indices) || indices instanceof Int32Array) {
    values = indices;
    indexShape = [indices.length];
  } else {
    throw new ArgumentError(`${op}: indices must be a Tensor, an Int32Array or an array of numbers`);
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new ArgumentError(
        `${op}: index ${v} at position ${i} is not an integer in [0, ${n}) (axis ${axis} of ${formatShape(shape)})`,
      );
    }
    out[i] = v;
  }
  if (sizeOf(indexShape) !== out.length) indexShape = [out.length];
  return { values: out, shape: indexShape };
}
