/**
 * input({ shape }): the start of a functional graph, a symbolic tensor of shape [null, ...shape]
 * made by an InputLayer (Keras' Input). Unknown sample dimensions are null: input({ shape:
 * [null, 8] }) is a batch of sequences of any length with 8 features per step.
 */
import { checkOptions, describeValue, stringOption } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import { MAX_WEIGHT_VALUES, Module } from '../../nn/module.js';
import { Node, type SymbolicShape, SymbolicTensor } from '../../nn/symbolic-tensor.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface InputOptions {
  /** One sample's shape (no batch axis); null for a dimension of any size. */
  shape: readonly (number | null)[];
  name?: string;
  /** Only 'float32' for now. */
  dtype?: 'float32';
}

/** What input() makes; its config is how a saved graph recreates the input. */
export interface InputLayerConfig {
  name?: string;
  /** [null, ...shape] */
  batchInputShape: readonly (number | null)[];
  dtype?: 'float32';
  trainable?: boolean;
}

export class InputLayer extends Module {
  readonly batchInputShape: SymbolicShape;

  constructor(config: InputLayerConfig) {
    super(config, 'input', ['batchInputShape', 'dtype']);
    const shape: unknown = config.batchInputShape;
    const valid = (d: unknown) =>
      d === null || (typeof d === 'number' && Number.isInteger(d) && d > 0 && d <= MAX_WEIGHT_VALUES);
    if (!Array.isArray(shape) || shape.length === 0 || shape.length > 9 || !shape.every(valid)) {
      throw new ArgumentError(
        `InputLayer '${this.name}': the shape must be a list of positive integers or null, got ${describeValue(shape)}` +
          (Array.isArray(shape) ? ` [${shape.slice(0, 9).map(describeValue).join(', ')}]` : ''),
      );
    }
    if (config.dtype !== undefined && config.dtype !== 'float32') {
      throw new ArgumentError(
        `InputLayer '${this.name}': dtype must be 'float32', got ${describeValue(config.dtype)}`,
      );
    }
    this.batchInputShape = [...(shape as (number | null)[])];
    // The graph's source: a node with no inputs whose output is the symbolic input.
    const node = new Node(this, [], [], false, 0);
    node.outputs.push(new SymbolicTensor(this.batchInputShape, node, 0));
    this.inboundNodes.push(node);
  }

  get className(): string {
    return 'InputLayer';
  }

  /** An input has no weights and is never built, so none to count (as Keras' InputLayer, built from the start). */
  override countParams(): number {
    return 0;
  }

  /** Null dimensions pass through as null (the Shape type has no null; symbolic shapes do). */
  computeOutputShape(): Shape {
    return this.batchInputShape.slice(1) as Shape;
  }

  protected forward(x: Tensor): Tensor {
    return x;
  }

  protected layerConfig(): Record<string, unknown> {
    return { batchInputShape: [...this.batchInputShape], dtype: 'float32' };
  }
}

/** A symbolic input of samples of `shape` (no batch axis): `const x = input({ shape: [30] })`. */
export function input(options: InputOptions): SymbolicTensor {
  const o = checkOptions('input()', options, ['shape', 'name', 'dtype']);
  if (!Array.isArray(o.shape)) {
    throw new ArgumentError(
      `input(): shape must be a list of sizes (null for any), got ${describeValue(o.shape)}`,
    );
  }
  const layer = new InputLayer({
    batchInputShape: [null, ...(o.shape as (number | null)[])],
    ...(o.name !== undefined && { name: stringOption('input()', 'name', o.name) }),
    ...(o.dtype !== undefined && { dtype: o.dtype as 'float32' }),
  });
  return layer.inboundNodes[0]!.outputs[0]!;
}
