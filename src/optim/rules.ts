/**
 * The optimisers: hyper-parameters (defaults follow Keras) and, each step, the rule the backend's
 * update kernel applies over a whole parameter buffer (src/backend/ts/update.ts, and the
 * WebAssembly one).
 */
import type { UpdateRule } from '../backend/backend.js';
import { ArgumentError } from '../errors.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';

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
    super(config, 0.01);
    this.momentum = config.momentum ?? 0;
    this.nesterov = config.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new ArgumentError('SGD: momentum must be in [0, 1)');
  }

  protected get slots(): number {
    return this.momentum > 0 ? 1 : 0;
  }

  protected rule(lr: number): UpdateRule {
    return this.momentum > 0
      ? { kind: 'momentum', lr, momentum: this.momentum, nesterov: this.nesterov }
      : { kind: 'sgd', lr };
  }

  protected ruleConfig() {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

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
    super(config, 0.001);
    this.initialAccumulatorValue = config.initialAccumulatorValue ?? 0.1;
    this.epsilon = config.epsilon ?? 1e-7;
  }

  protected get slots(): number {
    return 1;
  }

  protected override get initialValue(): number {
    return this.initialAccumulatorValue;
  }

  protected rule(lr: number): UpdateRule {
    return { kind: 'adagrad', lr, epsilon: this.epsilon };
  }

  protected ruleConfig() {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

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
    super(config, 0.001);
    this.rho = config.rho ?? 0.9;
    this.epsilon = config.epsilon ?? 1e-7;
  }

  protected get slots(): number {
    return 1;
  }

  protected rule(lr: number): UpdateRule {
    return { kind: 'rmsprop', lr, rho: this.rho, epsilon: this.epsilon };
  }

  protected ruleConfig() {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

export interface AdamConfig extends OptimizerConfig {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam: bias-corrected first and second moments. Default lr 0.001, β 0.9/0.999, ε 1e-7. */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(config: AdamConfig = {}) {
    super(config, 0.001);
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-7;
  }

  protected get slots(): number {
    return 2;
  }

  protected rule(lr: number, t: number): UpdateRule {
    const { beta1, beta2, epsilon } = this;
    // Fold both bias corrections into the step size (Kingma & Ba, section 2).
    const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    const epsilonHat = epsilon * Math.sqrt(1 - beta2 ** t);
    return { kind: 'adam', stepSize, beta1, beta2, epsilonHat };
  }

  protected ruleConfig(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter): w ← w·(1 − lr·wd) after the Adam step. */
export class AdamW extends Adam {
  override readonly className = 'AdamW';

  constructor(config: AdamConfig = {}) {
    super({ weightDecay: 0.004, ...config });
  }

  protected override get decoupledDecay(): boolean {
    return true;
  }
}
