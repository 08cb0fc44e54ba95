/**
 * The base of the merge layers (Keras' Merge): a list of at least two tensors in, one out. The
 * element-wise ones (Add, Subtract, Multiply, Average, Maximum, Minimum) need inputs of one
 * shape — a dimension unknown (null) on one side takes the other's size — and fold them pairwise
 * with ops, so their gradients are the ops' own.
 */
import { enumOption } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  type CallOptions,
  type InputShapes,
  isShapeList,
  type Mask,
  Module,
  type ModuleConfig,
} from '../module.js';
import { formatSymbolicShape, type SymbolicShape, type SymbolicTensor } from '../symbolic-tensor.js';

/**
 * How a merge combines its inputs' masks. 'all' (Keras 2, TF.js, backprop's default): a step is
 * real where every masked input's is, unmasked inputs aside. 'any' (Keras 3): no mask at all if
 * some input has none, else a step is real where any input's is.
 */
export type MaskMerge = 'all' | 'any';

export interface MergeConfig extends ModuleConfig {
  /** Default 'all' (Keras 2 / TF.js); fromKeras sets 'any' for Keras 3 files, whose merges do that. */
  maskMerge?: MaskMerge;
}

export abstract class Merge extends Module {
  readonly maskMerge: MaskMerge;

  constructor(config: MergeConfig, defaultPrefix: string, optionNames: readonly string[] = []) {
    super(config ?? {}, defaultPrefix, [...optionNames, 'maskMerge']);
    this.maskMerge = enumOption(this.component, 'maskMerge', config?.maskMerge, ['all', 'any'], 'all');
  }

  /** Exactly this many inputs (Subtract: 2); null for two or more. */
  protected get inputCount(): number | null {
    return null;
  }

  /** Combine the inputs (already checked: a list of the right length). */
  protected abstract merge(inputs: Tensor[]): Tensor;

  /** The output shape for inputs of these (checked-compatible) shapes. */
  protected abstract mergeShapes(shapes: Shape[]): Shape;

  protected override forward(inputs: Tensor[], _options: CallOptions): Tensor {
    return this.merge(inputs);
  }

  /** The shapes must be a list of the right length; the names of both shapes go into any error. */
  protected shapeList(inputShape: InputShapes): Shape[] {
    if (!isShapeList(inputShape)) {
      throw new ArgumentError(
        `${this.component} merges a list of tensors, got one of shape ${formatSymbolicShape(inputShape as SymbolicShape)}`,
      );
    }
    const n = this.inputCount;
    if (n !== null ? inputShape.length !== n : inputShape.length < 2) {
      throw new ArgumentError(
        `${this.component} needs ${n ?? 'at least 2'} inputs, got ${inputShape.length}`,
      );
    }
    return inputShape;
  }

  override computeOutputShape(inputShape: InputShapes): Shape {
    return this.mergeShapes(this.shapeList(inputShape));
  }

  protected override checkFirstBuild(inputShape: InputShapes): void {
    this.computeOutputShape(inputShape);
  }

  override weightShapes(): [string, number[]][] {
    return [];
  }

  /** Masked inputs give one mask, by `maskMerge` (see MaskMerge). */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeMask(inputs: Tensor | Tensor[], mask: Mask | Mask[]): Mask | Mask[] {
    if (this.maskMerge === 'all') return super.computeMask(inputs, mask);
    const masks = Array.isArray(mask) ? mask : [mask];
    if (masks.some((m) => m === null || m === undefined)) return null;
    // a OR b = 1 − (1 − a)(1 − b) on 0/1 masks.
    return (masks as Tensor[]).slice(1).reduce((acc, m) => acc.add(m).sub(acc.mul(m)), masks[0]!);
  }

  override computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    if (this.maskMerge === 'all') return super.computeOutputMasked(inputMasked);
    return [inputMasked.length > 0 && inputMasked.every(Boolean)];
  }

  override apply(inputs: Tensor[], options?: CallOptions): Tensor;
  override apply(inputs: SymbolicTensor[], options?: CallOptions): SymbolicTensor;
  override apply(
    inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[],
    options: CallOptions = { training: false },
  ): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    if (!Array.isArray(inputs)) {
      throw new ArgumentError(`${this.component} merges a list of tensors, got a single tensor`);
    }
    return super.apply(inputs as never, options);
  }

  protected layerConfig(): Record<string, unknown> {
    return this.maskMerge === 'all' ? {} : { maskMerge: this.maskMerge };
  }
}

/** Element-wise merges: every input of one shape (null takes the other's size). */
export abstract class ElementwiseMerge extends Merge {
  protected mergeShapes(shapes: Shape[]): Shape {
    const out: (number | null)[] = [...(shapes[0] as SymbolicShape)];
    shapes.forEach((s, i) => {
      const other = s as SymbolicShape;
      const ok =
        other.length === out.length && other.every((d, k) => d === null || out[k] === null || d === out[k]);
      if (!ok) {
        throw new ShapeError(
          `${this.component}: inputs must have the same shape, but input 0 has ${formatSymbolicShape(shapes[0] as SymbolicShape)} ` +
            `and input ${i} has ${formatSymbolicShape(other)} (no batch axis)`,
        );
      }
      other.forEach((d, k) => {
        if (out[k] === null) out[k] = d;
      });
    });
    return out as Shape;
  }

  protected override merge(inputs: Tensor[]): Tensor {
    // Real tensors: check the full shapes (batch included) so a mismatch names both.
    const first = inputs[0]!;
    inputs.forEach((x, i) => {
      if (x.shape.length !== first.shape.length || x.shape.some((d, k) => d !== first.shape[k])) {
        throw new ShapeError(
          `${this.component}: inputs must have the same shape, but input 0 has [${first.shape.join(', ')}] ` +
            `and input ${i} has [${x.shape.join(', ')}]`,
        );
      }
    });
    return this.combine(inputs);
  }

  protected abstract combine(inputs: Tensor[]): Tensor;
}
