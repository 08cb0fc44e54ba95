/**
 * What every model has besides its structure: compile, fit, evaluate, the *OnBatch methods,
 * checkpoints, weights as a list, saving — all handed to the one training engine (./engine).
 * Sequential and the functional Model extend this and say only how they run (forwardAll), what
 * their inputs and outputs are, and how they save.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Dataset } from '../data/dataset.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { Module, type NamedWeight } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelArtifacts, TrainingStateArtifacts } from './artifacts.js';
import type { Logs } from './callbacks.js';
import { type BatchStream, isBatchStream } from './engine/batches.js';
import { type CompileArgs, type Compiled, resolveCompile } from './engine/compile.js';
import type { EngineModel, SampleShape } from './engine/contract.js';
import type { EvaluateArgs } from './engine/evaluate.js';
import * as engine from './engine/index.js';
import type { DataInput } from './engine/inputs.js';
import type { ClassWeight } from './engine/sample-weights.js';
import type { FitArgs } from './engine/train-batch.js';
import type { History } from './history.js';
import { type IOHandler, resolveIOHandler } from './io.js';

export abstract class TrainableModel extends Module implements EngineModel {
  stopTraining = false;
  optimizer: Optimizer | null = null;
  /** What compile() resolved (per output: loss, weight, metrics), null before. */
  compiled: Compiled | null = null;

  // ---- what a model says about itself (EngineModel) -------------------------------------------
  abstract get inputNames(): readonly string[];
  abstract get outputNames(): readonly string[];
  /** The layers, in a stable order (checkpoints record each one's own generators in it). */
  abstract get layers(): readonly Module[];
  abstract buildFromSampleShapes(shapes: readonly (readonly number[])[]): void;
  abstract outputSampleShapes(): readonly SampleShape[];
  abstract forwardAll(
    inputs: readonly Tensor[],
    options: { training: boolean; logits?: readonly boolean[] },
  ): Tensor[];
  abstract outputActivations(): readonly string[];
  abstract architectureSignature(): string;
  /** The model as JSON + weight bytes, in memory (docs/model-format.md). */
  abstract toArtifacts(extra?: { trainingState?: TrainingStateArtifacts }): ModelArtifacts;

  // ---- training (the engine does the work) ------------------------------------------------------

  /**
   * The optimiser, and per output its loss, weight and metrics: one for every output, a list in
   * output order, or `{ outputName: … }`. Resolved before anything is assigned: a bad metric leaves
   * the model as it was.
   */
  compile(args: CompileArgs): void {
    const compiled = resolveCompile(args, this.outputNames);
    this.compiled = compiled;
    this.optimizer = compiled.optimizer;
  }

  /**
   * Train for `epochs` passes over x (one tensor per input: alone, a list, or `{ inputName: … }`)
   * and y (likewise per output) in shuffled mini-batches — or over a Dataset (or async iterable) of
   * `{ xs, ys }` batches: `fit(dataset, { epochs })`.
   */
  fit(x: DataInput, y: DataInput, args?: FitArgs): Promise<History>;
  fit(data: Dataset<unknown> | BatchStream, args?: FitArgs): Promise<History>;
  fit(x: unknown, y?: unknown, args?: FitArgs): Promise<History> {
    if (isBatchStream(x)) return engine.fit(this, x, undefined, (y as FitArgs | undefined) ?? {});
    return engine.fit(this, x, y, args ?? {});
  }

  /** Loss (total, and per output when there are several) and metrics over (x, y), without a graph. */
  evaluate(x: DataInput, y: DataInput, args: EvaluateArgs = {}): Logs {
    return engine.evaluate(this, x, y, args);
  }

  /** The same over a Dataset (or async iterable) of `{ xs, ys }` batches. */
  evaluateDataset(data: Dataset<unknown> | BatchStream, args: { steps?: number } = {}): Promise<Logs> {
    return engine.evaluateDataset(this, data, args);
  }

  /** One optimiser update on one batch (Keras' train_on_batch); returns its loss and metrics. */
  trainOnBatch(
    x: DataInput,
    y: DataInput,
    args: { sampleWeight?: unknown; classWeight?: ClassWeight } = {},
  ): Logs {
    return engine.trainOnBatch(this, x, y, args);
  }

  /** Loss and metrics on one batch, without updating. */
  testOnBatch(x: DataInput, y: DataInput): Logs {
    return engine.testOnBatch(this, x, y);
  }

  // ---- resuming -------------------------------------------------------------------------------

  /**
   * The model plus everything an exact resume needs — optimiser state, the epoch and batch fit()
   * is at, its generators — while fit() runs (from a callback: backupAndRestore uses it).
   */
  trainingArtifacts(): ModelArtifacts {
    return engine.trainingArtifacts(this);
  }

  /**
   * Put back a checkpoint written by trainingArtifacts() — weights and optimiser state now, fit's
   * position and generators when the loop starts — from a callback's onTrainBegin.
   */
  restoreTraining(artifacts: ModelArtifacts, source = 'checkpoint'): void {
    engine.restoreTraining(this, artifacts, source);
  }

  // ---- weights and saving -----------------------------------------------------------------------

  /** Copies of every weight's values (detached), in `weights` order. */
  getWeights(): Tensor[] {
    return noGrad(() => this.weights.map((w) => w.tensor.detach().clone()));
  }

  /** Overwrite every weight's values, in `weights` order; shapes must match. */
  setWeights(values: readonly Tensor[]): void {
    setWeightValues(this.weights, values);
  }

  /** Save to a path (Node: a folder with model.json and the weights, written atomically) or handler. */
  async save(target: string | IOHandler): Promise<void> {
    await resolveIOHandler(target, 'save').save!(this.toArtifacts());
  }
}

/** Copy `values` into `targets` (same order and shapes), refusing any mismatch before writing. */
export function setWeightValues(targets: readonly NamedWeight[], values: readonly Tensor[]): void {
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
    w.tensor.backend.copy(values[i]!.to(w.tensor.backend.name).storage, w.tensor.storage);
  });
}
