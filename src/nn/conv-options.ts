/**
 * What the convolution layers beyond Conv2D share: output lengths that stay unknown (null) when the
 * input length is (a variable batch, image size or sequence length), the initializer/regularizer
 * pair Keras gives each named weight (depthwise_kernel, pointwise_kernel…), and the end of the
 * forward pass (bias and activation, fused where the activation allows, as KernelLayer does).
 */
import { withContext } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { biasActivation, isFusable } from '../ops/bias-activation.js';
import { axisGeometry, type Padding } from '../ops/conv/geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { getActivation } from './activations.js';
import {
  getInitializer,
  type Initializer,
  type InitializerLike,
  serializeInitializer,
} from './initializers.js';
import type { CallOptions } from './layer.js';
import {
  getRegularizer,
  type Regularizer,
  type RegularizerLike,
  serializeRegularizer,
} from './regularizers.js';

/** A dimension of a per-sample shape; null while unknown (until data arrives). */
export type Dim = number | null;

/**
 * Output length of a convolution (or pooling) along one axis: null for an unknown input length; a
 * ShapeError-free check that the window fits is left to the op, which sees the real length.
 */
export function convLength(
  size: Dim,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
): Dim {
  if (size === null) return null;
  return axisGeometry(size, kernel, stride, dilation, padding).out;
}

/** Refuse an input shape of the wrong rank, naming the layer and what it expects. */
export function checkRank(
  component: string,
  inputShape: readonly Dim[],
  rank: number,
  expected: string,
  hint = '',
): void {
  if (inputShape.length !== rank) {
    throw new ArgumentError(`${component}: input must be ${expected}, got [${inputShape.join(', ')}]${hint}`);
  }
}

/** The last (channel) axis, which sizes the weights and so must be known. */
export function knownChannels(component: string, inputShape: readonly Dim[]): number {
  const c = inputShape[inputShape.length - 1];
  if (typeof c !== 'number') {
    throw new ArgumentError(
      `${component}: the channel axis (last) of the input shape [${inputShape.join(', ')}] must be known to create the weights`,
    );
  }
  return c;
}

/** A weight's initializer and optional regularizer, read from `${prefix}Initializer`/`${prefix}Regularizer`. */
export interface WeightSpec {
  initializer: Initializer;
  regularizer: Regularizer | undefined;
}

export function weightSpec(
  component: string,
  prefix: string,
  initializer: InitializerLike | undefined,
  regularizer: RegularizerLike | null | undefined,
  fallback: InitializerLike,
): WeightSpec {
  return {
    initializer: withContext(`${component}: ${prefix}Initializer`, () =>
      getInitializer(initializer ?? fallback),
    ),
    // null is Keras' "no regularizer", as is leaving it out.
    regularizer:
      regularizer == null
        ? undefined
        : withContext(`${component}: ${prefix}Regularizer`, () => getRegularizer(regularizer)),
  };
}

/** The config entries of a WeightSpec. */
export function weightSpecConfig(prefix: string, spec: WeightSpec): Record<string, unknown> {
  return {
    [`${prefix}Initializer`]: serializeInitializer(spec.initializer),
    ...(spec.regularizer && { [`${prefix}Regularizer`]: serializeRegularizer(spec.regularizer) }),
  };
}

/** Bias (when given) and activation on z, whose last axis holds the features. */
export function biasAndActivation(
  z: Tensor,
  bias: Tensor | null,
  activationName: string,
  options: CallOptions,
): Tensor {
  const activation = options.skipActivation ? 'linear' : activationName;
  if (bias && isFusable(activation)) return biasActivation(z, bias, activation);
  const y = bias ? z.add(bias) : z;
  return getActivation(activation)(y);
}
