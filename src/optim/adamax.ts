/** Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm in place of the squared mean. */
import { numberOption } from '../config/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { EPSILON, optimizerOptions, UNIT_INTERVAL } from './option-checks.js';

export interface AdamaxConfig extends OptimizerConfig {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * m ← β1·m + (1−β1)·g;  u ← max(β2·u, |g|);  w ← w − lr/(1−β1ᵗ) · m / (u + ε). Default lr 0.001,
 * β 0.9/0.999, ε 1e-7 (Keras). No fused kernel: every backend runs these ops.
 */
export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(config: AdamaxConfig = {}) {
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

  protected updateWithOps(w: Tensor, g: Tensor, [m, u]: readonly Tensor[], lr: number, t: number): Tensor[] {
    const { beta1, beta2, epsilon } = this;
    const mean = m!.mul(beta1).add(g.mul(1 - beta1));
    const infinityNorm = u!.mul(beta2).maximum(g.abs());
    const stepSize = lr / (1 - beta1 ** t);
    return [w.sub(mean.mul(stepSize).div(infinityNorm.add(epsilon))), mean, infinityNorm];
  }

  protected ruleConfig(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
