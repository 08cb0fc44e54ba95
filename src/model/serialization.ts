/**
 * Models ⇄ ModelArtifacts: a Sequential (its layer list) or a functional Model (its graph,
 * functional/graph-config.ts). manifest.ts, architecture.ts and functional/graph-load.ts hold
 * what loading checks.
 */

import { checkOptions } from '../config/options.js';
import { ModelFormatError } from '../errors.js';
import type { LossName } from '../losses/index.js';
import type { MetricLike } from '../metrics/accuracy.js';
import { Layer } from '../nn/layer.js';
import type { NamedWeight } from '../nn/module.js';
import { layerFromConfig, registerLayer } from '../nn/registry.js';
import { getOptimizer } from '../optim/index.js';
import { tensor } from '../tensor/create.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { planModel, planSequentialConfig } from './architecture.js';
import {
  checkBinary,
  checksum,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelArtifacts,
  type ModelJson,
  packWeights,
  type TrainingStateArtifacts,
  trainingStateFileName,
  type WeightEntry,
  weightsFileName,
  weightView,
} from './artifacts.js';
import type { CompileArgs, Compiled } from './engine/compile.js';
import {
  type ExpectedWeight,
  modelFromGraphConfig,
  planGraph,
  registerContainerPlanner,
} from './functional/graph-load.js';
import { Model } from './functional/model.js';
import { type IOHandler, resolveIOHandler } from './io.js';
import { entriesByName, sealModelJson, validateModelJson } from './manifest.js';
import { Sequential } from './sequential.js';
import { decodeTrainingState } from './training-state.js';

/** backprop's version, as files it writes name their writer (generatedBy 'backprop 0.1.0'). */
export const VERSION = '0.1.0';

export interface ToArtifactsOptions {
  /** An exact-resume state to store and commit together with the model (training-state.ts). */
  trainingState?: TrainingStateArtifacts;
}

/** Any saved model: a Sequential or a functional Model. */
export type SavedModel = Sequential | Model;

/** How the model was compiled, in model.json's words (one loss, or one per output). */
function trainingConfigOf(compiled: Compiled | null): ModelJson['trainingConfig'] | undefined {
  if (!compiled) return undefined;
  const one = compiled.losses.length === 1;
  const first = compiled.losses[0]!;
  return {
    loss: one ? first.name : compiled.losses.map((l) => l.name),
    lossOptions: { fromLogits: first.fromLogits, reduction: first.reduction },
    metrics: one
      ? compiled.metrics[0]!.map((m) => m.name)
      : compiled.metrics.map((list) => list.map((m) => m.name)),
    ...(!one && { lossWeights: [...compiled.lossWeights] }),
    optimizer: compiled.optimizer.getConfig(),
  };
}

export function toArtifacts(model: SavedModel, options: ToArtifactsOptions = {}): ModelArtifacts {
  if (!model.built) {
    throw new ModelFormatError(
      `cannot save model '${model.name}': it has no weights yet (give the first layer inputShape/inputDim, or fit it first)`,
    );
  }
  const weights = model.weights;
  const entries: WeightEntry[] = [];
  let offset = 0;
  for (const w of weights) {
    entries.push({ name: w.name, shape: [...w.tensor.shape], dtype: 'float32', byteOffset: offset });
    offset += w.tensor.size * 4;
  }
  const weightData = packWeights(weights.map((w) => w.tensor.dataSync()));
  const weightsCrc = checksum(weightData);
  const modelJson = sealModelJson({
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    generatedBy: `backprop ${VERSION}`,
    modelTopology:
      model instanceof Model
        ? ({ className: 'Model', ...model.getConfig().config } as unknown as ModelJson['modelTopology'])
        : {
            className: 'Sequential',
            name: model.name,
            inputShape: [...model.inputShape],
            layers: model.layers.map((l) => l.getConfig()),
          },
    ...(model.compiled && { trainingConfig: trainingConfigOf(model.compiled) }),
    weightsManifest: {
      // Named by content: a save never overwrites the file the committed model.json names.
      path: weightsFileName(weightsCrc),
      byteLength: weightData.byteLength,
      crc32: weightsCrc,
      weights: entries,
    },
  });
  const artifacts = { modelJson, weightData };
  return options.trainingState ? withTrainingState(artifacts, options.trainingState) : artifacts;
}

/**
 * Artifacts whose model.json describes `state` (file name, size, CRC-32, its JSON part) and is
 * sealed again. Also how `{ ...toArtifacts(), trainingState }` built by hand gets its reference.
 */
export function withTrainingState(artifacts: ModelArtifacts, state: TrainingStateArtifacts): ModelArtifacts {
  if (typeof state !== 'object' || state === null || !(state.data instanceof ArrayBuffer)) {
    throw new ModelFormatError('trainingState must be { json: object, data: ArrayBuffer }');
  }
  const crc = checksum(state.data);
  // A JSON copy: the checksum sealed below must not change if the caller's object does.
  const json = JSON.parse(JSON.stringify(state.json ?? null)) as Record<string, unknown>;
  const modelJson = sealModelJson({
    ...artifacts.modelJson,
    trainingState: { path: trainingStateFileName(crc), byteLength: state.data.byteLength, crc32: crc, json },
  });
  return { modelJson, weightData: artifacts.weightData, trainingState: { json, data: state.data } };
}

/** Artifacts as a handler should store them: a training state carried beside model.json is described in it. */
export function normalizeArtifacts(artifacts: ModelArtifacts): ModelArtifacts {
  if (!artifacts.trainingState || artifacts.modelJson?.trainingState) return artifacts;
  return withTrainingState(artifacts, artifacts.trainingState);
}

/**
 * Check artifacts completely — model.json's fields and checksum, then each binary part's size and
 * CRC-32 — and return them with the training state taken from what model.json describes.
 */
export function checkArtifacts(artifacts: ModelArtifacts, source: string): ModelArtifacts {
  if (typeof artifacts !== 'object' || artifacts === null) {
    throw new ModelFormatError(`${source}: not model artifacts (expected { modelJson, weightData })`);
  }
  artifacts = normalizeArtifacts(artifacts);
  const modelJson = validateModelJson(artifacts.modelJson, source);
  if (!(artifacts.weightData instanceof ArrayBuffer)) {
    throw new ModelFormatError(`${source}: the weight data is missing (weightData must be an ArrayBuffer)`);
  }
  checkBinary(modelJson.weightsManifest, artifacts.weightData, source, 'weights');
  const ref = modelJson.trainingState;
  if (!ref) {
    if (artifacts.trainingState) {
      throw new ModelFormatError(
        `${source}: the artifacts carry a training state that model.json does not describe`,
      );
    }
    return { modelJson, weightData: artifacts.weightData };
  }
  const data = artifacts.trainingState?.data;
  if (!(data instanceof ArrayBuffer)) {
    throw new ModelFormatError(
      `${source}: model.json describes a training state (${ref.path}) but its data is missing`,
    );
  }
  checkBinary(ref, data, source, 'training state');
  return { modelJson, weightData: artifacts.weightData, trainingState: { json: ref.json, data } };
}

/** The built model's weights must be exactly the manifest's, by name and shape. */
function matchManifest(model: { weights: NamedWeight[] }, json: ModelJson, source: string): WeightEntry[] {
  const byName = entriesByName(json);
  const expected = model.weights;
  const entries = expected.map((w) => {
    const entry = byName.get(w.name);
    if (!entry) throw new ModelFormatError(`${source}: weight '${w.name}' is missing from the file`);
    return entry;
  });
  if (json.weightsManifest.weights.length !== expected.length) {
    const extra = json.weightsManifest.weights.filter((e) => !expected.some((w) => w.name === e.name));
    throw new ModelFormatError(
      `${source}: the file has weights the architecture does not use: ${extra.map((e) => e.name).join(', ')}`,
    );
  }
  return entries;
}

/**
 * Rebuild a model from artifacts. Every check runs before any layer is built or weight
 * allocated: the JSON and the bytes (checkArtifacts), then the weights the layer configs will
 * create against the manifest (planModel) — so what building allocates is bounded by the bytes
 * actually present.
 */
export function modelFromArtifacts<M extends SavedModel = Sequential>(
  artifacts: ModelArtifacts,
  source = 'model',
  options: LoadModelOptions = {},
): M {
  return buildChecked(checkArtifacts(artifacts, source), source, options) as M;
}

export interface LoadModelOptions {
  /**
   * Restore the saved training configuration (loss, metrics, optimiser and its state), as Keras'
   * `load_model(compile=True)`. Default true. False gives the model uncompiled: the way to load a
   * file compiled with your own loss or metric functions, which a file can name but not hold.
   */
  compile?: boolean;
}

function buildChecked(artifacts: ModelArtifacts, source: string, options: LoadModelOptions): SavedModel {
  const { modelJson: json } = artifacts;
  const topology = json.modelTopology;
  if (topology.className === 'Model') {
    const plan = planGraph(topology as unknown as Record<string, unknown>, `${source}: model.json`);
    checkPlan([plan.expected], json, source);
    let model: Model;
    try {
      model = modelFromGraphConfig(topology as unknown as Record<string, unknown>, `${source}: model.json`);
    } catch (e) {
      if (e instanceof ModelFormatError) throw e;
      throw new ModelFormatError(
        `${source}: the architecture in model.json cannot be rebuilt: ${(e as Error).message}`,
      );
    }
    return finishLoad(model, artifacts, source, options);
  }
  const plan = planModel(json, source);
  checkPlan(plan.expected, json, source);
  let model: Sequential;
  try {
    model = new Sequential({ name: topology.name, layers: plan.layers });
    model.build(topology.inputShape!);
  } catch (e) {
    throw new ModelFormatError(
      `${source}: the architecture in model.json cannot be rebuilt: ${(e as Error).message}`,
    );
  }
  return finishLoad(model, artifacts, source, options);
}

/**
 * The planned weights against the manifest, before anything is built: each must be there with
 * the same shape, and (when every layer's weights are known) nothing else may be.
 */
function checkPlan(expected: (ExpectedWeight[] | null)[], json: ModelJson, source: string): void {
  const plan = { expected };
  const byName = entriesByName(json);
  let known = 0;
  for (const weights of plan.expected) {
    for (const w of weights ?? []) {
      const entry = byName.get(w.name);
      if (!entry) throw new ModelFormatError(`${source}: weight '${w.name}' is missing from the file`);
      if (!shapesEqual(entry.shape, w.shape)) {
        throw new ModelFormatError(
          `${source}: weight '${w.name}' has shape ${formatShape(entry.shape)} in the file but the architecture needs ${formatShape(w.shape)}`,
        );
      }
      known++;
    }
  }
  // With only built-in layers every weight is accounted for before building.
  if (plan.expected.every((w) => w !== null) && known !== json.weightsManifest.weights.length) {
    const planned = new Set(plan.expected.flat().map((w) => w!.name));
    const extra = json.weightsManifest.weights.filter((e) => !planned.has(e.name)).map((e) => e.name);
    throw new ModelFormatError(
      `${source}: the file has weights the architecture does not use: ${extra.join(', ')}`,
    );
  }
}

/** Copy the file's values into the built model's weights and restore its training configuration. */
function finishLoad<M extends SavedModel>(
  model: M,
  artifacts: ModelArtifacts,
  source: string,
  options: LoadModelOptions,
): M {
  const { modelJson: json, weightData } = artifacts;
  const { trainingConfig } = json;
  // Custom layers' weights are only known now; this also guards the planner against drift.
  const entries = matchManifest(model, json, source);
  const values: Tensor[] = model.weights.map((w, i) => {
    const entry = entries[i]!;
    if (!shapesEqual(entry.shape, w.tensor.shape)) {
      throw new ModelFormatError(
        `${source}: weight '${w.name}' has shape ${formatShape(entry.shape)} in the file but the architecture needs ${formatShape(w.tensor.shape)}`,
      );
    }
    return tensor(weightView(weightData, entry, sizeOf(entry.shape)), { shape: entry.shape });
  });
  model.setWeights(values);
  if (trainingConfig && options.compile !== false) {
    try {
      const args: CompileArgs = {
        loss: trainingConfig.loss as LossName | LossName[],
        lossOptions: trainingConfig.lossOptions as never,
        metrics: trainingConfig.metrics as MetricLike[] | MetricLike[][],
        optimizer: getOptimizer(trainingConfig.optimizer),
        ...(trainingConfig.lossWeights && { lossWeights: trainingConfig.lossWeights }),
      };
      // The model checks the per-output forms against its outputs (Sequential: one).
      (model as { compile(a: CompileArgs): void }).compile(args);
    } catch (e) {
      throw new ModelFormatError(
        `${source}: the training configuration cannot be restored: ${(e as Error).message} (load with { compile: false } for the model without it)`,
      );
    }
    // Saved with a training state (a checkpoint): the optimiser goes on with its momenta and step
    // count, as Keras' full-model files do. Where fit() was is backupAndRestore's business.
    if (artifacts.trainingState) restoreOptimizer(model, artifacts.trainingState, source);
  }
  return model;
}

function restoreOptimizer(model: SavedModel, state: TrainingStateArtifacts, source: string): void {
  const names = new Map(model.weights.map((w) => [w.tensor, w.name]));
  const params = model.trainableWeights;
  const info = params.map((p) => ({ name: names.get(p)!, shape: p.shape }));
  const { optimizer } = decodeTrainingState(state, info, source);
  try {
    model.optimizer!.setState(params, optimizer);
  } catch (e) {
    throw new ModelFormatError(`${source}: the optimizer state cannot be restored: ${(e as Error).message}`);
  }
}

/**
 * Read and check a saved model's artifacts without building it: model.json, the weight bytes and
 * the training state if one was saved (`trainingState` of the result). Same sources as loadModel.
 */
export async function loadModelArtifacts(source: string | IOHandler): Promise<ModelArtifacts> {
  const name = typeof source === 'string' ? source : 'model';
  const handler = resolveIOHandler(source, 'load');
  const artifacts = await handler.load!();
  return checkArtifacts(artifacts, name);
}

/**
 * Load a model saved with `model.save()`: a path (Node), an http(s) URL, a handler, or artifacts.
 * The result is a Sequential or a functional Model, as saved (`instanceof` tells); the type
 * parameter says which you expect: `await loadModel<Model>(path)`.
 */
export async function loadModel<M extends SavedModel = Sequential>(
  source: string | IOHandler | ModelArtifacts,
  options: LoadModelOptions = {},
): Promise<M> {
  checkOptions('loadModel()', options, ['compile']);
  if (typeof source === 'object' && source !== null && 'modelJson' in source) {
    return modelFromArtifacts<M>(source, 'artifacts', options);
  }
  const name = typeof source === 'string' ? source : 'model';
  return buildChecked(await loadModelArtifacts(source), name, options) as M;
}

/** Save `model` — and, with `trainingState`, that state in the same atomic commit — to a path or handler. */
export async function saveModel(
  model: SavedModel,
  target: string | IOHandler,
  options: ToArtifactsOptions = {},
): Promise<void> {
  const artifacts = toArtifacts(model, options);
  await resolveIOHandler(target, 'save').save!(artifacts);
}

/** A Sequential inside a saved graph: `{ name, trainable, layers, inputShape }`. */
function sequentialFromConfig(config: Record<string, unknown>): Sequential {
  const o = checkOptions('Sequential', config, ['name', 'trainable', 'layers', 'inputShape']);
  if (!Array.isArray(o.layers))
    throw new ModelFormatError(`Sequential '${String(o.name)}': layers must be a list`);
  const layers = o.layers.map((spec, i) => {
    const layer = layerFromConfig(spec as never);
    if (!(layer instanceof Layer)) {
      throw new ModelFormatError(
        `Sequential '${String(o.name)}': layer ${i} (${layer.className}) is not a single-input layer`,
      );
    }
    return layer;
  });
  const model = new Sequential({
    layers,
    ...(typeof o.name === 'string' && { name: o.name }),
    ...(typeof o.trainable === 'boolean' && { trainable: o.trainable }),
  });
  if (o.inputShape !== undefined) model.build(o.inputShape as number[]);
  return model;
}
registerLayer('Sequential', sequentialFromConfig);
registerContainerPlanner('Sequential', planSequentialConfig);
