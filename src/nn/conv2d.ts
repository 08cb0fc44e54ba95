/**
 * Conv2D: y = activation(conv2d(x, kernel) + bias) on channels-last images [batch, H, W, C], with
 * the kernel [kernelH, kernelW, C, filters] as in Keras/TF.js (so saved weights line up with theirs).
 */
import { enumOption, numberOption, pairOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { conv2d, type Padding, type Pair, windowGeometry } from '../ops/conv.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { KERNEL_LAYER_OPTIONS, KernelLayer, type KernelLayerConfig } from './kernel-layer.js';
import { type CallOptions, SIZE } from './layer.js';

/** Besides these: activation, useBias, initialisers and regularisers as for Dense (the kernel's fans count the receptive field). */
export interface Conv2DConfig extends KernelLayerConfig {
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
}

export class Conv2D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];

  constructor(config: Conv2DConfig) {
    super(config, 'conv2d', [
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'dilationRate',
      ...KERNEL_LAYER_OPTIONS,
    ]);
    const c = this.component;
    this.filters = numberOption(c, 'filters', config.filters, SIZE);
    this.kernelSize = pairOption(c, 'kernelSize', config.kernelSize, SIZE);
    this.strides = pairOption(c, 'strides', config.strides, SIZE, 1);
    this.dilationRate = pairOption(c, 'dilationRate', config.dilationRate, SIZE, 1);
    this.padding = enumOption(c, 'padding', config.padding, ['valid', 'same'], 'valid');
  }

  get className(): string {
    return 'Conv2D';
  }

  protected override build(inputShape: Shape): void {
    const channels = this.checkInput(inputShape)[2];
    this.addKernelAndBias([...this.kernelSize, channels, this.filters], this.filters);
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    this.computeOutputShape(inputShape); // checks the input is an image and big enough
    const channels = this.checkInput(inputShape)[2];
    return [
      ['kernel', [...this.kernelSize, channels, this.filters]],
      ...(this.useBias ? [['bias', [this.filters]] as [string, number[]]] : []),
    ];
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
    const z = conv2d(x, this.getWeight('kernel'), {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
    });
    return this.finish(z, options);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      ...this.kernelConfig(),
    };
  }
}
