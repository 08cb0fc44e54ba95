/** Stochastic gradient descent, with optional (Nesterov) momentum. */
import type { UpdateRule } from '../backend/backend.js';
import { booleanOption, numberOption } from '../config/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { optimizerOptions, UNIT_INTERVAL } from './option-checks.js';

export interface SGDConfig extends OptimizerConfig {
  /** Velocity decay μ; 0 is plain SGD. */
  momentum?: number;
  nesterov?: boolean;
}

/** v ← μv − lr·g;  w ← w + v  (Nesterov: w ← w + μv − lr·g). Default lr 0.01. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(config: SGDConfig = {}) {
    const o = optimizerOptions(new.target.name, config, ['momentum', 'nesterov']);
    super(o as OptimizerConfig, 0.01);
    this.momentum = numberOption(new.target.name, 'momentum', o.momentum, UNIT_INTERVAL, 0);
    this.nesterov = booleanOption(new.target.name, 'nesterov', o.nesterov, false);
  }

  protected get slots(): number {
    return this.momentum > 0 ? 1 : 0;
  }

  protected updateWithOps(w: Tensor, g: Tensor, [v]: readonly Tensor[], lr: number): Tensor[] {
    if (this.momentum === 0) return [w.sub(g.mul(lr))];
    const mu = this.momentum;
    const velocity = v!.mul(mu).sub(g.mul(lr));
    // Nesterov steps from where the velocity is about to take w: w + μv' − lr·g.
    const step = this.nesterov ? velocity.mul(mu).sub(g.mul(lr)) : velocity;
    return [w.add(step), velocity];
  }

  protected override fusedRule(lr: number): UpdateRule {
    return this.momentum > 0
      ? { kind: 'momentum', lr, momentum: this.momentum, nesterov: this.nesterov }
      : { kind: 'sgd', lr };
  }

  protected ruleConfig() {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
