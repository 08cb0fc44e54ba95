/**
 * Sampling: the reparameterisation trick of a variational autoencoder (Kingma & Welling 2014), as
 * in Keras' VAE example. [μ, logVar] in (a diagonal Gaussian q(z|x) = N(μ, exp(logVar))), one draw
 *
 *   z = μ + exp(½·logVar)·ε,   ε ~ N(0, I)
 *
 * out. The noise is an input to the graph, not a node of it, so the gradient reaches μ (∂z/∂μ = 1)
 * and logVar (∂z/∂logVar = ½·exp(½·logVar)·ε) through ordinary ops.
 *
 * Unlike Dropout or GaussianNoise it samples in inference mode too: a VAE's reconstructions,
 * ELBO and likelihood estimates are all expectations over q(z|x). Use μ itself (the encoder's first
 * output) where a deterministic code is wanted.
 */
import { numberOption } from '../config/options.js';
import { getRng, Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { ElementwiseMerge } from './merge/merge.js';
import type { ModuleConfig } from './module.js';

export interface SamplingConfig extends ModuleConfig {
  /** Seed for this layer's own noise generator (saved with checkpoints); default: the global RNG. */
  seed?: number;
}

/** z = μ + exp(½·logVar)·ε for a given ε: the differentiable part of Sampling, on its own. */
export function reparameterize(mean: Tensor, logVar: Tensor, epsilon: Tensor): Tensor {
  return mean.add(logVar.mul(0.5).exp().mul(epsilon));
}

export class Sampling extends ElementwiseMerge {
  readonly seed: number | undefined;
  private readonly rng: Rng | null;

  constructor(config: SamplingConfig = {}) {
    super(config, 'sampling', ['seed']);
    this.seed =
      config.seed == null ? undefined : numberOption(this.component, 'seed', config.seed, { integer: true });
    this.rng = this.seed === undefined ? null : new Rng(this.seed);
  }

  get className(): string {
    return 'Sampling';
  }

  protected override get inputCount(): number {
    return 2;
  }

  /** A code has no time steps: a masked [μ, logVar] is refused rather than sampled per step. */
  override get supportsMasking(): boolean {
    return false;
  }

  override ownRngs(): Rng[] {
    return this.rng ? [this.rng] : [];
  }

  protected override combine([mean, logVar]: Tensor[]): Tensor {
    return reparameterize(mean!, logVar!, this.noise(mean!));
  }

  /** Standard normal draws shaped like `like`, from this layer's generator (or the global one). */
  private noise(like: Tensor): Tensor {
    const rng = this.rng ?? getRng();
    const values = new Float32Array(like.size);
    for (let i = 0; i < values.length; i++) values[i] = rng.normal();
    return new Tensor(like.backend.fromValues(values), like.shape, like.backend);
  }

  protected override layerConfig(): Record<string, unknown> {
    return this.seed !== undefined ? { seed: this.seed } : {};
  }
}
