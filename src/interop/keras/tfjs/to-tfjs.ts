/** A backprop model in TF.js' Layers format: what `tf.loadLayersModel` reads. */
import { ModelFormatError } from '../../../errors.js';
import type { Model } from '../../../model/functional/model.js';
import type { Sequential } from '../../../model/sequential.js';
import { isObject } from '../keras-values.js';
import { kerasModelJson, kerasWeights } from '../to-keras.js';
import { shardPaths, type TfjsModelJson, type TfjsWeightSpec } from './tfjs-types.js';

const VERSION = '0.1.0';

/**
 * model.json (format 'layers-model', the Keras topology, one manifest group) and the weights as one
 * buffer, float32 in manifest order; the manifest's paths name its 4 MB shards (saveTfjs writes them).
 */
export function toTfjs(model: Sequential | Model): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  const topology = kerasModelJson(model);
  refuseWhatTfjsCannotLoad(topology, model.name);
  const specs: TfjsWeightSpec[] = [];
  let total = 0;
  const lists = [...kerasWeights(model).values()].flat();
  for (const w of lists) {
    specs.push({ name: w.name, shape: [...w.shape], dtype: 'float32' });
    total += w.data.length;
  }
  const data = new Float32Array(total);
  let offset = 0;
  for (const w of lists) {
    data.set(w.data, offset);
    offset += w.data.length;
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `backprop ${VERSION}`,
      convertedBy: null,
      modelTopology: topology,
      weightsManifest: [{ paths: shardPaths(data.byteLength), weights: specs }],
    },
    weightData: data.buffer,
  };
}

/**
 * What tfjs-layers 4 cannot run although Keras can: GRU with reset_after=true (Keras' default and
 * backprop's), Subtract, causal Conv1D — refused here rather than written into a file TF.js rejects.
 */
function refuseWhatTfjsCannotLoad(node: unknown, model: string): void {
  if (Array.isArray(node)) {
    for (const n of node) refuseWhatTfjsCannotLoad(n, model);
    return;
  }
  if (!isObject(node)) return;
  const c = isObject(node.config) ? node.config : {};
  const refuse = (why: string) => {
    throw new ModelFormatError(
      `cannot convert model '${model}' to TF.js: layer '${String(c.name)}' (${String(node.class_name)}) ${why}`,
    );
  };
  if (node.class_name === 'GRU' && c.reset_after === true) {
    refuse("has resetAfter: true, which TF.js' GRU does not support (build it with resetAfter: false)");
  }
  if (node.class_name === 'Subtract') refuse('has no TF.js equivalent (TF.js has no Subtract layer)');
  if (node.class_name === 'Conv1D' && c.padding === 'causal') {
    refuse("has padding 'causal', which TF.js' Conv1D does not implement");
  }
  for (const v of Object.values(node)) refuseWhatTfjsCannotLoad(v, model);
}
