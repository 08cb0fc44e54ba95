/** Sequential ⇄ ModelArtifacts. See artifacts.ts for the format and what loading checks. */
import { ModelFormatError } from '../errors.js';
import type { LossName } from '../losses/index.js';
import { layerFromConfig } from '../nn/registry.js';
import { getOptimizer } from '../optim/index.js';
import { tensor } from '../tensor/create.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  checksum,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelArtifacts,
  type ModelJson,
  packWeights,
  readWeight,
  validateArtifacts,
  WEIGHTS_FILE,
  type WeightEntry,
} from './artifacts.js';
import { type IOHandler, resolveIOHandler } from './io.js';
import { Sequential } from './sequential.js';

const VERSION = '0.1.0';

export function toArtifacts(model: Sequential): ModelArtifacts {
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
  const weightData = packWeights(weights.map((w) => w.tensor.storage.view()));
  const modelJson: ModelJson = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    generatedBy: `backprop ${VERSION}`,
    modelTopology: {
      className: 'Sequential',
      name: model.name,
      inputShape: [...model.inputShape],
      layers: model.layers.map((l) => l.getConfig()),
    },
    ...(model.loss &&
      model.optimizer && {
        trainingConfig: {
          loss: model.loss.name,
          lossOptions: { fromLogits: model.loss.fromLogits, reduction: model.loss.reduction },
          metrics: model.metrics.map((m) => m.name),
          optimizer: model.optimizer.getConfig(),
        },
      }),
    weightsManifest: {
      path: WEIGHTS_FILE,
      byteLength: weightData.byteLength,
      crc32: checksum(weightData),
      weights: entries,
    },
  };
  return { modelJson, weightData };
}

/** Rebuild a model from artifacts. Every check runs before the model is returned. */
export function modelFromArtifacts(artifacts: ModelArtifacts, source = 'model'): Sequential {
  validateArtifacts(artifacts, source);
  const { modelTopology: topology, weightsManifest: manifest, trainingConfig } = artifacts.modelJson;
  let model: Sequential;
  try {
    model = new Sequential({ name: topology.name, layers: topology.layers.map(layerFromConfig) });
    if (topology.inputShape) model.build(topology.inputShape);
  } catch (e) {
    throw new ModelFormatError(
      `${source}: the architecture in model.json cannot be rebuilt: ${(e as Error).message}`,
    );
  }
  const expected = model.weights;
  const byName = new Map(manifest.weights.map((e) => [e.name, e]));
  const values: Tensor[] = [];
  for (const w of expected) {
    const entry = byName.get(w.name);
    if (!entry) throw new ModelFormatError(`${source}: weight '${w.name}' is missing from the file`);
    if (!Array.isArray(entry.shape) || !shapesEqual(entry.shape, w.tensor.shape)) {
      throw new ModelFormatError(
        `${source}: weight '${w.name}' has shape ${formatShape(entry.shape ?? [])} in the file but the architecture needs ${formatShape(w.tensor.shape)}`,
      );
    }
    const length = sizeOf(entry.shape);
    if (
      !Number.isInteger(entry.byteOffset) ||
      entry.byteOffset < 0 ||
      entry.byteOffset + length * 4 > manifest.byteLength
    ) {
      throw new ModelFormatError(`${source}: weight '${w.name}' points outside ${manifest.path}`);
    }
    values.push(tensor(readWeight(artifacts.weightData, entry, length), { shape: entry.shape }));
  }
  if (manifest.weights.length !== expected.length) {
    const extra = manifest.weights.filter((e) => !expected.some((w) => w.name === e.name)).map((e) => e.name);
    throw new ModelFormatError(
      `${source}: the file has weights the architecture does not use: ${extra.join(', ')}`,
    );
  }
  model.setWeights(values);
  if (trainingConfig) {
    try {
      model.compile({
        loss: trainingConfig.loss as LossName,
        lossOptions: trainingConfig.lossOptions as never,
        metrics: trainingConfig.metrics,
        optimizer: getOptimizer(trainingConfig.optimizer),
      });
    } catch (e) {
      throw new ModelFormatError(
        `${source}: the training configuration cannot be restored: ${(e as Error).message}`,
      );
    }
  }
  return model;
}

/** Load a model saved with `model.save()`: a path (Node), an http(s) URL, a handler, or artifacts. */
export async function loadModel(source: string | IOHandler | ModelArtifacts): Promise<Sequential> {
  if (typeof source === 'object' && 'modelJson' in source) return modelFromArtifacts(source, 'artifacts');
  const artifacts = await resolveIOHandler(source, 'load').load!();
  return modelFromArtifacts(artifacts, typeof source === 'string' ? source : 'model');
}
