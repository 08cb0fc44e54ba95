/**
 * DepthwiseConv2D: each input channel convolved with its own depthMultiplier filters, no mixing
 * across channels: [batch, H, W, C] → [batch, H', W', C·depthMultiplier]. Weight names and layout
 * are Keras/TF.js's — depthwise_kernel [kH, kW, C, depthMultiplier], bias [C·depthMultiplier] — so
 * their saved weights load unchanged. MobileNet's building block, with SeparableConv2D.
 */
import { booleanOption, enumOption, numberOption, pairOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { depthwiseConv2d, type Padding, type Pair } from '../ops/conv.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ActivationLike, activationName } from './activations.js';
import {
  biasAndActivation,
  checkRank,
  convLength,
  type Dim,
  knownChannels,
  type WeightSpec,
  weightSpec,
  weightSpecConfig,
} from './conv-options.js';
import type { InitializerLike } from './initializers.js';
import { type CallOptions, Layer, type LayerConfig, SIZE } from './layer.js';
import type { RegularizerLike } from './regularizers.js';

/** The options DepthwiseConv2D and SeparableConv2D share. */
export interface DepthwiseConfig extends LayerConfig {
  /** Window size: 3 or [3, 3]. */
  kernelSize: Pair;
  /** Default 1. */
  strides?: Pair;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
  /** Filters per input channel; default 1. */
  depthMultiplier?: number;
  /** Default 1. */
  dilationRate?: Pair;
  /** Default 'linear' (none). */
  activation?: ActivationLike;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform', as in Keras. */
  depthwiseInitializer?: InitializerLike;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike;
  depthwiseRegularizer?: RegularizerLike | null;
  biasRegularizer?: RegularizerLike | null;
}

export type DepthwiseConv2DConfig = DepthwiseConfig;

export const DEPTHWISE_OPTIONS = [
  'kernelSize',
  'strides',
  'padding',
  'depthMultiplier',
  'dilationRate',
  'activation',
  'useBias',
  'depthwiseInitializer',
  'biasInitializer',
  'depthwiseRegularizer',
  'biasRegularizer',
] as const;

/** The depthwise step, its options and its shape arithmetic; subclasses add what follows it. */
export abstract class DepthwiseBase extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly dilationRate: [number, number];
  readonly activation: string;
  readonly useBias: boolean;
  protected readonly depthwise: WeightSpec;
  protected readonly bias: WeightSpec;

  constructor(config: DepthwiseConfig, prefix: string, optionNames: readonly string[]) {
    super(config, prefix, optionNames);
    const c = this.component;
    this.kernelSize = pairOption(c, 'kernelSize', config.kernelSize, SIZE);
    this.strides = pairOption(c, 'strides', config.strides, SIZE, 1);
    this.dilationRate = pairOption(c, 'dilationRate', config.dilationRate, SIZE, 1);
    this.padding = enumOption(c, 'padding', config.padding, ['valid', 'same'], 'valid');
    this.depthMultiplier = numberOption(c, 'depthMultiplier', config.depthMultiplier, SIZE, 1);
    this.activation = activationName(config.activation, c);
    this.useBias = booleanOption(c, 'useBias', config.useBias, true);
    this.depthwise = weightSpec(
      c,
      'depthwise',
      config.depthwiseInitializer,
      config.depthwiseRegularizer,
      'glorotUniform',
    );
    this.bias = weightSpec(c, 'bias', config.biasInitializer, config.biasRegularizer, 'zeros');
  }

  override get outputActivation(): string {
    return this.activation;
  }

  protected checkInput(inputShape: readonly Dim[]): number {
    checkRank(
      this.component,
      inputShape,
      3,
      'images [height, width, channels] (channels-last)',
      inputShape.length === 2 ? ' — add a channel axis, e.g. reshape [28, 28] to [28, 28, 1]' : '',
    );
    return knownChannels(this.component, inputShape);
  }

  protected depthwiseShape(channels: number): number[] {
    return [...this.kernelSize, channels, this.depthMultiplier];
  }

  /** Height and width after the depthwise step (null where the input's is unknown). */
  protected outputSize(inputShape: readonly Dim[]): [Dim, Dim] {
    const [h, w] = inputShape;
    const size = (n: Dim | undefined, a: 0 | 1) => {
      const out = convLength(
        n ?? null,
        this.kernelSize[a],
        this.strides[a],
        this.dilationRate[a],
        this.padding,
      );
      if (out !== null && out <= 0) {
        throw new ArgumentError(
          `${this.component}: input [${inputShape.join(', ')}] is smaller than the ` +
            `${(this.kernelSize[0] - 1) * this.dilationRate[0] + 1}×${(this.kernelSize[1] - 1) * this.dilationRate[1] + 1} window with padding 'valid'`,
        );
      }
      return out;
    };
    return [size(h, 0), size(w, 1)];
  }

  protected depthwiseStep(x: Tensor): Tensor {
    return depthwiseConv2d(x, this.getWeight('depthwise_kernel'), {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
    });
  }

  protected finishWith(z: Tensor, options: CallOptions): Tensor {
    return biasAndActivation(z, this.useBias ? this.getWeight('bias') : null, this.activation, options);
  }

  protected depthwiseConfig(): Record<string, unknown> {
    return {
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      depthMultiplier: this.depthMultiplier,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      ...weightSpecConfig('depthwise', this.depthwise),
      ...weightSpecConfig('bias', this.bias),
    };
  }
}

export class DepthwiseConv2D extends DepthwiseBase {
  constructor(config: DepthwiseConv2DConfig) {
    super(config, 'depthwise_conv2d', DEPTHWISE_OPTIONS);
  }

  get className(): string {
    return 'DepthwiseConv2D';
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    const channels = this.checkInput(inputShape);
    return [
      ['depthwise_kernel', this.depthwiseShape(channels)],
      ...(this.useBias ? [['bias', [channels * this.depthMultiplier]] as [string, number[]]] : []),
    ];
  }

  protected override build(inputShape: Shape): void {
    const channels = this.checkInput(inputShape);
    this.addWeight(
      'depthwise_kernel',
      this.depthwiseShape(channels),
      this.depthwise.initializer,
      this.depthwise.regularizer,
    );
    if (this.useBias) {
      this.addWeight('bias', [channels * this.depthMultiplier], this.bias.initializer, this.bias.regularizer);
    }
  }

  computeOutputShape(inputShape: Shape): Shape {
    const channels = this.checkInput(inputShape);
    return [...this.outputSize(inputShape), channels * this.depthMultiplier] as Shape;
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    return this.finishWith(this.depthwiseStep(x), options);
  }

  protected layerConfig(): Record<string, unknown> {
    return this.depthwiseConfig();
  }
}
