/**
 * The optimiser base: collects gradients, applies L2 weight decay and clipping, then lets the
 * concrete rule update each parameter in place. Usable two ways:
 *
 *   model.compile({ optimizer: 'adam' })            // or new Adam({ learningRate: 1e-3 })
 *   loss.backward(); opt.step(params); opt.zeroGrad();   // a hand-written loop
 *
 * Parameters are updated in place in their storage (they are leaves; nothing in the graph
 * depends on their old values once backward has run). Per-parameter state (velocities, moments)
 * lives in Float32Arrays keyed by the parameter tensor.
 */
import type { Storage, UpdateRule } from '../backend/backend.js';
import { isOptionsObject, numberOption, optionalNumber } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  isSchedule,
  type LearningRateSchedule,
  learningRateOption,
  scheduleFromConfig,
} from './schedules.js';

const POSITIVE = { min: 0, minExclusive: true } as const;

export interface OptimizerConfig {
  /** A number, or a schedule of the step count. */
  learningRate?: number | LearningRateSchedule;
  /** Coupled L2 weight decay: adds weightDecay·w to each gradient (AdamW decouples it instead). */
  weightDecay?: number;
  /** Rescale all gradients together so their global L2 norm is at most this. */
  clipNorm?: number;
  /** Clip each gradient value to [−clipValue, clipValue]. */
  clipValue?: number;
}

/** An optimiser's state for checkpoints (Optimizer.getState): copies, not views. */
export interface OptimizerState {
  className: string;
  iterations: number;
  /** Per parameter, in the order given: its slot buffers (empty before its first update). */
  slots: Float32Array[][];
}

export type SerializedSchedule = { className: string; config: Record<string, number | boolean> };

export abstract class Optimizer {
  abstract readonly className: string;
  /** Steps taken (batches), which schedules and bias corrections count. */
  iterations = 0;
  protected readonly schedule: number | LearningRateSchedule;
  readonly weightDecay: number;
  readonly clipNorm: number | undefined;
  readonly clipValue: number | undefined;
  private readonly states = new WeakMap<Tensor, Storage[]>();
  private lastParams: readonly Tensor[] = [];

  constructor(config: OptimizerConfig, defaultLearningRate: number) {
    // Checked here, once: a negative clipNorm would flip every gradient (ascent), a string rate
    // would be taken for a schedule. The subclasses have already refused unknown option names.
    const component = new.target.name;
    this.schedule = learningRateOption(component, config.learningRate ?? defaultLearningRate);
    this.weightDecay = numberOption(component, 'weightDecay', config.weightDecay, { min: 0 }, 0);
    this.clipNorm = optionalNumber(component, 'clipNorm', config.clipNorm, POSITIVE);
    this.clipValue = optionalNumber(component, 'clipValue', config.clipValue, POSITIVE);
  }

  /** The learning rate the next step will use. */
  get learningRate(): number {
    return typeof this.schedule === 'number' ? this.schedule : this.schedule.at(this.iterations);
  }

  /** How many state buffers (each the parameter's size) the rule keeps per parameter. */
  protected abstract get slots(): number;

  /** This step's rule for the backend's update kernel (lr from the schedule, t counts from 1). */
  protected abstract rule(lr: number, t: number): UpdateRule;

  protected abstract ruleConfig(): Record<string, number | boolean>;

  /** Apply one update to every parameter that has a gradient. */
  step(params: readonly Tensor[]): void {
    this.lastParams = params;
    const active = params.filter((p) => p.grad !== null);
    // Clipping and coupled decay rewrite the gradients, so they work on copies; otherwise the
    // kernels read the gradients in place (no per-step allocation of every gradient).
    const rewrites =
      this.clipValue !== undefined ||
      this.clipNorm !== undefined ||
      (this.weightDecay > 0 && !this.decoupledDecay);
    const copies = rewrites ? active.map((p) => p.grad!.dataSync()) : [];
    if (rewrites) {
      if (this.weightDecay > 0 && !this.decoupledDecay) {
        active.forEach((p, i) => {
          const g = copies[i]!;
          const w = p.storage.view();
          for (let j = 0; j < g.length; j++) g[j]! += this.weightDecay * w[j]!;
        });
      }
      this.clip(copies);
    }
    const lr = this.learningRate;
    const rule = this.rule(lr, this.iterations + 1);
    active.forEach((p, i) => {
      const backend = p.backend;
      // A gradient made on another backend (mixed use) is moved to the parameter's.
      const g = rewrites ? backend.fromValues(copies[i]!) : p.grad!.to(backend.name).storage;
      let state = this.states.get(p);
      if (state === undefined) {
        const create = () =>
          Array.from({ length: this.slots }, () => {
            const s = backend.alloc(p.size);
            if (this.initialValue !== 0) backend.fill(s, this.initialValue);
            return s;
          });
        // The state outlives the training step that creates it.
        state = backend.persistent ? backend.persistent(create) : create();
        this.states.set(p, state);
      }
      backend.update(rule, p.storage, g, state);
      if (this.weightDecay > 0 && this.decoupledDecay) {
        const f = 1 - lr * this.weightDecay;
        const w = p.storage.view();
        for (let j = 0; j < w.length; j++) w[j]! *= f;
      }
    });
    this.iterations++;
  }

  /**
   * The rule's state for `params` (copies), for checkpoints: the step count and, per parameter, its
   * slot buffers — none for a parameter that has not been updated yet.
   */
  getState(params: readonly Tensor[]): OptimizerState {
    return {
      className: this.className,
      iterations: this.iterations,
      slots: params.map((p) => (this.states.get(p) ?? []).map((s) => Float32Array.from(s.view()))),
    };
  }

  /** Put back a getState() of the same rule for the same parameters (checked before anything is set). */
  setState(params: readonly Tensor[], state: OptimizerState): void {
    const where = `${this.className}.setState()`;
    if (state.className !== this.className)
      throw new ArgumentError(`${where}: the state is ${state.className}'s, not ${this.className}'s`);
    if (!Number.isInteger(state.iterations) || state.iterations < 0)
      throw new ArgumentError(`${where}: iterations must be an integer ≥ 0, got ${state.iterations}`);
    if (state.slots.length !== params.length)
      throw new ArgumentError(
        `${where}: the state has ${state.slots.length} parameters, the model ${params.length}`,
      );
    params.forEach((p, i) => {
      const slots = state.slots[i]!;
      if (slots.length !== 0 && slots.length !== this.slots)
        throw new ArgumentError(
          `${where}: parameter ${i} has ${slots.length} state buffers, ${this.className} keeps ${this.slots}`,
        );
      for (const s of slots)
        if (s.length !== p.size)
          throw new ArgumentError(
            `${where}: parameter ${i} has ${p.size} values but its state buffer ${s.length}`,
          );
    });
    params.forEach((p, i) => {
      const slots = state.slots[i]!;
      if (slots.length === 0) {
        this.states.delete(p);
        return;
      }
      const backend = p.backend;
      const make = () => slots.map((s) => backend.fromValues(s));
      this.states.set(p, backend.persistent ? backend.persistent(make) : make());
    });
    this.iterations = state.iterations;
  }

  /** Forget the gradients of `params` (default: the ones passed to the last step). */
  zeroGrad(params: readonly Tensor[] = this.lastParams): void {
    for (const p of params) p.grad = null;
  }

  /** AdamW applies weight decay to the weights directly instead of through the gradient. */
  protected get decoupledDecay(): boolean {
    return false;
  }

  /** What the state buffers start at (AdaGrad's accumulator starts above zero). */
  protected get initialValue(): number {
    return 0;
  }

  private clip(grads: Float32Array[]): void {
    if (this.clipValue !== undefined) {
      const c = this.clipValue;
      for (const g of grads) for (let j = 0; j < g.length; j++) g[j] = Math.min(c, Math.max(-c, g[j]!));
    }
    if (this.clipNorm !== undefined) {
      let sq = 0;
      for (const g of grads) for (let j = 0; j < g.length; j++) sq += g[j]! * g[j]!;
      const norm = Math.sqrt(sq);
      if (norm > this.clipNorm) {
        const s = this.clipNorm / norm;
        for (const g of grads) for (let j = 0; j < g.length; j++) g[j]! *= s;
      }
    }
  }

  getConfig(): { className: string; config: Record<string, unknown> } {
    const lr =
      typeof this.schedule === 'number'
        ? this.schedule
        : ({ className: this.schedule.className, config: this.schedule.config } satisfies SerializedSchedule);
    return {
      className: this.className,
      config: {
        learningRate: lr,
        ...(this.weightDecay > 0 && { weightDecay: this.weightDecay }),
        ...(this.clipNorm !== undefined && { clipNorm: this.clipNorm }),
        ...(this.clipValue !== undefined && { clipValue: this.clipValue }),
        ...this.ruleConfig(),
      },
    };
  }
}

/** Turn a saved learningRate (number or schedule) back into the constructor form. */
export function learningRateFromConfig(lr: unknown): number | LearningRateSchedule | undefined {
  if (lr === undefined || typeof lr === 'number' || isSchedule(lr)) return lr;
  // Only an object can be a saved schedule; anything else (a string like '0.1') is left for the
  // optimiser's constructor to refuse by name.
  if (!isOptionsObject(lr)) return lr as never;
  return scheduleFromConfig(lr as SerializedSchedule);
}
