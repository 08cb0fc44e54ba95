/**
 * ONNX TopK, GatherElements and CumSum (the forms of opset 11/13/14, unchanged through 21) — the
 * operators toOnnx uses to run a recurrent layer over the kept steps of a mask
 * (export-rnn-masked.ts), so backprop reads its own masked exports back.
 *
 * - TopK: K is a constant input (one value, 1…size of the axis); axis (default −1), largest
 *   (default 1), sorted (default 1). Equal values keep the lower index first, as the
 *   specification says and ONNX Runtime does. With sorted = 0 the specification leaves the order
 *   open; the values come sorted then too (ONNX Runtime's heap order is not part of the spec).
 * - GatherElements: out[…i…] = data[…indices[…i…]…] along axis (default 0); indices have data's
 *   rank, no axis larger than data's, values in [−n, n) (a negative one counts from the end).
 * - CumSum: running sums along a constant axis input (a scalar or one value, may be negative);
 *   exclusive (default 0) leaves each entry out of its own sum, reverse (default 0) sums from the end.
 *
 * Values stay differentiable (TopK's are gathered from x, GatherElements' too); indices are data.
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { ConstTensor, NodeInfo, OperatorTable } from '../op-types.js';
import { constInts, nodeError, nodeShapeError, normalizeAxis, required } from './util.js';

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** The one integer a constant input holds (TopK's K, CumSum's axis): a scalar or a single value. */
function oneInt(c: ConstTensor | undefined, slot: number, what: string, node: NodeInfo): number {
  const values = constInts(c, slot, node);
  if (values.length !== 1) {
    throw nodeError(node, `${what} (input ${slot}) must hold one integer, got [${values.join(', ')}]`);
  }
  return values[0]!;
}

/** An index input's values and dims: known at import (an initializer) or computed at run time. */
function indexValues(
  inputs: readonly (Tensor | undefined)[],
  given: ConstTensor | undefined,
  node: NodeInfo,
) {
  if (given) return { raw: given.data, dims: given.dims };
  const x = required(inputs, 1, node);
  return { raw: Array.from(x.dataSync()), dims: [...x.shape] };
}

function gatherElements(
  data: Tensor,
  indices: { raw: readonly number[]; dims: readonly number[] },
  axisGiven: number,
  node: NodeInfo,
): Tensor {
  const { raw, dims } = indices;
  if (dims.length !== data.ndim) {
    throw nodeShapeError(
      node,
      `indices of shape ${shapeText(dims)} must have the rank of data ${shapeText(data.shape)}`,
    );
  }
  const axis = normalizeAxis(axisGiven, data.ndim, node);
  dims.forEach((d, i) => {
    if (i !== axis && d > data.shape[i]!) {
      throw nodeShapeError(
        node,
        `indices of shape ${shapeText(dims)} are larger than data ${shapeText(data.shape)} on axis ${i}`,
      );
    }
  });
  const n = data.shape[axis]!;
  const dataStrides = data.shape.map((_, i) => data.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const flat = new Int32Array(raw.length);
  const at = new Array<number>(dims.length).fill(0);
  for (let p = 0; p < raw.length; p++) {
    const v = raw[p]!;
    if (!Number.isInteger(v) || v < -n || v >= n) {
      throw nodeShapeError(node, `index ${v} at position ${p} is out of range for axis ${axis} of size ${n}`);
    }
    let offset = 0;
    for (let i = 0; i < dims.length; i++)
      offset += (i === axis ? (v < 0 ? v + n : v) : at[i]!) * dataStrides[i]!;
    flat[p] = offset;
    // Next position of indices, last axis fastest.
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++at[i]! < dims[i]!) break;
      at[i] = 0;
    }
  }
  if (flat.length === 0) throw nodeShapeError(node, 'empty indices: empty tensors are not supported');
  return data
    .reshape([-1])
    .gather(flat, 0)
    .reshape([...dims]);
}

export const selectScanOperators: OperatorTable = {
  TopK: {
    attributes: {
      axis: { type: 'int', default: -1 },
      largest: { type: 'int', default: 1 },
      sorted: { type: 'int', default: 1 },
    },
    constInputs: [1],
    foldKind: (_a, kinds) => [kinds[0] ?? 'float', 'int'],
    run: (inputs, attrs, consts, node) => {
      const x = required(inputs, 0, node);
      if (x.ndim === 0) throw nodeShapeError(node, 'needs an input with at least one axis, got a scalar');
      const axis = normalizeAxis(attrs.axis as number, x.ndim, node);
      const k = oneInt(consts[1], 1, 'K', node);
      const n = x.shape[axis]!;
      if (k < 1 || k > n) {
        throw nodeShapeError(
          node,
          `K = ${k} must be in 1…${n} (axis ${axis} of ${shapeText(x.shape)}; K = 0 would be an empty tensor)`,
        );
      }
      // A stable sort: equal values keep the lower index first, in both directions.
      const { values, indices } = x.sort(axis, { descending: (attrs.largest as number) !== 0 });
      return k === n ? [values, indices] : [values.sliceAxis(axis, 0, k), indices.sliceAxis(axis, 0, k)];
    },
  },
  GatherElements: {
    attributes: { axis: { type: 'int', default: 0 } },
    foldKind: (_a, kinds) => [kinds[0] ?? 'float'],
    run: (inputs, attrs, consts, node) => {
      const data = required(inputs, 0, node);
      return [gatherElements(data, indexValues(inputs, consts[1], node), attrs.axis as number, node)];
    },
  },
  CumSum: {
    attributes: {
      exclusive: { type: 'int', default: 0 },
      reverse: { type: 'int', default: 0 },
    },
    constInputs: [1],
    foldKind: (_a, kinds) => [kinds[0] ?? 'float'],
    run: (inputs, attrs, consts, node) => {
      const x = required(inputs, 0, node);
      if (x.ndim === 0) throw nodeShapeError(node, 'needs an input with at least one axis, got a scalar');
      const axis = normalizeAxis(oneInt(consts[1], 1, 'axis', node), x.ndim, node);
      return [
        x.cumsum(axis, {
          exclusive: (attrs.exclusive as number) !== 0,
          reverse: (attrs.reverse as number) !== 0,
        }),
      ];
    },
  },
};
