/** AdaGrad: per-coordinate step sizes that shrink with the sum of past squared gradients. */
import type { UpdateRule } from '../backend/backend.js';
import { numberOption } from '../config/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { EPSILON, optimizerOptions } from './option-checks.js';

export interface AdagradConfig extends OptimizerConfig {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/** h ← h + g²;  w ← w − lr·g / (√h + ε). Default lr 0.001. */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(config: AdagradConfig = {}) {
    const o = optimizerOptions(new.target.name, config, ['initialAccumulatorValue', 'epsilon']);
    super(o as OptimizerConfig, 0.001);
    const c = new.target.name;
    this.initialAccumulatorValue = numberOption(
      c,
      'initialAccumulatorValue',
      o.initialAccumulatorValue,
      { min: 0 },
      0.1,
    );
    this.epsilon = numberOption(c, 'epsilon', o.epsilon, EPSILON, 1e-7);
  }

  protected get slots(): number {
    return 1;
  }

  protected override get initialValue(): number {
    return this.initialAccumulatorValue;
  }

  protected updateWithOps(w: Tensor, g: Tensor, [h]: readonly Tensor[], lr: number): Tensor[] {
    const sumOfSquares = h!.add(g.square());
    return [w.sub(g.mul(lr).div(sumOfSquares.sqrt().add(this.epsilon))), sumOfSquares];
  }

  protected override fusedRule(lr: number): UpdateRule {
    return { kind: 'adagrad', lr, epsilon: this.epsilon };
  }

  protected ruleConfig() {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
