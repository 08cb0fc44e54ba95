/** Adam (Kingma & Ba) and AdamW, its variant with decoupled weight decay (Loshchilov & Hutter). */
import type { UpdateRule } from '../backend/backend.js';
import { numberOption } from '../config/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { EPSILON, optimizerOptions, UNIT_INTERVAL } from './option-checks.js';

export interface AdamConfig extends OptimizerConfig {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr·m̂ / (√v̂ + ε), with the bias-corrected
 * m̂ = m / (1−β1ᵗ), v̂ = v / (1−β2ᵗ). Default lr 0.001, β 0.9/0.999, ε 1e-7.
 */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(config: AdamConfig = {}) {
    const o = optimizerOptions(new.target.name, config, ['beta1', 'beta2', 'epsilon']);
    super(o as OptimizerConfig, 0.001);
    const c = new.target.name;
    this.beta1 = numberOption(c, 'beta1', o.beta1, UNIT_INTERVAL, 0.9);
    this.beta2 = numberOption(c, 'beta2', o.beta2, UNIT_INTERVAL, 0.999);
    this.epsilon = numberOption(c, 'epsilon', o.epsilon, EPSILON, 1e-7);
  }

  protected get slots(): number {
    return 2;
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

  protected ruleConfig(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Adam with decoupled weight decay: w ← w·(1 − lr·wd) after the Adam step. Default wd 0.004. */
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
