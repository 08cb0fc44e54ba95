/**
 * Layer: a module that takes one tensor and gives one (Dense, Conv2D, Dropout…), the common case.
 * It adds to Module the declared input shape (`inputShape` / `inputDim`, which a model's first
 * layer gives), and narrows the hooks to one shape and one tensor.
 *
 * Shapes here never include the batch axis: a Dense layer on 30 features has inputShape [30].
 * Layers whose output has another shape per call than per build implement computeOutputShape
 * with null passing through (an unknown sequence length stays null).
 */
import { describeValue, numberOption, type Options } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type CallOptions,
  type InputShapes,
  isShapeList,
  MAX_WEIGHT_VALUES,
  Module,
  type ModuleConfig,
  SIZE,
} from './module.js';
import { type SymbolicShape, type SymbolicTensor, shapesCompatible } from './symbolic-tensor.js';

export { type CallOptions, MAX_WEIGHT_VALUES, type NamedWeight, SIZE } from './module.js';

export interface LayerConfig extends ModuleConfig {
  /** Shape of one input sample (no batch axis). Needed on the first layer of a Sequential. */
  inputShape?: readonly number[];
  /** Shorthand for inputShape: [inputDim]. */
  inputDim?: number;
}

/** The options every layer takes, besides its own. */
export const LAYER_OPTIONS = ['name', 'trainable', 'inputShape', 'inputDim'] as const;

export abstract class Layer extends Module {
  /** Declared input shape (from the config), if any. */
  readonly declaredInputShape: Shape | undefined;

  /**
   * `optionNames` lists the subclass's own options: with it, any other key in `config` is refused
   * with the nearest valid name (a custom layer that leaves it out keeps its extra keys unchecked).
   */
  constructor(config: LayerConfig, defaultPrefix: string, optionNames?: readonly string[]) {
    super(config, defaultPrefix, optionNames, LAYER_OPTIONS);
    // Module's constructor has checked the keys; these two are Layer's to read.
    const c = config as Options;
    const component = this.component;
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

  /** Forward pass on a batch; x has the batch axis first. */
  protected abstract override forward(x: Tensor, options: CallOptions): Tensor;

  /** Output shape (no batch axis) for a given input shape. */
  abstract override computeOutputShape(inputShape: Shape): Shape;

  override get inputShape(): Shape {
    return super.inputShape as Shape;
  }

  override get outputShape(): Shape {
    return this.computeOutputShape(this.inputShape);
  }

  protected override checkFirstBuild(inputShape: InputShapes): void {
    if (isShapeList(inputShape)) {
      throw new ArgumentError(`${this.component} takes one input, got a list of ${inputShape.length}`);
    }
    if (this.declaredInputShape && !shapesCompatible(this.declaredInputShape, inputShape as SymbolicShape)) {
      throw new ShapeError(
        `layer '${this.name}' was declared with input shape ${formatShape(this.declaredInputShape)} ` +
          `but receives ${formatShape(inputShape)}`,
      );
    }
  }

  /** Build for `inputShape` (no batch axis). Called by models; idempotent for the same shape. */
  override ensureBuilt(inputShape: Shape): void {
    super.ensureBuilt(inputShape);
  }

  /** Run the layer on a batch, building it on first use and checking the input shape. */
  override apply(x: Tensor | Tensor[], options?: CallOptions): Tensor;
  override apply(x: SymbolicTensor | SymbolicTensor[], options?: CallOptions): SymbolicTensor;
  override apply(
    x: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[],
    options: CallOptions = { training: false },
  ): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    // A list of one is that one tensor (what a one-output model's call may give back).
    if (Array.isArray(x)) {
      if (x.length !== 1)
        throw new ArgumentError(`${this.component} takes one input, got a list of ${x.length}`);
      x = x[0]!;
    }
    return super.apply(x as never, options);
  }

  /** The serialisable description: class name and constructor options. */
  override getConfig(): { className: string; config: Record<string, unknown> } {
    const spec = super.getConfig();
    if (this.declaredInputShape) spec.config.inputShape = [...this.declaredInputShape];
    return spec;
  }
}
