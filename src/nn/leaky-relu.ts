/**
 * LeakyReLU as a layer with its own slope (Keras' LeakyReLU): x for x ≥ 0, alpha·x below. The
 * `leakyRelu` activation name fixes alpha at 0.01; GAN discriminators want a steeper 0.2 so the
 * generator still gets a gradient through units that are off.
 */
import { numberOption } from '../config/options.js';
import { leakyRelu } from '../ops/activations.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type LayerConfig } from './layer.js';

export interface LeakyReLUConfig extends LayerConfig {
  /** Slope below zero, ≥ 0 (Keras' default 0.3). */
  alpha?: number;
}

export class LeakyReLU extends Layer {
  readonly alpha: number;

  constructor(config: LeakyReLUConfig = {}) {
    super(config, 'leaky_re_lu', ['alpha']);
    this.alpha = numberOption(this.component, 'alpha', config.alpha ?? 0.3, { min: 0 });
  }

  get className(): string {
    return 'LeakyReLU';
  }

  override get supportsMasking(): boolean {
    return true;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  protected forward(x: Tensor): Tensor {
    return leakyRelu(x, this.alpha);
  }

  protected layerConfig(): Record<string, unknown> {
    return { alpha: this.alpha };
  }
}
