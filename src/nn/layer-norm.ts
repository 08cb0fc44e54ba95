/**
 * Layer normalisation (Ba, Kiros & Hinton 2016): each sample normalised over its own features,
 * y = γ·(x − μ)/√(σ² + ε) + β, with μ and σ² (biased) taken over `axis` of that sample alone — so,
 * unlike batch normalisation, training and inference compute the same thing and the batch size
 * does not matter (the normalisation of transformers and recurrent nets).
 *
 * As in Keras, `axis` counts the batch axis (−1, the default, is the last feature axis), and γ, β
 * have the sizes of the normalised axes: [features] for the default.
 */
import { booleanOption, numberOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Dim, type WeightSpec, weightSpec, weightSpecConfig } from './conv-options.js';
import type { InitializerLike } from './initializers.js';
import { type CallOptions, Layer, type LayerConfig } from './layer.js';
import type { RegularizerLike } from './regularizers.js';

export interface LayerNormalizationConfig extends LayerConfig {
  /** Axis or axes to normalise over, counting the batch axis as 0; default −1 (the last). */
  axis?: number | readonly number[];
  /** Added to the variance; default 0.001. */
  epsilon?: number;
  /** Learn the offset β; default true. */
  center?: boolean;
  /** Learn the scale γ; default true. */
  scale?: boolean;
  betaInitializer?: InitializerLike;
  gammaInitializer?: InitializerLike;
  betaRegularizer?: RegularizerLike | null;
  gammaRegularizer?: RegularizerLike | null;
}

export class LayerNormalization extends Layer {
  /** As given: a number or a list (negative counts from the end). */
  readonly axis: number | readonly number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly beta: WeightSpec;
  private readonly gamma: WeightSpec;

  constructor(config: LayerNormalizationConfig = {}) {
    super(config, 'layer_normalization', [
      'axis',
      'epsilon',
      'center',
      'scale',
      'betaInitializer',
      'gammaInitializer',
      'betaRegularizer',
      'gammaRegularizer',
    ]);
    const c = this.component;
    const axis = config.axis ?? -1;
    const axes = typeof axis === 'number' ? [axis] : Array.isArray(axis) ? axis : null;
    if (axes === null || axes.length === 0 || !axes.every((a) => Number.isInteger(a) && a !== 0)) {
      throw new ArgumentError(
        `${c}: axis must be a non-zero integer or a non-empty list of them (axis 0 is the batch), got ${JSON.stringify(axis)}`,
      );
    }
    this.axis = typeof axis === 'number' ? axis : [...axes];
    this.epsilon = numberOption(c, 'epsilon', config.epsilon, { min: 0, minExclusive: true }, 1e-3);
    this.center = booleanOption(c, 'center', config.center, true);
    this.scale = booleanOption(c, 'scale', config.scale, true);
    this.beta = weightSpec(c, 'beta', config.betaInitializer, config.betaRegularizer, 'zeros');
    this.gamma = weightSpec(c, 'gamma', config.gammaInitializer, config.gammaRegularizer, 'ones');
  }

  get className(): string {
    return 'LayerNormalization';
  }

  /** A mask passes through: the layer normalises each step alone, so padded steps stay padded. */
  override get supportsMasking(): boolean {
    return true;
  }

  /** The normalised axes of a batch of rank `rank`, ascending, each in [1, rank). */
  private axesFor(rank: number): number[] {
    const axes = (typeof this.axis === 'number' ? [this.axis] : this.axis).map((a) => (a < 0 ? a + rank : a));
    if (axes.some((a) => a < 1 || a >= rank) || new Set(axes).size !== axes.length) {
      throw new ArgumentError(
        `${this.component}: axis ${JSON.stringify(this.axis)} does not name distinct feature axes of an input of rank ${rank} ` +
          '(batch included; axis 0 is the batch)',
      );
    }
    return axes.sort((a, b) => a - b);
  }

  /** γ and β's shape: the sizes of the normalised axes, which must be known. */
  private paramShape(inputShape: readonly Dim[]): number[] {
    return this.axesFor(inputShape.length + 1).map((a) => {
      const d = inputShape[a - 1];
      if (typeof d !== 'number') {
        throw new ArgumentError(
          `${this.component}: the normalised axis ${a} of the input shape [batch, ${inputShape.join(', ')}] must be known`,
        );
      }
      return d;
    });
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.axesFor(inputShape.length + 1);
    return inputShape;
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    const shape = this.paramShape(inputShape);
    return [
      ...(this.scale ? [['gamma', shape] as [string, number[]]] : []),
      ...(this.center ? [['beta', shape] as [string, number[]]] : []),
    ];
  }

  protected override build(inputShape: Shape): void {
    const shape = this.paramShape(inputShape);
    // Keras' order: gamma, then beta.
    if (this.scale) this.addWeight('gamma', shape, this.gamma.initializer, this.gamma.regularizer);
    if (this.center) this.addWeight('beta', shape, this.beta.initializer, this.beta.regularizer);
  }

  protected forward(x: Tensor, _options: CallOptions): Tensor {
    const axes = this.axesFor(x.ndim);
    const mean = x.mean(axes, true);
    const centered = x.sub(mean);
    const variance = centered.square().mean(axes, true);
    let y = centered.div(variance.add(this.epsilon).sqrt());
    // γ, β are shaped like the normalised axes: give them size-1 axes elsewhere to broadcast.
    const broadcast = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    if (this.scale) y = y.mul(this.getWeight('gamma').reshape(broadcast));
    if (this.center) y = y.add(this.getWeight('beta').reshape(broadcast));
    return y;
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      axis: typeof this.axis === 'number' ? this.axis : [...this.axis],
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...weightSpecConfig('beta', this.beta),
      ...weightSpecConfig('gamma', this.gamma),
    };
  }
}
