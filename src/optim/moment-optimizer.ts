/**
 * What Adam, AdamW, Adamax and Nadam share: two moment estimates per parameter (slots), and the
 * options β1, β2, ε with Keras' defaults (0.9, 0.999, 1e-7), checked once here.
 */
import { numberOption } from '../config/options.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { EPSILON, optimizerOptions, UNIT_INTERVAL } from './option-checks.js';

export interface MomentConfig extends OptimizerConfig {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export abstract class MomentOptimizer extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  /** `component` names the optimiser in errors (the subclass's own name). */
  constructor(component: string, config: MomentConfig) {
    const o = optimizerOptions(component, config, ['beta1', 'beta2', 'epsilon']);
    super(o as OptimizerConfig, 0.001);
    this.beta1 = numberOption(component, 'beta1', o.beta1, UNIT_INTERVAL, 0.9);
    this.beta2 = numberOption(component, 'beta2', o.beta2, UNIT_INTERVAL, 0.999);
    this.epsilon = numberOption(component, 'epsilon', o.epsilon, EPSILON, 1e-7);
  }

  protected get slots(): number {
    return 2;
  }

  protected ruleConfig(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
