/**
 * y = f(x + bias) with the bias broadcast along the last axis: a layer's bias add and activation in
 * one kernel pass forward, and one pass (plus the bias sum) backward — instead of two ops with an
 * intermediate tensor each way.
 *
 * The backward pass only keeps y. That is exact for the activations whose derivative the output
 * determines: σ' = y(1−y), tanh' = 1−y², and for relu / leakyRelu / elu the sign of x is the sign
 * of y. Other activations are not fused (the layer then uses the two ops).
 */
import { record } from '../autograd/graph.js';
import type { UnaryOp } from '../backend/backend.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { sumTo } from './reduce.js';
import { allocOutput, asTensor } from './util.js';

/** Activations biasActivation can fuse ('linear' is the plain bias add). */
export const FUSABLE_ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu'] as const;
export type FusableActivation = (typeof FUSABLE_ACTIVATIONS)[number];

export function isFusable(name: string): name is FusableActivation {
  return (FUSABLE_ACTIVATIONS as readonly string[]).includes(name);
}

/** Default parameters, as the activation functions use them. */
const P0: Partial<Record<FusableActivation, number>> = { leakyRelu: 0.01, elu: 1 };

export function biasActivation(x: Tensor, bias: Tensor, activation: FusableActivation = 'linear'): Tensor {
  const b = asTensor(bias, x, 'biasActivation');
  const cols = x.shape[x.ndim - 1];
  if (b.ndim !== 1 || cols === undefined || b.shape[0] !== cols) {
    throw new ShapeError(
      `biasActivation: the bias must be 1-D with one value per feature of x ${formatShape(x.shape)}, got ${formatShape(b.shape)}`,
    );
  }
  const op: UnaryOp | null = activation === 'linear' ? null : activation;
  const p0 = P0[activation] ?? 0;
  const out = allocOutput(x.shape, x.backend);
  x.backend.biasActivation(op, x.storage, b.storage, out.storage, cols, p0);
  return record(`biasActivation(${activation})`, out, [x, b], (g) => {
    let dz = g;
    if (op !== null) {
      dz = allocOutput(x.shape, x.backend);
      x.backend.unaryGrad(op, out.storage, out.storage, g.storage, dz.storage, p0, 0);
    }
    return [x.requiresGrad ? dz : null, b.requiresGrad ? sumTo(dz, b.shape) : null];
  });
}
