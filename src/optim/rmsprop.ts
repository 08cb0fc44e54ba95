/** RMSprop: steps scaled by a running mean of squared gradients. */
import type { UpdateRule } from '../backend/backend.js';
import { numberOption } from '../config/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { EPSILON, optimizerOptions, UNIT_INTERVAL } from './option-checks.js';

export interface RMSpropConfig extends OptimizerConfig {
  rho?: number;
  epsilon?: number;
}

/** v ← ρv + (1−ρ)g²;  w ← w − lr·g / (√v + ε). Default lr 0.001, ρ 0.9. */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly epsilon: number;

  constructor(config: RMSpropConfig = {}) {
    const o = optimizerOptions(new.target.name, config, ['rho', 'epsilon']);
    super(o as OptimizerConfig, 0.001);
    this.rho = numberOption(new.target.name, 'rho', o.rho, UNIT_INTERVAL, 0.9);
    this.epsilon = numberOption(new.target.name, 'epsilon', o.epsilon, EPSILON, 1e-7);
  }

  protected get slots(): number {
    return 1;
  }

  protected updateWithOps(w: Tensor, g: Tensor, [v]: readonly Tensor[], lr: number): Tensor[] {
    const meanSquare = v!.mul(this.rho).add(g.square().mul(1 - this.rho));
    return [w.sub(g.mul(lr).div(meanSquare.sqrt().add(this.epsilon))), meanSquare];
  }

  protected override fusedRule(lr: number): UpdateRule {
    return { kind: 'rmsprop', lr, rho: this.rho, epsilon: this.epsilon };
  }

  protected ruleConfig() {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
