/**
 * SeparableConv2D: a depthwise convolution (each channel on its own) followed by a pointwise 1×1
 * convolution that mixes the channels — a Conv2D's job with far fewer weights (Xception,
 * MobileNet). Weights as in Keras/TF.js: depthwise_kernel [kH, kW, C, depthMultiplier],
 * pointwise_kernel [1, 1, C·depthMultiplier, filters], bias [filters].
 */
import { numberOption } from '../config/options.js';
import { conv2d } from '../ops/conv.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type WeightSpec, weightSpec, weightSpecConfig } from './conv-options.js';
import { DEPTHWISE_OPTIONS, DepthwiseBase, type DepthwiseConfig } from './depthwise-conv2d.js';
import type { InitializerLike } from './initializers.js';
import { type CallOptions, SIZE } from './layer.js';
import type { RegularizerLike } from './regularizers.js';

export interface SeparableConv2DConfig extends DepthwiseConfig {
  /** Output channels. */
  filters: number;
  /** Default 'glorotUniform', as in Keras. */
  pointwiseInitializer?: InitializerLike;
  pointwiseRegularizer?: RegularizerLike | null;
}

export class SeparableConv2D extends DepthwiseBase {
  readonly filters: number;
  private readonly pointwise: WeightSpec;

  constructor(config: SeparableConv2DConfig) {
    super(config, 'separable_conv2d', [
      ...DEPTHWISE_OPTIONS,
      'filters',
      'pointwiseInitializer',
      'pointwiseRegularizer',
    ]);
    const c = this.component;
    this.filters = numberOption(c, 'filters', config.filters, SIZE);
    this.pointwise = weightSpec(
      c,
      'pointwise',
      config.pointwiseInitializer,
      config.pointwiseRegularizer,
      'glorotUniform',
    );
  }

  get className(): string {
    return 'SeparableConv2D';
  }

  private pointwiseShape(channels: number): number[] {
    return [1, 1, channels * this.depthMultiplier, this.filters];
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    const channels = this.checkInput(inputShape);
    return [
      ['depthwise_kernel', this.depthwiseShape(channels)],
      ['pointwise_kernel', this.pointwiseShape(channels)],
      ...(this.useBias ? [['bias', [this.filters]] as [string, number[]]] : []),
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
    this.addWeight(
      'pointwise_kernel',
      this.pointwiseShape(channels),
      this.pointwise.initializer,
      this.pointwise.regularizer,
    );
    if (this.useBias) this.addWeight('bias', [this.filters], this.bias.initializer, this.bias.regularizer);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.checkInput(inputShape);
    return [...this.outputSize(inputShape), this.filters] as Shape;
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    const z = conv2d(this.depthwiseStep(x), this.getWeight('pointwise_kernel'));
    return this.finishWith(z, options);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      ...this.depthwiseConfig(),
      ...weightSpecConfig('pointwise', this.pointwise),
    };
  }
}
