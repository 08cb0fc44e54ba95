/**
 * The base of every layer: a name, named weights, `trainable`, lazy building from the input
 * shape, and a config that serialises the layer (weights are saved separately).
 *
 * Shapes here never include the batch axis: a Dense layer on 30 features has inputShape [30].
 */
import {
  booleanOption,
  checkOptions,
  describeValue,
  isOptionsObject,
  numberOption,
  type Options,
  stringOption,
} from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { getRng, type Rng } from '../random/rng.js';
import { formatShape, type Shape, shapesEqual, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { getInitializer, type InitializerLike } from './initializers.js';
import type { Regularizer } from './regularizers.js';

export interface LayerConfig {
  /** Unique within a model; default: the class name with a counter (dense, dense_1, …). */
  name?: string;
  /** False freezes the weights: no gradients are computed for them and optimisers skip them. */
  trainable?: boolean;
  /** Shape of one input sample (no batch axis). Needed on the first layer of a model. */
  inputShape?: readonly number[];
  /** Shorthand for inputShape: [inputDim]. */
  inputDim?: number;
}

export interface CallOptions {
  /** Training mode: dropout drops, batch statistics update. */
  training: boolean;
  /** Leave out a final activation (the model does this to fuse softmax/sigmoid into the loss). */
  skipActivation?: boolean;
}

/** A weight as layers expose it: a short name within the layer, and the tensor. */
export interface NamedWeight {
  /** `layerName/weightName`, unique within a model. */
  readonly name: string;
  readonly tensor: Tensor;
}

/** The options every layer takes, besides its own. */
export const LAYER_OPTIONS = ['name', 'trainable', 'inputShape', 'inputDim'] as const;

/**
 * The most values one weight (or one axis of a declared shape) may have: 2^28 float32s = 1 GiB.
 * A config asking for more (a typo, a corrupted file) is refused before anything is allocated.
 */
export const MAX_WEIGHT_VALUES = 2 ** 28;

/** A size: a positive integer no larger than MAX_WEIGHT_VALUES. */
export const SIZE = { min: 1, max: MAX_WEIGHT_VALUES, integer: true } as const;

const nameCounters = new Map<string, number>();
function uniqueName(prefix: string): string {
  const n = nameCounters.get(prefix) ?? 0;
  nameCounters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

export abstract class Layer {
  readonly name: string;
  /** Declared input shape (from the config), if any. */
  readonly declaredInputShape: Shape | undefined;
  private _trainable: boolean;
  private _inputShape: Shape | null = null;
  private readonly _weights = new Map<string, Tensor>();
  private readonly _regularizers = new Map<string, Regularizer>();
  /** Weights the optimiser never updates (batch norm's moving statistics); saved like the rest. */
  private readonly _frozenWeights = new Set<string>();

  /**
   * `optionNames` lists the subclass's own options: with it, any other key in `config` is refused
   * with the nearest valid name (a custom layer that leaves it out keeps its extra keys unchecked).
   */
  constructor(config: LayerConfig, defaultPrefix: string, optionNames?: readonly string[]) {
    // className may be a getter (built-in layers) or a field not yet set (a user's subclass).
    const kind = (this as { className?: unknown }).className ?? new.target.name;
    // Subclasses read their own options from `config` after this returns: it must be an object.
    if (!isOptionsObject(config)) {
      throw new ArgumentError(`${String(kind)}: options must be an object, got ${describeValue(config)}`);
    }
    const c: Options =
      optionNames === undefined
        ? checkOptions(String(kind), config, Object.keys(config ?? {}))
        : checkOptions(String(kind), config, [...LAYER_OPTIONS, ...optionNames]);
    this.name = c.name === undefined ? uniqueName(defaultPrefix) : stringOption(String(kind), 'name', c.name);
    const component = `${String(kind)} '${this.name}'`;
    this._trainable = booleanOption(component, 'trainable', c.trainable, true);
    if (c.inputShape !== undefined && c.inputDim !== undefined) {
      throw new ArgumentError(`layer '${this.name}': give inputShape or inputDim, not both`);
    }
    if (c.inputShape !== undefined && !Array.isArray(c.inputShape)) {
      throw new ArgumentError(
        `${component}: inputShape must be an array of positive integers, got ${describeValue(c.inputShape)}`,
      );
    }
    const declared =
      c.inputShape !== undefined
        ? [...(c.inputShape as unknown[])]
        : c.inputDim !== undefined
          ? [numberOption(component, 'inputDim', c.inputDim, SIZE)]
          : undefined;
    if (
      declared?.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0 || d > MAX_WEIGHT_VALUES)
    ) {
      throw new ArgumentError(
        `layer '${this.name}': invalid input shape [${declared.map((d) => describeValue(d)).join(', ')}]` +
          ` (sizes must be positive integers ≤ ${MAX_WEIGHT_VALUES})`,
      );
    }
    this.declaredInputShape = declared as Shape | undefined;
  }

  /** "Dense 'dense_1'": how errors about this layer's options name it. */
  protected get component(): string {
    return `${this.className} '${this.name}'`;
  }

  /** The name this layer class is saved under. */
  abstract get className(): string;

  /** Forward pass on a batch; x has the batch axis first. */
  protected abstract forward(x: Tensor, options: CallOptions): Tensor;

  /** Output shape (no batch axis) for a given input shape. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Constructor options that rebuild this layer (JSON-serialisable, no weights). */
  protected abstract layerConfig(): Record<string, unknown>;

  /** Create the weights for this input shape. Layers without weights need not override it. */
  protected build(_inputShape: Shape): void {}

  /**
   * The weights build() creates for `inputShape`, as [name, shape] pairs, worked out without
   * allocating anything: the loader compares them with a file's manifest before building, so a
   * config asking for a huge weight is refused, not allocated. null means "only known after build"
   * (a custom layer that does not say); a layer without weights returns [].
   */
  weightShapes(_inputShape: Shape): [string, number[]][] | null {
    return null;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  get built(): boolean {
    return this._inputShape !== null;
  }

  get inputShape(): Shape {
    if (this._inputShape === null) throw new ArgumentError(`layer '${this.name}' is not built yet`);
    return this._inputShape;
  }

  get outputShape(): Shape {
    return this.computeOutputShape(this.inputShape);
  }

  /** Build for `inputShape` (no batch axis). Called by models; idempotent for the same shape. */
  ensureBuilt(inputShape: Shape): void {
    if (this._inputShape !== null) {
      if (!shapesEqual(this._inputShape, inputShape)) {
        throw new ShapeError(
          `layer '${this.name}' expects inputs of shape [batch, ${this._inputShape.join(', ')}] ` +
            `but got [batch, ${inputShape.join(', ')}]`,
        );
      }
      return;
    }
    if (this.declaredInputShape && !shapesEqual(this.declaredInputShape, inputShape)) {
      throw new ShapeError(
        `layer '${this.name}' was declared with input shape ${formatShape(this.declaredInputShape)} ` +
          `but receives ${formatShape(inputShape)}`,
      );
    }
    this.build(inputShape);
    this._inputShape = [...inputShape];
  }

  /** Run the layer on a batch, building it on first use and checking the input shape. */
  apply(x: Tensor, options: CallOptions = { training: false }): Tensor {
    if (x.ndim < 1) throw new ShapeError(`layer '${this.name}': input must have a batch axis, got a scalar`);
    this.ensureBuilt(x.shape.slice(1));
    return this.forward(x, options);
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

  /** The weight called `name` in this layer (e.g. 'kernel', 'bias'). */
  getWeight(name: string): Tensor {
    const w = this._weights.get(name);
    if (!w) {
      throw new ArgumentError(
        `layer '${this.name}' has no weight '${name}' (it has: ${[...this._weights.keys()].join(', ') || 'none'})`,
      );
    }
    return w;
  }

  /** All weights, in creation order, named `layer/weight`. */
  get weights(): NamedWeight[] {
    return [...this._weights.values()].map((t) => ({ name: t.name!, tensor: t }));
  }

  /** The weights an optimiser updates: all of them, or none while frozen. */
  get trainableWeights(): Tensor[] {
    if (!this._trainable) return [];
    return [...this._weights].filter(([name]) => !this._frozenWeights.has(name)).map(([, w]) => w);
  }

  /** Parameters the optimiser updates (0 while the layer is frozen). */
  countTrainableParams(): number {
    return this.trainableWeights.reduce((n, w) => n + sizeOf(w.shape), 0);
  }

  get trainable(): boolean {
    return this._trainable;
  }

  /** Freezing also stops gradient computation for the weights, which saves the work. */
  set trainable(value: boolean) {
    this._trainable = value;
    for (const [name, w] of this._weights) {
      w.requiresGrad = value && !this._frozenWeights.has(name);
      if (!value) w.grad = null;
    }
  }

  countParams(): number {
    let n = 0;
    for (const w of this._weights.values()) n += sizeOf(w.shape);
    return n;
  }

  /** Sum of this layer's weight penalties, or null when it has none. Recorded for backward. */
  regularizationLoss(): Tensor | null {
    let total: Tensor | null = null;
    for (const [name, reg] of this._regularizers) {
      if (!this._trainable) continue;
      const p = reg.penalty(this.getWeight(name));
      total = total ? total.add(p) : p;
    }
    return total;
  }

  /**
   * Random generators this layer owns (a seeded Dropout's), whose state a checkpoint saves so a
   * resumed run draws the same masks. None by default.
   */
  ownRngs(): Rng[] {
    return [];
  }

  /** The activation a model may fuse into its loss (Dense/Activation override this). */
  get outputActivation(): string {
    return 'linear';
  }

  /** The serialisable description: class name and constructor options. */
  getConfig(): { className: string; config: Record<string, unknown> } {
    const config: Record<string, unknown> = {
      name: this.name,
      trainable: this._trainable,
      ...this.layerConfig(),
    };
    if (this.declaredInputShape) config.inputShape = [...this.declaredInputShape];
    return { className: this.className, config };
  }
}
