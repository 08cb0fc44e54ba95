/**
 * What a recurrent cell is: one time step, `[output, newStates] = cell.call(x_t, states, options)`
 * (Keras' RNN cell protocol). `RNN` runs any object with `stateSize` and `call` over a sequence;
 * the built-in cells (SimpleRNNCell, LSTMCell, GRUCell) derive from `RecurrentCellBase`, which
 * holds their shared options and the dropout masks.
 *
 * Dropout as Keras does it for recurrent nets (Gal & Ghahramani, 2016): one mask for the inputs and
 * one for h, drawn at the first step of a sequence and kept for all its steps (fresh masks every
 * step would drop a different part of the memory each step, which it cannot learn around). The RNN
 * layer calls `resetDropoutMask()` before each sequence; masks are used only while training.
 */

import type { Backend } from '../../backend/backend.js';
import { booleanOption, numberOption, withContext } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { getRng } from '../../random/rng.js';
import { type Shape, sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { type ActivationLike, activationName, getActivation } from '../activations.js';
import { type WeightSpec, weightSpec, weightSpecConfig } from '../conv-options.js';
import type { InitializerLike } from '../initializers.js';
import { type CallOptions, type InputShapes, Module, type ModuleConfig, SIZE } from '../module.js';
import type { RegularizerLike } from '../regularizers.js';

/** The protocol RNN runs: any object with these (a Module's weights are then the RNN's too). */
export interface RecurrentCell {
  /** Size of each state (LSTM: [units, units] for h and c); a number for one state. */
  readonly stateSize: number | readonly number[];
  /** Size of the output at each step; default stateSize[0]. */
  readonly outputSize?: number;
  /** One step: x [batch, features], states [batch, size] each → [output, new states]. */
  call(x: Tensor, states: Tensor[], options: CallOptions): [Tensor, Tensor[]];
  /** Forget the dropout masks: the next step starts a new sequence. */
  resetDropoutMask?(): void;
}

/** The state sizes of a cell as a list. */
export function stateSizes(cell: RecurrentCell): number[] {
  return typeof cell.stateSize === 'number' ? [cell.stateSize] : [...cell.stateSize];
}

export interface RecurrentCellConfig extends ModuleConfig {
  /** Size of h (the output). */
  units: number;
  /** Default 'tanh'. */
  activation?: ActivationLike;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerLike;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerLike;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike | null;
  recurrentRegularizer?: RegularizerLike | null;
  biasRegularizer?: RegularizerLike | null;
  /** Fraction of the inputs dropped while training, in [0, 1); default 0. */
  dropout?: number;
  /** Fraction of h dropped (in the recurrent product) while training, in [0, 1); default 0. */
  recurrentDropout?: number;
}

/** The options RecurrentCellBase reads, for the subclasses' lists of known options. */
export const CELL_OPTIONS = [
  'units',
  'activation',
  'useBias',
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'recurrentRegularizer',
  'biasRegularizer',
  'dropout',
  'recurrentDropout',
] as const;

const RATE = { min: 0, max: 1, maxExclusive: true } as const;

export abstract class RecurrentCellBase extends Module implements RecurrentCell {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  protected readonly kernelSpec: WeightSpec;
  protected readonly recurrentSpec: WeightSpec;
  protected readonly biasSpec: WeightSpec;
  protected readonly activate: (x: Tensor) => Tensor;
  private inputMask: Tensor | null = null;
  private recurrentMask: Tensor | null = null;

  constructor(config: RecurrentCellConfig, defaultPrefix: string, optionNames: readonly string[]) {
    super(config, defaultPrefix, optionNames);
    const c = this.component;
    this.units = numberOption(c, 'units', config.units, SIZE);
    this.activation = config.activation === undefined ? 'tanh' : activationName(config.activation, c);
    this.activate = getActivation(this.activation);
    this.useBias = booleanOption(c, 'useBias', config.useBias, true);
    this.kernelSpec = weightSpec(
      c,
      'kernel',
      config.kernelInitializer,
      config.kernelRegularizer,
      'glorotUniform',
    );
    this.recurrentSpec = weightSpec(
      c,
      'recurrent',
      config.recurrentInitializer,
      config.recurrentRegularizer,
      'orthogonal',
    );
    this.biasSpec = weightSpec(c, 'bias', config.biasInitializer, config.biasRegularizer, 'zeros');
    this.dropout = numberOption(c, 'dropout', config.dropout, RATE, 0);
    this.recurrentDropout = numberOption(c, 'recurrentDropout', config.recurrentDropout, RATE, 0);
  }

  /** Number of gates G: the kernels are [features, G·units] and [units, G·units]. */
  protected abstract get gates(): number;

  abstract get stateSize(): number | readonly number[];

  get outputSize(): number {
    return this.units;
  }

  /** The bias shape (GRU with resetAfter has two rows). */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** The features of x [features] (a list: its first shape, x's, as Keras cells are built). */
  protected features(inputShape: InputShapes): number {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const f = shape[shape.length - 1];
    if (typeof f !== 'number') {
      throw new ArgumentError(
        `${this.component}: the feature axis (last) of the input [${shape.join(', ')}] must be known to create the weights`,
      );
    }
    return f;
  }

  override weightShapes(inputShape: InputShapes): [string, number[]][] {
    const g = this.gates * this.units;
    return [
      ['kernel', [this.features(inputShape), g]],
      ['recurrent_kernel', [this.units, g]],
      ...(this.useBias ? [['bias', this.biasShape()] as [string, number[]]] : []),
    ];
  }

  protected override build(inputShape: InputShapes): void {
    const [kernel, recurrent, bias] = this.weightShapes(inputShape);
    this.addWeight('kernel', kernel![1], this.kernelSpec.initializer, this.kernelSpec.regularizer);
    this.addWeight(
      'recurrent_kernel',
      recurrent![1],
      this.recurrentSpec.initializer,
      this.recurrentSpec.regularizer,
    );
    if (bias) this.addWeight('bias', bias[1], this.biasInitializer(), this.biasSpec.regularizer);
  }

  /** The bias initialiser (LSTM's unitForgetBias wraps it). */
  protected biasInitializer(): WeightSpec['initializer'] {
    return this.biasSpec.initializer;
  }

  computeOutputShape(_inputShape: InputShapes): Shape {
    return [this.units];
  }

  /** Cells run inside RNN (or through call()); a cell on its own has no one-tensor forward. */
  protected forward(): Tensor {
    throw new ArgumentError(
      `${this.component}: a cell steps through a sequence inside RNN({ cell }); call cell.call(x, states, options) for one step`,
    );
  }

  resetDropoutMask(): void {
    this.inputMask = null;
    this.recurrentMask = null;
  }

  /**
   * This sequence's input dropout mask [batch, features] (drawn on first use after
   * resetDropoutMask()), or null when no dropout applies to this call. The fused path uses it.
   */
  inputDropoutMask(batch: number, features: number, backend: Backend, options: CallOptions): Tensor | null {
    if (!options.training || this.dropout === 0) return null;
    this.inputMask ??= dropoutMask([batch, features], backend, this.dropout);
    return this.inputMask;
  }

  /**
   * x [batch, features] or a whole sequence [batch, time, features] with this sequence's input
   * dropout mask applied (while training; the same mask at every step).
   */
  protected dropInputs(x: Tensor, options: CallOptions): Tensor {
    const batch = x.shape[0]!;
    const features = x.shape[x.ndim - 1]!;
    const mask = this.inputDropoutMask(batch, features, x.backend, options);
    if (mask === null) return x;
    this.checkedMask(mask, batch, features, 'dropout');
    return x.mul(x.ndim === 3 ? mask.reshape([batch, 1, features]) : mask);
  }

  /** h with this sequence's recurrent dropout mask applied (while training). */
  protected dropRecurrent(h: Tensor, options: CallOptions): Tensor {
    if (!options.training || this.recurrentDropout === 0) return h;
    this.recurrentMask ??= dropoutMask(h.shape, h.backend, this.recurrentDropout);
    return h.mul(this.checkedMask(this.recurrentMask, h.shape[0]!, h.shape[1]!, 'recurrentDropout'));
  }

  private checkedMask(mask: Tensor, batch: number, features: number, what: string): Tensor {
    if (mask.shape[0] !== batch || mask.shape[1] !== features) {
      throw new ShapeError(
        `${this.component}: the ${what} mask was drawn for [${mask.shape.join(', ')}] but this step has [${batch}, ${features}]; ` +
          'call resetDropoutMask() between sequences',
      );
    }
    return mask;
  }

  /**
   * The part of a step that depends on x alone — x·W plus the input bias, after input dropout —
   * for one step [batch, features] or, in one matrix product, for every step of a sequence
   * [batch, time, features] (RNN does this before its loop).
   */
  projectInputs(x: Tensor, options: CallOptions): Tensor {
    const z = this.dropInputs(x, options).matmul(this.getWeight('kernel'));
    const bias = this.inputBias();
    return bias ? z.add(bias) : z;
  }

  /** The bias added to x·W (GRU with resetAfter: its first row). */
  protected inputBias(): Tensor | null {
    return this.useBias ? this.getWeight('bias') : null;
  }

  /** One step from projectInputs' result for this step. */
  abstract stepProjected(projected: Tensor, states: Tensor[], options: CallOptions): [Tensor, Tensor[]];

  /** One step; see RecurrentCell. */
  call(x: Tensor, states: Tensor[], options: CallOptions): [Tensor, Tensor[]] {
    return this.stepProjected(this.projectInputs(x, options), states, options);
  }

  /** h₋₁·U after recurrent dropout. */
  protected recurrentProduct(h: Tensor, options: CallOptions): Tensor {
    return this.dropRecurrent(h, options).matmul(this.getWeight('recurrent_kernel'));
  }

  /** The options shared by every cell's config. */
  protected cellConfig(): Record<string, unknown> {
    return {
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      ...weightSpecConfig('kernel', this.kernelSpec),
      ...weightSpecConfig('recurrent', this.recurrentSpec),
      ...weightSpecConfig('bias', this.biasSpec),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
    };
  }
}

/** An inverted-dropout mask: 0 with probability `rate`, else 1/(1 − rate). */
function dropoutMask(shape: Shape, backend: Backend, rate: number): Tensor {
  const rng = getRng();
  const keep = 1 - rate;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform() < keep ? 1 / keep : 0;
  return new Tensor(backend.fromValues(values), shape, backend);
}

/** An activation option of a cell ('sigmoid' default for gates), checked and named. */
export function gateActivation(component: string, value: unknown, fallback: string): string {
  return value === undefined
    ? fallback
    : withContext(`${component}: recurrentActivation`, () => activationName(value));
}
