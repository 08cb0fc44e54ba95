/** Reshape every sample to `targetShape` (one entry may be −1): [batch, 784] → [batch, 28, 28, 1]. */
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type LayerConfig } from './layer.js';

export interface ReshapeConfig extends LayerConfig {
  targetShape: readonly number[];
}

export class Reshape extends Layer {
  readonly targetShape: number[];

  constructor(config: ReshapeConfig) {
    super(config, 'reshape');
    const t = [...config.targetShape];
    if (t.filter((d) => d === -1).length > 1 || t.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1))) {
      throw new ArgumentError(
        `Reshape '${this.name}': targetShape needs positive sizes and at most one −1, got ${formatShape(t)}`,
      );
    }
    this.targetShape = t;
  }

  get className(): string {
    return 'Reshape';
  }

  computeOutputShape(inputShape: Shape): Shape {
    const size = sizeOf(inputShape);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (sizeOf(out) !== size || !out.every(Number.isInteger)) {
      throw new ShapeError(
        `Reshape '${this.name}': cannot reshape samples of shape ${formatShape(inputShape)} (${size} values) to ${formatShape(this.targetShape)}`,
      );
    }
    return out;
  }

  protected override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape);
  }

  protected forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0]!, ...this.computeOutputShape(x.shape.slice(1))]);
  }

  protected layerConfig(): Record<string, unknown> {
    return { targetShape: this.targetShape };
  }
}
