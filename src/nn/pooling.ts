/** Pooling layers on channels-last images [batch, H, W, C]. */
import { enumOption, pairOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { avgPool2d, maxPool2d, type Padding, type Pair, windowGeometry } from '../ops/conv.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type LayerConfig, SIZE } from './layer.js';

export interface Pooling2DConfig extends LayerConfig {
  /** Window size; default 2. */
  poolSize?: Pair;
  /** Default: poolSize (windows side by side). */
  strides?: Pair;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(config: Pooling2DConfig, prefix: string) {
    super(config, prefix, ['poolSize', 'strides', 'padding']);
    const c = this.component;
    this.poolSize = pairOption(c, 'poolSize', config.poolSize, SIZE, 2);
    // Keras writes strides: null for "same as poolSize".
    this.strides = pairOption(c, 'strides', config.strides ?? undefined, SIZE, this.poolSize);
    this.padding = enumOption(c, 'padding', config.padding, ['valid', 'same'], 'valid');
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ArgumentError(
        `${this.className} '${this.name}': input must be images [height, width, channels], got [${inputShape.join(', ')}]`,
      );
    }
    const g = windowGeometry(
      `${this.className} '${this.name}'`,
      [1, ...inputShape],
      this.poolSize,
      this.strides,
      [1, 1],
      this.padding,
    );
    return [g.outH, g.outW, inputShape[2]!];
  }

  override weightShapes(): [string, number[]][] {
    return [];
  }

  protected override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape); // validates
  }

  protected layerConfig(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** The largest value in each window, per channel. */
export class MaxPooling2D extends Pooling2D {
  constructor(config: Pooling2DConfig = {}) {
    super(config, 'max_pooling2d');
  }

  get className(): string {
    return 'MaxPooling2D';
  }

  protected forward(x: Tensor): Tensor {
    return maxPool2d(x, this.poolSize, { strides: this.strides, padding: this.padding });
  }
}

/** The mean of each window, per channel (padding cells are not counted). */
export class AveragePooling2D extends Pooling2D {
  constructor(config: Pooling2DConfig = {}) {
    super(config, 'average_pooling2d');
  }

  get className(): string {
    return 'AveragePooling2D';
  }

  protected forward(x: Tensor): Tensor {
    return avgPool2d(x, this.poolSize, { strides: this.strides, padding: this.padding });
  }
}

/** The mean over height and width: [batch, H, W, C] → [batch, C]. */
export class GlobalAveragePooling2D extends Layer {
  constructor(config: LayerConfig = {}) {
    super(config, 'global_average_pooling2d', []);
  }

  get className(): string {
    return 'GlobalAveragePooling2D';
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new ArgumentError(
        `GlobalAveragePooling2D '${this.name}': input must be images [height, width, channels], got [${inputShape.join(', ')}]`,
      );
    }
    return [inputShape[2]!];
  }

  protected forward(x: Tensor): Tensor {
    return x.mean([1, 2]);
  }

  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}
