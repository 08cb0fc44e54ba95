/**
 * Concatenate({ axis }): join a list of tensors along one axis (default −1, the features), Keras'
 * semantics: the axis counts the batch axis (1 is the first sample axis; the batch axis itself
 * cannot be joined), every other dimension must agree, an unknown (null) size along the axis makes
 * the result's unknown.
 */
import { numberOption } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { concat } from '../../ops/layout.js';
import type { Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Mask } from '../module.js';
import { formatSymbolicShape, type SymbolicShape } from '../symbolic-tensor.js';
import { Merge, type MergeConfig } from './merge.js';

export interface ConcatenateConfig extends MergeConfig {
  /** Default −1. Counts the batch axis, as in Keras: 1 is the first axis of a sample. */
  axis?: number;
}

export class Concatenate extends Merge {
  readonly axis: number;

  constructor(config: ConcatenateConfig = {}) {
    super(config, 'concatenate', ['axis']);
    this.axis = numberOption(this.component, 'axis', config.axis, { integer: true }, -1);
    if (this.axis === 0) {
      throw new ArgumentError(`${this.component}: axis 0 is the batch axis, which cannot be concatenated`);
    }
  }

  get className(): string {
    return 'Concatenate';
  }

  /** The axis within a sample (no batch axis) for samples of `rank` axes. */
  private sampleAxis(rank: number, shapes: Shape[]): number {
    const full = this.axis < 0 ? this.axis + rank + 1 : this.axis;
    if (full < 1 || full > rank) {
      throw new ShapeError(
        `${this.component}: axis ${this.axis} is out of range for inputs of shape ` +
          `${shapes.map((s) => formatSymbolicShape([null, ...(s as SymbolicShape)])).join(', ')}`,
      );
    }
    return full - 1;
  }

  protected mergeShapes(shapes: Shape[]): Shape {
    const first = shapes[0] as SymbolicShape;
    const axis = this.sampleAxis(first.length, shapes);
    const out: (number | null)[] = [...first];
    shapes.forEach((s, i) => {
      const other = s as SymbolicShape;
      const ok =
        other.length === first.length &&
        other.every((d, k) => k === axis || d === null || out[k] === null || d === out[k]);
      if (!ok) {
        throw new ShapeError(
          `${this.component}: inputs must match except along axis ${this.axis}, but input 0 has ` +
            `${formatSymbolicShape([null, ...first])} and input ${i} has ${formatSymbolicShape([null, ...other])}`,
        );
      }
      other.forEach((d, k) => {
        if (k !== axis && out[k] === null) out[k] = d;
      });
    });
    out[axis] = shapes.some((s) => (s as SymbolicShape)[axis] === null)
      ? null
      : shapes.reduce((n, s) => n + s[axis]!, 0);
    return out as Shape;
  }

  /** Whether it joins [batch, time, …] inputs along time (known once built): then masks join too. */
  get joinsTime(): boolean {
    if (!this.built) return false;
    const shapes = this.inputShape as unknown as Shape[];
    const rank = (shapes[0]?.length ?? 0) + 1;
    return rank >= 3 && (this.axis < 0 ? this.axis + rank : this.axis) === 1;
  }

  /**
   * Along time, the masks are joined as the steps are, an unmasked input's steps all real (Keras 2
   * and 3 alike); along other axes, as maskMerge says (Merge).
   */
  override computeMask(inputs: Tensor | Tensor[], mask: Mask | Mask[]): Mask | Mask[] {
    const masks = Array.isArray(mask) ? mask : [mask];
    if (!this.joinsTime || masks.every((m) => m === null || m === undefined)) {
      return super.computeMask(inputs, mask);
    }
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    return concat(
      xs.map((x, i) => {
        const m = masks[i];
        if (m !== null && m !== undefined) return m;
        const [batch, time] = x.shape as [number, number];
        return new Tensor(
          x.backend.fromValues(new Float32Array(batch * time).fill(1)),
          [batch, time],
          x.backend,
        );
      }),
      1,
    );
  }

  override computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    return this.joinsTime ? [inputMasked.some(Boolean)] : super.computeOutputMasked(inputMasked);
  }

  protected merge(xs: Tensor[]): Tensor {
    this.mergeShapes(xs.map((x) => x.shape.slice(1)));
    const axis = this.axis < 0 ? this.axis + xs[0]!.ndim : this.axis;
    return concat(xs, axis);
  }

  protected override layerConfig(): Record<string, unknown> {
    return { axis: this.axis, ...super.layerConfig() };
  }
}
