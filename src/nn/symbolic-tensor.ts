/**
 * Symbolic tensors and graph nodes: what calling a layer on `input({ shape })` records instead of
 * computing (Keras' KerasTensor and Node). A symbolic tensor has a shape whose unknown dimensions
 * are null (always the batch axis; a sequence length, say, too), and knows the node that made it;
 * a node is one call of a module: its input and output symbolic tensors. A functional Model walks
 * these back from its outputs to its inputs and replays the calls on real tensors.
 */
import type { Module } from './module.js';

/** A shape whose unknown dimensions are null: [null, 30] is a batch of 30-feature samples. */
export type SymbolicShape = readonly (number | null)[];

/** [null, 3, null] */
export function formatSymbolicShape(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** Same rank and every known dimension equal (null matches anything). */
export function shapesCompatible(a: SymbolicShape, b: SymbolicShape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const d = a[i];
    if (d !== null && b[i] !== null && d !== b[i]) return false;
  }
  return true;
}

/** One call of a module on symbolic tensors. */
export class Node {
  constructor(
    readonly module: Module,
    readonly inputs: readonly SymbolicTensor[],
    /** Set right after construction (the outputs point back at their node). */
    readonly outputs: SymbolicTensor[],
    /** The module was given a list (passed on to forward as a list) rather than one tensor. */
    readonly calledWithList: boolean,
    /** This node's position among the module's calls (module.inboundNodes). */
    readonly index: number,
  ) {}
}

export class SymbolicTensor {
  readonly shape: SymbolicShape;
  readonly dtype = 'float32' as const;
  /** `layerName/tensorIndex` for outputs of a layer's first call, with the node index after. */
  readonly name: string;
  /** The call that produced this tensor and which of its outputs it is. */
  readonly node: Node;
  readonly tensorIndex: number;
  /**
   * Whether the real tensor will carry a mask ([batch, time], from Embedding({ maskZero }) or
   * Masking); at run time the mask itself travels beside the activations.
   */
  readonly hasMask: boolean;

  constructor(shape: SymbolicShape, node: Node, tensorIndex: number, hasMask = false) {
    this.shape = [...shape];
    this.node = node;
    this.tensorIndex = tensorIndex;
    this.hasMask = hasMask;
    const m = node.module;
    this.name = node.index === 0 ? `${m.name}/${tensorIndex}` : `${m.name}/${node.index}/${tensorIndex}`;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The module whose call produced this tensor. */
  get sourceModule(): Module {
    return this.node.module;
  }

  toString(): string {
    return `SymbolicTensor '${this.name}' ${formatSymbolicShape(this.shape)}`;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}
