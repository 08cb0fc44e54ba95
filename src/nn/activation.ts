/** A layer that only applies an activation function. */
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ActivationLike, activationName, getActivation } from './activations.js';
import { type CallOptions, Layer, type LayerConfig } from './layer.js';

export interface ActivationConfig extends LayerConfig {
  activation: ActivationLike;
}

export class Activation extends Layer {
  readonly activation: string;

  constructor(config: ActivationConfig) {
    super(config, 'activation', ['activation']);
    this.activation = activationName(config.activation, this.component);
  }

  get className(): string {
    return 'Activation';
  }

  /** A mask passes through: the layer acts on each step alone, so padded steps stay padded. */
  override get supportsMasking(): boolean {
    return true;
  }

  override get outputActivation(): string {
    return this.activation;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    return options.skipActivation ? x : getActivation(this.activation)(x);
  }

  protected layerConfig(): Record<string, unknown> {
    return { activation: this.activation };
  }
}
