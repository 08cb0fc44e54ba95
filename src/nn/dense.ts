/** Dense (fully connected): y = activation(x·W + b), W of shape [inputFeatures, units]. */
import { ArgumentError } from '../errors.js';
import { biasActivation, isFusable } from '../ops/bias-activation.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { activationName, getActivation } from './activations.js';
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

export interface DenseConfig extends LayerConfig {
  units: number;
  /** Default 'linear' (none). */
  activation?: string;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Xavier), as in Keras. */
  kernelInitializer?: InitializerLike;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike;
  biasRegularizer?: RegularizerLike;
}

export class Dense extends Layer {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;

  constructor(config: DenseConfig) {
    super(config, 'dense');
    if (!Number.isInteger(config.units) || config.units <= 0) {
      throw new ArgumentError(`Dense '${this.name}': units must be a positive integer, got ${config.units}`);
    }
    this.units = config.units;
    this.activation = activationName(config.activation);
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = getInitializer(config.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(config.biasInitializer ?? 'zeros');
    this.kernelRegularizer = config.kernelRegularizer ? getRegularizer(config.kernelRegularizer) : undefined;
    this.biasRegularizer = config.biasRegularizer ? getRegularizer(config.biasRegularizer) : undefined;
  }

  get className(): string {
    return 'Dense';
  }

  override get outputActivation(): string {
    return this.activation;
  }

  protected override build(inputShape: Shape): void {
    const features = inputShape[inputShape.length - 1];
    if (features === undefined) throw new ArgumentError(`Dense '${this.name}': input needs a feature axis`);
    this.addWeight('kernel', [features, this.units], this.kernelInitializer, this.kernelRegularizer);
    if (this.useBias) this.addWeight('bias', [this.units], this.biasInitializer, this.biasRegularizer);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    const z = x.matmul(this.getWeight('kernel'));
    return this.finish(z, options);
  }

  /** Bias and activation: one fused pass where the activation allows it (ops/bias-activation). */
  private finish(z: Tensor, options: CallOptions): Tensor {
    const activation = options.skipActivation ? 'linear' : this.activation;
    if (this.useBias && isFusable(activation)) return biasActivation(z, this.getWeight('bias'), activation);
    const y = this.useBias ? z.add(this.getWeight('bias')) : z;
    return getActivation(activation)(y);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      ...(this.kernelRegularizer && { kernelRegularizer: serializeRegularizer(this.kernelRegularizer) }),
      ...(this.biasRegularizer && { biasRegularizer: serializeRegularizer(this.biasRegularizer) }),
    };
  }
}
