/**
 * fromOnnx(bytes): an ONNX model as a functional backprop Model — one Input per graph input, one
 * OnnxGraph layer running the nodes, the graph outputs as the model's outputs. Everything about the
 * file is checked here, before anything runs: the IR and opset versions, that every node's operator
 * is supported and its attributes are the specification's (defaults filled in), that the nodes are
 * in topological order, that every value a node reads exists. Nodes whose inputs are all constants
 * (Constant nodes, integer initializers, values folded before) are computed now; float
 * initializers become the layer's weights. Values computed from tensors' shapes alone (PyTorch's
 * Shape → Gather → Concat chains for a dynamic batch) may feed constant inputs such as Reshape's
 * shape: the layer reads them as numbers at run time. Trial runs at two batch sizes (dry-run.ts)
 * find the output shapes and pin the axes of an axes-less Squeeze.
 */
import { noGrad } from '../../../autograd/grad-mode.js';
import { checkOptions, stringOption } from '../../../config/options.js';
import { ArgumentError, ModelFormatError } from '../../../errors.js';
import { input } from '../../../model/functional/input.js';
import { Model } from '../../../model/functional/model.js';
import { setWeightValues } from '../../../model/trainable-model.js';
import type { SymbolicTensor } from '../../../nn/symbolic-tensor.js';
import { tensor } from '../../../tensor/create.js';
import type { Shape } from '../../../tensor/shape.js';
import {
  DataType,
  decodeModel,
  type GraphProto,
  type ModelProto,
  type ValueInfoProto,
} from '../onnx-proto.js';
import { decodeAttributes } from './attributes.js';
import { asFormatError, dryRun, type GraphInput } from './dry-run.js';
import { OnnxGraph, type OnnxNodeConfig, type OnnxWeightConfig } from './onnx-graph-layer.js';
import type { ConstTensor, NodeInfo, OnnxOperator } from './op-types.js';
import { onnxOperators, supportedOperators } from './ops/index.js';
import { constTensor, MAX_CREATED_VALUES } from './ops/util.js';
import { tensorValues } from './tensor-values.js';

/** The default-domain opset versions the importer reads. */
export const MIN_IMPORT_OPSET = 13;
export const MAX_IMPORT_OPSET = 21;
/** IR version 7 came with opset 13; onnx 1.23 writes 14 (the format of the parts read here is unchanged). */
const MIN_IR_VERSION = 7;
const MAX_IR_VERSION = 14;
/** Float constants with more values than this that the graph reads as data are stored as (frozen) weights. */
const LARGE_CONSTANT = 256;

export interface FromOnnxOptions {
  /** The model's name; default the ONNX graph's name. */
  name?: string;
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

/**
 * The model in these .onnx bytes. Inputs are float32 with a dynamic batch axis first; an INT64 or
 * INT32 input (token ids for an Embedding) becomes a float32 input holding integer values. Throws
 * ModelFormatError for a malformed or unsupported file, naming the node, operator or value.
 */
export function fromOnnx(bytes: Uint8Array, options: FromOnnxOptions = {}): Model {
  const o = checkOptions('fromOnnx()', options, ['name']);
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(
      `fromOnnx(): expected the bytes of an .onnx file (a Uint8Array), got ${typeof bytes}`,
    );
  }
  const name = o.name === undefined ? undefined : stringOption('fromOnnx()', 'name', o.name);
  const proto = decodeModel(bytes);
  const opset = checkVersions(proto);
  const graph = proto.graph!;
  const plan = planGraph(graph, opset);
  let layer = graphLayer(plan, opset);
  const trial = dryRun(layer, plan.inputs);
  // An axes-less Squeeze keeps the axes it removed in the trial runs, so a batch of 1 stays.
  if (pinSqueezeAxes(plan, trial.squeezeAxes)) layer = graphLayer(plan, opset);
  layer.setOutputShapes(trial.outputShapes);
  const used = new Set<string>([layer.name]);
  const xs = plan.inputs.map((x) => input({ shape: x.shape, name: uniqueLayerName(x.name, used) }));
  const ys = layer.apply(xs) as SymbolicTensor[];
  const modelName = safeName(name ?? graph.name ?? 'onnx_model') || 'onnx_model';
  return new Model({
    inputs: xs.length === 1 ? xs[0]! : xs,
    outputs: ys.length === 1 ? ys[0]! : ys,
    name: modelName,
  });
}

/** The OnnxGraph layer of the plan, built, with the initializers' values as its weights. */
function graphLayer(plan: Plan, opset: number): OnnxGraph {
  const layer = new OnnxGraph({
    name: 'onnx_graph',
    opset,
    inputs: plan.inputs.map((x) => x.name),
    outputs: plan.outputs,
    nodes: plan.nodes,
    weights: plan.weights,
    constants: plan.constants,
    shapeValues: plan.shapeValues,
    outputShapes: plan.outputs.map(() => []),
  });
  layer.ensureBuilt(plan.inputs.map((x) => x.shape) as Shape[]);
  setWeightValues(
    layer.weights,
    plan.weightValues.map((v, i) => tensor(Float32Array.from(v), { shape: plan.weights[i]!.shape })),
  );
  return layer;
}

/** Give each axes-less Squeeze its axes as a new constant input; whether any was changed. */
function pinSqueezeAxes(plan: Plan, axes: ReadonlyMap<string, number[]>): boolean {
  if (axes.size === 0) return false;
  const names = new Set<string>([
    ...plan.inputs.map((x) => x.name),
    ...plan.constants.map((c) => c.name),
    ...plan.weights.map((w) => w.value),
    ...plan.nodes.flatMap((n) => [...n.inputs, ...n.outputs]),
  ]);
  for (const node of plan.nodes) {
    const pinned = axes.get(node.name);
    if (node.opType !== 'Squeeze' || pinned === undefined) continue;
    let name = `${node.name}/axes`;
    for (let k = 1; names.has(name); k++) name = `${node.name}/axes_${k}`;
    names.add(name);
    plan.constants.push({ name, value: { dims: [pinned.length], data: pinned, kind: 'int' } });
    node.inputs = [node.inputs[0]!, name];
  }
  return true;
}

/** The default-domain opset, after checking the IR version and the imports. */
function checkVersions(proto: ModelProto): number {
  const ir = proto.irVersion;
  if (ir === undefined || ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
    throw new ModelFormatError(
      `ONNX model: IR version ${ir ?? 'missing'} is not supported (${MIN_IR_VERSION}…${MAX_IR_VERSION})`,
    );
  }
  if (!proto.graph) throw new ModelFormatError('ONNX model: has no graph');
  const imports = proto.opsetImport ?? [];
  const main = imports.filter((i) => DEFAULT_DOMAINS.has(i.domain ?? ''));
  if (main.length !== 1) {
    throw new ModelFormatError(
      `ONNX model: needs exactly one opset import of the default domain ('' or 'ai.onnx'), got ${main.length}`,
    );
  }
  const version = main[0]!.version ?? 0;
  if (version < MIN_IMPORT_OPSET || version > MAX_IMPORT_OPSET) {
    throw new ModelFormatError(
      `ONNX model: opset ${version} is not supported (${MIN_IMPORT_OPSET}…${MAX_IMPORT_OPSET}; ` +
        'convert it with onnx.version_converter or re-export with a supported opset_version)',
    );
  }
  const others = imports.filter((i) => !DEFAULT_DOMAINS.has(i.domain ?? ''));
  if (others.length > 0) {
    throw new ModelFormatError(
      `ONNX model: operator sets of other domains are not supported: ${others.map((i) => `'${i.domain}' (version ${i.version ?? '?'})`).join(', ')}`,
    );
  }
  return version;
}

interface Plan {
  inputs: GraphInput[];
  outputs: string[];
  nodes: OnnxNodeConfig[];
  weights: OnnxWeightConfig[];
  weightValues: number[][];
  constants: { name: string; value: ConstTensor }[];
  shapeValues: { name: string; kind: 'float' | 'int' }[];
}

const INPUT_TYPES = new Map<number, string>([
  [DataType.FLOAT, 'FLOAT'],
  [DataType.DOUBLE, 'DOUBLE'],
  [DataType.INT64, 'INT64'],
  [DataType.INT32, 'INT32'],
]);

function planGraph(graph: GraphProto, opset: number): Plan {
  // Initializers: float ones may become weights, the rest are constants.
  const initializers = new Map<string, ConstTensor>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    if (name === '') throw new ModelFormatError('ONNX graph: an initializer has no name');
    if (initializers.has(name))
      throw new ModelFormatError(`ONNX graph: initializer '${name}' is given twice`);
    initializers.set(name, tensorValues(t, `initializer '${name}'`));
  }
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(graphInput);
  if (inputs.length === 0) throw new ModelFormatError('ONNX graph: has no inputs (other than initializers)');
  const outputs = (graph.output ?? []).map((v, i) => {
    if (!v.name) throw new ModelFormatError(`ONNX graph: output ${i} has no name`);
    return v.name;
  });
  if (outputs.length === 0) throw new ModelFormatError('ONNX graph: has no outputs');

  const defined = new Set<string>([...inputs.map((x) => x.name), ...initializers.keys()]);
  if (defined.size !== inputs.length + initializers.size) {
    throw new ModelFormatError('ONNX graph: two inputs share a name');
  }
  // Values known now: integer initializers and folded nodes' outputs. consts also lets an
  // operator read a float initializer in a constant slot (never a weight there).
  const known = new Map<string, ConstTensor>();
  for (const [n, c] of initializers) if (c.kind === 'int') known.set(n, c);
  const nodes: OnnxNodeConfig[] = [];
  /** Per float initializer: used in a trainable slot / in a frozen slot. */
  const weightUse = new Map<string, { trainable: boolean }>();
  const runtimeReads = new Set<string>(outputs);
  const constSlotReads = new Set<string>();
  /** Values computed at run time from tensors' shapes only (Shape → Gather → Concat…), by kind. */
  const shapeKinds = new Map<string, 'float' | 'int'>();

  (graph.node ?? []).forEach((proto, index) => {
    const opType = proto.opType ?? '';
    const nodeName = proto.name || proto.output?.find((x) => x !== '') || `#${index}`;
    const where = `node '${nodeName}' (${opType || 'no op type'})`;
    const domain = proto.domain ?? '';
    if (!DEFAULT_DOMAINS.has(domain)) {
      throw new ModelFormatError(
        `ONNX ${where}: operator domain '${domain}' is not supported (only the default ONNX domain)`,
      );
    }
    const op = lookUp(opType, nodeName, opset);
    const attributes = decodeAttributes(
      proto.attribute ?? [],
      op.attributesAt?.(opset) ?? op.attributes,
      where,
    );
    const ins = proto.input ?? [];
    const outs = proto.output ?? [];
    if (outs.every((x) => x === '')) throw new ModelFormatError(`ONNX ${where}: has no outputs`);
    for (const x of ins) {
      if (x !== '' && !defined.has(x)) {
        throw new ModelFormatError(
          `ONNX ${where}: reads '${x}', which no input, initializer or earlier node defines ` +
            '(nodes must be in topological order)',
        );
      }
    }
    const info: NodeInfo = { name: nodeName, opType, opset, outputCount: outs.length };
    const constantIn = (x: string) => x === '' || known.has(x);
    if (ins.every(constantIn)) {
      foldNode(op, info, attributes, ins, outs, known, where);
    } else {
      // A shape value: Shape's output, or computed from shape values and constants only.
      const shapeIn = (x: string) => constantIn(x) || shapeKinds.has(x);
      if (opType === 'Shape' || ins.every(shapeIn)) {
        const inKinds = ins.map((x) => (x === '' ? undefined : (known.get(x)?.kind ?? shapeKinds.get(x))));
        const kinds =
          op.foldKind?.(attributes, inKinds) ??
          outs.map(() => (inKinds.every((k) => k !== 'float') ? 'int' : 'float'));
        outs.forEach((y, i) => {
          if (y !== '') shapeKinds.set(y, kinds[i] ?? 'float');
        });
      }
      const constSlots = new Set(op.constInputs ?? []);
      ins.forEach((x, slot) => {
        if (x === '') return;
        if (constSlots.has(slot)) {
          if (!known.has(x) && !initializers.has(x) && !shapeKinds.has(x)) {
            throw new ModelFormatError(
              `ONNX ${where}: input ${slot} ('${x}') must be a constant known at import (or computed from shapes), ` +
                'but the graph computes it from data at run time',
            );
          }
          if (shapeKinds.has(x)) runtimeReads.add(x);
          constSlotReads.add(x);
          return;
        }
        runtimeReads.add(x);
        const init = initializers.get(x);
        if (init !== undefined && init.kind === 'float') {
          const trainable = !(op.frozenInputs ?? []).includes(slot);
          const use = weightUse.get(x);
          weightUse.set(x, { trainable: (use?.trainable ?? true) && trainable });
        }
      });
      nodes.push({ opType, name: nodeName, inputs: [...ins], outputs: [...outs], attributes });
    }
    for (const y of outs) {
      if (y === '') continue;
      if (defined.has(y)) throw new ModelFormatError(`ONNX ${where}: value '${y}' is defined twice`);
      defined.add(y);
    }
  });
  for (const y of outputs) {
    if (!defined.has(y)) throw new ModelFormatError(`ONNX graph: output '${y}' is never computed`);
  }

  // Constants the layer needs at run time: read by a node it runs (any slot: constant slots are
  // read from here too) or given out as an output. Float initializers in a constant slot count.
  // A large float constant read as data (a weight some exporters write as a Constant node) is kept
  // with the weights — in the binary weights file, not model.json — frozen, as a constant is.
  const frozenConstants = new Map<string, ConstTensor>();
  for (const node of nodes) {
    for (const x of node.inputs) {
      const c = known.get(x);
      const large = c !== undefined && c.kind === 'float' && c.data.length > LARGE_CONSTANT;
      if (large && !constSlotReads.has(x) && !weightUse.has(x)) frozenConstants.set(x, c);
    }
  }
  const constants: { name: string; value: ConstTensor }[] = [];
  const constantNames = new Set<string>();
  const addConstant = (x: string, value: ConstTensor | undefined) => {
    if (value === undefined || constantNames.has(x) || weightUse.has(x) || frozenConstants.has(x)) return;
    constantNames.add(x);
    constants.push({ name: x, value });
  };
  for (const node of nodes) for (const x of node.inputs) addConstant(x, known.get(x) ?? initializers.get(x));
  for (const y of outputs)
    addConstant(y, known.get(y) ?? (weightUse.has(y) ? undefined : initializers.get(y)));

  const weights: OnnxWeightConfig[] = [];
  const weightValues: number[][] = [];
  const weightNames = new Set<string>();
  for (const [value, use] of weightUse) {
    const init = initializers.get(value)!;
    weights.push({
      value,
      weight: uniqueLayerName(value, weightNames),
      shape: [...init.dims],
      trainable: use.trainable,
    });
    weightValues.push(init.data);
  }
  for (const [value, c] of frozenConstants) {
    weights.push({
      value,
      weight: uniqueLayerName(value, weightNames),
      shape: [...c.dims],
      trainable: false,
    });
    weightValues.push(c.data);
  }
  const shapeValues = [...shapeKinds].map(([name, kind]) => ({ name, kind }));
  return { inputs, outputs, nodes, weights, weightValues, constants, shapeValues };
}

function lookUp(opType: string, nodeName: string, opset: number): OnnxOperator {
  const op = Object.hasOwn(onnxOperators, opType) ? onnxOperators[opType] : undefined;
  if (!op) {
    throw new ModelFormatError(
      `ONNX node '${nodeName}': operator ${opType || '(none)'} is not supported (supported: ${supportedOperators().join(', ')})`,
    );
  }
  if (op.sinceVersion !== undefined && opset < op.sinceVersion) {
    throw new ModelFormatError(
      `ONNX node '${nodeName}': operator ${opType} exists from opset ${op.sinceVersion}, but the model uses opset ${opset}`,
    );
  }
  return op;
}

/** Compute a node whose inputs are all constants, now; its outputs join the constants. */
function foldNode(
  op: OnnxOperator,
  info: NodeInfo,
  attributes: OnnxNodeConfig['attributes'],
  ins: readonly string[],
  outs: readonly string[],
  known: Map<string, ConstTensor>,
  where: string,
): void {
  const consts = ins.map((x) => (x === '' ? undefined : known.get(x)));
  const results = asFormatError(where, () =>
    noGrad(() =>
      op.run(
        consts.map((c) => (c === undefined ? undefined : constTensor(c))),
        attributes,
        consts,
        info,
      ),
    ),
  );
  const kinds =
    op.foldKind?.(
      attributes,
      consts.map((c) => c?.kind),
    ) ?? outs.map(() => (consts.every((c) => c === undefined || c.kind === 'int') ? 'int' : 'float'));
  outs.forEach((y, i) => {
    if (y === '') return;
    const t = results[i];
    if (t === undefined) throw new ModelFormatError(`ONNX ${where}: gave no output ${i}`);
    const kind = kinds[i] ?? 'float';
    const values = Array.from(t.dataSync());
    // Integer results truncate toward zero, as ONNX's integer arithmetic (Div) does.
    known.set(y, { dims: [...t.shape], data: kind === 'int' ? values.map(Math.trunc) : values, kind });
  });
}

function graphInput(v: ValueInfoProto, i: number): GraphInput {
  const name = v.name ?? '';
  if (name === '') throw new ModelFormatError(`ONNX graph: input ${i} has no name`);
  const type = v.type?.tensorType;
  if (!type) throw new ModelFormatError(`ONNX graph: input '${name}' is not a tensor`);
  if (!INPUT_TYPES.has(type.elemType ?? 0)) {
    throw new ModelFormatError(
      `ONNX graph: input '${name}' has element type ${type.elemType ?? 'UNDEFINED'}; supported: ${[...INPUT_TYPES.values()].join(', ')}`,
    );
  }
  const dims = type.shape?.dim;
  if (!dims || dims.length === 0) {
    throw new ModelFormatError(`ONNX graph: input '${name}' needs a shape with a batch axis first`);
  }
  const rest = dims.slice(1);
  const shape = rest.map((d) => (d.dimValue !== undefined && d.dimParam === undefined ? d.dimValue : null));
  let values = 1;
  for (const d of shape) {
    if (d !== null && (!Number.isSafeInteger(d) || d < 1)) {
      throw new ModelFormatError(`ONNX graph: input '${name}' has a dimension of size ${d}`);
    }
    values *= d ?? 1;
  }
  if (values > MAX_CREATED_VALUES) {
    throw new ModelFormatError(
      `ONNX graph: input '${name}' has ${values} values per sample, more than ${MAX_CREATED_VALUES}`,
    );
  }
  const first = dims[0]!;
  const fixedBatch =
    first.dimParam === undefined && first.dimValue !== undefined && first.dimValue >= 1
      ? first.dimValue
      : null;
  return {
    name,
    shape,
    params: rest.map((d) => (d.dimValue === undefined ? (d.dimParam ?? null) : null)),
    fixedBatch,
  };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

/** A layer or weight name from an ONNX value name ('/' is not allowed), distinct from `used`. */
function uniqueLayerName(name: string, used: Set<string>): string {
  const base = safeName(name) || 'value';
  let candidate = base;
  for (let k = 1; used.has(candidate); k++) candidate = `${base}_${k}`;
  used.add(candidate);
  return candidate;
}
