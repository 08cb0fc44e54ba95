/** Nadam (Dozat, 2016): Adam with Nesterov momentum, as Keras implements it. */
import type { Tensor } from '../tensor/tensor.js';
import { type MomentConfig, MomentOptimizer } from './moment-optimizer.js';

export type NadamConfig = MomentConfig;

/**
 * Adam whose first moment looks one step ahead, with Dozat's warming momentum schedule
 * μₜ = β1·(1 − ½·0.96^(0.004·t)):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   m̂ = μₜ₊₁·m / (1 − Πμ₁…μₜ₊₁) + (1−μₜ)·g / (1 − Πμ₁…μₜ);  v̂ = v / (1−β2ᵗ)
 *   w ← w − lr·m̂ / (√v̂ + ε)
 * Default lr 0.001, β 0.9/0.999, ε 1e-7 (Keras). No fused kernel: every backend runs these ops.
 */
export class Nadam extends MomentOptimizer {
  readonly className = 'Nadam';
  /** Πμ₁…μₜ for the last t asked for: each step extends it by one factor instead of redoing t. */
  private product = { t: 0, value: 1 };

  constructor(config: NadamConfig = {}) {
    super(new.target.name, config);
  }

  private momentumAt(t: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** (0.004 * t));
  }

  /** Πμ₁…μₜ (recomputed from scratch only when t is not the next step, e.g. after setState). */
  private momentumProduct(t: number): number {
    if (this.product.t !== t) {
      let value = this.product.t === t - 1 ? this.product.value : 1;
      for (let s = this.product.t === t - 1 ? t : 1; s <= t; s++) value *= this.momentumAt(s);
      this.product = { t, value };
    }
    return this.product.value;
  }

  protected updateWithOps(w: Tensor, g: Tensor, [m, v]: readonly Tensor[], lr: number, t: number): Tensor[] {
    const { beta1, beta2, epsilon } = this;
    const mu = this.momentumAt(t);
    const muNext = this.momentumAt(t + 1);
    const product = this.momentumProduct(t);
    const mean = m!.mul(beta1).add(g.mul(1 - beta1));
    const meanSquare = v!.mul(beta2).add(g.square().mul(1 - beta2));
    const meanHat = mean.mul(muNext / (1 - product * muNext)).add(g.mul((1 - mu) / (1 - product)));
    const meanSquareHat = meanSquare.div(1 - beta2 ** t);
    return [w.sub(meanHat.mul(lr).div(meanSquareHat.sqrt().add(epsilon))), mean, meanSquare];
  }
}
