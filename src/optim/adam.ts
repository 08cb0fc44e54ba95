/** Adam (Kingma & Ba) and AdamW, its variant with decoupled weight decay (Loshchilov & Hutter). */
import type { UpdateRule } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { type MomentConfig, MomentOptimizer } from './moment-optimizer.js';
import { optimizerOptions } from './option-checks.js';

export type AdamConfig = MomentConfig;

/**
 * m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr·m̂ / (√v̂ + ε), with the bias-corrected
 * m̂ = m / (1−β1ᵗ), v̂ = v / (1−β2ᵗ). Default lr 0.001, β 0.9/0.999, ε 1e-7.
 */
export class Adam extends MomentOptimizer {
  readonly className: string = 'Adam';

  constructor(config: AdamConfig = {}) {
    super(new.target.name, config);
  }

  /**
   * Both bias corrections folded into the step size and ε, so the per-element work is the same as
   * without them (Kingma & Ba, end of section 2): lr·m̂/(√v̂ + ε) = stepSize·m/(√v + ε̂).
   */
  private corrected(lr: number, t: number): { stepSize: number; epsilonHat: number } {
    const { beta1, beta2, epsilon } = this;
    return {
      stepSize: (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t),
      epsilonHat: epsilon * Math.sqrt(1 - beta2 ** t),
    };
  }

  protected updateWithOps(w: Tensor, g: Tensor, [m, v]: readonly Tensor[], lr: number, t: number): Tensor[] {
    const { beta1, beta2 } = this;
    const { stepSize, epsilonHat } = this.corrected(lr, t);
    const mean = m!.mul(beta1).add(g.mul(1 - beta1));
    const meanSquare = v!.mul(beta2).add(g.square().mul(1 - beta2));
    return [w.sub(mean.mul(stepSize).div(meanSquare.sqrt().add(epsilonHat))), mean, meanSquare];
  }

  protected override fusedRule(lr: number, t: number): UpdateRule {
    return { kind: 'adam', beta1: this.beta1, beta2: this.beta2, ...this.corrected(lr, t) };
  }
}

/**
 * Adam with decoupled weight decay: w ← w·(1 − lr·wd) first, then the Adam step (the order of
 * torch.optim.AdamW and Keras 3). Default wd 0.004.
 */
export class AdamW extends Adam {
  override readonly className = 'AdamW';

  constructor(config: AdamConfig = {}) {
    super({
      weightDecay: 0.004,
      ...optimizerOptions(new.target.name, config, ['beta1', 'beta2', 'epsilon']),
    });
  }

  protected override get decoupledDecay(): boolean {
    return true;
  }
}
