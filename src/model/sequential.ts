/**
 * Sequential: a stack of layers, each feeding the next — the Keras model the tutorials use.
 *
 *   const model = new Sequential();
 *   model.add(new Dense({ units: 64, activation: 'relu', inputDim: 30 }));
 *   model.add(new Dense({ units: 2, activation: 'softmax' }));
 *   model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 *   const history = await model.fit(x, y, { batchSize: 32, epochs: 50 });
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { checkOptions, describeValue, type Options } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { Loss } from '../losses/index.js';
import type { Metric } from '../metrics/accuracy.js';
import type { Layer } from '../nn/layer.js';
import {
  type CallOptions,
  type InputShapes,
  isShapeList,
  type Mask,
  type MaskedOutputs,
  Module,
  type NamedWeight,
} from '../nn/module.js';
import { type SymbolicShape, type SymbolicTensor, shapesCompatible } from '../nn/symbolic-tensor.js';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelArtifacts, TrainingStateArtifacts } from './artifacts.js';
import { asBatchTensor, type TensorInput } from './data.js';
import type { CompileArgs, SingleOutputCompileArgs } from './engine/compile.js';
import * as engine from './engine/index.js';
import type { DataInput } from './engine/inputs.js';
import type { FitArgs } from './engine/train-batch.js';
import { InputLayer } from './functional/input.js';
import { findLayer } from './layer-lookup.js';
import { toArtifacts } from './serialization.js';
import { TrainableModel } from './trainable-model.js';

export { FIT_OPTIONS } from './engine/train-batch.js';
export type { CompileArgs, FitArgs, SingleOutputCompileArgs };

export interface SequentialConfig {
  name?: string;
  /** The layers, in order (add() appends more). */
  layers?: readonly Layer[];
  trainable?: boolean;
}

/**
 * The constructor's options checked before any work: a list is the layers (Keras' habit), an
 * unknown key is refused with the nearest name, and `layers` must be a list of layers — else a
 * typo ('layerz') would give a model with no layers that fails only at fit().
 */
function sequentialOptions(
  config: SequentialConfig | readonly Layer[],
): Options & { layers: readonly unknown[] } {
  const o = Array.isArray(config)
    ? { layers: config }
    : checkOptions('Sequential', config, SEQUENTIAL_OPTIONS);
  const layers = o.layers ?? [];
  if (!Array.isArray(layers)) {
    const got =
      layers instanceof Module ? `one layer (${layers.className} '${layers.name}')` : describeValue(layers);
    throw new ArgumentError(`Sequential: layers must be a list of layers, got ${got}`);
  }
  layers.forEach((layer, i) => {
    if (!(layer instanceof Module)) {
      throw new ArgumentError(`Sequential: layers[${i}] must be a layer, got ${describeValue(layer)}`);
    }
  });
  return { ...o, layers };
}

const SEQUENTIAL_OPTIONS = ['name', 'layers', 'trainable'];

export interface BatchArgs {
  /** Default 256. */
  batchSize?: number;
}

/**
 * A Sequential is a Module: it can be called as a layer inside a functional Model (its weights,
 * trainable flag and penalties recurse into its layers), and is saved there with its layers.
 */
export class Sequential extends TrainableModel {
  /** compile()'s loss and metrics (a Sequential has one output). */
  loss: Loss | null = null;
  metrics: Metric[] = [];
  private readonly _layers: Layer[] = [];
  /** The sample shape the layers were built for (null before). */
  private _sampleShape: Shape | null = null;
  /**
   * The layers called on a symbolic input, each one's output kept: made when first asked for
   * (inputs, outputs, getLayer), so that a model nobody asks never gives its layers a graph node.
   */
  private _symbolic: { input: SymbolicTensor; outputs: SymbolicTensor[] } | null = null;

  /** The options, or (Keras' `Sequential([...])`) the list of layers itself. */
  constructor(config: SequentialConfig | readonly Layer[] = {}) {
    const o = sequentialOptions(config);
    super(
      {
        ...(o.name !== undefined && { name: o.name as string }),
        ...(o.trainable !== undefined && { trainable: o.trainable as boolean }),
      },
      'sequential',
      [],
    );
    for (const layer of o.layers as readonly Layer[]) this.add(layer);
    if (!this.trainable) this.trainable = false;
  }

  get className(): string {
    return 'Sequential';
  }

  get layers(): readonly Layer[] {
    return this._layers;
  }

  /** Append a layer. The first layer should declare its input (inputShape or inputDim). */
  add(layer: Layer): this {
    if (!(layer instanceof Module)) {
      // Caught here, not as a TypeError from the first method the model calls on it.
      throw new ArgumentError(`Sequential.add(): needs a layer, got ${describeValue(layer)}`);
    }
    if ((layer as { returnState?: unknown }).returnState === true) {
      // Keras refuses it too: the next layer would get [output, ...states].
      throw new ArgumentError(
        `Sequential: layer '${layer.name}' has returnState: true and gives several tensors, but a Sequential passes ` +
          'one tensor from layer to layer; take the states with the functional API (input(), Model)',
      );
    }
    if (this._layers.some((l) => l.name === layer.name)) {
      throw new ArgumentError(
        `Sequential: a layer named '${layer.name}' is already in the model; names must be unique`,
      );
    }
    if (this._layers.length > 0 && layer.declaredInputShape && this.built) {
      const previous = this.outputShape;
      if (!shapesEqual(previous, layer.declaredInputShape)) {
        throw new ShapeError(
          `Sequential: layer '${layer.name}' declares input shape ${formatShape(layer.declaredInputShape)} but the ` +
            `previous layer outputs ${formatShape(previous)}`,
        );
      }
    }
    if (this.built) layer.ensureBuilt(this.outputShape);
    this._layers.push(layer);
    try {
      // A mask (from Embedding({ maskZero }) or Masking) must not reach a layer that cannot take it.
      this.computeOutputMasked([false]);
    } catch (e) {
      this._layers.pop();
      throw e;
    }
    this.addModule(layer);
    if (this._layers.length === 1 && layer.declaredInputShape) this.build(layer.declaredInputShape);
    if (this._symbolic) this.extendSymbolic();
    return this;
  }

  /** Remove and return the last layer (to replace a model's head). */
  pop(): Layer {
    const layer = this._layers.pop();
    if (!layer) throw new ArgumentError('Sequential.pop(): the model has no layers');
    this.removeModule(layer);
    if (this._layers.length === 0) this._sampleShape = null;
    if (this._symbolic)
      this._symbolic.outputs.length = Math.min(this._symbolic.outputs.length, this._layers.length);
    if (this._sampleShape === null) this._symbolic = null;
    return layer;
  }

  /**
   * The layer called `name`, or the one at `index` in `layers` (Keras' get_layer(name, index)).
   * On a built model its layers have then been called on the model's symbolic input, as Keras
   * does when it builds one: `new Model({ inputs: seq.inputs, outputs: seq.getLayer('h').output })`
   * is a feature extractor sharing the weights.
   */
  getLayer(name?: string | number, index?: number): Layer {
    const layer = findLayer(`Sequential '${this.name}'`, this._layers, name, index);
    if (this.built) this.symbolicGraph();
    return layer;
  }

  /** The symbolic input of a built model (Keras' model.inputs), to start a functional Model from. */
  get inputs(): SymbolicTensor[] {
    return [this.symbolicGraph().input];
  }

  /** The last layer's symbolic output on `inputs` (Keras' model.outputs). */
  get outputs(): SymbolicTensor[] {
    const g = this.symbolicGraph();
    return [g.outputs.at(-1) ?? g.input];
  }

  private symbolicGraph(): { input: SymbolicTensor; outputs: SymbolicTensor[] } {
    if (this._sampleShape === null) {
      throw new ArgumentError(
        `Sequential '${this.name}' is not built, so it has no symbolic inputs or outputs yet; ` +
          'give the first layer inputShape (or inputDim), or call build()',
      );
    }
    if (this._symbolic === null) {
      const layer = new InputLayer({
        name: this.inputNames[0]!,
        batchInputShape: [null, ...this._sampleShape],
      });
      this._symbolic = { input: layer.inboundNodes[0]!.outputs[0]!, outputs: [] };
      this.extendSymbolic();
    }
    return this._symbolic;
  }

  /** Calls the layers not yet in the symbolic graph on the previous one's output. */
  private extendSymbolic(): void {
    const g = this._symbolic!;
    for (let i = g.outputs.length; i < this._layers.length; i++) {
      g.outputs.push(this._layers[i]!.apply(g.outputs[i - 1] ?? g.input));
    }
  }

  /** Create every layer's weights for samples of `inputShape` (no batch axis). */
  override build(inputShape: Shape): void {
    let shape = inputShape;
    for (const layer of this._layers) {
      layer.ensureBuilt(shape);
      shape = layer.computeOutputShape(shape);
    }
    if (this._sampleShape === null || !shapesEqual(this._sampleShape, inputShape)) this._symbolic = null;
    this._sampleShape = [...inputShape];
  }

  override get built(): boolean {
    return this._sampleShape !== null;
  }

  override get inputShape(): Shape {
    if (this._sampleShape === null) throw new ArgumentError(`model '${this.name}' is not built yet`);
    return this._sampleShape;
  }

  override get outputShape(): Shape {
    return this.computeOutputShape(this.inputShape);
  }

  // ---- as a layer (Module) --------------------------------------------------------------------

  /** Build on first use; later calls must fit the built shape (null dims match any size). */
  override ensureBuilt(inputShape: InputShapes): void {
    if (isShapeList(inputShape)) {
      throw new ArgumentError(
        `Sequential '${this.name}' takes one input, got a list of ${inputShape.length}`,
      );
    }
    if (this._sampleShape === null) {
      this.build(inputShape);
      return;
    }
    if (!shapesCompatible(this._sampleShape, inputShape as SymbolicShape)) {
      throw new ShapeError(
        `model '${this.name}' expects inputs of shape [batch, ${this._sampleShape.join(', ')}] ` +
          `but got [batch, ${inputShape.join(', ')}]`,
      );
    }
  }

  /** As a layer: one tensor in, one out (or, on a symbolic tensor, a graph node). */
  override apply(x: Tensor | Tensor[], options?: CallOptions): Tensor;
  override apply(x: SymbolicTensor | SymbolicTensor[], options?: CallOptions): SymbolicTensor;
  override apply(
    x: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[],
    options: CallOptions = { training: false },
  ): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    // A list of one is that one tensor (what a one-output model's call may give back).
    if (Array.isArray(x)) {
      if (x.length !== 1)
        throw new ArgumentError(`Sequential '${this.name}' takes one input, got a list of ${x.length}`);
      x = x[0]!;
    }
    return super.apply(x as never, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    let shape = inputShape;
    for (const layer of this._layers) shape = layer.computeOutputShape(shape);
    return shape;
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    return this.runLayers(x, options.mask ?? null, {
      training: options.training,
      logits: options.skipActivation === true,
    }).y;
  }

  // ---- masks: each layer's output mask goes to the next layer with its output -----------------

  /** The masks are the layers' business: each refuses one it cannot take. */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    let masked = inputMasked.some(Boolean);
    for (const layer of this._layers) masked = layer.computeOutputMasked([masked])[0] === true;
    return [masked];
  }

  /** The output's mask: the layers' masks worked out on x (Keras reruns the layers too). */
  override computeMask(x: Tensor | Tensor[], mask: Mask | Mask[]): Mask {
    const input = Array.isArray(x) ? x[0]! : x;
    const m = Array.isArray(mask) ? (mask[0] ?? null) : mask;
    return noGrad(() => this.runLayers(input, m, { training: false }).mask);
  }

  override callWithMasks(
    inputs: readonly Tensor[],
    _asList: boolean,
    masks: readonly Mask[],
    options: CallOptions,
  ): MaskedOutputs {
    if (inputs.length !== 1) {
      throw new ArgumentError(`Sequential '${this.name}' takes one input, got a list of ${inputs.length}`);
    }
    const { y, mask } = this.runLayers(inputs[0]!, masks[0] ?? null, {
      training: options.training,
      logits: options.skipActivation === true,
    });
    return { outputs: [y], masks: [mask] };
  }

  /** The engine's forward pass with each output's mask (a masked loss averages over real steps). */
  forwardWithMasks(
    inputs: readonly Tensor[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): MaskedOutputs {
    if (inputs.length !== 1) {
      throw new ArgumentError(`model '${this.name}' takes one input, got ${inputs.length}`);
    }
    const { y, mask } = this.runLayers(inputs[0]!, null, {
      training: options.training,
      logits: options.logits?.[0] === true,
    });
    return { outputs: [y], masks: [mask] };
  }

  /** The layers' configs (and the input shape once built): what rebuilds it inside a saved graph. */
  protected layerConfig(): Record<string, unknown> {
    return {
      layers: this._layers.map((l) => l.getConfig()),
      ...(this.built && { inputShape: [...this.inputShape] }),
    };
  }

  override get outputActivation(): string {
    return this._layers[this._layers.length - 1]?.outputActivation ?? 'linear';
  }

  /**
   * Inputs made on another backend than the model's weights (say, data loaded before
   * setBackend('wasm')) are copied over once, instead of failing in the first op.
   */
  private onModelBackend(t: Tensor): Tensor {
    return t.to(this.backend.name);
  }

  /** The backend holding the weights (the active one for a model without weights). */
  private get backend(): Backend {
    const owner = this._layers.find((l) => l.built && l.weights.length > 0);
    return owner ? owner.weights[0]!.tensor.backend : getBackend();
  }

  // ---- forward ------------------------------------------------------------------------------

  /**
   * Run the layers on a batch. Records the graph unless called inside noGrad. With `logits`, the
   * last layer's activation is left out (for fused losses).
   */
  call(x: Tensor, options: { training?: boolean; logits?: boolean } = {}): Tensor {
    return this.runLayers(x, null, options).y;
  }

  /** The layers in turn, each given the previous one's output and its mask. */
  private runLayers(
    x: Tensor,
    inputMask: Mask,
    options: { training?: boolean; logits?: boolean },
  ): { y: Tensor; mask: Mask } {
    if (this._layers.length === 0) throw new ArgumentError(`model '${this.name}' has no layers`);
    if (!this.built) this.build(x.shape.slice(1));
    const last = this._layers.length - 1;
    let y = x;
    let mask = inputMask;
    for (let i = 0; i <= last; i++) {
      const out = this._layers[i]!.callWithMasks([y], false, [mask], {
        training: options.training ?? false,
        skipActivation: options.logits === true && i === last,
      });
      y = out.outputs[0]!;
      mask = out.masks[0] ?? null;
    }
    return { y, mask };
  }

  // ---- training (the engine in ./engine does the work, for every kind of model) -------------

  /** The optimiser, the loss and the metrics (typed for one output: a misspelt name fails to compile). */
  override compile(args: SingleOutputCompileArgs): void {
    super.compile(args as CompileArgs);
    this.loss = this.compiled!.losses[0]!;
    this.metrics = this.compiled!.metrics[0]!;
  }

  /** Outputs for every sample of x, computed in batches without recording a graph. */
  predict(x: DataInput, args: BatchArgs = {}): Tensor {
    return engine.predict(this, x, args)[0]!;
  }

  /** Outputs for one batch, without recording a graph. */
  predictOnBatch(x: DataInput): Tensor {
    const xs = this.onModelBackend(asBatchTensor(x as TensorInput, 'predictOnBatch(): x'));
    const out = noGrad(() => this.call(xs));
    engine.checkPredictions([xs], [out], this.inputNames, this.outputNames, 'predictOnBatch()');
    return out;
  }

  // ---- what the engine asks of a model (EngineModel) ------------------------------------------

  get inputNames(): string[] {
    return [`${this._layers[0]?.name ?? 'sequential'}_input`];
  }

  get outputNames(): string[] {
    return [this._layers[this._layers.length - 1]?.name ?? 'output'];
  }

  buildFromSampleShapes(shapes: readonly (readonly number[])[]): void {
    if (shapes.length !== 1)
      throw new ArgumentError(`model '${this.name}' has one input, got ${shapes.length}`);
    this.build(shapes[0]!);
  }

  outputSampleShapes(): Shape[] {
    return [this.outputShape];
  }

  forwardAll(
    inputs: readonly Tensor[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): Tensor[] {
    return this.forwardWithMasks(inputs, options).outputs;
  }

  outputActivations(): string[] {
    return [this._layers[this._layers.length - 1]?.outputActivation ?? 'linear'];
  }

  architectureSignature(): string {
    const layers = this._layers.map((l) => {
      const c = l.getConfig();
      return { ...c, config: { ...c.config, name: '' } };
    });
    return JSON.stringify({ layers, input: this.built ? this.inputShape : null });
  }

  // ---- weights ------------------------------------------------------------------------------

  /** Every weight, named `layer/weight`, in layer order. */
  override get weights(): NamedWeight[] {
    return this._layers.flatMap((l) => l.weights);
  }

  /** Inside a functional model, named `sequential/layer/weight`. */
  override scopedWeights(): NamedWeight[] {
    return this.weights.map((w) => ({ name: `${this.name}/${w.name}`, tensor: w.tensor }));
  }

  override countParams(): number {
    if (!this.built)
      throw new ArgumentError(
        `countParams(): model '${this.name}' is not built yet, so it has no weights to count; ` +
          'give the first layer inputShape/inputDim, or call build() or fit()',
      );
    return this._layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** A table of layers, output shapes and parameter counts; printed (by default) and returned. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const rows = this._layers.map((l) => {
      const shape = l.built ? `[null, ${l.outputShape.join(', ')}]` : '?';
      return [
        `${l.name} (${l.className})${l.trainable ? '' : ' [frozen]'}`,
        shape,
        paramsSoFar(l).toLocaleString('en-US'),
      ];
    });
    const header = ['Layer (type)', 'Output shape', 'Params'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('');
    const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0));
    const total = this._layers.reduce((n, l) => n + paramsSoFar(l), 0);
    const trainable = this._layers.reduce((s, l) => s + l.countTrainableParams(), 0);
    const text = [
      `Model: "${this.name}"`,
      rule('─'),
      line(header),
      rule('═'),
      ...rows.map(line),
      rule('─'),
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
      ...(this.built
        ? []
        : ['(not built: give the first layer inputShape/inputDim, or call build() or fit())']),
    ].join('\n');
    print?.(text);
    return text;
  }

  // ---- saving -------------------------------------------------------------------------------

  /** The model as JSON + weight bytes, in memory (for browsers, or custom storage). */
  toArtifacts(extra: { trainingState?: TrainingStateArtifacts } = {}): ModelArtifacts {
    return toArtifacts(this, extra);
  }
}

/** A layer's parameters, 0 before it is built: summary() also describes unbuilt models. */
function paramsSoFar(layer: Module): number {
  return layer.built ? layer.countParams() : 0;
}
