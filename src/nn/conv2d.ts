/**
 * Conv2D: y = activation(conv2d(x, kernel) + bias) on channels-last images [batch, H, W, C], with
 * the kernel [kernelH, kernelW, C, filters] as in Keras/TF.js (so saved weights line up with theirs).
 */
import { ArgumentError } from '../errors.js';
import { biasActivation, isFusable } from '../ops/bias-activation.js';
import { conv2d, type Padding, type Pair, pair, windowGeometry } from '../ops/conv.js';
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

export interface Conv2DConfig extends LayerConfig {
  /** Output channels. */
  filters: number;
  /** Window size: 5 or [5, 5]. */
  kernelSize: Pair;
  /** Default 1. */
  strides?: Pair;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
  /** Default 1. */
  dilationRate?: Pair;
  /** Default 'linear' (none). */
  activation?: string;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform', as in Keras (fans count the receptive field). */
  kernelInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike;
  biasRegularizer?: RegularizerLike;
}

export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: string;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;

  constructor(config: Conv2DConfig) {
    super(config, 'conv2d');
    if (!Number.isInteger(config.filters) || config.filters <= 0) {
      throw new ArgumentError(
        `Conv2D '${this.name}': filters must be a positive integer, got ${config.filters}`,
      );
    }
    this.filters = config.filters;
    this.kernelSize = pair(config.kernelSize, `Conv2D '${this.name}': kernelSize`);
    this.strides = pair(config.strides ?? 1, `Conv2D '${this.name}': strides`);
    this.dilationRate = pair(config.dilationRate ?? 1, `Conv2D '${this.name}': dilationRate`);
    this.padding = config.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') {
      throw new ArgumentError(
        `Conv2D '${this.name}': padding must be 'valid' or 'same', got '${String(this.padding)}'`,
      );
    }
    this.activation = activationName(config.activation);
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = getInitializer(config.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(config.biasInitializer ?? 'zeros');
    this.kernelRegularizer = config.kernelRegularizer ? getRegularizer(config.kernelRegularizer) : undefined;
    this.biasRegularizer = config.biasRegularizer ? getRegularizer(config.biasRegularizer) : undefined;
  }

  get className(): string {
    return 'Conv2D';
  }

  override get outputActivation(): string {
    return this.activation;
  }

  protected override build(inputShape: Shape): void {
    const channels = this.checkInput(inputShape)[2];
    this.addWeight(
      'kernel',
      [...this.kernelSize, channels, this.filters],
      this.kernelInitializer,
      this.kernelRegularizer,
    );
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer, this.biasRegularizer);
  }

  private checkInput(inputShape: Shape): [number, number, number] {
    if (inputShape.length !== 3) {
      throw new ArgumentError(
        `Conv2D '${this.name}': input must be images [height, width, channels] (channels-last), got [${inputShape.join(', ')}]` +
          (inputShape.length === 2 ? ' — add a channel axis, e.g. reshape [28, 28] to [28, 28, 1]' : ''),
      );
    }
    return inputShape as [number, number, number];
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.checkInput(inputShape);
    const g = windowGeometry(
      `Conv2D '${this.name}'`,
      [1, ...inputShape],
      this.kernelSize,
      this.strides,
      this.dilationRate,
      this.padding,
    );
    return [g.outH, g.outW, this.filters];
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    const y = conv2d(x, this.getWeight('kernel'), {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
    });
    return this.finish(y, options);
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
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      ...(this.kernelRegularizer && { kernelRegularizer: serializeRegularizer(this.kernelRegularizer) }),
      ...(this.biasRegularizer && { biasRegularizer: serializeRegularizer(this.biasRegularizer) }),
    };
  }
}
