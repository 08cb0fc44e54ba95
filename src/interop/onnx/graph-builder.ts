/**
 * Collects an ONNX graph while the exporter walks a model: nodes in the order they run, weights as
 * float32 initializers, and value names that are unique within the graph (ONNX wires nodes
 * together by name, so two values called 'dense' would silently join the wrong edges).
 */
import {
  type AttributeProto,
  AttributeType,
  DataType,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from './onnx-proto.js';

/** An attribute value: numbers that are integers become INT, others FLOAT; arrays are INTS. */
export type AttributeValue = { int: number } | { float: number } | { ints: number[] } | { string: string };

export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  /** The enclosing models' names while a nested model's nodes are emitted ('outer/inner/'). */
  private scope = '';

  /**
   * Emit `body`'s nodes and weights with names under `prefix/` (a nested model's layers, inlined,
   * keep their own names under the model's); scopes nest.
   */
  inScope<T>(prefix: string, body: () => T): T {
    const outer = this.scope;
    this.scope = `${outer}${prefix}/`;
    try {
      return body();
    } finally {
      this.scope = outer;
    }
  }

  /** Reserve `name` (or `name_1`, `name_2`… when taken), under the current scope, and return it. */
  uniqueName(name: string): string {
    name = `${this.scope}${name}`;
    let candidate = name;
    for (let k = 1; this.used.has(candidate); k++) candidate = `${name}_${k}`;
    this.used.add(candidate);
    return candidate;
  }

  /** A float32 initializer (weights are stored little-endian in raw_data, as ONNX requires). */
  addFloatInitializer(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const unique = this.uniqueName(name);
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.initializers.push({ name: unique, dims: [...dims], dataType: DataType.FLOAT, rawData: bytes });
    return unique;
  }

  /** An int64 initializer (shapes for Reshape; `dims` [] makes a scalar, as Gather's index to drop an axis). */
  addInt64Initializer(
    name: string,
    values: readonly number[],
    dims: readonly number[] = [values.length],
  ): string {
    const unique = this.uniqueName(name);
    this.initializers.push({
      name: unique,
      dims: [...dims],
      dataType: DataType.INT64,
      int64Data: [...values],
    });
    return unique;
  }

  /** Append a node computing one value, named after `outputName` (made unique); returns that name. */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputName: string,
    attributes: Record<string, AttributeValue> = {},
  ): string {
    const output = this.uniqueName(outputName);
    const attribute = Object.entries(attributes).map(([name, v]) => toAttribute(name, v));
    this.nodes.push({
      input: [...inputs],
      output: [output],
      name: output,
      opType,
      ...(attribute.length > 0 && { attribute }),
    });
    return output;
  }

  /**
   * Give the value `from` the name `to` (a graph output keeps the model's output name): every node
   * that makes or reads it is rewritten. `to` must not be in use yet.
   */
  renameValue(from: string, to: string): void {
    this.used.add(to);
    for (const node of this.nodes) {
      node.input = node.input?.map((n) => (n === from ? to : n));
      node.output = node.output?.map((n) => (n === from ? to : n));
      if (node.name === from) node.name = to;
    }
  }

  /**
   * Drop the nodes whose outputs nothing reads (transposes that a run of channels-first layers
   * skipped), keeping everything the graph outputs `keep` depend on; then unused initializers.
   */
  pruneUnused(keep: readonly string[]): void {
    const needed = new Set(keep);
    const live: NodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      if (!node.output?.some((o) => needed.has(o))) continue;
      live.push(node);
      for (const x of node.input ?? []) needed.add(x);
    }
    this.nodes.splice(0, this.nodes.length, ...live.reverse());
    const initializers = this.initializers.filter((t) => needed.has(t.name!));
    this.initializers.splice(0, this.initializers.length, ...initializers);
  }

  /** Whether a value, initializer or node already has this name (the scope not added). */
  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  isNodeOutput(name: string): boolean {
    return this.nodes.some((n) => n.output?.includes(name));
  }

  graph(fields: Pick<GraphProto, 'name' | 'input' | 'output'>): GraphProto {
    return { node: this.nodes, initializer: this.initializers, ...fields };
  }
}

function toAttribute(name: string, v: AttributeValue): AttributeProto {
  if ('int' in v) return { name, type: AttributeType.INT, i: v.int };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('ints' in v) return { name, type: AttributeType.INTS, ints: v.ints };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v.string) };
}
