/**
 * The functional Model (Keras' functional API): a graph of layers between symbolic inputs and
 * outputs, with any number of each.
 *
 *   const a = input({ shape: [8], name: 'a' });
 *   const b = input({ shape: [8], name: 'b' });
 *   const shared = new Dense({ units: 4, activation: 'relu' });
 *   const merged = new Concatenate().apply([shared.apply(a), shared.apply(b)]);
 *   const model = new Model({ inputs: [a, b], outputs: [new Dense({ units: 1 }).apply(merged)] });
 *
 * A Model is a Module: it can be called on symbolic tensors inside another model (a nested model),
 * its weights, trainable flag and penalties recurse into its layers, and a sub-model made from its
 * symbolic tensors (`new Model({ inputs: m.inputs, outputs: m.getLayer('hidden').output })`)
 * shares its weights. Training goes through the shared engine (src/model/engine/).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { checkOptions } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import {
  type CallOptions,
  type InputShapes,
  isShapeList,
  type Mask,
  type MaskedOutputs,
  type Module,
  type NamedWeight,
  uniqueWeights,
} from '../../nn/module.js';
import {
  formatSymbolicShape,
  type Node,
  type SymbolicShape,
  type SymbolicTensor,
  shapesCompatible,
} from '../../nn/symbolic-tensor.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ModelArtifacts, TrainingStateArtifacts } from '../artifacts.js';
import * as engine from '../engine/index.js';
import { type DataInput, tensorList } from '../engine/inputs.js';
import { findLayer } from '../layer-lookup.js';
import { toArtifacts } from '../serialization.js';
import { TrainableModel } from '../trainable-model.js';
import { type Graph, symbolicList, traceGraph } from './graph.js';
import { graphConfig } from './graph-config.js';
import { InputLayer } from './input.js';
import { modelSummary } from './summary.js';

export interface ModelArgs {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  name?: string;
  trainable?: boolean;
}

export class Model extends TrainableModel {
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Given as one tensor (not a list): forward takes and gives one tensor too. */
  private readonly singleInput: boolean;
  private readonly singleOutput: boolean;
  private readonly graph: Graph;

  constructor(args: ModelArgs) {
    const o = checkOptions('Model', args, ['inputs', 'outputs', 'name', 'trainable']);
    if (o.inputs === undefined || o.outputs === undefined) {
      throw new ArgumentError(
        'Model: give { inputs, outputs } (symbolic tensors from input() and layer calls)',
      );
    }
    super(
      {
        ...(o.name !== undefined && { name: o.name as string }),
        ...(o.trainable !== undefined && { trainable: o.trainable as boolean }),
      },
      'model',
      [],
    );
    this.inputs = symbolicList(o.inputs, `Model '${this.name}': inputs`);
    this.outputs = symbolicList(o.outputs, `Model '${this.name}': outputs`);
    this.singleInput = !Array.isArray(o.inputs);
    this.singleOutput = !Array.isArray(o.outputs);
    this.graph = traceGraph(this.name, this.inputs, this.outputs);
    for (const m of this.graph.modules) this.addModule(m);
    // The layers were built when they were called on symbolic tensors; so is the model.
    this.ensureBuilt(this.symbolicSampleShapes(this.inputs));
    // A frozen model freezes its layers (Keras' trainable: false at construction).
    if (!this.trainable) this.trainable = false;
  }

  get className(): string {
    return 'Model';
  }

  // ---- structure ----------------------------------------------------------------------------

  /** Every layer of the graph (input layers first), in the order the graph first calls them. */
  get layers(): readonly Module[] {
    return this.graph.modules;
  }

  /** The nodes a forward pass runs, dependencies first. */
  get nodes(): readonly Node[] {
    return this.graph.nodes;
  }

  /** The layer called `name`, or the layer at `index` in `layers` (Keras' get_layer(name, index)). */
  getLayer(name?: string | number, index?: number): Module {
    return findLayer(`Model '${this.name}'`, this.graph.modules, name, index);
  }

  /** Made with one input tensor (not a list): call, predict take one tensor. */
  get takesOneTensor(): boolean {
    return this.singleInput;
  }

  /** Made with one output tensor (not a list): call, predict give one tensor. */
  get givesOneTensor(): boolean {
    return this.singleOutput;
  }

  /** Names of the inputs (their input layers') and outputs (their layers', numbered when repeated). */
  get inputNames(): readonly string[] {
    return this.inputs.map((t) => t.node.module.name);
  }

  get outputNames(): readonly string[] {
    // A layer giving two outputs (or one output listed twice) names them name_1, name_2…, skipping
    // a number that is another layer's or input's name (a layer really called name_1): so the names
    // are unique, and a loss or sampleWeight keyed by name, or an exported graph's output, reaches
    // one output. (Keras 3 lets output names repeat; tf.keras numbered all but the first and could
    // still collide.) Names without such a clash are the ones models always had.
    const base = this.outputs.map((x) => x.node.module.name);
    const repeated = (name: string) => base.indexOf(name) !== base.lastIndexOf(name);
    const taken = new Set([...this.layers.map((l) => l.name), ...this.inputNames]);
    const next = new Map<string, number>();
    return base.map((name) => {
      if (!repeated(name)) return name;
      let k = next.get(name) ?? 1;
      while (taken.has(`${name}_${k}`)) k++;
      next.set(name, k + 1);
      taken.add(`${name}_${k}`);
      return `${name}_${k}`;
    });
  }

  private symbolicSampleShapes(list: readonly SymbolicTensor[]): InputShapes {
    const shapes = list.map((x) => x.shape.slice(1) as Shape);
    return this.singleInput && list === this.inputs ? shapes[0]! : shapes;
  }

  // ---- Module hooks -------------------------------------------------------------------------

  /** Output shapes (no batch axis) for inputs of these shapes, which must fit the model's inputs. */
  computeOutputShape(inputShape: InputShapes): InputShapes {
    const given = (isShapeList(inputShape) ? inputShape : [inputShape]) as SymbolicShape[];
    const wanted = this.inputs.map((x) => x.shape.slice(1));
    if (
      !Array.isArray(given) ||
      given.length !== wanted.length ||
      given.some((s, i) => !Array.isArray(s) || !shapesCompatible(s, wanted[i]!))
    ) {
      throw new ShapeError(
        `Model '${this.name}' takes inputs of shape ${wanted.map((s) => formatSymbolicShape([null, ...s])).join(', ')} ` +
          `but was given ${(Array.isArray(given) ? given : [given]).map((s) => (Array.isArray(s) ? formatSymbolicShape([null, ...s]) : String(s))).join(', ')}`,
      );
    }
    const out = this.outputs.map((t) => t.shape.slice(1) as Shape);
    return this.singleOutput ? out[0]! : out;
  }

  protected forward(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const out = this.runGraph(list, [options.mask ?? null], { training: options.training }).outputs;
    return this.singleOutput ? out[0]! : out;
  }

  // ---- masks: each node's output masks go with its outputs to the nodes that take them --------

  /** The masks are the layers' business: each refuses one it cannot take. */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    const masked = new Map<SymbolicTensor, boolean>();
    this.inputs.forEach((t, i) => {
      masked.set(t, inputMasked[i] === true);
    });
    for (const node of this.graph.nodes) {
      const out = node.module.computeOutputMasked(node.inputs.map((t) => masked.get(t) === true));
      node.outputs.forEach((t, k) => {
        masked.set(t, out[k] === true);
      });
    }
    return this.outputs.map((t) => masked.get(t) === true);
  }

  /** The outputs' masks: the layers' masks worked out on the inputs (Keras reruns the graph too). */
  override computeMask(inputs: Tensor | Tensor[], mask: Mask | Mask[]): Mask | Mask[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const masks = Array.isArray(mask) ? mask : [mask];
    const out = noGrad(() => this.runGraph(list, masks, { training: false }).masks);
    return this.singleOutput ? out[0]! : out;
  }

  override callWithMasks(
    inputs: readonly Tensor[],
    _asList: boolean,
    masks: readonly Mask[],
    options: CallOptions,
  ): MaskedOutputs {
    return this.runGraph(inputs, masks, { training: options.training });
  }

  protected layerConfig(): Record<string, unknown> {
    return graphConfig(this);
  }

  /** Weights of every layer, named relative to this model (`dense/kernel`, `inner/dense/kernel`). */
  override get weights(): NamedWeight[] {
    return uniqueWeights(this.graph.modules.flatMap((m) => m.scopedWeights()));
  }

  override scopedWeights(): NamedWeight[] {
    return this.weights.map((w) => ({ name: `${this.name}/${w.name}`, tensor: w.tensor }));
  }

  // ---- running ------------------------------------------------------------------------------

  /**
   * The forward pass on one tensor per input, giving one per output; records the graph unless
   * inside noGrad. `logits[i]` leaves output i's final activation off (for a fused loss).
   */
  forwardAll(
    inputs: readonly Tensor[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): Tensor[] {
    return this.runGraph(inputs, [], options).outputs;
  }

  /** The engine's forward pass with each output's mask (a masked loss averages over real steps). */
  forwardWithMasks(
    inputs: readonly Tensor[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): MaskedOutputs {
    return this.runGraph(inputs, [], options);
  }

  /** Replay the graph's nodes on real tensors, each node's outputs carrying their masks. */
  private runGraph(
    inputs: readonly Tensor[],
    inputMasks: readonly Mask[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): MaskedOutputs {
    if (inputs.length !== this.inputs.length) {
      throw new ArgumentError(
        `Model '${this.name}' has ${this.inputs.length} inputs (${this.inputNames.join(', ')}) but ${inputs.length} tensors were given`,
      );
    }
    const values = new Map<SymbolicTensor, Tensor>();
    const masks = new Map<SymbolicTensor, Mask>();
    inputs.forEach((x, i) => {
      const want = this.inputs[i]!.shape;
      if (!x || typeof x !== 'object' || !('shape' in x) || !shapesCompatible(want, x.shape)) {
        throw new ShapeError(
          `Model '${this.name}': input '${this.inputNames[i]}' must have shape ${formatSymbolicShape(want)}, ` +
            `got ${x && typeof x === 'object' && 'shape' in x ? formatShape(x.shape) : String(x)}`,
        );
      }
      values.set(this.inputs[i]!, x);
      masks.set(this.inputs[i]!, inputMasks[i] ?? null);
    });
    const skip = new Set<Node>();
    options.logits?.forEach((on, i) => {
      if (on && this.fusableOutput(i)) skip.add(this.outputs[i]!.node);
    });
    for (const node of this.graph.nodes) {
      const args = node.inputs.map((t) => values.get(t)!);
      const called = node.module.callWithMasks(
        args,
        node.calledWithList,
        node.inputs.map((t) => masks.get(t) ?? null),
        { training: options.training, skipActivation: skip.has(node) },
      );
      const out = called.outputs;
      if (out.length !== node.outputs.length) {
        throw new ShapeError(
          `Model '${this.name}': layer '${node.module.name}' gave ${out.length} outputs where its symbolic call gave ${node.outputs.length}`,
        );
      }
      node.outputs.forEach((t, k) => {
        values.set(t, out[k]!);
        masks.set(t, called.masks[k] ?? null);
      });
    }
    return {
      outputs: this.outputs.map((t) => values.get(t)!),
      masks: this.outputs.map((t) => masks.get(t) ?? null),
    };
  }

  /** Run the model: `model.call(x)` or `model.call([a, b])`, as given to the constructor. */
  call(inputs: Tensor | Tensor[], options: { training?: boolean; logits?: boolean } = {}): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const out = this.forwardAll(list, {
      training: options.training ?? false,
      ...(options.logits && { logits: this.outputs.map(() => true) }),
    });
    return this.singleOutput ? out[0]! : out;
  }

  /**
   * Whether output i's final activation can be left to the loss: its layer gives one output,
   * which nothing else in the graph (or another output) takes.
   */
  private fusableOutput(i: number): boolean {
    const t = this.outputs[i]!;
    const node = t.node;
    if (node.outputs.length !== 1 || node.inputs.length === 0) return false;
    if (this.outputs.filter((o) => o === t).length > 1) return false;
    return !this.graph.nodes.some((n) => n.inputs.includes(t));
  }

  /** The final activation of each output, for loss fusion ('linear' where it cannot be fused). */
  outputActivations(): readonly string[] {
    return this.outputs.map((t, i) => (this.fusableOutput(i) ? t.node.module.outputActivation : 'linear'));
  }

  /** The sample shape of each output (no batch axis; null where unknown). */
  outputSampleShapes(): readonly SymbolicShape[] {
    return this.outputs.map((t) => t.shape.slice(1));
  }

  /** A functional model is built when it is made; this only checks the shapes fit its inputs. */
  buildFromSampleShapes(shapes: readonly (readonly number[])[]): void {
    this.computeOutputShape(this.singleInput ? (shapes[0] as Shape) : (shapes as Shape[]));
  }

  // ---- inference (the engine in ../engine does the work) -----------------------

  /** Outputs for every sample: one tensor for a model made with one output, else a list. */
  predict(x: DataInput, args: { batchSize?: number } = {}): Tensor | Tensor[] {
    const out = engine.predict(this, x, args);
    return this.singleOutput ? out[0]! : out;
  }

  /** Outputs for one batch, without recording a graph. */
  predictOnBatch(x: DataInput): Tensor | Tensor[] {
    const xs = tensorList(x, this.inputNames, 'predictOnBatch(): x', 'input');
    const out = noGrad(() => this.call(this.singleInput ? xs[0]! : xs));
    const outs = Array.isArray(out) ? out : [out];
    engine.checkPredictions(xs, outs, this.inputNames, this.outputNames, 'predictOnBatch()');
    return out;
  }

  /** The architecture without layer names: a checkpoint must match it to be resumed. */
  architectureSignature(): string {
    const strip = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(strip);
      if (v === null || typeof v !== 'object') return v;
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, k === 'name' ? '' : strip(x)]),
      );
    };
    // Names also appear in node references; their positions in the layer list stand in for them.
    const config = graphConfig(this) as { layers: { name: string }[] };
    const index = new Map(config.layers.map((l, i) => [l.name, `#${i}`]));
    const text = JSON.stringify(strip(config), (_k, v) =>
      typeof v === 'string' && index.has(v) ? index.get(v) : v,
    );
    return text;
  }

  // ---- saving and describing ----------------------------------------------------------------

  /** The model as JSON + weight bytes, in memory (model format 2: the graph, docs/model-format.md). */
  toArtifacts(extra: { trainingState?: TrainingStateArtifacts } = {}): ModelArtifacts {
    return toArtifacts(this, extra);
  }

  /** A table of layers, output shapes, parameter counts and what each is connected to. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const text = modelSummary(this);
    print?.(text);
    return text;
  }
}

export { setWeightValues } from '../trainable-model.js';
export { InputLayer };
