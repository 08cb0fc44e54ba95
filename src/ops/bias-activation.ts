/**
 * y = f(x + bias) with the bias broadcast along the last axis: a layer's bias add and activation in
 * one kernel pass forward, and one pass (plus the bias sum) backward — instead of two ops with an
 * intermediate tensor each way.
 *
 * The backward pass only keeps y. That is exact for the activations whose derivative the output
 * determines: σ' = y(1−y), tanh' = 1−y², and for relu / leakyRelu / elu the sign of x is the sign
 * of y. Other activations are not fused (the layer then uses the two ops). The derivative is
 * written with ops on y (differentiable again); the backend's unaryGrad given y for x is the fast
 * path of a first-order pass.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { elu, leakyRelu, relu, sigmoid, tanh } from './activations.js';
import { sumTo } from './reduce.js';
import { allocOutput, asTensor } from './util.js';

/** Activations biasActivation can fuse ('linear' is the plain bias add). */
export const FUSABLE_ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu'] as const;
export type FusableActivation = (typeof FUSABLE_ACTIVATIONS)[number];

export function isFusable(name: string): name is FusableActivation {
  return (FUSABLE_ACTIVATIONS as readonly string[]).includes(name);
}

/** Default parameters, as the activation functions use them. */
export const P0: Partial<Record<FusableActivation, number>> = { leakyRelu: 0.01, elu: 1 };

/**
 * f'(z) from the output y = f(z), with ops on y (recorded, so the result differentiates again):
 * σ' = y(1−y), tanh' = 1−y², relu/leakyRelu/elu by the sign of y (elu: y + α below zero).
 */
const DERIVATIVE_FROM_OUTPUT: Record<
  Exclude<FusableActivation, 'linear'>,
  (y: Tensor, p0: number) => Tensor
> = {
  sigmoid: (y) => y.mul(y.neg().add(1)),
  tanh: (y) => y.square().neg().add(1),
  relu: (y) => y.gt(0),
  leakyRelu: (y, alpha) =>
    y
      .gt(0)
      .mul(1 - alpha)
      .add(alpha),
  elu: (y, alpha) => {
    const positive = y.gt(0);
    return positive.add(positive.neg().add(1).mul(y.add(alpha)));
  },
};

/** The activation functions themselves, for backends without the fused kernel. */
const ACTIVATION: Record<Exclude<FusableActivation, 'linear'>, (z: Tensor, p0: number) => Tensor> = {
  sigmoid,
  tanh,
  relu,
  leakyRelu,
  elu,
};

export function biasActivation(x: Tensor, bias: Tensor, activation: FusableActivation = 'linear'): Tensor {
  const b = asTensor(bias, x, 'biasActivation');
  const cols = x.shape[x.ndim - 1];
  if (b.ndim !== 1 || cols === undefined || b.shape[0] !== cols) {
    throw new ShapeError(
      `biasActivation: the bias must be 1-D with one value per feature of x ${formatShape(x.shape)}, got ${formatShape(b.shape)}`,
    );
  }
  const op: Exclude<FusableActivation, 'linear'> | null = activation === 'linear' ? null : activation;
  const p0 = P0[activation] ?? 0;
  const backend = x.backend;
  let out: Tensor;
  if (backend.biasActivation) {
    out = allocOutput(x.shape, backend);
    backend.biasActivation(op, x.storage, b.storage, out.storage, cols, p0);
  } else {
    out = noGrad(() => (op === null ? x.add(b) : ACTIVATION[op](x.add(b), p0)));
  }
  return record(`biasActivation(${activation})`, out, [x, b], (g) => {
    let dz = g;
    if (op !== null) {
      if (backend.unaryGrad && !isGradEnabled()) {
        dz = allocOutput(x.shape, backend);
        backend.unaryGrad(op, out.storage, out.storage, g.storage, dz.storage, p0, 0);
      } else {
        dz = g.mul(DERIVATIVE_FROM_OUTPUT[op](out, p0));
      }
    }
    return [x.requiresGrad ? dz : null, b.requiresGrad ? sumTo(dz, b.shape) : null];
  });
}
