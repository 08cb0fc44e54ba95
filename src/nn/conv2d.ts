/**
 * Conv2D: y = activation(conv2d(x, kernel) + bias) on channels-last images [batch, H, W, C], with
 * the kernel [kernelH, kernelW, C, filters] as in Keras/TF.js (so saved weights line up with theirs).
 */
import { ArgumentError } from '../errors.js';
import { conv2d, type Padding, type Pair, pair, windowGeometry } from '../ops/conv.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { KernelLayer, type KernelLayerConfig } from './kernel-layer.js';
import type { CallOptions } from './layer.js';

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
  }

  get className(): string {
    return 'Conv2D';
  }

  protected override build(inputShape: Shape): void {
    const channels = this.checkInput(inputShape)[2];
    this.addKernelAndBias([...this.kernelSize, channels, this.filters], this.filters);
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
