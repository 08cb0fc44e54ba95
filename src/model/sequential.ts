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
import { ArgumentError, ModelFormatError, ShapeError, TrainingError } from '../errors.js';
import { getLoss, type Loss, type LossLike, type LossOptions } from '../losses/index.js';
import { getMetric, type Metric, type MetricLike } from '../metrics/accuracy.js';
import { getActivation } from '../nn/activations.js';
import type { Layer, NamedWeight } from '../nn/layer.js';
import { getOptimizer, type OptimizerLike } from '../optim/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { getRng, Rng, type RngState } from '../random/rng.js';
import { tensor } from '../tensor/create.js';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelArtifacts } from './artifacts.js';
import { type Callback, CallbackList, type CallbackModel, type Logs } from './callbacks.js';
import { asBatchTensor, checkSameLength, type TensorInput, takeRows } from './data.js';
import {
  augmented,
  checkBatchArgs,
  checkCompileArgs,
  checkFitArgs,
  checkLossTargets,
  inCompile,
} from './fit-options.js';
import { History } from './history.js';
import { type IOHandler, resolveIOHandler } from './io.js';
import { ProgressLogger } from './progress.js';
import { modelFromArtifacts, toArtifacts } from './serialization.js';
import { decodeTrainingState, encodeTrainingState, type FitProgress } from './training-state.js';

export interface CompileArgs {
  optimizer: OptimizerLike;
  loss: LossLike;
  /** Options for a loss given by name, e.g. { fromLogits: true }. */
  lossOptions?: LossOptions;
  metrics?: MetricLike[];
}

export interface FitArgs {
  /** Default 32. */
  batchSize?: number;
  /** Default 1. */
  epochs?: number;
  /** Reshuffle the training samples every epoch. Default true. */
  shuffle?: boolean;
  /** Held-out data evaluated after every epoch (val_loss, val_accuracy…). */
  validationData?: [TensorInput, TensorInput];
  /** Or: the last fraction of x/y (before shuffling) held out for validation. */
  validationSplit?: number;
  callbacks?: Callback | Callback[];
  /** 0 silent, 1 progress (a live bar on a terminal, a line per epoch otherwise). Default 1. */
  verbose?: 0 | 1;
  /** Seed for the shuffling order; default: the global RNG. */
  seed?: number;
  /** Epoch to start counting from (resuming). Default 0. */
  initialEpoch?: number;
  /** Transform each training batch's inputs (data augmentation, e.g. imageAugmenter()). */
  augment?: (x: Tensor, rng: Rng) => Tensor;
}

/**
 * Every option name fit() takes (keep in step with FitArgs): any other is refused with the nearest
 * of these. Values are checked in checkFitArgs (fit-options.ts).
 */
export const FIT_OPTIONS: readonly (keyof FitArgs)[] = [
  'batchSize',
  'epochs',
  'shuffle',
  'validationData',
  'validationSplit',
  'callbacks',
  'verbose',
  'seed',
  'initialEpoch',
  'augment',
];

export interface BatchArgs {
  /** Default 256. */
  batchSize?: number;
}

export class Sequential implements CallbackModel {
  readonly name: string;
  stopTraining = false;
  optimizer: Optimizer | null = null;
  loss: Loss | null = null;
  metrics: Metric[] = [];
  private readonly _layers: Layer[] = [];
  private _inputShape: Shape | null = null;
  /** The running fit's position and generators, which checkpoints record (null when none runs). */
  private session: FitSession | null = null;
  /** Progress a checkpoint put back (restoreTraining) for the fit that is starting. */
  private pendingResume: FitProgress | null = null;

  constructor(config: { name?: string; layers?: Layer[] } = {}) {
    this.name = config.name ?? 'sequential';
    for (const layer of config.layers ?? []) this.add(layer);
  }

  get layers(): readonly Layer[] {
    return this._layers;
  }

  /** Append a layer. The first layer should declare its input (inputShape or inputDim). */
  add(layer: Layer): this {
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
    if (this._layers.length === 1 && layer.declaredInputShape) this.build(layer.declaredInputShape);
    return this;
  }

  /** Remove and return the last layer (to replace a model's head). */
  pop(): Layer {
    const layer = this._layers.pop();
    if (!layer) throw new ArgumentError('Sequential.pop(): the model has no layers');
    if (this._layers.length === 0) this._inputShape = null;
    return layer;
  }

  /** Create every layer's weights for samples of `inputShape` (no batch axis). */
  build(inputShape: Shape): void {
    let shape = inputShape;
    for (const layer of this._layers) {
      layer.ensureBuilt(shape);
      shape = layer.computeOutputShape(shape);
    }
    this._inputShape = [...inputShape];
  }

  get built(): boolean {
    return this._inputShape !== null;
  }

  get inputShape(): Shape {
    if (this._inputShape === null) throw new ArgumentError(`model '${this.name}' is not built yet`);
    return this._inputShape;
  }

  get outputShape(): Shape {
    let shape = this.inputShape;
    for (const layer of this._layers) shape = layer.computeOutputShape(shape);
    return shape;
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
    if (this._layers.length === 0) throw new ArgumentError(`model '${this.name}' has no layers`);
    if (!this.built) this.build(x.shape.slice(1));
    const last = this._layers.length - 1;
    let y = x;
    this._layers.forEach((layer, i) => {
      y = layer.apply(y, {
        training: options.training ?? false,
        skipActivation: options.logits === true && i === last,
      });
    });
    return y;
  }

  /** Outputs for every sample of x, computed in batches without recording a graph. */
  predict(x: TensorInput, args: BatchArgs = {}): Tensor {
    const batchSize = checkBatchArgs(args, 'predict()');
    const xs = this.onModelBackend(asBatchTensor(x, 'predict(): x'));
    return noGrad(() => {
      const n = xs.shape[0]!;
      if (n <= batchSize) return this.call(xs);
      let out: Float32Array | null = null;
      let shape: number[] = [];
      const backend = this.backend;
      for (let start = 0; start < n; start += batchSize) {
        // Each batch's tensors are internal (its output is copied out): reuse their memory.
        inStep(backend, () => {
          const yb = this.call(xs.slice(start, start + batchSize));
          if (out === null) {
            shape = [n, ...yb.shape.slice(1)];
            out = new Float32Array((n * yb.size) / yb.shape[0]!);
          }
          out.set(yb.storage.view(), (start * yb.size) / yb.shape[0]!);
        });
      }
      return tensor(out!, { shape });
    });
  }

  // ---- training -----------------------------------------------------------------------------

  compile(args: CompileArgs): void {
    checkCompileArgs(args);
    // Resolved before anything is assigned: a bad metric leaves the model as it was.
    const optimizer = inCompile(() => getOptimizer(args.optimizer));
    const loss = inCompile(() => getLoss(args.loss, args.lossOptions));
    const metrics = inCompile(() => (args.metrics ?? []).map(getMetric));
    this.optimizer = optimizer;
    this.loss = loss;
    this.metrics = metrics;
  }

  /** The loss on logits when the last activation can be fused into it, else null. */
  private fusedLoss(): Loss | null {
    const loss = this.requireCompiled();
    const last = this._layers[this._layers.length - 1];
    if (!last || loss.fromLogits || loss.fusesWith === null || last.outputActivation !== loss.fusesWith)
      return null;
    return loss.withLogits();
  }

  private requireCompiled(): Loss {
    if (!this.loss || !this.optimizer) {
      throw new ArgumentError(
        `model '${this.name}' is not compiled: call compile({ optimizer, loss }) first`,
      );
    }
    return this.loss;
  }

  /**
   * Loss (with weight penalties) and activated predictions for a batch; records the graph if
   * enabled. `fused` is this.fusedLoss(), worked out once per fit/evaluate call.
   */
  private lossAndPredictions(
    xb: Tensor,
    yb: Tensor,
    training: boolean,
    fused: Loss | null,
  ): { loss: Tensor; predictions: Tensor } {
    const out = this.call(xb, { training, logits: fused !== null });
    let loss = (fused ?? this.loss!)(yb, out);
    for (const layer of this._layers) {
      const penalty = layer.regularizationLoss();
      if (penalty) loss = loss.add(penalty);
    }
    const activation = this._layers[this._layers.length - 1]!.outputActivation;
    const predictions = fused ? noGrad(() => getActivation(activation)(out)) : out;
    return { loss, predictions };
  }

  private metricLogs(yb: Tensor, predictions: Tensor, logs: Logs): void {
    for (const m of this.metrics) logs[m.name] = m.fn(yb, predictions);
  }

  /** Train for `epochs` passes over (x, y) in shuffled mini-batches. */
  async fit(x: TensorInput, y: TensorInput, args: FitArgs = {}): Promise<History> {
    this.requireCompiled();
    checkFitArgs(args, FIT_OPTIONS);
    let xs = asBatchTensor(x, 'fit(): x');
    let ys = asBatchTensor(y, 'fit(): y');
    if (!this.built) this.build(xs.shape.slice(1));
    xs = this.onModelBackend(xs);
    ys = this.onModelBackend(ys);
    checkSameLength(xs, ys, 'fit()');
    checkLossTargets(this.loss!, ys, this.outputShape, 'fit(): y');
    const batchSize = positiveInt(args.batchSize ?? 32, 'batchSize');
    const epochs = positiveInt(args.epochs ?? 1, 'epochs');
    const initialEpoch = args.initialEpoch ?? 0;

    let validation: [Tensor, Tensor] | null = null;
    if (args.validationData) {
      validation = [
        asBatchTensor(args.validationData[0], 'validationData x'),
        asBatchTensor(args.validationData[1], 'validationData y'),
      ];
      checkSameLength(validation[0], validation[1], 'fit(): validationData');
      checkLossTargets(this.loss!, validation[1], this.outputShape, 'fit(): validationData y');
    } else if (args.validationSplit !== undefined) {
      const split = args.validationSplit;
      if (!(split > 0 && split < 1))
        throw new ArgumentError(`fit(): validationSplit must be in (0, 1), got ${split}`);
      const cut = Math.floor(xs.shape[0]! * (1 - split));
      if (cut === 0 || cut === xs.shape[0])
        throw new ArgumentError('fit(): validationSplit leaves no training or no validation samples');
      validation = [xs.slice(cut), ys.slice(cut)];
      xs = xs.slice(0, cut);
      ys = ys.slice(0, cut);
    }

    const n = xs.shape[0]!;
    if (n === 0) throw new ArgumentError('fit(): no training samples');
    const steps = Math.ceil(n / batchSize);
    const userCallbacks =
      args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    const callbacks = new CallbackList([
      ...((args.verbose ?? 1) > 0 ? [new ProgressLogger()] : []),
      ...userCallbacks,
    ]);
    const metricNames = ['loss', ...this.metrics.map((m) => m.name)];
    callbacks.setModel(this);
    callbacks.setParams({
      epochs: initialEpoch + epochs,
      steps,
      samples: n,
      metrics: validation ? [...metricNames, ...metricNames.map((k) => `val_${k}`)] : metricNames,
      initialEpoch,
    });
    const rng = args.seed !== undefined ? new Rng(args.seed) : getRng();
    const shuffle = args.shuffle ?? true;
    const history = new History();
    const params = () => this._layers.flatMap((l) => l.trainableWeights);
    const fused = this.fusedLoss();
    const backend = this.backend;
    this.stopTraining = false;
    let lastYield = performance.now();
    // What a training checkpoint records (trainingState()) is read from here while fit runs.
    const session: FitSession = {
      epoch: initialEpoch,
      batch: 0,
      samples: n,
      batchSize,
      shuffle,
      rng,
      epochStartRng: null,
      sums: {},
      history,
    };
    this.session = session;
    try {
      await callbacks.trainBegin({});
      // A callback (backupAndRestore) may have put back a checkpoint's weights and state: go on
      // from where it was, with the generators where they were.
      const resume = this.pendingResume;
      this.pendingResume = null;
      if (resume) this.applyProgress(resume, session, initialEpoch + epochs);
      for (let epoch = session.epoch; epoch < initialEpoch + epochs && !this.stopTraining; epoch++) {
        const firstBatch = resume && epoch === resume.epoch ? resume.batch : 0;
        session.epoch = epoch;
        session.batch = firstBatch;
        if (firstBatch === 0) session.sums = {};
        await callbacks.epochBegin(epoch, {});
        let order: Int32Array | null = null;
        if (shuffle) {
          if (firstBatch > 0) {
            // The order this epoch was drawn in, then the generator as it was after that batch.
            rng.setState(resume!.epochStartRng!);
            order = rng.permutation(n);
            rng.setState(resume!.fitRng);
          } else {
            session.epochStartRng = rng.getState();
            order = rng.permutation(n);
          }
        }
        const sums = session.sums;
        for (let batch = firstBatch; batch < steps; batch++) {
          await callbacks.batchBegin(batch, {});
          const start = batch * batchSize;
          const end = Math.min(n, start + batchSize);
          // Everything this step allocates (batch, activations, gradients) is internal to it:
          // backends that own memory take it all back at the end and reuse it next batch.
          const logs = inStep(backend, (): Logs => {
            const rows = takeRows(xs, start, end, order);
            const xb = args.augment ? augmented(args.augment(rows, rng), rows) : rows;
            const yb = takeRows(ys, start, end, order);
            const { loss, predictions } = this.lossAndPredictions(xb, yb, true, fused);
            const value = loss.item();
            if (!Number.isFinite(value)) {
              throw new TrainingError(
                `fit(): the loss became ${value} at epoch ${epoch + 1}, batch ${batch + 1}/${steps}. ` +
                  'Lower the learning rate, scale the inputs, or check the data for NaN/Infinity.',
              );
            }
            loss.backward();
            const weights = params();
            this.optimizer!.step(weights);
            this.optimizer!.zeroGrad(weights);
            const stepLogs: Logs = { loss: value };
            this.metricLogs(yb, predictions, stepLogs);
            return stepLogs;
          });
          const size = end - start;
          for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * size;
          session.batch = batch + 1;
          await callbacks.batchEnd(batch, { ...logs, size });
          // Tensor memory on the wasm backend comes back through a FinalizationRegistry, whose
          // callbacks only run between event-loop tasks: without a yield now and then, a long epoch
          // never gets its blocks back and memory climbs (1.5 GB by the 3rd MNIST epoch).
          if (performance.now() - lastYield > YIELD_EVERY_MS) {
            await yieldToEventLoop();
            lastYield = performance.now();
          }
        }
        const epochLogs: Logs = {};
        for (const [k, v] of Object.entries(sums)) epochLogs[k] = v / n;
        if (validation) {
          const val = this.evaluate(validation[0], validation[1], { batchSize: Math.max(batchSize, 256) });
          for (const [k, v] of Object.entries(val)) epochLogs[`val_${k}`] = v;
        }
        history.record(epoch, epochLogs);
        // From here a checkpoint is "the next epoch, not started".
        session.epoch = epoch + 1;
        session.batch = 0;
        session.sums = {};
        session.epochStartRng = null;
        await callbacks.epochEnd(epoch, epochLogs);
        await yieldToEventLoop(); // lets browsers repaint and timers run between epochs
      }
    } finally {
      this.session = null;
      this.pendingResume = null;
    }
    await callbacks.trainEnd({});
    return history;
  }

  /** Loss and metrics over (x, y), in batches, without recording a graph. */
  evaluate(x: TensorInput, y: TensorInput, args: BatchArgs = {}): Logs {
    this.requireCompiled();
    const xs = this.onModelBackend(asBatchTensor(x, 'evaluate(): x'));
    const ys = this.onModelBackend(asBatchTensor(y, 'evaluate(): y'));
    checkSameLength(xs, ys, 'evaluate()');
    const batchSize = checkBatchArgs(args, 'evaluate()');
    if (this.built) checkLossTargets(this.loss!, ys, this.outputShape, 'evaluate(): y');
    const n = xs.shape[0]!;
    if (n === 0) throw new ArgumentError('evaluate(): no samples');
    const sums: Logs = {};
    const fused = this.fusedLoss();
    const backend = this.backend;
    noGrad(() => {
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        inStep(backend, () => {
          // Only numbers leave a batch: its memory is reused.
          const yb = ys.slice(start, end);
          const { loss, predictions } = this.lossAndPredictions(xs.slice(start, end), yb, false, fused);
          const logs: Logs = { loss: loss.item() };
          this.metricLogs(yb, predictions, logs);
          for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * (end - start);
        });
      }
    });
    const result: Logs = {};
    for (const [k, v] of Object.entries(sums)) result[k] = v / n;
    return result;
  }

  // ---- weights ------------------------------------------------------------------------------

  /** Every weight, named `layer/weight`, in layer order. */
  get weights(): NamedWeight[] {
    return this._layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Tensor[] {
    return this._layers.flatMap((l) => l.trainableWeights);
  }

  /** Copies of every weight's values (detached), in `weights` order. */
  getWeights(): Tensor[] {
    return noGrad(() => this.weights.map((w) => w.tensor.detach().clone()));
  }

  /** Overwrite every weight's values, in `weights` order; shapes must match. */
  setWeights(values: readonly Tensor[]): void {
    const targets = this.weights;
    if (values.length !== targets.length) {
      throw new ArgumentError(
        `setWeights(): the model has ${targets.length} weights but ${values.length} were given`,
      );
    }
    targets.forEach((w, i) => {
      const v = values[i]!;
      if (!shapesEqual(v.shape, w.tensor.shape)) {
        throw new ShapeError(
          `setWeights(): '${w.name}' has shape ${formatShape(w.tensor.shape)} but the value has ${formatShape(v.shape)}`,
        );
      }
    });
    targets.forEach((w, i) => {
      w.tensor.backend.copy(values[i]!.storage, w.tensor.storage);
    });
  }

  countParams(): number {
    return this._layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** A table of layers, output shapes and parameter counts; printed (by default) and returned. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const rows = this._layers.map((l) => {
      const shape = l.built ? `[null, ${l.outputShape.join(', ')}]` : '?';
      return [
        `${l.name} (${l.className})${l.trainable ? '' : ' [frozen]'}`,
        shape,
        l.countParams().toLocaleString('en-US'),
      ];
    });
    const header = ['Layer (type)', 'Output shape', 'Params'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('');
    const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0));
    const total = this.countParams();
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

  // ---- resuming -----------------------------------------------------------------------------

  /** The trainable weights with their names, in the order the optimiser sees them. */
  private trainableNamed(): NamedWeight[] {
    const names = new Map(this.weights.map((w) => [w.tensor, w.name]));
    return this.trainableWeights.map((tensor) => ({ name: names.get(tensor)!, tensor }));
  }

  /**
   * The model plus everything an exact resume needs — optimiser state, the epoch and batch fit()
   * is at, its generators — while fit() runs (from a callback: backupAndRestore uses it).
   */
  trainingArtifacts(): ModelArtifacts {
    const session = this.session;
    if (!session) {
      throw new ArgumentError(
        `trainingArtifacts(): model '${this.name}' is not being trained; call it from a fit() callback`,
      );
    }
    const params = this.trainableNamed();
    const progress: FitProgress = {
      epoch: session.epoch,
      batch: session.batch,
      samples: session.samples,
      batchSize: session.batchSize,
      shuffle: session.shuffle,
      epochStartRng: session.batch > 0 ? session.epochStartRng : null,
      fitRng: session.rng.getState(),
      globalRng: getRng().getState(),
      layerRngs: this._layers.map((l) => l.ownRngs().map((r) => r.getState())),
      sums: { ...session.sums },
      history: { epoch: [...session.history.epoch], history: structuredClone(session.history.history) },
    };
    const optimizerState = this.optimizer!.getState(params.map((p) => p.tensor));
    const trainingState = encodeTrainingState(
      progress,
      optimizerState,
      params.map((p) => ({ name: p.name, shape: p.tensor.shape })),
    );
    return toArtifacts(this, { trainingState });
  }

  /**
   * Put back a checkpoint written by trainingArtifacts() — weights and optimiser state now, fit's
   * position and generators when the loop starts — from a callback's onTrainBegin. The checkpoint
   * must be of this architecture (layer names may differ: weights are matched by position).
   */
  restoreTraining(artifacts: ModelArtifacts, source = 'checkpoint'): void {
    if (!this.session) {
      throw new ArgumentError(
        `restoreTraining(): model '${this.name}' is not being trained; call it from a fit() callback's onTrainBegin`,
      );
    }
    if (!artifacts.trainingState) {
      throw new ModelFormatError(`${source}: it holds a model but no training state to resume from`);
    }
    const saved = modelFromArtifacts(artifacts, source);
    const unnamed = (m: Sequential) =>
      JSON.stringify(
        m.layers.map((l) => ({ ...l.getConfig(), config: { ...l.getConfig().config, name: '' } })),
      );
    if (unnamed(saved) !== unnamed(this) || !shapesEqual(saved.inputShape, this.inputShape)) {
      throw new ArgumentError(
        `${source}: the checkpoint is of another architecture than model '${this.name}' ` +
          `(layers ${saved.layers.map((l) => l.className).join(', ')} on input ${formatShape(saved.inputShape)})`,
      );
    }
    const savedNames = saved.trainableNamed().map((w) => ({ name: w.name, shape: w.tensor.shape }));
    const { progress, optimizer } = decodeTrainingState(artifacts.trainingState, savedNames, source);
    if (
      progress.layerRngs.length !== this._layers.length ||
      progress.layerRngs.some((list, i) => list.length !== this._layers[i]!.ownRngs().length)
    ) {
      throw new ModelFormatError(`${source}: the training state's layer generators do not match the layers`);
    }
    const values = saved.getWeights();
    this.optimizer!.setState(this.trainableWeights, optimizer);
    this.setWeights(values);
    this.pendingResume = progress;
  }

  /** Go on from a checkpoint's progress: check it fits this fit() call, then set the generators. */
  private applyProgress(progress: FitProgress, session: FitSession, lastEpoch: number): void {
    const mismatch = (what: string, saved: unknown, now: unknown): never => {
      throw new ArgumentError(
        `fit(): the checkpoint was made by a fit with ${what} ${saved}, this one has ${now}; ` +
          'resume with the same data and options, or delete the checkpoint to start over',
      );
    };
    if (progress.samples !== session.samples) mismatch('training samples', progress.samples, session.samples);
    if (progress.batchSize !== session.batchSize)
      mismatch('batchSize', progress.batchSize, session.batchSize);
    if (progress.shuffle !== session.shuffle) mismatch('shuffle', progress.shuffle, session.shuffle);
    if (progress.epoch < session.epoch || progress.epoch > lastEpoch) {
      throw new ArgumentError(
        `fit(): the checkpoint is at epoch ${progress.epoch + 1}, outside this fit's epochs ` +
          `${session.epoch + 1}–${lastEpoch}`,
      );
    }
    getRng().setState(progress.globalRng);
    session.rng.setState(progress.fitRng);
    this._layers.forEach((l, i) => {
      l.ownRngs().forEach((r, k) => {
        r.setState(progress.layerRngs[i]![k]!);
      });
    });
    session.epoch = progress.epoch;
    session.batch = progress.batch;
    session.sums = { ...progress.sums };
    session.epochStartRng = progress.epochStartRng;
    progress.history.epoch.forEach((epoch, i) => {
      const logs: Logs = {};
      for (const [k, values] of Object.entries(progress.history.history)) logs[k] = values[i]!;
      session.history.record(epoch, logs);
    });
  }

  // ---- saving -------------------------------------------------------------------------------

  /** The model as JSON + weight bytes, in memory (for browsers, or custom storage). */
  toArtifacts(): ModelArtifacts {
    return toArtifacts(this);
  }

  /** Save to a path (Node: a folder with model.json and weights.bin, written atomically) or handler. */
  async save(target: string | IOHandler): Promise<void> {
    const artifacts = this.toArtifacts();
    await resolveIOHandler(target, 'save').save!(artifacts);
  }
}

/** What fit() is doing, for checkpoints taken from its callbacks. */
interface FitSession {
  /** The epoch running (or next, after its end) and its next batch. */
  epoch: number;
  batch: number;
  samples: number;
  batchSize: number;
  shuffle: boolean;
  /** The generator for shuffling and augmentation (fit's seed, else the global one). */
  rng: Rng;
  /** rng's state before this epoch's order was drawn. */
  epochStartRng: RngState | null;
  sums: Logs;
  history: History;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new ArgumentError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** setImmediate where it exists (Node: no 1 ms timer clamp), setTimeout elsewhere. */
/**
 * Run one batch's work in the backend's step scope (if it has one): what it allocates goes back to
 * the allocator when it returns or throws, so the next batch reuses the same memory.
 */
function inStep<T>(backend: Backend, fn: () => T): T {
  backend.beginStep?.();
  try {
    return fn();
  } finally {
    backend.endStep?.();
  }
}

/** How often fit() lets the event loop run (finalizers, timers, browser repaints). */
const YIELD_EVERY_MS = 20;

function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}
