/** Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm in place of the squared mean. */
import type { Tensor } from '../tensor/tensor.js';
import { type MomentConfig, MomentOptimizer } from './moment-optimizer.js';

export type AdamaxConfig = MomentConfig;

/**
 * m ← β1·m + (1−β1)·g;  u ← max(β2·u, |g|);  w ← w − lr/(1−β1ᵗ) · m / (u + ε). Default lr 0.001,
 * β 0.9/0.999, ε 1e-7 (Keras). No fused kernel: every backend runs these ops.
 */
export class Adamax extends MomentOptimizer {
  readonly className = 'Adamax';

  constructor(config: AdamaxConfig = {}) {
    super(new.target.name, config);
  }

  protected updateWithOps(w: Tensor, g: Tensor, [m, u]: readonly Tensor[], lr: number, t: number): Tensor[] {
    const { beta1, beta2, epsilon } = this;
    const mean = m!.mul(beta1).add(g.mul(1 - beta1));
    const infinityNorm = u!.mul(beta2).maximum(g.abs());
    const stepSize = lr / (1 - beta1 ** t);
    return [w.sub(mean.mul(stepSize).div(infinityNorm.add(epsilon))), mean, infinityNorm];
  }
}
