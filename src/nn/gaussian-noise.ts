/**
 * Noise layers active only while training (Keras' GaussianNoise and GaussianDropout): the
 * denoising autoencoder's corruption, and regularisers. At inference they pass values through.
 *
 *   GaussianNoise({ stddev })   x + ε,  ε ~ N(0, stddev²)
 *   GaussianDropout({ rate })   x · ε,  ε ~ N(1, rate / (1 − rate))  (dropout's variance, no zeros)
 */
import { numberOption } from '../config/options.js';
import { getRng, Rng } from '../random/rng.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerConfig } from './layer.js';

export interface GaussianNoiseConfig extends LayerConfig {
  /** Standard deviation of the added noise (≥ 0). */
  stddev: number;
  /** Seed for this layer's noise; default: draw from the global RNG. */
  seed?: number;
}

export interface GaussianDropoutConfig extends LayerConfig {
  /** Drop probability whose variance the multiplicative noise has, in [0, 1). */
  rate: number;
  seed?: number;
}

/** What both layers share: a seed (their own generator, saved with checkpoints) and the draws. */
abstract class NoiseLayer extends Layer {
  readonly seed: number | undefined;
  private readonly rng: Rng | null;

  protected constructor(config: LayerConfig & { seed?: number }, prefix: string, options: string[]) {
    super(config, prefix, [...options, 'seed']);
    this.seed = config.seed == null ? undefined : numberOption(this.component, 'seed', config.seed, {});
    this.rng = this.seed === undefined ? null : new Rng(this.seed);
  }

  override get supportsMasking(): boolean {
    return true;
  }

  override ownRngs(): Rng[] {
    return this.rng ? [this.rng] : [];
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  override weightShapes(): [string, number[]][] {
    return [];
  }

  /** `size` normal draws with this mean and standard deviation, as a tensor shaped like x. */
  protected normal(x: Tensor, mean: number, std: number): Tensor {
    const rng = this.rng ?? getRng();
    const values = new Float32Array(x.size);
    for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
    return new Tensor(x.backend.fromValues(values), x.shape, x.backend);
  }

  protected seedConfig(): Record<string, unknown> {
    return this.seed !== undefined ? { seed: this.seed } : {};
  }
}

export class GaussianNoise extends NoiseLayer {
  readonly stddev: number;

  constructor(config: GaussianNoiseConfig) {
    super(config, 'gaussian_noise', ['stddev']);
    this.stddev = numberOption(this.component, 'stddev', config.stddev, { min: 0 });
  }

  get className(): string {
    return 'GaussianNoise';
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.stddev === 0) return x;
    return x.add(this.normal(x, 0, this.stddev));
  }

  protected layerConfig(): Record<string, unknown> {
    return { stddev: this.stddev, ...this.seedConfig() };
  }
}

export class GaussianDropout extends NoiseLayer {
  readonly rate: number;

  constructor(config: GaussianDropoutConfig) {
    super(config, 'gaussian_dropout', ['rate']);
    this.rate = numberOption(this.component, 'rate', config.rate, { min: 0, max: 1, maxExclusive: true });
  }

  get className(): string {
    return 'GaussianDropout';
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.rate === 0) return x;
    return x.mul(this.normal(x, 1, Math.sqrt(this.rate / (1 - this.rate))));
  }

  protected layerConfig(): Record<string, unknown> {
    return { rate: this.rate, ...this.seedConfig() };
  }
}
