/** Element-wise math of one input. Forward and derivative live together in the backend's unary tables. */
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { unaryOp } from './unary.js';

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
/** −1, 0 or 1; its gradient is zero everywhere. */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);

/** Limit values to [min, max]; the gradient passes only where the value was inside. */
export function clip(x: Tensor, min: number, max: number): Tensor {
  if (!(min <= max)) throw new ArgumentError(`clip: min (${min}) must not exceed max (${max})`);
  return unaryOp('clip', x, min, max);
}
