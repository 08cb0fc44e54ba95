/**
 * Masking (Keras' Masking): a step whose every feature equals `maskValue` is padding. The layer
 * zeroes such steps and gives a mask ([batch, time], 0 there) that the models carry to the next
 * layers, so recurrent layers skip them and a sequence output's loss averages over the real ones.
 * For inputs that are already vectors per step (a time series padded with 0s); integer ids use
 * Embedding({ maskZero: true }) instead.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { numberOption } from '../config/options.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerConfig } from './layer.js';
import type { Mask } from './module.js';

export interface MaskingConfig extends LayerConfig {
  /** The value that marks a padded step (all its features equal it). Default 0. */
  maskValue?: number;
}

export class Masking extends Layer {
  readonly maskValue: number;

  constructor(config: MaskingConfig = {}) {
    super(config ?? {}, 'masking', ['maskValue']);
    this.maskValue = numberOption(this.component, 'maskValue', config?.maskValue, {}, 0);
  }

  get className(): string {
    return 'Masking';
  }

  /** A mask given to it is combined with its own (a step is real where both say so). */
  override get supportsMasking(): boolean {
    return true;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape];
  }

  protected override checkFirstBuild(inputShape: Shape): void {
    super.checkFirstBuild(inputShape);
    if (inputShape.length < 2) {
      throw new ShapeError(
        `${this.component} needs inputs of shape [batch, time, features…], got [batch, ${inputShape.join(', ')}]`,
      );
    }
  }

  /** 1 where some feature of the step differs from maskValue: [batch, time]. */
  private keep(x: Tensor): Tensor {
    if (x.ndim < 3) {
      throw new ShapeError(
        `${this.component} needs inputs of shape [batch, time, features…], got ${formatShape(x.shape)}`,
      );
    }
    return noGrad(() => {
      const padded = x.reshape([x.shape[0]!, x.shape[1]!, -1]).eq(this.maskValue).min(-1);
      return padded.neg().add(1);
    });
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    let keep = this.keep(x);
    if (options.mask) keep = keep.mul(options.mask);
    return x.mul(keep.reshape([...keep.shape, ...x.shape.slice(2).map(() => 1)]));
  }

  override computeMask(x: Tensor | Tensor[], mask: Mask | Mask[]): Mask {
    const keep = this.keep(Array.isArray(x) ? x[0]! : x);
    const given = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    return given === null ? keep : noGrad(() => keep.mul(given));
  }

  override computeOutputMasked(): boolean[] {
    return [true];
  }

  protected layerConfig(): Record<string, unknown> {
    return { maskValue: this.maskValue };
  }
}
