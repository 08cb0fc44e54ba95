/*
 * Changes by import-core (compatible; nothing import-ops uses changed): OnnxOperator gained two
 * optional fields — `attributesAt(opset)` for an operator whose attributes changed between opsets
 * (ReduceMean's axes became an input in 18), and `foldKind` for the element kind of a value the
 * importer computes at import time (Cast, Constant). Operators that need neither leave them out.
 * NodeInfo gained the optional `outputCount` (Split).
 */
/**
 * The contract between the ONNX importer (from-onnx.ts, onnx-graph-layer.ts) and the operator
 * tables (ops/*.ts). An imported graph runs as one OnnxGraph layer that walks the nodes in order
 * and calls each operator's `run` on backprop tensors — so autodiff, fine-tuning and saving come
 * from the tensor ops, and an operator is a few lines beside its attribute defaults.
 */
import type { Tensor } from '../../../tensor/tensor.js';

/** A constant tensor in JSON form: an int64/int32/bool initializer, a Constant node's value… */
export interface ConstTensor {
  dims: number[];
  /** Element values (int64 exact to 2^53). */
  data: number[];
  /** 'float' for FLOAT/DOUBLE, 'int' for the integer and bool types. */
  kind: 'float' | 'int';
}

/** A decoded attribute value (JSON-able, so it is saved in the layer's config). */
export type AttributeValue = number | string | number[] | string[] | ConstTensor;

/** How an operator declares one attribute: its type and the ONNX specification's default. */
export interface AttributeSpec {
  type: 'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings' | 'tensor';
  /** The specification's default; absent means the attribute is required (unless `optional`). */
  default?: AttributeValue;
  /** Absent with no default is allowed (the op decides what absence means, e.g. Pad's axes). */
  optional?: boolean;
}

/** Attributes after checking: each declared one that was given or has a default. */
export type Attributes = Record<string, AttributeValue>;

/** What `run` knows about the node, for error messages. */
export interface NodeInfo {
  /** The node's name (or its first output's when unnamed). */
  name: string;
  opType: string;
  /** The model's default-domain opset version (the importer accepts 13 and later). */
  opset: number;
  /** How many outputs the node names (Split without sizes makes that many parts). */
  outputCount?: number;
}

/**
 * One ONNX operator. `run` gets the node's inputs in ONNX order — undefined for an omitted optional
 * input (empty name) — as backprop tensors in ONNX's layout (NCHW for Conv…), and returns one
 * tensor per output the node names (a node may name fewer outputs than the op has; return at least
 * that many, in order). Integer inputs (shapes, axes, indices) arrive as float32 tensors; when an
 * operator needs their values at import time it lists the slots in `constInputs` and reads them
 * from `consts` (int64-exact), and the importer refuses a graph where such an input is computed at
 * run time.
 */
export interface OnnxOperator {
  attributes: Record<string, AttributeSpec>;
  /** Input slots that must be known when the graph is imported (Reshape's shape, Squeeze's axes…). */
  constInputs?: readonly number[];
  /** Input slots whose initializers are state, not trained (BatchNormalization's mean and var). */
  frozenInputs?: readonly number[];
  /** The first opset version this operator exists in (LayerNormalization: 17); older models refuse it. */
  sinceVersion?: number;
  /**
   * The attributes at this opset, for an operator whose attributes changed between versions; when
   * given, it replaces `attributes` (which then lists the latest version's).
   */
  attributesAt?(opset: number): Record<string, AttributeSpec>;
  /**
   * The kind of each output when the importer folds the node (all its inputs constant): by
   * default 'int' when every given input is an integer constant, else 'float'.
   */
  foldKind?(
    attributes: Attributes,
    inputKinds: readonly ('float' | 'int' | undefined)[],
  ): ('float' | 'int')[];
  run(
    inputs: readonly (Tensor | undefined)[],
    attributes: Attributes,
    consts: readonly (ConstTensor | undefined)[],
    node: NodeInfo,
  ): Tensor[];
}

export type OperatorTable = Record<string, OnnxOperator>;
