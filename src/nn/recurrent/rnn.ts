/**
 * RNN: runs a recurrent cell over the time axis of x [batch, time, features] (Keras' `RNN` layer,
 * and the base of SimpleRNN, LSTM and GRU, which only choose the cell). Backprop through time is
 * the ordinary backward of the unrolled steps: x is read step by step through `unstack` (O(T)
 * backward), and every step is recorded ops.
 *
 * Options, with Keras semantics:
 * - `returnSequences`: the output at every step [batch, time, units], else the last [batch, units];
 * - `returnState`: a list [output, ...final states] instead of the output alone;
 * - `goBackwards`: run from the last step to the first; the returned sequence is then in that
 *   (reversed) order, as Keras returns it;
 * - `stateful`: the final states of a batch are the initial states of the next call (sample i of
 *   each batch continues sample i of the previous one), so the batch size is fixed by the first
 *   call; `resetStates()` starts over. The carried states are detached: backprop stops at the
 *   batch boundary (truncated BPTT);
 * - call options `initialState` (states to start from) and `mask` [batch, time] (1 keep, 0 skip):
 *   at a skipped step the states stay as they were and the output repeats the previous one (zeros
 *   before the first kept step), so padded sequences of different lengths share one batch;
 * - `zeroOutputForMask`: a skipped step outputs zeros instead of repeating the previous output
 *   (Keras' zero_output_for_mask; Keras' Bidirectional sets it on both copies that return
 *   sequences). The states are the same either way.
 */
import { booleanOption, describeValue, isOptionsObject } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { stack } from '../../ops/layout.js';
import { where } from '../../ops/where.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerConfig } from '../layer.js';
import { type Mask, Module } from '../module.js';
import { layerFromConfig } from '../registry.js';
import { trustedWeightShapes } from '../weight-shapes.js';
import { type RecurrentCell, RecurrentCellBase, stateSizes } from './cell.js';
import { fusedGRU, fusedLSTM } from './fused.js';
import { GRUCell } from './gru-cell.js';
import { LSTMCell } from './lstm-cell.js';

export interface RNNOptions {
  /** Output every step's output [batch, time, units] instead of the last one; default false. */
  returnSequences?: boolean;
  /** Output [output, ...final states]; default false. */
  returnState?: boolean;
  /** Process the sequence backwards (and return it reversed); default false. */
  goBackwards?: boolean;
  /** Carry the final states into the next call; default false. */
  stateful?: boolean;
  /** A step the mask skips outputs zeros, not the previous output (Keras); default false. */
  zeroOutputForMask?: boolean;
}

export interface RNNConfig extends LayerConfig, RNNOptions {
  /** The cell to run: a cell object, or its saved { className, config }. */
  cell: RecurrentCell | { className: string; config?: Record<string, unknown> };
}

export const RNN_OPTIONS = [
  'returnSequences',
  'returnState',
  'goBackwards',
  'stateful',
  'zeroOutputForMask',
] as const;

/** What a layer's fast path returns: the output as the layer returns it, and the final states. */
export interface SequenceResult {
  output: Tensor;
  states: Tensor[];
}

export class RNN extends Layer {
  readonly cell: RecurrentCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly zeroOutputForMask: boolean;
  /**
   * Whether an LSTMCell or GRUCell (LSTM, GRU, or RNN with one of those cells) may run the fused
   * sequence op when the call allows it (default true); false always steps through the cell (the
   * reference the fast path is tested against).
   */
  fused = true;
  /** A stateful layer's current states (null: zeros at the next call). */
  private carried: Tensor[] | null = null;

  /**
   * `RNN({ cell, ...options })`. Subclasses pass their prefix, option names and their own cell.
   */
  constructor(
    config: RNNConfig | (LayerConfig & RNNOptions),
    defaultPrefix = 'rnn',
    optionNames: readonly string[] = ['cell', ...RNN_OPTIONS],
    cell?: RecurrentCell,
  ) {
    super(config, defaultPrefix, optionNames);
    const c = this.component;
    const o = config as RNNConfig;
    this.cell = cell ?? resolveCell(c, o.cell);
    if (this.cell instanceof Module) this.addModule(this.cell);
    this.returnSequences = booleanOption(c, 'returnSequences', o.returnSequences, false);
    this.returnState = booleanOption(c, 'returnState', o.returnState, false);
    this.goBackwards = booleanOption(c, 'goBackwards', o.goBackwards, false);
    this.stateful = booleanOption(c, 'stateful', o.stateful, false);
    this.zeroOutputForMask = booleanOption(c, 'zeroOutputForMask', o.zeroOutputForMask, false);
  }

  get className(): string {
    return 'RNN';
  }

  /** The state sizes (LSTM: [units, units]). */
  get stateSize(): number[] {
    return stateSizes(this.cell);
  }

  private get outputSize(): number {
    return this.cell.outputSize ?? this.stateSize[0]!;
  }

  /** A weight of the cell by its own name ('kernel', 'recurrent_kernel', 'bias'). */
  override getWeight(name: string): Tensor {
    return this.cell instanceof Module ? this.cell.getWeight(name) : super.getWeight(name);
  }

  /** x is [time, features] per sample; the cell is built for [features]. */
  private stepShape(inputShape: Shape): Shape {
    if (inputShape.length !== 2) {
      throw new ShapeError(
        `${this.component}: input must be [batch, time, features], got [batch, ${inputShape.join(', ')}]`,
      );
    }
    return [inputShape[1]!];
  }

  override weightShapes(inputShape: Shape): [string, number[]][] | null {
    const step = this.stepShape(inputShape);
    if (!(this.cell instanceof Module)) return [];
    const shapes = trustedWeightShapes(this.cell, step);
    const prefix = this.cell.name;
    return shapes?.map(([name, shape]) => [`${prefix}/${name}`, shape] as [string, number[]]) ?? null;
  }

  protected override build(inputShape: Shape): void {
    const step = this.stepShape(inputShape);
    if (this.cell instanceof Module) this.cell.ensureBuilt(step);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.stepShape(inputShape); // checks the rank
    const out = this.returnSequences ? [inputShape[0]!, this.outputSize] : [this.outputSize];
    if (!this.returnState) return out;
    // A list of shapes: the layer has several outputs (Layer's typing names one).
    return [out, ...this.stateSize.map((s) => [s])] as unknown as Shape;
  }

  /**
   * With returnState the result is a list [output, ...states] (typed as Layer's one tensor; read
   * it as `layer.apply(x) as unknown as Tensor[]`, or call `runSequence`).
   */
  protected forward(x: Tensor, options: CallOptions): Tensor {
    const { output, states } = this.runSequence(x, options);
    return (this.returnState ? [output, ...states] : output) as Tensor;
  }

  /** The output and the final states, whatever returnState says. */
  runSequence(x: Tensor, options: CallOptions = { training: false }): SequenceResult {
    if (x.ndim !== 3) {
      throw new ShapeError(
        `${this.component}: input must be [batch, time, features], got ${formatShape(x.shape)}`,
      );
    }
    this.ensureBuilt(x.shape.slice(1));
    const [batch, time] = x.shape as [number, number, number];
    if (time === 0)
      throw new ShapeError(
        `${this.component}: the sequence has no time steps (input ${formatShape(x.shape)})`,
      );
    const initial = this.initialStates(x, options.initialState);
    const mask = options.mask === undefined ? null : this.sequenceMask(options.mask, batch, time);
    let result = this.fastPath(x, initial, mask, options) ?? this.stepThrough(x, initial, mask, options);
    if (this.stateful) this.carried = result.states.map(keepAcrossSteps);
    if (mask !== null && this.zeroOutputForMask)
      result = { ...result, output: this.zeroSkipped(result.output, mask) };
    return result;
  }

  /**
   * zeroOutputForMask: the output times the mask, so skipped steps give zeros (where the loop
   * repeated the previous output). The returned sequence is in processing order (reversed with
   * goBackwards); the last output is the last processed step's: time T−1, or 0 going backwards.
   */
  private zeroSkipped(output: Tensor, mask: Tensor): Tensor {
    const [batch, time] = mask.shape as [number, number];
    if (this.returnSequences) {
      const steps = mask.unstack(1);
      const ordered = this.goBackwards ? steps.reverse() : steps;
      return output.mul(stack(ordered, 1).reshape([batch, time, 1]));
    }
    const last = mask.unstack(1)[this.goBackwards ? 0 : time - 1]!;
    return output.mul(last.reshape([batch, 1]));
  }

  /**
   * A fused sequence kernel for the whole loop, or null to step through the cell. Called after the
   * inputs are checked; `mask` is [batch, time] or null. The built-in LSTMCell and GRUCell (those
   * exact classes: a subclass may change the step) take the ops the LSTM and GRU layers take, so
   * `RNN({ cell: new LSTMCell(…) })` and `LSTM(…)` give the same bits (and ONNX round trips, whose
   * LSTM/GRU ops run the fused kernels, are exact).
   */
  protected fastPath(
    x: Tensor,
    initial: Tensor[],
    mask: Tensor | null,
    options: CallOptions,
  ): SequenceResult | null {
    if (!this.fused) return null;
    const cell = this.cell;
    if (cell instanceof LSTMCell && cell.constructor === LSTMCell)
      return fusedLSTM(this, cell, x, initial, mask, options);
    if (cell instanceof GRUCell && cell.constructor === GRUCell)
      return fusedGRU(this, cell, x, initial, mask, options);
    return null;
  }

  /** The generic loop: one cell call per step. */
  protected stepThrough(
    x: Tensor,
    initial: Tensor[],
    mask: Tensor | null,
    options: CallOptions,
  ): SequenceResult {
    const cell = this.cell;
    cell.resetDropoutMask?.();
    // Built-in cells take x·W + b for every step in one product before the loop.
    const projected = cell instanceof RecurrentCellBase;
    const xs = (projected ? cell.projectInputs(x, options) : x).unstack(1);
    const step = projected
      ? (xt: Tensor, s: Tensor[]) => cell.stepProjected(xt, s, options)
      : (xt: Tensor, s: Tensor[]) => cell.call(xt, s, options);
    // [batch, 1] per step, broadcast over the units by where().
    const keeps = mask ? mask.unstack(1).map((m) => m.reshape([m.shape[0]!, 1])) : null;
    const order = xs.map((_, t) => (this.goBackwards ? xs.length - 1 - t : t));
    let states = initial;
    let previous: Tensor | null = null;
    const outputs: Tensor[] = [];
    for (const t of order) {
      const [out, next] = step(xs[t]!, states);
      this.checkStep(out, next, states);
      if (keeps) {
        const keep = keeps[t]!;
        previous ??= zerosLike(out);
        const kept: Tensor = where(keep, out, previous);
        states = next.map((s, i) => where(keep, s, states[i]!));
        previous = kept;
      } else {
        states = next;
        previous = out;
      }
      if (this.returnSequences) outputs.push(previous);
    }
    return { output: this.returnSequences ? stack(outputs, 1) : previous!, states };
  }

  private checkStep(out: Tensor, next: Tensor[], states: Tensor[]): void {
    if (!(out instanceof Tensor) || !Array.isArray(next) || next.length !== states.length) {
      throw new ArgumentError(
        `${this.component}: the cell's call() must return [output, states] with ${states.length} state(s), ` +
          `got ${describeValue([out, next])}`,
      );
    }
  }

  /** The states to start from: given, carried (stateful) or zeros; checked against stateSize. */
  private initialStates(x: Tensor, given: Tensor[] | undefined): Tensor[] {
    const batch = x.shape[0]!;
    const sizes = this.stateSize;
    if (given !== undefined) {
      const list = Array.isArray(given) ? given : [given];
      if (list.length !== sizes.length || list.some((s) => !(s instanceof Tensor))) {
        throw new ArgumentError(
          `${this.component}: initialState must be a list of ${sizes.length} tensor(s) [batch, ${sizes.join('], [batch, ')}], got ${describeValue(given)}`,
        );
      }
      list.forEach((s, i) => {
        if (s.ndim !== 2 || s.shape[0] !== batch || s.shape[1] !== sizes[i]) {
          throw new ShapeError(
            `${this.component}: initialState[${i}] must be [${batch}, ${sizes[i]}] (batch, state size), got ${formatShape(s.shape)}`,
          );
        }
      });
      return list.map((s) => (s.backend === x.backend ? s : s.to(x.backend.name)));
    }
    if (this.stateful && this.carried) {
      const carriedBatch = this.carried[0]!.shape[0];
      if (carriedBatch !== batch) {
        throw new ShapeError(
          `${this.component}: a stateful layer needs the same batch size on every call: its states are for ` +
            `${carriedBatch} samples, this batch has ${batch} (call resetStates() to start over)`,
        );
      }
      return this.carried;
    }
    return sizes.map(
      (s) => new Tensor(x.backend.fromValues(new Float32Array(batch * s)), [batch, s], x.backend),
    );
  }

  private sequenceMask(mask: Tensor, batch: number, time: number): Tensor {
    if (!(mask instanceof Tensor) || mask.ndim !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time) {
      throw new ShapeError(
        `${this.component}: mask must be [batch, time] = [${batch}, ${time}], got ${mask instanceof Tensor ? formatShape(mask.shape) : describeValue(mask)}`,
      );
    }
    return mask;
  }

  /** It consumes a [batch, time] mask (skipped steps keep the state). */
  override get supportsMasking(): boolean {
    return true;
  }

  /** Keras: the sequence output keeps the input's mask; a last output or a state has none. */
  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[]): Mask | Mask[] {
    const m = (Array.isArray(mask) ? mask[0] : mask) ?? null;
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...this.stateSize.map(() => null)] : out;
  }

  override computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    const out = this.returnSequences && inputMasked.some(Boolean);
    return this.returnState ? [out, ...this.stateSize.map(() => false)] : [out];
  }

  /** Stateful layers: forget the carried states (or set them) so the next call starts anew. */
  resetStates(states?: Tensor[]): void {
    if (!this.stateful) {
      throw new ArgumentError(
        `${this.component}: resetStates() is for stateful layers (create it with stateful: true)`,
      );
    }
    if (states === undefined) {
      this.carried = null;
      return;
    }
    const sizes = this.stateSize;
    if (!Array.isArray(states) || states.length !== sizes.length) {
      throw new ArgumentError(
        `${this.component}: resetStates() takes ${sizes.length} state tensor(s), got ${describeValue(states)}`,
      );
    }
    states.forEach((s, i) => {
      if (
        !(s instanceof Tensor) ||
        s.ndim !== 2 ||
        s.shape[1] !== sizes[i] ||
        s.shape[0] !== states[0]!.shape[0]
      ) {
        throw new ShapeError(
          `${this.component}: resetStates(): state ${i} must be [batch, ${sizes[i]}], got ${s instanceof Tensor ? formatShape(s.shape) : describeValue(s)}`,
        );
      }
    });
    this.carried = states.map(keepAcrossSteps);
  }

  /** A stateful layer's current states (null before the first call or after resetStates()). */
  get states(): Tensor[] | null {
    return this.carried ? [...this.carried] : null;
  }

  protected rnnConfig(): Record<string, unknown> {
    return {
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      // Saved only when set, so configs (and files) of layers without it stay as they were.
      ...(this.zeroOutputForMask && { zeroOutputForMask: true }),
    };
  }

  protected layerConfig(): Record<string, unknown> {
    if (!(this.cell instanceof Module)) {
      throw new ArgumentError(
        `${this.component}: its cell is not a layer (Module), so the RNN cannot be saved; make the cell a Module subclass registered with registerClass()`,
      );
    }
    return { cell: this.cell.getConfig(), ...this.rnnConfig() };
  }
}

/**
 * A state carried to the next call: detached (backprop stops at the batch boundary) and copied out
 * of the training step's memory, which a backend that owns its memory (wasm) reuses when the step
 * ends.
 */
function keepAcrossSteps(t: Tensor): Tensor {
  const copy = () => new Tensor(t.backend.fromValues(t.dataSync()), t.shape, t.backend);
  return t.backend.persistent ? t.backend.persistent(copy) : copy();
}

function zerosLike(t: Tensor): Tensor {
  return new Tensor(t.backend.fromValues(new Float32Array(t.size)), t.shape, t.backend);
}

/** A cell object, or a saved cell spec rebuilt through the layer registry. */
function resolveCell(component: string, cell: unknown): RecurrentCell {
  if (
    isOptionsObject(cell) &&
    typeof (cell as { className?: unknown }).className === 'string' &&
    !('call' in cell)
  ) {
    return layerFromConfig(
      cell as { className: string; config: Record<string, unknown> },
    ) as unknown as RecurrentCell;
  }
  const c = cell as Partial<RecurrentCell> | null;
  const size = c?.stateSize;
  const sizes = typeof size === 'number' ? [size] : Array.isArray(size) ? size : null;
  if (
    c === null ||
    typeof c !== 'object' ||
    typeof c.call !== 'function' ||
    sizes === null ||
    sizes.length === 0 ||
    !sizes.every((s) => Number.isInteger(s) && s > 0)
  ) {
    throw new ArgumentError(
      `${component}: cell must be an object with stateSize (a positive integer or a list of them) and call(x, states, options), or a saved { className, config }; got ${describeValue(cell)}`,
    );
  }
  return c as RecurrentCell;
}
