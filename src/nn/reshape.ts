/** Reshape every sample to `targetShape` (one entry may be −1): [batch, 784] → [batch, 28, 28, 1]. */
import { describeValue } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type LayerConfig, MAX_WEIGHT_VALUES } from './layer.js';

export interface ReshapeConfig extends LayerConfig {
  targetShape: readonly number[];
}

export class Reshape extends Layer {
  readonly targetShape: number[];

  constructor(config: ReshapeConfig) {
    super(config, 'reshape', ['targetShape']);
    const given: unknown = config.targetShape;
    const t = Array.isArray(given) ? [...(given as unknown[])] : [];
    const valid = (d: unknown) =>
      d === -1 || (typeof d === 'number' && Number.isInteger(d) && d > 0 && d <= MAX_WEIGHT_VALUES);
    if (!Array.isArray(given) || t.filter((d) => d === -1).length > 1 || !t.every(valid)) {
      const shown = Array.isArray(given)
        ? `[${t.slice(0, 8).map(describeValue).join(', ')}]`
        : describeValue(given);
      throw new ArgumentError(
        `${this.component}: targetShape must be an array of positive sizes with at most one −1, got ${shown}`,
      );
    }
    this.targetShape = t as number[];
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

  override weightShapes(): [string, number[]][] {
    return [];
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
