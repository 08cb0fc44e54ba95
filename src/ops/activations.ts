/** Activation functions. Each is stable for any finite input (no overflow to NaN at ±1000). */
import type { Tensor } from '../tensor/tensor.js';
import { unaryOp } from './unary.js';

export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** x for x > 0, alpha·x otherwise. */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => unaryOp('leakyRelu', x, alpha);
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: Tensor, alpha = 1): Tensor => unaryOp('elu', x, alpha);
/** log(1 + eˣ), a smooth ReLU. */
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', x);
