/**
 * OnnxGraph: an imported ONNX graph as one backprop layer (multi-input, multi-output). Its config
 * is the graph — nodes with their checked attributes, the constants, the weights' names and
 * shapes — so saveModel/loadModel recreate it; its weights are the graph's float initializers,
 * trainable unless an operator marks the slot as state (BatchNormalization's mean and variance).
 * forward walks the nodes in order with a map from value names to tensors, calling each operator's
 * `run` on backprop tensors, so gradients, fine-tuning and both backends come from the tensor ops.
 */
import { ArgumentError, ModelFormatError } from '../../../errors.js';
import {
  type CallOptions,
  type InputShapes,
  isShapeList,
  Module,
  type ModuleConfig,
} from '../../../nn/module.js';
import { registerLayer } from '../../../nn/registry.js';
import type { Shape } from '../../../tensor/shape.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { attributeProblem, isConstTensor } from './attributes.js';
import type { Attributes, ConstTensor, NodeInfo, OnnxOperator } from './op-types.js';
import { onnxOperators } from './ops/index.js';
import { constTensor } from './ops/util.js';

/** One node as saved: the operator, the value names it reads and writes, its checked attributes. */
export interface OnnxNodeConfig {
  opType: string;
  name: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Attributes;
}

/** A float initializer that became a weight of the layer. */
export interface OnnxWeightConfig {
  /** The ONNX value name the nodes read. */
  value: string;
  /** The backprop weight name (the value name made safe: no '/'). */
  weight: string;
  shape: number[];
  trainable: boolean;
}

export interface OnnxGraphConfig extends ModuleConfig {
  /** The model's default-domain opset. */
  opset: number;
  /** Graph input value names, in the order the layer takes its inputs. */
  inputs: string[];
  /** Graph output value names, in the order the layer gives its outputs. */
  outputs: string[];
  nodes: OnnxNodeConfig[];
  weights: OnnxWeightConfig[];
  /** Values known at import time (integer initializers, Constant nodes, folded nodes). */
  constants: { name: string; value: ConstTensor }[];
  /**
   * Values computed at run time from tensors' shapes alone (Shape's outputs and what is computed
   * from them with constants): an operator reading one as a constant input gets its numbers.
   */
  shapeValues?: { name: string; kind: 'float' | 'int' }[];
  /** Each output's shape without the batch axis (null: varies with the input). */
  outputShapes: (number | null)[][];
}

const OPTIONS = [
  'opset',
  'inputs',
  'outputs',
  'nodes',
  'weights',
  'constants',
  'shapeValues',
  'outputShapes',
] as const;

export class OnnxGraph extends Module {
  static readonly className = 'OnnxGraph';
  readonly opset: number;
  readonly graphInputs: readonly string[];
  readonly graphOutputs: readonly string[];
  readonly nodes: readonly OnnxNodeConfig[];
  readonly weightSpecs: readonly OnnxWeightConfig[];
  private readonly constants: Map<string, ConstTensor>;
  private readonly shapeKinds: Map<string, 'float' | 'int'>;
  private outputShapes: (number | null)[][];
  private readonly operators: OnnxOperator[];
  private constantTensors: Map<string, Tensor> | null = null;

  constructor(config: OnnxGraphConfig) {
    super(config, 'onnx_graph', OPTIONS);
    const c = config as unknown as Record<string, unknown>;
    const where = `OnnxGraph '${this.name}'`;
    const fail = (m: string) => new ModelFormatError(`${where}: ${m}`);
    if (!Number.isInteger(c.opset)) throw fail(`opset must be an integer, got ${String(c.opset)}`);
    this.opset = c.opset as number;
    this.graphInputs = stringList(c.inputs, 'inputs', fail);
    this.graphOutputs = stringList(c.outputs, 'outputs', fail);
    if (this.graphInputs.length === 0 || this.graphOutputs.length === 0) {
      throw fail('needs at least one input and one output');
    }
    if (!Array.isArray(c.nodes)) throw fail('nodes must be a list');
    this.nodes = (c.nodes as unknown[]).map((n, i) => checkNode(n, i, fail));
    this.operators = this.nodes.map((n) => {
      const op = Object.hasOwn(onnxOperators, n.opType) ? onnxOperators[n.opType] : undefined;
      if (!op) throw fail(`node '${n.name}': unknown operator ${n.opType}`);
      const problem = attributeProblem(n.attributes, op.attributesAt?.(this.opset) ?? op.attributes);
      if (problem !== null) throw fail(`node '${n.name}' (${n.opType}): ${problem}`);
      return op;
    });
    if (!Array.isArray(c.weights)) throw fail('weights must be a list');
    this.weightSpecs = (c.weights as unknown[]).map((w, i) => checkWeight(w, i, fail));
    if (!Array.isArray(c.constants)) throw fail('constants must be a list');
    this.constants = new Map(
      (c.constants as unknown[]).map((e, i) => {
        const entry = e as { name?: unknown; value?: unknown };
        if (typeof entry?.name !== 'string' || !isConstTensor(entry.value))
          throw fail(`constant ${i} is malformed`);
        return [entry.name, entry.value];
      }),
    );
    const shapeValues = c.shapeValues ?? [];
    if (!Array.isArray(shapeValues)) throw fail('shapeValues must be a list');
    this.shapeKinds = new Map(
      (shapeValues as unknown[]).map((e, i) => {
        const entry = e as { name?: unknown; kind?: unknown };
        if (typeof entry?.name !== 'string' || (entry.kind !== 'float' && entry.kind !== 'int')) {
          throw fail(`shape value ${i} is malformed`);
        }
        return [entry.name, entry.kind];
      }),
    );
    this.outputShapes = checkOutputShapes(c.outputShapes, this.graphOutputs.length, fail);
    this.checkWiring(fail);
  }

  /**
   * A config read from a file is checked as the importer checked the ONNX graph: every value a node
   * reads is defined before it, and every constant input is a constant or a shape value.
   */
  private checkWiring(fail: Fail): void {
    const defined = new Set<string>([
      ...this.graphInputs,
      ...this.weightSpecs.map((w) => w.value),
      ...this.constants.keys(),
    ]);
    this.nodes.forEach((node, k) => {
      const constSlots = new Set(this.operators[k]!.constInputs ?? []);
      node.inputs.forEach((x, slot) => {
        if (x === '') return;
        if (!defined.has(x)) throw fail(`node '${node.name}' reads '${x}', which is not defined before it`);
        if (constSlots.has(slot) && !this.constants.has(x) && !this.shapeKinds.has(x)) {
          throw fail(`node '${node.name}': input ${slot} ('${x}') must be a constant`);
        }
      });
      for (const y of node.outputs) if (y !== '') defined.add(y);
    });
    for (const y of this.graphOutputs) {
      if (!defined.has(y)) throw fail(`output '${y}' is never computed`);
    }
  }

  get className(): string {
    return OnnxGraph.className;
  }

  /** Set by the importer once a dry run has found the output shapes. */
  setOutputShapes(shapes: (number | null)[][]): void {
    this.outputShapes = shapes.map((s) => [...s]);
  }

  override computeOutputShape(inputShape: InputShapes): InputShapes {
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
    if (shapes.length !== this.graphInputs.length) {
      throw new ArgumentError(
        `OnnxGraph '${this.name}': takes ${this.graphInputs.length} inputs (${this.graphInputs.join(', ')}), got ${shapes.length}`,
      );
    }
    return this.outputShapes.map((s) => [...s]) as Shape[];
  }

  override weightShapes(): [string, number[]][] {
    return this.weightSpecs.map((w) => [w.weight, [...w.shape]]);
  }

  protected override build(): void {
    for (const w of this.weightSpecs) this.addWeight(w.weight, w.shape, 'zeros', undefined, w.trainable);
  }

  protected override forward(inputs: Tensor | Tensor[], _options: CallOptions): Tensor[] {
    return this.runGraph(Array.isArray(inputs) ? inputs : [inputs]);
  }

  /**
   * Run the graph on these inputs (the layer must be built). `watch` sees each node with its
   * inputs just before it runs (the importer's trial runs use it to name a failing node).
   */
  runGraph(
    inputs: readonly Tensor[],
    watch?: (node: OnnxNodeConfig, inputs: readonly (Tensor | undefined)[]) => void,
  ): Tensor[] {
    if (inputs.length !== this.graphInputs.length) {
      throw new ArgumentError(
        `OnnxGraph '${this.name}': takes ${this.graphInputs.length} inputs (${this.graphInputs.join(', ')}), got ${inputs.length}`,
      );
    }
    const values = new Map<string, Tensor>(this.constantValues());
    for (const w of this.weightSpecs) values.set(w.value, this.getWeight(w.weight));
    this.graphInputs.forEach((name, i) => {
      values.set(name, inputs[i]!);
    });
    this.nodes.forEach((node, k) => {
      const info: NodeInfo = {
        name: node.name,
        opType: node.opType,
        opset: this.opset,
        outputCount: node.outputs.length,
      };
      const ins = node.inputs.map((name) => {
        if (name === '') return undefined;
        const v = values.get(name);
        if (v === undefined)
          throw new ModelFormatError(
            `OnnxGraph '${this.name}': node '${node.name}' reads '${name}', which is not defined before it`,
          );
        return v;
      });
      const consts = node.inputs.map((name) => {
        if (name === '') return undefined;
        const kind = this.shapeKinds.get(name);
        return kind === undefined ? this.constants.get(name) : shapeValue(values.get(name)!, kind);
      });
      watch?.(node, ins);
      const outs = this.operators[k]!.run(ins, node.attributes, consts, info);
      node.outputs.forEach((name, i) => {
        if (name === '') return;
        const y = outs[i];
        if (y === undefined)
          throw new ModelFormatError(`ONNX node '${node.name}' (${node.opType}) gave no output ${i}`);
        values.set(name, y);
      });
    });
    return this.graphOutputs.map((name) => {
      const y = values.get(name);
      if (y === undefined)
        throw new ModelFormatError(`OnnxGraph '${this.name}': output '${name}' is never computed`);
      return y;
    });
  }

  /** The constants as tensors, made once (they never change and carry no gradient). */
  private constantValues(): Map<string, Tensor> {
    if (this.constantTensors === null) {
      this.constantTensors = new Map([...this.constants].map(([name, c]) => [name, constTensor(c)]));
    }
    return this.constantTensors;
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      opset: this.opset,
      inputs: [...this.graphInputs],
      outputs: [...this.graphOutputs],
      nodes: this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })),
      weights: this.weightSpecs.map((w) => ({ ...w, shape: [...w.shape] })),
      constants: [...this.constants].map(([name, value]) => ({ name, value })),
      shapeValues: [...this.shapeKinds].map(([name, kind]) => ({ name, kind })),
      outputShapes: this.outputShapes.map((s) => [...s]),
    };
  }
}

registerLayer(OnnxGraph.className, (c) => new OnnxGraph(c as unknown as OnnxGraphConfig));

/** A shape value's numbers (integers truncated, as ONNX's integer arithmetic does). */
function shapeValue(t: Tensor, kind: 'float' | 'int'): ConstTensor {
  const data = Array.from(t.dataSync());
  return { dims: [...t.shape], data: kind === 'int' ? data.map(Math.trunc) : data, kind };
}

type Fail = (m: string) => Error;

function stringList(v: unknown, what: string, fail: Fail): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw fail(`${what} must be a list of names`);
  return [...v];
}

function checkNode(v: unknown, i: number, fail: Fail): OnnxNodeConfig {
  const n = v as Partial<OnnxNodeConfig> | null;
  if (typeof n !== 'object' || n === null || typeof n.opType !== 'string' || typeof n.name !== 'string') {
    throw fail(`node ${i} is malformed`);
  }
  if (typeof n.attributes !== 'object' || n.attributes === null || Array.isArray(n.attributes)) {
    throw fail(`node '${n.name}': attributes must be an object`);
  }
  return {
    opType: n.opType,
    name: n.name,
    inputs: stringList(n.inputs, `node '${n.name}' inputs`, fail),
    outputs: stringList(n.outputs, `node '${n.name}' outputs`, fail),
    attributes: n.attributes,
  };
}

function checkWeight(v: unknown, i: number, fail: Fail): OnnxWeightConfig {
  const w = v as Partial<OnnxWeightConfig> | null;
  const ok =
    typeof w === 'object' &&
    w !== null &&
    typeof w.value === 'string' &&
    typeof w.weight === 'string' &&
    w.weight.length > 0 &&
    !w.weight.includes('/') &&
    Array.isArray(w.shape) &&
    w.shape.every((d) => Number.isInteger(d) && d >= 0) &&
    typeof w.trainable === 'boolean';
  if (!ok) throw fail(`weight ${i} is malformed`);
  return { value: w.value!, weight: w.weight!, shape: [...w.shape!], trainable: w.trainable! };
}

function checkOutputShapes(v: unknown, count: number, fail: Fail): (number | null)[][] {
  const ok =
    Array.isArray(v) &&
    v.length === count &&
    v.every((s) => Array.isArray(s) && s.every((d) => d === null || (Number.isInteger(d) && d >= 0)));
  if (!ok) throw fail(`outputShapes must give each of the ${count} outputs a shape`);
  return (v as (number | null)[][]).map((s) => [...s]);
}
