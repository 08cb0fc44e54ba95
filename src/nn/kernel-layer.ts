/**
 * What Dense and Conv2D share: a kernel and an optional bias with their initialisers and
 * regularisers, an activation, and the end of the forward pass — bias and activation fused into
 * one kernel pass where the activation allows it (ops/bias-activation), two ops otherwise.
 */
import { booleanOption, withContext } from '../config/options.js';
import { biasActivation, isFusable } from '../ops/bias-activation.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ActivationLike, activationName, getActivation } from './activations.js';
import {
  getInitializer,
  type Initializer,
  type InitializerLike,
  serializeInitializer,
} from './initializers.js';
import { type CallOptions, Layer, type LayerConfig } from './layer.js';
import {
  getRegularizer,
  type Regularizer,
  type RegularizerLike,
  serializeRegularizer,
} from './regularizers.js';

export interface KernelLayerConfig extends LayerConfig {
  /** Default 'linear' (none). */
  activation?: ActivationLike;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Xavier), as in Keras. */
  kernelInitializer?: InitializerLike;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike;
  biasRegularizer?: RegularizerLike;
}

/** The options KernelLayer handles, for the subclasses' lists of known options. */
export const KERNEL_LAYER_OPTIONS = [
  'activation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
] as const;

export abstract class KernelLayer extends Layer {
  readonly activation: string;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;

  /** `optionNames`: the subclass's options, KERNEL_LAYER_OPTIONS included. */
  constructor(config: KernelLayerConfig, defaultPrefix: string, optionNames: readonly string[]) {
    super(config, defaultPrefix, optionNames);
    const c = this.component;
    this.activation = activationName(config.activation, c);
    this.useBias = booleanOption(c, 'useBias', config.useBias, true);
    this.kernelInitializer = withContext(`${c}: kernelInitializer`, () =>
      getInitializer(config.kernelInitializer ?? 'glorotUniform'),
    );
    this.biasInitializer = withContext(`${c}: biasInitializer`, () =>
      getInitializer(config.biasInitializer ?? 'zeros'),
    );
    // null is Keras' "no regularizer", as is leaving it out.
    this.kernelRegularizer =
      config.kernelRegularizer == null
        ? undefined
        : withContext(`${c}: kernelRegularizer`, () => getRegularizer(config.kernelRegularizer!));
    this.biasRegularizer =
      config.biasRegularizer == null
        ? undefined
        : withContext(`${c}: biasRegularizer`, () => getRegularizer(config.biasRegularizer!));
  }

  override get outputActivation(): string {
    return this.activation;
  }

  /** Create 'kernel' of `kernelShape` and (with useBias) 'bias', one value per output feature. */
  protected addKernelAndBias(kernelShape: Shape, outputs: number): void {
    this.addWeight('kernel', kernelShape, this.kernelInitializer, this.kernelRegularizer);
    if (this.useBias) this.addWeight('bias', [outputs], this.biasInitializer, this.biasRegularizer);
  }

  /** Bias and activation on the kernel's output z. */
  protected finish(z: Tensor, options: CallOptions): Tensor {
    const activation = options.skipActivation ? 'linear' : this.activation;
    if (this.useBias && isFusable(activation)) return biasActivation(z, this.getWeight('bias'), activation);
    const y = this.useBias ? z.add(this.getWeight('bias')) : z;
    return getActivation(activation)(y);
  }

  /** The shared part of layerConfig(). */
  protected kernelConfig(): Record<string, unknown> {
    return {
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      ...(this.kernelRegularizer && { kernelRegularizer: serializeRegularizer(this.kernelRegularizer) }),
      ...(this.biasRegularizer && { biasRegularizer: serializeRegularizer(this.biasRegularizer) }),
    };
  }
}
