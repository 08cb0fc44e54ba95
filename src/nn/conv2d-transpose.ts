/**
 * Conv2DTranspose: y = activation(conv2dTranspose(x, kernel) + bias), the learned upsampling of
 * decoders and generators (DCGAN, U-Net). The kernel is [kernelH, kernelW, filters, inChannels] as
 * in Keras/TF.js — the kernel of the convolution it transposes — so their saved weights load
 * unchanged. With strides s the output is s times larger ('same'), or s·(n − 1) + kernel ('valid').
 */
import { enumOption, numberOption, pairOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { conv2dTranspose, conv2dTransposeSize } from '../ops/conv/conv2d-transpose.js';
import type { Padding, Pair } from '../ops/conv.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkRank, type Dim, knownChannels } from './conv-options.js';
import { KERNEL_LAYER_OPTIONS, KernelLayer, type KernelLayerConfig } from './kernel-layer.js';
import { type CallOptions, SIZE } from './layer.js';

/** Besides these: activation, useBias, initialisers and regularisers as for Dense. */
export interface Conv2DTransposeConfig extends KernelLayerConfig {
  /** Output channels. */
  filters: number;
  /** Window size: 3 or [3, 3]. */
  kernelSize: Pair;
  /** Upsampling factor; default 1. */
  strides?: Pair;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
  /**
   * Extra rows/columns of output (each below its stride), for an output size 'same'/'valid' do not
   * give; default null (none).
   */
  outputPadding?: Pair | null;
  /** Default 1. */
  dilationRate?: Pair;
}

export class Conv2DTranspose extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly outputPadding: [number, number] | null;
  readonly dilationRate: [number, number];

  constructor(config: Conv2DTransposeConfig) {
    super(config, 'conv2d_transpose', [
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'outputPadding',
      'dilationRate',
      ...KERNEL_LAYER_OPTIONS,
    ]);
    const c = this.component;
    this.filters = numberOption(c, 'filters', config.filters, SIZE);
    this.kernelSize = pairOption(c, 'kernelSize', config.kernelSize, SIZE);
    this.strides = pairOption(c, 'strides', config.strides, SIZE, 1);
    this.dilationRate = pairOption(c, 'dilationRate', config.dilationRate, SIZE, 1);
    this.padding = enumOption(c, 'padding', config.padding, ['valid', 'same'], 'valid');
    this.outputPadding =
      config.outputPadding == null
        ? null
        : pairOption(c, 'outputPadding', config.outputPadding, { min: 0, max: SIZE.max, integer: true });
    if (this.outputPadding?.some((p, a) => p >= this.strides[a]!)) {
      throw new ArgumentError(
        `${c}: outputPadding must be smaller than the strides ${JSON.stringify(this.strides)}, got ${JSON.stringify(this.outputPadding)}`,
      );
    }
  }

  get className(): string {
    return 'Conv2DTranspose';
  }

  private opOptions() {
    return {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
      outputPadding: this.outputPadding,
    };
  }

  private checkInput(inputShape: readonly Dim[]): void {
    checkRank(
      this.component,
      inputShape,
      3,
      'images [height, width, channels] (channels-last)',
      inputShape.length === 2 ? ' — add a channel axis, e.g. reshape [28, 28] to [28, 28, 1]' : '',
    );
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    this.checkInput(inputShape);
    const channels = knownChannels(this.component, inputShape);
    return [
      ['kernel', [...this.kernelSize, this.filters, channels]],
      ...(this.useBias ? [['bias', [this.filters]] as [string, number[]]] : []),
    ];
  }

  protected override build(inputShape: Shape): void {
    this.checkInput(inputShape);
    const channels = knownChannels(this.component, inputShape);
    this.addKernelAndBias([...this.kernelSize, this.filters, channels], this.filters);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.checkInput(inputShape);
    const [h, w] = inputShape as readonly Dim[];
    // Each axis on its own: an unknown height leaves the width computable.
    const size = (a: 0 | 1, n: Dim): Dim => {
      if (n === null) return null;
      const pair = (v: [number, number] | null) => (v === null ? null : ([v[a], v[a]] as [number, number]));
      return conv2dTransposeSize(this.component, [n, n], pair(this.kernelSize)!, {
        strides: pair(this.strides)!,
        padding: this.padding,
        dilation: pair(this.dilationRate)!,
        outputPadding: pair(this.outputPadding),
      })[0];
    };
    return [size(0, h!), size(1, w!), this.filters] as Shape;
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    return this.finish(conv2dTranspose(x, this.getWeight('kernel'), this.opOptions()), options);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilationRate: this.dilationRate,
      ...this.kernelConfig(),
    };
  }
}
