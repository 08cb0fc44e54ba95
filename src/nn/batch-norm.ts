/**
 * Batch normalisation (Ioffe & Szegedy 2015) over the last axis (channels-last images, or dense
 * features): y = γ·(x − μ)/√(σ² + ε) + β.
 *
 * Training uses the batch's own mean and (biased) variance over every other axis and nudges the
 * moving statistics toward them: moving ← momentum·moving + (1 − momentum)·batch, as Keras does.
 * Inference (predict, evaluate) uses the moving statistics, so a prediction does not depend on the
 * rest of its batch. γ and β are trained; the moving statistics are saved but never trained.
 * A frozen layer (trainable = false, itself or through its model) always runs in inference mode:
 * the moving statistics are used and left alone, as Keras does (TF.js 4 still uses the batch's).
 */
import { noGrad } from '../autograd/grad-mode.js';
import { booleanOption, numberOption, withContext } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  getInitializer,
  type Initializer,
  type InitializerLike,
  serializeInitializer,
} from './initializers.js';
import { type CallOptions, Layer, type LayerConfig } from './layer.js';

export interface BatchNormalizationConfig extends LayerConfig {
  /** Weight of the old moving statistics per update; default 0.99. */
  momentum?: number;
  /** Added to the variance; default 0.001. */
  epsilon?: number;
  /** Learn the offset β; default true. */
  center?: boolean;
  /** Learn the scale γ; default true. */
  scale?: boolean;
  betaInitializer?: InitializerLike;
  gammaInitializer?: InitializerLike;
  movingMeanInitializer?: InitializerLike;
  movingVarianceInitializer?: InitializerLike;
}

export class BatchNormalization extends Layer {
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', Initializer>;

  constructor(config: BatchNormalizationConfig = {}) {
    super(config, 'batch_normalization', [
      'momentum',
      'epsilon',
      'center',
      'scale',
      'betaInitializer',
      'gammaInitializer',
      'movingMeanInitializer',
      'movingVarianceInitializer',
    ]);
    const c = this.component;
    this.momentum = numberOption(
      c,
      'momentum',
      config.momentum,
      { min: 0, max: 1, maxExclusive: true },
      0.99,
    );
    this.epsilon = numberOption(c, 'epsilon', config.epsilon, { min: 0, minExclusive: true }, 1e-3);
    this.center = booleanOption(c, 'center', config.center, true);
    this.scale = booleanOption(c, 'scale', config.scale, true);
    const init = (name: string, spec: InitializerLike | undefined, fallback: InitializerLike) =>
      withContext(`${c}: ${name}`, () => getInitializer(spec ?? fallback));
    this.inits = {
      beta: init('betaInitializer', config.betaInitializer, 'zeros'),
      gamma: init('gammaInitializer', config.gammaInitializer, 'ones'),
      movingMean: init('movingMeanInitializer', config.movingMeanInitializer, 'zeros'),
      movingVariance: init('movingVarianceInitializer', config.movingVarianceInitializer, 'ones'),
    };
  }

  get className(): string {
    return 'BatchNormalization';
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    const features = inputShape[inputShape.length - 1];
    if (features === undefined) {
      throw new ArgumentError(`BatchNormalization '${this.name}': input needs a feature (channel) axis`);
    }
    return [
      ...(this.scale ? [['gamma', [features]] as [string, number[]]] : []),
      ...(this.center ? [['beta', [features]] as [string, number[]]] : []),
      ['moving_mean', [features]],
      ['moving_variance', [features]],
    ];
  }

  protected override build(inputShape: Shape): void {
    const features = inputShape[inputShape.length - 1];
    if (features === undefined) {
      throw new ArgumentError(`BatchNormalization '${this.name}': input needs a feature (channel) axis`);
    }
    if (this.scale) this.addWeight('gamma', [features], this.inits.gamma);
    if (this.center) this.addWeight('beta', [features], this.inits.beta);
    this.addWeight('moving_mean', [features], this.inits.movingMean, undefined, false);
    this.addWeight('moving_variance', [features], this.inits.movingVariance, undefined, false);
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    const axes = Array.from({ length: x.ndim - 1 }, (_, i) => i); // all but the features
    const movingMean = this.getWeight('moving_mean');
    const movingVariance = this.getWeight('moving_variance');
    let mean: Tensor;
    let variance: Tensor;
    // A frozen layer (trainable = false) runs as in inference even inside fit, as Keras (TF 2)
    // documents, so that fine-tuning keeps the statistics it was trained with; TF.js does not.
    if (options.training && this.trainable) {
      mean = x.mean(axes);
      variance = x.sub(mean).square().mean(axes);
      noGrad(() => {
        // Written into the existing weights (not new tensors): they outlive this training step.
        const m = this.momentum;
        const backend = movingMean.backend;
        backend.copy(movingMean.mul(m).add(mean.mul(1 - m)).storage, movingMean.storage);
        backend.copy(movingVariance.mul(m).add(variance.mul(1 - m)).storage, movingVariance.storage);
      });
    } else {
      mean = movingMean;
      variance = movingVariance;
    }
    let y = x.sub(mean).div(variance.add(this.epsilon).sqrt());
    if (this.scale) y = y.mul(this.getWeight('gamma'));
    if (this.center) y = y.add(this.getWeight('beta'));
    return y;
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.inits.beta),
      gammaInitializer: serializeInitializer(this.inits.gamma),
      movingMeanInitializer: serializeInitializer(this.inits.movingMean),
      movingVarianceInitializer: serializeInitializer(this.inits.movingVariance),
    };
  }
}
