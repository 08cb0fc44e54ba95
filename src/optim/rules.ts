/**
 * The update rules. Each is the textbook formula over a whole parameter buffer (defaults follow
 * Keras): one loop, no allocation.
 */
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

  protected update(w: Float32Array, g: Float32Array, state: Float32Array[], lr: number): void {
    const mu = this.momentum;
    if (mu === 0) {
      for (let i = 0; i < w.length; i++) w[i]! -= lr * g[i]!;
      return;
    }
    const v = state[0]!;
    for (let i = 0; i < w.length; i++) {
      const vi = mu * v[i]! - lr * g[i]!;
      v[i] = vi;
      w[i]! += this.nesterov ? mu * vi - lr * g[i]! : vi;
    }
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

  protected override initialState(size: number): Float32Array {
    return new Float32Array(size).fill(this.initialAccumulatorValue);
  }

  protected update(w: Float32Array, g: Float32Array, state: Float32Array[], lr: number): void {
    const h = state[0]!;
    const eps = this.epsilon;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      h[i]! += gi * gi;
      w[i]! -= (lr * gi) / (Math.sqrt(h[i]!) + eps);
    }
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

  protected update(w: Float32Array, g: Float32Array, state: Float32Array[], lr: number): void {
    const v = state[0]!;
    const { rho, epsilon } = this;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      v[i] = rho * v[i]! + (1 - rho) * gi * gi;
      w[i]! -= (lr * gi) / (Math.sqrt(v[i]!) + epsilon);
    }
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

  protected update(w: Float32Array, g: Float32Array, state: Float32Array[], lr: number, t: number): void {
    const m = state[0]!;
    const v = state[1]!;
    const { beta1: b1, beta2: b2, epsilon } = this;
    // Fold both bias corrections into the step size (Kingma & Ba, section 2).
    const a = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    const epsHat = epsilon * Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      w[i]! -= (a * m[i]!) / (Math.sqrt(v[i]!) + epsHat);
    }
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
