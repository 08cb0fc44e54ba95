/**
 * The optimisers: hyper-parameters (defaults follow Keras) and, each step, the rule the backend's
 * update kernel applies over a whole parameter buffer (src/backend/ts/update.ts, and the
 * WebAssembly one).
 */
import type { UpdateRule } from '../backend/backend.js';
import { booleanOption, checkOptions, numberOption, type Options } from '../config/options.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';

/** The options every optimiser takes (the base class checks their values). */
export const OPTIMIZER_OPTIONS = ['learningRate', 'weightDecay', 'clipNorm', 'clipValue'] as const;

/** Keras options people carry over that backprop does not implement, with what to do instead. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  decay: 'use a learning-rate schedule (exponentialDecay, stepDecay, cosineDecay) as learningRate',
  amsgrad: 'AMSGrad is not implemented',
  centered: 'centered RMSprop is not implemented',
  globalClipnorm: "use clipNorm (backprop's clipNorm is already the global norm)",
  useEma: 'weight averaging (EMA) is not implemented',
};

/** The config object with every name checked: the shared options plus the rule's own. */
function optimizerOptions(component: string, config: unknown, own: readonly string[]): Options {
  return checkOptions(component, config, [...OPTIMIZER_OPTIONS, ...own], UNSUPPORTED);
}

const UNIT_INTERVAL = { min: 0, max: 1, maxExclusive: true } as const;
/** ε divides; 0 would turn a zero gradient's update into 0/0 = NaN. */
const EPSILON = { min: 0, minExclusive: true } as const;

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
    const o = optimizerOptions(new.target.name, config, ['rho', 'epsilon']);
    super(o as OptimizerConfig, 0.001);
    this.rho = numberOption(new.target.name, 'rho', o.rho, UNIT_INTERVAL, 0.9);
    this.epsilon = numberOption(new.target.name, 'epsilon', o.epsilon, EPSILON, 1e-7);
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
    const o = optimizerOptions(new.target.name, config, ['beta1', 'beta2', 'epsilon']);
    super(o as OptimizerConfig, 0.001);
    const c = new.target.name;
    // β = 1 would divide by 1 − β^t = 0 in the bias correction.
    this.beta1 = numberOption(c, 'beta1', o.beta1, UNIT_INTERVAL, 0.9);
    this.beta2 = numberOption(c, 'beta2', o.beta2, UNIT_INTERVAL, 0.999);
    this.epsilon = numberOption(c, 'epsilon', o.epsilon, EPSILON, 1e-7);
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
    super({
      weightDecay: 0.004,
      ...optimizerOptions(new.target.name, config, ['beta1', 'beta2', 'epsilon']),
    });
  }

  protected override get decoupledDecay(): boolean {
    return true;
  }
}
