/**
 * Module: the base of every layer and model (the role of PyTorch's nn.Module and Keras' Layer).
 *
 * A module has a name, weights it creates in build(), child modules whose weights, trainable flag,
 * penalties and generators it gathers recursively, and a config that rebuilds it. It takes one
 * tensor or a list and gives one or a list: `Layer` (one tensor in, one out) is the common case,
 * merge layers take a list, a functional `Model` either. Called on symbolic tensors
 * (`input({ shape })`), `apply` records a graph node instead of computing.
 *
 * Shapes handed to build/computeOutputShape/weightShapes never include the batch axis; in
 * symbolic shapes an unknown dimension (batch, sequence length) is null.
 */
import {
  booleanOption,
  checkOptions,
  describeValue,
  isOptionsObject,
  type Options,
  stringOption,
} from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { getRng, type Rng } from '../random/rng.js';
import { formatShape, type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { getInitializer, type InitializerLike } from './initializers.js';
import type { Regularizer } from './regularizers.js';
import { callSymbolic, isShapeList, shapeText } from './symbolic-call.js';
import {
  formatSymbolicShape,
  isSymbolic,
  type Node,
  type SymbolicShape,
  type SymbolicTensor,
  shapesCompatible,
} from './symbolic-tensor.js';

export { isShapeList } from './symbolic-call.js';

export interface ModuleConfig {
  /** Unique within a model; default: the class name with a counter (dense, dense_1, …). */
  name?: string;
  /** False freezes the weights (this module's and its children's). */
  trainable?: boolean;
}

export interface CallOptions {
  /** Training mode: dropout drops, batch statistics update. */
  training: boolean;
  /** Leave out a final activation (the model does this to fuse softmax/sigmoid into the loss). */
  skipActivation?: boolean;
  /** Which time steps count, [batch, time] (1 keep, 0 skip): recurrent layers skip the others. */
  mask?: Tensor;
  /** Recurrent layers: the states to start from (LSTM: [h, c]) instead of zeros. */
  initialState?: Tensor[];
}

/**
 * A mask: [batch, time] of 1 (a real step) / 0 (padding), made by Embedding({ maskZero }) or
 * Masking and carried layer to layer by the models beside the activations; null where none.
 */
export type Mask = Tensor | null;

/** The outputs of one call, each with its mask (null where an output has none). */
export interface MaskedOutputs {
  outputs: Tensor[];
  masks: Mask[];
}

/** A weight as modules expose it: a name unique within the model, and the tensor. */
export interface NamedWeight {
  /** `layerName/weightName` (`model/layer/weight` inside a nested model). */
  readonly name: string;
  readonly tensor: Tensor;
}

/** One input shape, or one per input (no batch axis). */
export type InputShapes = Shape | Shape[];

/** The options every module takes, besides its own. */
export const MODULE_OPTIONS = ['name', 'trainable'] as const;

/**
 * The most values one weight (or one axis of a declared shape) may have: 2^28 float32s = 1 GiB.
 * A config asking for more (a typo, a corrupted file) is refused before anything is allocated.
 */
export const MAX_WEIGHT_VALUES = 2 ** 28;

/** A size: a positive integer no larger than MAX_WEIGHT_VALUES. */
export const SIZE = { min: 1, max: MAX_WEIGHT_VALUES, integer: true } as const;

const nameCounters = new Map<string, number>();
/** dense, dense_1, dense_2…: default names are unique per prefix across the process. */
export function uniqueName(prefix: string): string {
  const n = nameCounters.get(prefix) ?? 0;
  nameCounters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

export abstract class Module {
  readonly name: string;
  private _trainable: boolean;
  private _inputShape: InputShapes | null = null;
  private readonly _weights = new Map<string, Tensor>();
  private readonly _regularizers = new Map<string, Regularizer>();
  /** Weights the optimiser never updates (batch norm's moving statistics); saved like the rest. */
  private readonly _frozenWeights = new Set<string>();
  private readonly _children: Module[] = [];
  /** Every call on symbolic tensors, in order (Keras' inbound nodes). */
  readonly inboundNodes: Node[] = [];

  /**
   * `optionNames` lists the subclass's own options: with it, any other key in `config` is refused
   * with the nearest valid name (a custom module that leaves it out keeps its extra keys unchecked).
   * `commonOptions` are the options the base classes read (Layer adds inputShape and inputDim).
   */
  constructor(
    config: ModuleConfig,
    defaultPrefix: string,
    optionNames?: readonly string[],
    commonOptions: readonly string[] = MODULE_OPTIONS,
  ) {
    // className may be a getter (built-in layers) or a field not yet set (a user's subclass).
    const kind = String((this as { className?: unknown }).className ?? new.target.name);
    // Subclasses read their own options from `config` after this returns: it must be an object.
    if (!isOptionsObject(config)) {
      throw new ArgumentError(`${kind}: options must be an object, got ${describeValue(config)}`);
    }
    const c: Options =
      optionNames === undefined
        ? checkOptions(kind, config, Object.keys(config ?? {}))
        : checkOptions(kind, config, [...commonOptions, ...optionNames]);
    this.name = c.name === undefined ? uniqueName(defaultPrefix) : stringOption(kind, 'name', c.name);
    if (this.name.length === 0 || this.name.includes('/')) {
      throw new ArgumentError(`${kind}: name must be non-empty and without '/', got '${this.name}'`);
    }
    this._trainable = booleanOption(`${kind} '${this.name}'`, 'trainable', c.trainable, true);
  }

  /** "Dense 'dense_1'": how errors about this module's options name it. */
  protected get component(): string {
    return `${this.className} '${this.name}'`;
  }

  /** The name this class is saved under (registerLayer / registerClass). */
  abstract get className(): string;

  /**
   * Forward pass on a batch (batch axis first): one tensor when the module was called with one,
   * a list when called with a list. Returns one tensor or a list.
   */
  protected abstract forward(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[];

  /** Output shape(s) (no batch axis) for the input shape(s); mirrors forward's single/list. */
  abstract computeOutputShape(inputShape: InputShapes): InputShapes;

  /** Constructor options that rebuild this module (JSON-serialisable, no weights). */
  protected abstract layerConfig(): Record<string, unknown>;

  /** Create the weights for these input shapes. Modules without weights need not override it. */
  protected build(_inputShape: InputShapes): void {}

  /**
   * The weights build() creates for `inputShape`, as [name, shape] pairs, worked out without
   * allocating anything: the loader compares them with a file's manifest before building, so a
   * config asking for a huge weight is refused, not allocated. null means "only known after
   * build" (a custom module that does not say). The loader trusts it only when the class that
   * defines it is the one that defines build() or a subclass of it (trustedWeightShapes), so a
   * subclass that builds other weights never inherits a wrong answer.
   */
  weightShapes(_inputShape: InputShapes): [string, number[]][] | null {
    return null;
  }

  // ---- children -----------------------------------------------------------------------------

  /**
   * Register a child module (PyTorch's add_module): its weights, trainable flag, penalties and
   * generators become part of this module's. Call it in the constructor; returns the child.
   */
  protected addModule<M extends Module>(child: M): M {
    if (!(child instanceof Module)) {
      throw new ArgumentError(
        `${this.component}: addModule() needs a layer or model, got ${describeValue(child)}`,
      );
    }
    if ((child as Module) === this)
      throw new ArgumentError(`${this.component}: a module cannot contain itself`);
    if (!this._children.includes(child)) this._children.push(child);
    return child;
  }

  /** Forget a child (Sequential.pop). */
  protected removeModule(child: Module): void {
    const i = this._children.indexOf(child);
    if (i >= 0) this._children.splice(i, 1);
  }

  /** Direct children, in registration order. */
  get children(): readonly Module[] {
    return this._children;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  get built(): boolean {
    return this._inputShape !== null;
  }

  /** The input shape(s) this module was built for (no batch axis; null where unknown). */
  get inputShape(): InputShapes {
    if (this._inputShape === null) throw new ArgumentError(`layer '${this.name}' is not built yet`);
    return this._inputShape;
  }

  get outputShape(): InputShapes {
    return this.computeOutputShape(this.inputShape);
  }

  /** Hook for Layer: refuse a first build that contradicts a declared input shape. */
  protected checkFirstBuild(_inputShape: InputShapes): void {}

  /**
   * Build for `inputShape` (no batch axis). Idempotent for compatible shapes: a dimension built
   * as null (unknown, e.g. a sequence length) accepts any size later.
   */
  ensureBuilt(inputShape: InputShapes): void {
    if (this._inputShape !== null) {
      const built = this._inputShape;
      const ok = isShapeList(built)
        ? isShapeList(inputShape) &&
          built.length === inputShape.length &&
          built.every((s, i) => shapesCompatible(s, inputShape[i]!))
        : !isShapeList(inputShape) && shapesCompatible(built as SymbolicShape, inputShape as SymbolicShape);
      if (!ok) {
        throw new ShapeError(
          isShapeList(built) || isShapeList(inputShape)
            ? `layer '${this.name}' expects inputs of shapes ${shapeText(built)} (no batch axis) but got ${shapeText(inputShape)}`
            : `layer '${this.name}' expects inputs of shape [batch, ${built.join(', ')}] ` +
                `but got [batch, ${inputShape.join(', ')}]`,
        );
      }
      return;
    }
    this.checkFirstBuild(inputShape);
    this.build(inputShape);
    this._inputShape = isShapeList(inputShape) ? inputShape.map((s) => [...s]) : [...inputShape];
  }

  // ---- calling ------------------------------------------------------------------------------

  /**
   * Run the module on a batch (building it on first use and checking the input shapes), or, on
   * symbolic tensors, record the call in the graph and return symbolic outputs.
   */
  apply(inputs: Tensor | Tensor[], options?: CallOptions): Tensor | Tensor[];
  apply(inputs: SymbolicTensor | SymbolicTensor[], options?: CallOptions): SymbolicTensor | SymbolicTensor[];
  apply(
    inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[],
    options: CallOptions = { training: false },
  ): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const symbolic = list.filter(isSymbolic).length;
    if (symbolic > 0) {
      if (symbolic !== list.length) {
        throw new ArgumentError(
          `${this.component}: called on a mix of symbolic and real tensors; give all of one kind`,
        );
      }
      return callSymbolic(this, list as SymbolicTensor[], Array.isArray(inputs));
    }
    return this.run(list as Tensor[], Array.isArray(inputs), options);
  }

  /** The real call: list in, list out (`asList`: what forward receives). Used by Model's graph. */
  callTensors(inputs: readonly Tensor[], asList: boolean, options: CallOptions): Tensor[] {
    const out = this.run(inputs, asList, options);
    return Array.isArray(out) ? out : [out];
  }

  private run(inputs: readonly Tensor[], asList: boolean, options: CallOptions): Tensor | Tensor[] {
    if (inputs.length === 0) throw new ArgumentError(`${this.component}: called with no inputs`);
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i]!;
      if (x === null || typeof x !== 'object' || !('shape' in x)) {
        throw new ArgumentError(`${this.component}: inputs must be tensors, got ${describeValue(x)}`);
      }
      if (x.ndim < 1)
        throw new ShapeError(`layer '${this.name}': input must have a batch axis, got a scalar`);
    }
    if (options.mask !== undefined && options.mask !== null) this.checkGivenMask(inputs, options.mask);
    this.ensureBuilt(asList ? inputs.map((x) => x.shape.slice(1)) : inputs[0]!.shape.slice(1));
    return this.forward(asList ? [...inputs] : inputs[0]!, options);
  }

  // ---- masks (Keras' supports_masking / compute_mask) ----------------------------------------

  /**
   * Whether this module takes a mask (Keras' supports_masking). One that does not refuses a
   * masked input with a typed error instead of treating padding as data. Layers that work on each
   * step alone (Dense, Dropout, Activation, LayerNormalization) pass the mask on; recurrent layers
   * consume it; Embedding({ maskZero }) and Masking make one.
   */
  get supportsMasking(): boolean {
    return false;
  }

  /**
   * The mask of the output for these inputs and input mask(s) (Keras' compute_mask), or a list,
   * one per output, for a module with several outputs (a single mask goes with the first output).
   * Default: a module that supports masking passes its input's mask on (a list's masks: their
   * product, null when none has one); one that does not refuses a mask.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[]): Mask | Mask[] {
    // No mask (every Dense of an MLP, every step): nothing to refuse or combine.
    if (mask === null) return null;
    const masks = Array.isArray(mask) ? mask : [mask];
    this.refuseMask(masks.map((m) => m !== null && m !== undefined));
    const given = masks.filter((m): m is Tensor => m !== null && m !== undefined);
    if (given.length === 0) return null;
    return given.reduce((a, b) => a.mul(b));
  }

  /**
   * The symbolic side of computeMask: whether each output carries a mask, given whether each
   * input does. A graph asks it as layers are called on symbolic tensors, so a mask reaching a
   * module that cannot take it is refused when the model is made, not at the first batch.
   */
  computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    this.refuseMask(inputMasked);
    return [inputMasked.some(Boolean)];
  }

  /**
   * One call with masks (the models call every module through it): the outputs, and the mask of
   * each. Containers (Sequential, Model) override it to carry masks between their layers.
   */
  callWithMasks(
    inputs: readonly Tensor[],
    asList: boolean,
    masks: readonly Mask[],
    options: CallOptions,
  ): MaskedOutputs {
    const mask = asList ? null : (masks[0] ?? null);
    const outputs = this.callTensors(inputs, asList, withMask(options, mask));
    const out = this.computeMask(asList ? [...inputs] : inputs[0]!, asList ? [...masks] : mask);
    return { outputs, masks: maskList(out, outputs.length) };
  }

  /** A typed error when a mask reaches a module that does not support masking. */
  protected refuseMask(inputMasked: readonly boolean[]): void {
    if (this.supportsMasking || !inputMasked.some(Boolean)) return;
    throw new ArgumentError(
      `${this.component} does not support masking, but its input carries a mask ` +
        '(from Embedding({ maskZero: true }) or Masking): put a layer that consumes the mask before it ' +
        '(a recurrent layer without returnSequences) or drop the mask',
    );
  }

  /** A mask given at run time must fit the input: [batch, time] of a [batch, time, …] input. */
  private checkGivenMask(inputs: readonly Tensor[], mask: Tensor): void {
    this.refuseMask([true]);
    const x = inputs[0]!;
    if (mask.ndim !== 2 || x.ndim < 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1]) {
      throw new ShapeError(
        `${this.component}: a mask must have shape [batch, time] of its input's first two axes: ` +
          `input ${formatShape(x.shape)}, mask ${formatShape(mask.shape)}`,
      );
    }
  }

  /** The output(s) of this module's only symbolic call (Keras' layer.output). */
  get output(): SymbolicTensor | SymbolicTensor[] {
    return this.getOutputAt(this.singleNode('output'));
  }

  /** The input(s) of this module's only symbolic call. */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.inboundNodes[this.singleNode('input')]!;
    return node.calledWithList ? [...node.inputs] : node.inputs[0]!;
  }

  /** The output(s) of the symbolic call number `nodeIndex` (a shared layer has several). */
  getOutputAt(nodeIndex: number): SymbolicTensor | SymbolicTensor[] {
    const node = this.inboundNodes[nodeIndex];
    if (!node) {
      throw new ArgumentError(
        `${this.component}: no call number ${nodeIndex} (it was called ${this.inboundNodes.length} times on symbolic tensors)`,
      );
    }
    return node.outputs.length === 1 ? node.outputs[0]! : [...node.outputs];
  }

  private singleNode(what: string): number {
    const n = this.inboundNodes.length;
    if (n === 0)
      throw new ArgumentError(`${this.component} has not been called on symbolic tensors: it has no ${what}`);
    if (n > 1) {
      throw new ArgumentError(
        `${this.component} was called ${n} times (a shared layer): ${what} is ambiguous; use getOutputAt(i)`,
      );
    }
    return 0;
  }

  // ---- weights ------------------------------------------------------------------------------

  /** Create a weight; used from build(). Its values come from `initializer` and the global RNG. */
  protected addWeight(
    name: string,
    shape: Shape,
    initializer: InitializerLike,
    regularizer?: Regularizer,
    trainable = true,
  ): Tensor {
    if (this._weights.has(name))
      throw new ArgumentError(`layer '${this.name}' already has a weight '${name}'`);
    if (shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(
        `layer '${this.name}': weight '${name}' needs a known shape, got ${formatSymbolicShape(shape as SymbolicShape)}` +
          ' (a dimension it depends on is unknown: give the input that size)',
      );
    }
    if (sizeOf(shape) > MAX_WEIGHT_VALUES) {
      throw new ArgumentError(
        `layer '${this.name}': weight '${name}' of shape ${formatShape(shape)} would have ${sizeOf(shape)} values, ` +
          `more than the ${MAX_WEIGHT_VALUES} (1 GiB) a weight may have`,
      );
    }
    const w = getInitializer(initializer).init(shape, getRng());
    w.name = `${this.name}/${name}`;
    w.requiresGrad = trainable && this._trainable;
    this._weights.set(name, w);
    if (!trainable) this._frozenWeights.add(name);
    if (regularizer) this._regularizers.set(name, regularizer);
    return w;
  }

  /** The weight called `name` in this module (e.g. 'kernel', 'bias'). */
  getWeight(name: string): Tensor {
    const w = this._weights.get(name);
    if (!w) {
      throw new ArgumentError(
        `layer '${this.name}' has no weight '${name}' (it has: ${[...this._weights.keys()].join(', ') || 'none'})`,
      );
    }
    return w;
  }

  /**
   * All weights: this module's own in creation order (`name/weight`), then its children's
   * (prefixed with this module's name). A tensor reached twice (a shared child) is listed once.
   */
  get weights(): NamedWeight[] {
    const own = [...this._weights.values()].map((t) => ({ name: t.name!, tensor: t }));
    const children = this._children.flatMap((c) =>
      c.scopedWeights().map((w) => ({ name: `${this.name}/${w.name}`, tensor: w.tensor })),
    );
    return uniqueWeights([...own, ...children]);
  }

  /**
   * The weights named as a parent container lists them. A layer's names already start with its
   * own name; a model's (whose weights are named relative to it) get its name in front.
   */
  scopedWeights(): NamedWeight[] {
    return this.weights;
  }

  /** The weights an optimiser updates: this module's and its children's, none while frozen. */
  get trainableWeights(): Tensor[] {
    if (!this._trainable) return [];
    // Own weights, then the children's, each once (first occurrence kept). Plain loops: fit reads
    // this every step, and the spread-of-Set version was deoptimised and recompiled every epoch.
    const seen = new Set<Tensor>();
    const out: Tensor[] = [];
    for (const [name, w] of this._weights) {
      if (this._frozenWeights.has(name) || seen.has(w)) continue;
      seen.add(w);
      out.push(w);
    }
    for (let c = 0; c < this._children.length; c++) {
      const weights = this._children[c]!.trainableWeights;
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i]!;
        if (seen.has(w)) continue;
        seen.add(w);
        out.push(w);
      }
    }
    return out;
  }

  /** Parameters the optimiser updates (0 while frozen). */
  countTrainableParams(): number {
    return this.trainableWeights.reduce((n, w) => n + sizeOf(w.shape), 0);
  }

  /**
   * How many numbers the weights hold. A layer not built yet has no weights to count, so this
   * throws (as TF.js) rather than answer 0 — unless it made weights of its own already (a module
   * whose constructor creates its parameters, PyTorch-style, before any call builds it).
   */
  countParams(): number {
    if (!this.built && this.weights.length === 0)
      throw new ArgumentError(
        `countParams(): layer '${this.name}' is not built yet, so it has no weights to count; ` +
          'call it on a tensor or give it inputShape (in a model: build() or fit() the model)',
      );
    return this.weights.reduce((n, w) => n + sizeOf(w.tensor.shape), 0);
  }

  get trainable(): boolean {
    return this._trainable;
  }

  /** Freezing (or unfreezing) recurses into the children, and stops gradient work for the weights. */
  set trainable(value: boolean) {
    this._trainable = value;
    for (const [name, w] of this._weights) {
      w.requiresGrad = value && !this._frozenWeights.has(name);
      if (!value) w.grad = null;
    }
    for (const c of this._children) c.trainable = value;
  }

  /** Sum of the weight penalties of this module and its children, or null when there are none. */
  regularizationLoss(): Tensor | null {
    let total: Tensor | null = null;
    // Called every step: no iterator over an empty map, and an indexed loop over the children.
    if (this._trainable && this._regularizers.size > 0) {
      for (const [name, reg] of this._regularizers) {
        const p = reg.penalty(this.getWeight(name));
        total = total ? total.add(p) : p;
      }
    }
    for (let i = 0; i < this._children.length; i++) {
      const p = this._children[i]!.regularizationLoss();
      if (p) total = total ? total.add(p) : p;
    }
    return total;
  }

  /**
   * Random generators this module and its children own (a seeded Dropout's), whose state a
   * checkpoint saves so a resumed run draws the same masks. Subclasses add theirs with
   * `[...mine, ...super.ownRngs()]`.
   */
  ownRngs(): Rng[] {
    return this._children.flatMap((c) => c.ownRngs());
  }

  /** The activation a model may fuse into its loss (Dense/Activation override this). */
  get outputActivation(): string {
    return 'linear';
  }

  /** The serialisable description: class name and constructor options (a model's include its layers). */
  getConfig(): { className: string; config: Record<string, unknown> } {
    return {
      className: this.className,
      config: { name: this.name, trainable: this._trainable, ...this.layerConfig() },
    };
  }
}

/** computeMask's answer as one mask per output (a single mask is the first output's). */
export function maskList(mask: Mask | Mask[], outputs: number): Mask[] {
  const list = Array.isArray(mask) ? mask : [mask];
  // A plain loop: Array.from({ length }) takes V8's generic path, and this runs per layer per step.
  const out = new Array<Mask>(outputs);
  for (let i = 0; i < outputs; i++) out[i] = list[i] ?? null;
  return out;
}

/**
 * `options` with its mask replaced by `mask` (none when null). Options without a mask key pass
 * through as they are: the engine calls every layer with them each step, and an object rest copy
 * is costly until V8 optimises the caller.
 */
function withMask(options: CallOptions, mask: Mask): CallOptions {
  if (mask === null && !('mask' in options)) return options;
  const { mask: _outer, ...rest } = options;
  return mask === null ? rest : { ...rest, mask };
}

/** Weights with each tensor once (the first name wins). */
export function uniqueWeights(weights: NamedWeight[]): NamedWeight[] {
  const seen = new Set<Tensor>();
  return weights.filter((w) => {
    if (seen.has(w.tensor)) return false;
    seen.add(w.tensor);
    return true;
  });
}
