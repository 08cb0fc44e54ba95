/**
 * modelFromKeras: a Keras topology (planned by from-keras.ts) and each layer's weights as a backprop
 * model — every layer's weight count and shapes compared with the plan before any value is read,
 * then the weights packed into backprop's weight file and the model built by backprop's loader.
 */
import {
  checksum,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  packWeights,
  type WeightEntry,
  weightsFileName,
} from '../../model/artifacts.js';
import { Model } from '../../model/functional/model.js';
import { sealModelJson } from '../../model/manifest.js';
import { Sequential } from '../../model/sequential.js';
import { modelFromArtifacts, VERSION } from '../../model/serialization.js';
import type { Module } from '../../nn/module.js';
import { Bidirectional } from '../../nn/wrappers/bidirectional.js';
import { TimeDistributed } from '../../nn/wrappers/time-distributed.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import { type KerasPlan, planKerasModel } from './from-keras.js';
import type { KerasModelJson, KerasWeights, PendingKerasWeight, PendingKerasWeights } from './keras-types.js';
import { fail, isObject } from './keras-values.js';
import { type LayerSpec, layerLabel } from './layer-config.js';

/** A layer's Keras weights: by its own name, or a nested model's as its layers' in order. */
function kerasWeightsOf(
  spec: LayerSpec,
  weights: PendingKerasWeights,
  used: Set<string>,
): PendingKerasWeight[] | undefined {
  const name = String(spec.config.name);
  const own = weights.get(name);
  if (own !== undefined) {
    used.add(name);
    return own;
  }
  if (spec.className !== 'Sequential' && spec.className !== 'Model') return undefined;
  const inner = (spec.config.layers as LayerSpec[]).map((l) => kerasWeightsOf(l, weights, used) ?? []);
  return inner.flat();
}

/**
 * Build a backprop model from a Keras topology and its weights (`weights`: each layer's in
 * `layer.get_weights()` order, by layer name; a nested model's under its name or its layers').
 * Every weight's shape is checked against the layer, and none may be missing or left over;
 * `source` names the file in errors. Layers backprop has no equivalent for are refused by name.
 */
export function modelFromKeras(
  topology: KerasModelJson,
  weights: KerasWeights | PendingKerasWeights,
  source: string,
): Sequential | Model {
  if (!(weights instanceof Map)) fail(source, 'the weights must be a Map of layer name → weights');
  const plan = planKerasModel(topology, source);
  const used = new Set<string>();
  const entries: WeightEntry[] = [];
  // Every layer's count and shapes first; values are read (a reader's functions called) only then.
  const pending: { weight: PendingKerasWeight; size: number; label: string; wName: string }[] = [];
  let offset = 0;
  for (const { name, spec, weights: expected } of plan.layers) {
    const given = kerasWeightsOf(spec, weights, used) ?? [];
    const label = `${source}: ${layerLabel(spec.className, name)}`;
    if (!Array.isArray(given)) fail(label, 'its weights must be a list');
    if (given.length !== expected.length) {
      fail(
        label,
        `has ${given.length} weight(s) in the file (${given.map((w) => w?.name).join(', ') || 'none'}) but needs ${expected.length}` +
          ` (${expected.map((w) => `${w.name} ${formatShape(w.shape)}`).join(', ') || 'none'})`,
      );
    }
    expected.forEach((want, i) => {
      const w = given[i]!;
      const wName = typeof w?.name === 'string' ? w.name : `#${i}`;
      if (
        !isObject(w) ||
        !Array.isArray(w.shape) ||
        !(w.data instanceof Float32Array || typeof w.data === 'function')
      ) {
        fail(label, `weight ${wName} must be { name, shape, data: Float32Array }`);
      }
      if (!shapesEqual(w.shape, want.shape)) {
        // A BatchNormalization over another axis than the last has weights of that axis' size.
        const axis = plan.lastAxisChecks.find((c) => layerNames(spec).includes(c.layer));
        if (axis) {
          fail(
            source,
            `${axis.label}: normalises over axis ${axis.axis}, but backprop only normalises over the last`,
          );
        }
        fail(
          label,
          `weight '${wName}' has shape ${formatShape(w.shape)} in the file but the layer needs ${formatShape(want.shape)} (${want.name})`,
        );
      }
      const size = want.shape.reduce((a, b) => a * b, 1);
      entries.push({ name: want.name, shape: [...want.shape], dtype: 'float32', byteOffset: offset });
      offset += size * 4;
      pending.push({ weight: w, size, label, wName });
    });
  }
  for (const [name, list] of weights) {
    if (!used.has(name) && Array.isArray(list) && list.length > 0) {
      fail(
        source,
        `the file has weights for layer '${name}' (${list.map((w) => w?.name).join(', ')}) which the model does not have or which has no weights`,
      );
    }
  }
  const arrays = pending.map(({ weight: w, size, label, wName }) => {
    const data = typeof w.data === 'function' ? w.data() : w.data;
    if (data.length !== size) {
      fail(
        label,
        `weight '${wName}' of shape ${formatShape(w.shape)} has ${data.length} values, not ${size}`,
      );
    }
    return data;
  });
  const weightData = packWeights(arrays);
  const crc = checksum(weightData);
  const modelJson = sealModelJson({
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    generatedBy: `backprop ${VERSION}`,
    modelTopology: plan.topology,
    weightsManifest: {
      path: weightsFileName(crc),
      byteLength: weightData.byteLength,
      crc32: crc,
      weights: entries,
    },
  });
  const model = modelFromArtifacts<Sequential | Model>({ modelJson, weightData }, source, { compile: false });
  checkLastAxes(model, plan.lastAxisChecks, source);
  return model;
}

/** A layer's name and those of the layers it wraps (TimeDistributed, Bidirectional) or contains. */
function layerNames(spec: LayerSpec): string[] {
  const c = spec.config;
  const inner = [c.layer, c.backwardLayer, ...(Array.isArray(c.layers) ? c.layers : [])].filter(
    (l): l is LayerSpec => isObject(l) && isObject(l.config),
  );
  return [String(c.name), ...inner.flatMap(layerNames)];
}

/**
 * Normalization layers saved with a positive axis must have it as their input's last. Layers inside
 * wrappers (TimeDistributed, Bidirectional) are visited too, with their own (inner) input rank; a
 * layer that cannot be found is refused rather than left unchecked.
 */
function checkLastAxes(model: Sequential | Model, checks: KerasPlan['lastAxisChecks'], source: string): void {
  if (checks.length === 0) return;
  const byName = new Map<string, Module>();
  const visit = (layers: readonly Module[]) => {
    for (const l of layers) {
      byName.set(l.name, l);
      if (l instanceof Sequential || l instanceof Model) visit(l.layers as readonly Module[]);
      if (l instanceof TimeDistributed) visit([l.layer]);
      if (l instanceof Bidirectional) visit([l.forwardLayer, l.backwardLayer]);
    }
  };
  visit(model.layers as readonly Module[]);
  for (const { layer, axis, label } of checks) {
    const m = byName.get(layer);
    if (!m?.built)
      fail(source, `${label}: cannot check its axis ${axis} (the layer was not found built in the model)`);
    const rank = (m.inputShape as readonly unknown[]).length;
    if (axis !== rank) {
      fail(
        source,
        `${label}: normalises over axis ${axis}, but backprop only normalises over the last (${rank})`,
      );
    }
  }
}
