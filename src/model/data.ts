/** Turning fit/evaluate/predict arguments into tensors, with errors that name the argument. */
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import { type NestedArray, Tensor } from '../tensor/tensor.js';

export type TensorInput = Tensor | NestedArray[] | Float32Array;

export function asBatchTensor(x: TensorInput, what: string): Tensor {
  const t = x instanceof Tensor ? x : tensor(x as NestedArray[]);
  if (t.ndim < 1) throw new ShapeError(`${what} must have a batch axis (got a scalar)`);
  return t;
}

export function checkSameLength(x: Tensor, y: Tensor, what: string): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${what}: x has ${x.shape[0]} samples (shape ${formatShape(x.shape)}) but y has ${y.shape[0]} (shape ${formatShape(y.shape)})`,
    );
  }
}

/** Rows [start, end) of every tensor, or the rows at `indices` when shuffling. */
export function takeRows(t: Tensor, start: number, end: number, order: Int32Array | null): Tensor {
  return order ? t.gather(order.subarray(start, end)) : t.slice(start, end);
}
