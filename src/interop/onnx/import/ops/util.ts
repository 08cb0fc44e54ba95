/** What the import-core operator tables share: axis arithmetic, constant inputs, errors. */
import { ModelFormatError, ShapeError } from '../../../../errors.js';
import { tensor } from '../../../../tensor/create.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { ConstTensor, NodeInfo } from '../op-types.js';

/** A ModelFormatError naming the node: "ONNX node 'x' (Reshape): …". */
export function nodeError(node: NodeInfo, message: string): ModelFormatError {
  return new ModelFormatError(`ONNX node '${node.name}' (${node.opType}): ${message}`);
}

/** A ShapeError naming the node, for a tensor of the wrong shape at run time. */
export function nodeShapeError(node: NodeInfo, message: string): ShapeError {
  return new ShapeError(`ONNX node '${node.name}' (${node.opType}): ${message}`);
}

/** `axis` (ONNX allows −rank…rank−1) as 0…rank−1, or a ModelFormatError naming the node. */
export function normalizeAxis(axis: number, rank: number, node: NodeInfo, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw nodeError(node, `${what} ${axis} is out of range for rank ${rank} (allowed ${-rank}…${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalised, distinct axes. */
export function normalizeAxes(axes: readonly number[], rank: number, node: NodeInfo): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, node, 'axis'));
  if (new Set(out).size !== out.length) throw nodeError(node, `axes [${axes.join(', ')}] repeat an axis`);
  return out;
}

/** The required input at `slot`, or a ModelFormatError. */
export function required(inputs: readonly (Tensor | undefined)[], slot: number, node: NodeInfo): Tensor {
  const x = inputs[slot];
  if (x === undefined) throw nodeError(node, `input ${slot} is required`);
  return x;
}

/** A constant input's integer values (a 1-D or scalar tensor): shapes, axes. */
export function constInts(c: ConstTensor | undefined, slot: number, node: NodeInfo): number[] {
  if (c === undefined) throw nodeError(node, `input ${slot} must be a constant`);
  if (c.dims.length > 1)
    throw nodeError(node, `input ${slot} must be a list of integers, got dims [${c.dims.join(', ')}]`);
  for (const v of c.data) {
    if (!Number.isInteger(v)) throw nodeError(node, `input ${slot} must hold integers, got ${v}`);
  }
  return c.data;
}

/**
 * The most values an operator may create from sizes in the file per row of its input's leading
 * axis (per sample, where that axis is the batch; 256 MB of float32): what a graph input may hold.
 */
export const MAX_CREATED_VALUES = 2 ** 26;

/**
 * Refuse a result (or an intermediate such as Conv's unfolded windows) whose shape a hostile or
 * damaged file could make huge through an attribute or a constant input — ConstantOfShape, Expand,
 * Tile, Resize, Pad, Conv, ConvTranspose, the pools — before anything is allocated. `rows` is the
 * length of the input's leading axis (the batch the caller chose, not the file); `cause` names the
 * attribute or input and its value, e.g. "attribute strides [6000, 6000]".
 */
export function checkCreatedShape(shape: readonly number[], node: NodeInfo, cause?: string, rows = 1): void {
  const values = shape.reduce((a, b) => a * b, 1);
  const limit = MAX_CREATED_VALUES * Math.max(rows, 1);
  if (!(values <= limit)) {
    throw nodeError(
      node,
      `${cause === undefined ? '' : `${cause} `}would create a tensor of shape [${shape.join(', ')}], ` +
        `more than ${MAX_CREATED_VALUES} values per row of its input's first axis (${rows})`,
    );
  }
}

/** A float32 tensor holding a constant's values. */
export function constTensor(c: ConstTensor): Tensor {
  return tensor(Float32Array.from(c.data), { shape: [...c.dims] });
}

/** Fold a variadic list pairwise (Sum, Max…), each step broadcasting as ONNX does. */
export function foldPairs(
  xs: readonly (Tensor | undefined)[],
  node: NodeInfo,
  f: (a: Tensor, b: Tensor) => Tensor,
): Tensor {
  const given = xs.filter((x): x is Tensor => x !== undefined);
  if (given.length === 0) throw nodeError(node, 'needs at least one input');
  return given.slice(1).reduce(f, given[0]!);
}
