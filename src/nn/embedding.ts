/**
 * Embedding: integer ids (given as a float tensor, as every tensor here is) → rows of a learned
 * [inputDim, outputDim] table (Keras' Embedding). The forward pass is a gather of rows, so its
 * gradient is a scatter-add into the rows that were used (ops/indexing.ts).
 *
 * With `maskZero`, id 0 is padding: the layer gives a mask ([batch, time], 1 where the id is not
 * 0) that the models carry to the next layers, so recurrent layers skip the padded steps and a
 * sequence output's loss averages over the real ones (Keras' mask_zero).
 */

import { noGrad } from '../autograd/grad-mode.js';
import { booleanOption, numberOption, type Options, withContext } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  getInitializer,
  type Initializer,
  type InitializerLike,
  serializeInitializer,
} from './initializers.js';
import { type CallOptions, Layer, type LayerConfig, SIZE } from './layer.js';
import type { Mask } from './module.js';
import {
  getRegularizer,
  type Regularizer,
  type RegularizerLike,
  serializeRegularizer,
} from './regularizers.js';

export interface EmbeddingConfig extends Omit<LayerConfig, 'inputDim'> {
  /** Size of the vocabulary: ids run from 0 to inputDim − 1. */
  inputDim: number;
  /** Length of each embedding vector. */
  outputDim: number;
  /** Default 'randomUniform' (±0.05, Keras' 'uniform'). */
  embeddingsInitializer?: InitializerLike;
  embeddingsRegularizer?: RegularizerLike | null;
  /** Id 0 is padding: the layer's output carries a mask that is 0 there. Default false. */
  maskZero?: boolean;
  /** The length of the input sequences, when fixed (declares inputShape [inputLength]). */
  inputLength?: number;
}

const EMBEDDING_OPTIONS = [
  'outputDim',
  'embeddingsInitializer',
  'embeddingsRegularizer',
  'maskZero',
  'inputLength',
] as const;

export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: number | undefined;
  private readonly embeddingsInitializer: Initializer;
  private readonly embeddingsRegularizer: Regularizer | undefined;

  constructor(config: EmbeddingConfig) {
    // Layer reads `inputDim` as a shorthand for the input shape; here it is the vocabulary size,
    // so it is kept from Layer and `inputLength` declares the input shape instead.
    const { inputDim, ...rest } = (config ?? {}) as unknown as Options;
    const length = rest.inputLength;
    super(
      (length !== undefined && rest.inputShape === undefined
        ? { ...rest, inputShape: [length] }
        : rest) as LayerConfig,
      'embedding',
      EMBEDDING_OPTIONS,
    );
    const c = this.component;
    this.inputDim = numberOption(c, 'inputDim', inputDim, SIZE);
    this.outputDim = numberOption(c, 'outputDim', config.outputDim, SIZE);
    this.maskZero = booleanOption(c, 'maskZero', config.maskZero, false);
    this.inputLength =
      config.inputLength == null ? undefined : numberOption(c, 'inputLength', config.inputLength, SIZE);
    this.embeddingsInitializer = withContext(`${c}: embeddingsInitializer`, () =>
      getInitializer(config.embeddingsInitializer ?? 'randomUniform'),
    );
    this.embeddingsRegularizer =
      config.embeddingsRegularizer == null
        ? undefined
        : withContext(`${c}: embeddingsRegularizer`, () => getRegularizer(config.embeddingsRegularizer!));
  }

  get className(): string {
    return 'Embedding';
  }

  protected override build(_inputShape: Shape): void {
    this.addWeight(
      'embeddings',
      [this.inputDim, this.outputDim],
      this.embeddingsInitializer,
      this.embeddingsRegularizer,
    );
  }

  override weightShapes(): [string, number[]][] {
    return [['embeddings', [this.inputDim, this.outputDim]]];
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape, this.outputDim];
  }

  protected forward(x: Tensor, _options: CallOptions): Tensor {
    const rows = this.getWeight('embeddings').gather(this.ids(x), 0);
    return rows.reshape([...x.shape, this.outputDim]);
  }

  /** The ids as integers, each checked to be a row of the table. */
  private ids(x: Tensor): Int32Array {
    const values = x.dataSync();
    const ids = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.inputDim) {
        throw new ArgumentError(
          `${this.component}: id ${v} at position [${positionOf(i, x.shape).join(', ')}] of an input of shape ` +
            `[${x.shape.join(', ')}] is not an integer in [0, ${this.inputDim}) (inputDim ${this.inputDim})`,
        );
      }
      ids[i] = v;
    }
    return ids;
  }

  /** With maskZero: 1 where the id is not 0 (padding), else no mask. */
  override computeMask(x: Tensor | Tensor[], mask: Mask | Mask[]): Mask {
    this.refuseMask([Array.isArray(mask) ? mask.some((m) => m !== null) : mask !== null]);
    if (!this.maskZero) return null;
    const ids = Array.isArray(x) ? x[0]! : x;
    return noGrad(() => ids.eq(0).neg().add(1));
  }

  override computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    this.refuseMask(inputMasked);
    return [this.maskZero];
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer
        ? serializeRegularizer(this.embeddingsRegularizer)
        : null,
      maskZero: this.maskZero,
      ...(this.inputLength !== undefined && { inputLength: this.inputLength }),
    };
  }
}

/** The multi-index of flat position `i` in a tensor of `shape`. */
function positionOf(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let rest = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    out[a] = rest % shape[a]!;
    rest = Math.floor(rest / shape[a]!);
  }
  return out;
}
