/**
 * The optimiser base: collects gradients, applies weight decay and clipping, then lets the concrete
 * rule update each parameter in place. Usable two ways:
 *
 *   model.compile({ optimizer: 'adam' })            // or new Adam({ learningRate: 1e-3 })
 *   loss.backward(); opt.step(params); opt.zeroGrad();   // a hand-written loop
 *
 * A rule is written once, with tensor ops (`updateWithOps`, as tinygrad's nn/optim.py does), so it
 * runs on any backend. It may also name a fused backend kernel (`fusedRule`, an UpdateRule record):
 * a backend that has `update` then does the whole step in one pass over each buffer with no
 * temporaries — the fast path MLP and CNN training takes — and one without it runs the op version.
 * Tests hold the two to the same numbers on every backend.
 *
 * Parameters are updated in place in their storage (they are leaves; nothing in the graph depends
 * on their old values once backward has run). Per-parameter state (velocities, moments) lives in
 * backend storage keyed by the parameter tensor, allocated outside any step scope.
 */

import { noGrad } from '../autograd/grad-mode.js';
import type { Backend, Storage, UpdateRule } from '../backend/backend.js';
import { isOptionsObject, numberOption, optionalNumber } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { div } from '../ops/elementwise.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
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
  private schedule: number | LearningRateSchedule;
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

  /**
   * Replace a constant learning rate (what reduceLROnPlateau and learningRateScheduler do). An
   * optimiser built with a schedule refuses: the schedule owns the rate, and overriding it would
   * be silently undone, or silently kept, depending on when it was read.
   */
  set learningRate(value: number) {
    if (typeof this.schedule !== 'number') {
      throw new ArgumentError(
        `${this.className}: learningRate is set by its schedule ${this.schedule.className} ` +
          `(${JSON.stringify(this.schedule.config)}), so it cannot be set to ${String(value)}; ` +
          'build the optimiser with a number as learningRate to change the rate during training',
      );
    }
    this.schedule = numberOption(this.className, 'learningRate', value, POSITIVE);
  }

  /** How many state buffers (each the parameter's size) the rule keeps per parameter. */
  protected abstract get slots(): number;

  /**
   * The rule, written once with tensor ops: from the weights w, the gradient g (after decay and
   * clipping) and the state buffers (in slot order), return the new weights followed by the new
   * state. `t` counts steps from 1. Runs under noGrad; the base copies the results back in place.
   */
  protected abstract updateWithOps(
    w: Tensor,
    g: Tensor,
    state: readonly Tensor[],
    lr: number,
    t: number,
  ): readonly Tensor[];

  /**
   * The same step as a fused backend kernel (with this step's numbers worked out), or null when
   * there is none: the fast path for backends that implement `update`.
   */
  protected fusedRule(_lr: number, _t: number): UpdateRule | null {
    return null;
  }

  protected abstract ruleConfig(): Record<string, number | boolean>;

  /** Apply one update to every parameter that has a gradient. */
  step(params: readonly Tensor[]): void {
    this.lastParams = params;
    const active = params.filter((p) => p.grad !== null);
    const lr = this.learningRate;
    const t = this.iterations + 1;
    const fused = this.fusedRule(lr, t);
    noGrad(() => {
      const grads = this.gradients(active);
      active.forEach((p, i) => {
        const backend = p.backend;
        const g = grads[i]!;
        const state = this.stateOf(p);
        // Decoupled decay shrinks the weights before the rule's step, as torch.optim.AdamW and
        // Keras 3 do (w·(1−lr·wd), then the update computed from the unchanged gradient).
        if (this.weightDecay > 0 && this.decoupledDecay) assign(p, p.detach().mul(1 - lr * this.weightDecay));
        if (fused !== null && backend.update !== undefined) {
          backend.update(fused, p.storage, g.storage, state);
        } else {
          const stateTensors = state.map((s) => new Tensor(s, p.shape, backend));
          const [w, ...next] = this.updateWithOps(p.detach(), g, stateTensors, lr, t);
          assign(p, w!);
          for (const [j, s] of next.entries()) assign(stateTensors[j]!, s);
        }
      });
    });
    this.iterations++;
  }

  /**
   * Each active parameter's gradient, on the parameter's backend, with coupled decay and clipping
   * applied as tensor ops. Without those the gradients are used as they are (no copies: the fast
   * path allocates nothing per step).
   */
  private gradients(active: readonly Tensor[]): Tensor[] {
    let grads = active.map((p) => this.gradientOf(p));
    if (this.weightDecay > 0 && !this.decoupledDecay) {
      const wd = this.weightDecay;
      grads = grads.map((g, i) => g.add(active[i]!.detach().mul(wd)));
    }
    const c = this.clipValue;
    if (c !== undefined) grads = grads.map((g) => g.clip(-c, c));
    const maxNorm = this.clipNorm;
    if (maxNorm !== undefined && grads.length > 0) {
      // Scale by maxNorm / max(norm, maxNorm): 1 when the norm is within bounds, with no read back
      // to the host (a GPU backend need not wait for the norm).
      const first = grads[0]!.backend;
      const squares = grads.map((g) => onBackend(g.square().sum(), first));
      const norm = squares.reduce((a, b) => a.add(b)).sqrt();
      const scale = div(maxNorm, norm.maximum(maxNorm));
      grads = grads.map((g) => g.mul(onBackend(scale, g.backend)));
    }
    return grads;
  }

  /** p.grad, moved to p's backend (mixed use) and viewed in p's shape; its size must match. */
  private gradientOf(p: Tensor): Tensor {
    const g = onBackend(p.grad!, p.backend);
    if (g.size !== p.size) {
      throw new ShapeError(
        `${this.className}.step(): a parameter of shape ${formatShape(p.shape)} has a gradient of shape ` +
          `${formatShape(g.shape)} (${g.size} values, not ${p.size})`,
      );
    }
    return sameShape(g.shape, p.shape) ? g : g.reshape(p.shape);
  }

  /** p's state buffers, created on its first update (outside any step scope: they outlive it). */
  private stateOf(p: Tensor): Storage[] {
    let state = this.states.get(p);
    if (state === undefined) {
      const backend = p.backend;
      const create = () =>
        Array.from({ length: this.slots }, () => {
          const s = backend.alloc(p.size);
          if (this.initialValue !== 0) backend.fill(s, this.initialValue);
          return s;
        });
      state = backend.persistent ? backend.persistent(create) : create();
      this.states.set(p, state);
    }
    return state;
  }

  /**
   * The rule's state for `params` (copies), for checkpoints: the step count and, per parameter, its
   * slot buffers — none for a parameter that has not been updated yet.
   */
  getState(params: readonly Tensor[]): OptimizerState {
    return {
      className: this.className,
      iterations: this.iterations,
      slots: params.map((p) => (this.states.get(p) ?? []).map((s) => p.backend.read(s))),
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

/** Write `value` into `target`'s storage: how an update lands in place (same backend and size). */
function assign(target: Tensor, value: Tensor): void {
  target.backend.copy(value.storage, target.storage);
}

/** `t` on `backend`: itself when it is already there (no registry lookup on the hot path). */
function onBackend(t: Tensor, backend: Backend): Tensor {
  return t.backend === backend ? t : t.to(backend.name);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Turn a saved learningRate (number or schedule) back into the constructor form. */
export function learningRateFromConfig(lr: unknown): number | LearningRateSchedule | undefined {
  if (lr === undefined || typeof lr === 'number' || isSchedule(lr)) return lr;
  // Only an object can be a saved schedule; anything else (a string like '0.1') is left for the
  // optimiser's constructor to refuse by name.
  if (!isOptionsObject(lr)) return lr as never;
  return scheduleFromConfig(lr as SerializedSchedule);
}
