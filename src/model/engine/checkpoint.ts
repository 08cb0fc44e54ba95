/**
 * Exact resume: while fit() runs, a callback (backupAndRestore) can take the model with everything
 * needed to go on from the same batch — optimiser state, the epoch and batch, fit's generators and
 * the running epoch sums — and put such a checkpoint back before the loop starts.
 */
import { ArgumentError, ModelFormatError } from '../../errors.js';
import type { NamedWeight } from '../../nn/layer.js';
import { getRng, type Rng, type RngState } from '../../random/rng.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import type { ModelArtifacts } from '../artifacts.js';
import type { Logs } from '../callbacks.js';
import type { History } from '../history.js';
import { modelFromArtifacts } from '../serialization.js';
import { decodeTrainingState, encodeTrainingState, type FitProgress } from '../training-state.js';
import type { EngineModel } from './contract.js';

/** What fit() is doing, for checkpoints taken from its callbacks. */
export interface FitSession {
  /** The epoch running (or next, after its end) and its next batch. */
  epoch: number;
  batch: number;
  /** In-memory samples (−1 for a stream, which resumes from epoch ends only). */
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

/** Per model: the running fit's session, and progress a checkpoint put back for the next fit. */
const sessions = new WeakMap<EngineModel, FitSession>();
const pending = new WeakMap<EngineModel, FitProgress>();

export function beginSession(model: EngineModel, session: FitSession): FitSession {
  sessions.set(model, session);
  return session;
}

export function endSession(model: EngineModel): void {
  sessions.delete(model);
  pending.delete(model);
}

export function takePendingResume(model: EngineModel): FitProgress | null {
  const p = pending.get(model) ?? null;
  pending.delete(model);
  return p;
}

/** The trainable weights with their names, in the order the optimiser sees them. */
function trainableNamed(model: EngineModel): NamedWeight[] {
  const names = new Map(model.weights.map((w) => [w.tensor, w.name]));
  return model.trainableWeights.map((tensor) => ({ name: names.get(tensor)!, tensor }));
}

/** The model plus everything an exact resume needs, while fit() runs (from a callback). */
export function trainingArtifacts(model: EngineModel): ModelArtifacts {
  const session = sessions.get(model);
  if (!session || !model.compiled) {
    throw new ArgumentError(
      `trainingArtifacts(): model '${model.name}' is not being trained; call it from a fit() callback`,
    );
  }
  const params = trainableNamed(model);
  const progress: FitProgress = {
    epoch: session.epoch,
    batch: session.batch,
    samples: session.samples,
    batchSize: session.batchSize,
    shuffle: session.shuffle,
    epochStartRng: session.batch > 0 ? session.epochStartRng : null,
    fitRng: session.rng.getState(),
    globalRng: getRng().getState(),
    layerRngs: model.layers.map((l) => l.ownRngs().map((r) => r.getState())),
    sums: { ...session.sums },
    history: { epoch: [...session.history.epoch], history: structuredClone(session.history.history) },
  };
  const optimizerState = model.compiled.optimizer.getState(params.map((p) => p.tensor));
  const trainingState = encodeTrainingState(
    progress,
    optimizerState,
    params.map((p) => ({ name: p.name, shape: p.tensor.shape })),
  );
  return model.toArtifacts({ trainingState });
}

/**
 * Put back a checkpoint written by trainingArtifacts() — weights and optimiser state now, fit's
 * position and generators when the loop starts — from a callback's onTrainBegin. The checkpoint
 * must be of this architecture (layer names may differ: weights are matched by position).
 */
export function restoreTraining(model: EngineModel, artifacts: ModelArtifacts, source = 'checkpoint'): void {
  if (!sessions.has(model) || !model.compiled) {
    throw new ArgumentError(
      `restoreTraining(): model '${model.name}' is not being trained; call it from a fit() callback's onTrainBegin`,
    );
  }
  if (!artifacts.trainingState) {
    throw new ModelFormatError(`${source}: it holds a model but no training state to resume from`);
  }
  const saved = modelFromArtifacts(artifacts, source) as unknown as EngineModel;
  if (saved.architectureSignature() !== model.architectureSignature()) {
    throw new ArgumentError(
      `${source}: the checkpoint is of another architecture than model '${model.name}' ` +
        `(layers ${saved.layers.map((l) => l.className).join(', ')})`,
    );
  }
  const savedNames = trainableNamed(saved).map((w) => ({ name: w.name, shape: w.tensor.shape }));
  const { progress, optimizer } = decodeTrainingState(artifacts.trainingState, savedNames, source);
  if (
    progress.layerRngs.length !== model.layers.length ||
    progress.layerRngs.some((list, i) => list.length !== model.layers[i]!.ownRngs().length)
  ) {
    throw new ModelFormatError(`${source}: the training state's layer generators do not match the layers`);
  }
  const values = saved.getWeights();
  const own = model.weights;
  values.forEach((v, i) => {
    if (!own[i] || !shapesEqual(own[i]!.tensor.shape, v.shape)) {
      throw new ArgumentError(
        `${source}: weight ${i} has shape ${formatShape(v.shape)} where model '${model.name}' has ${own[i] ? formatShape(own[i]!.tensor.shape) : 'none'}`,
      );
    }
  });
  model.compiled.optimizer.setState(model.trainableWeights, optimizer);
  model.setWeights(values);
  pending.set(model, progress);
}

/** Go on from a checkpoint's progress: check it fits this fit() call, then set the generators. */
export function applyProgress(
  model: EngineModel,
  progress: FitProgress,
  session: FitSession,
  lastEpoch: number,
): void {
  const mismatch = (what: string, saved: unknown, now: unknown): never => {
    throw new ArgumentError(
      `fit(): the checkpoint was made by a fit with ${what} ${saved}, this one has ${now}; ` +
        'resume with the same data and options, or delete the checkpoint to start over',
    );
  };
  if (progress.samples !== session.samples) mismatch('training samples', progress.samples, session.samples);
  if (progress.batchSize !== session.batchSize) mismatch('batchSize', progress.batchSize, session.batchSize);
  if (progress.shuffle !== session.shuffle) mismatch('shuffle', progress.shuffle, session.shuffle);
  if (progress.epoch < session.epoch || progress.epoch > lastEpoch) {
    throw new ArgumentError(
      `fit(): the checkpoint is at epoch ${progress.epoch + 1}, outside this fit's epochs ${session.epoch + 1}–${lastEpoch}`,
    );
  }
  getRng().setState(progress.globalRng);
  session.rng.setState(progress.fitRng);
  model.layers.forEach((l, i) => {
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
