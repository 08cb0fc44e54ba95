/** Flatten every axis but the batch axis: [batch, 28, 28] → [batch, 784]. */
import { type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type LayerConfig } from './layer.js';

export class Flatten extends Layer {
  constructor(config: LayerConfig = {}) {
    super(config, 'flatten', []);
  }

  get className(): string {
    return 'Flatten';
  }

  computeOutputShape(inputShape: Shape): Shape {
    // A symbolic input with an unknown (null) dimension flattens to an unknown size.
    if ((inputShape as readonly (number | null)[]).includes(null)) return [null as unknown as number];
    return [sizeOf(inputShape)];
  }

  protected forward(x: Tensor): Tensor {
    return x.reshape(x.shape[0]!, -1);
  }

  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}
