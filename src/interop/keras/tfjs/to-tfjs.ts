/** A backprop model in TF.js' Layers format: what `tf.loadLayersModel` reads. */
import { ModelFormatError } from '../../../errors.js';
import type { Model } from '../../../model/functional/model.js';
import type { Sequential } from '../../../model/sequential.js';
import { VERSION } from '../../../model/serialization.js';
import { Merge } from '../../../nn/merge/merge.js';
import { RNN } from '../../../nn/recurrent/rnn.js';
import { Bidirectional } from '../../../nn/wrappers/bidirectional.js';
import { isObject } from '../keras-values.js';
import { maskedLayers, maskMergeMatters } from '../masked-layers.js';
import { kerasModelJson, kerasWeights } from '../to-keras.js';
import { shardPaths, type TfjsModelJson, type TfjsWeightSpec } from './tfjs-types.js';

/**
 * model.json (format 'layers-model', the Keras topology, one manifest group) and the weights as one
 * buffer, float32 in manifest order; the manifest's paths name its 4 MB shards (saveTfjs writes them).
 */
export function toTfjs(model: Sequential | Model): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  const topology = kerasModelJson(model);
  refuseWhatTfjsCannotLoad(topology, model.name);
  refuseMaskedDifferences(model, model.name);
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

/** A Keras size option (an integer or a list) that is all ones, or unset. */
function allOnes(v: unknown): boolean {
  return v === undefined || v === null || v === 1 || (Array.isArray(v) && v.every((d) => d === 1));
}

/**
 * Options a TF.js-written file carries that tfjs-layers 4 does not run as Keras (and backprop)
 * would — the file loads in TF.js but predicts otherwise: bilinear UpSampling2D (no half-pixel
 * centres there), DepthwiseConv2D / Conv2DTranspose dilation (written, then ignored). Null where
 * the layer is run alike.
 */
export function tfjsRunsDifferently(className: unknown, c: Record<string, unknown>): string | null {
  if (className === 'UpSampling2D' && c.interpolation === 'bilinear') {
    return "has interpolation 'bilinear', which tfjs-layers computes without half-pixel centres (Keras' and backprop's use them), so it would predict differently";
  }
  if ((className === 'DepthwiseConv2D' || className === 'Conv2DTranspose') && !allOnes(c.dilation_rate)) {
    return `has dilation_rate ${JSON.stringify(c.dilation_rate)}, which tfjs-layers ignores (it runs the layer undilated), so it would predict differently`;
  }
  return null;
}

/**
 * What tfjs-layers 4 cannot run although Keras can: GRU with reset_after=true (Keras' default and
 * backprop's), Subtract, causal Conv1D, stateful recurrent layers (TF.js needs their batch size,
 * which backprop's saved form has not) — refused here rather than written into a file TF.js
 * rejects; and options TF.js would load but ignore or compute otherwise (tfjsRunsDifferently,
 * Conv2DTranspose output_padding), refused rather than written into a file that predicts otherwise.
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
  if (node.class_name === 'Conv2DTranspose' && c.output_padding !== undefined && c.output_padding !== null) {
    refuse(
      `has output_padding ${JSON.stringify(c.output_padding)}, which tfjs-layers ignores, so it would predict another shape`,
    );
  }
  if (c.stateful === true) {
    refuse(
      'is stateful: TF.js needs the batch size its states are for (batch_input_shape), which backprop does not save',
    );
  }
  const different = tfjsRunsDifferently(node.class_name, c);
  if (different !== null) refuse(different);
  for (const v of Object.values(node)) refuseWhatTfjsCannotLoad(v, model);
}

/**
 * Where masks make TF.js compute otherwise than backprop: a merge taking Keras 3's rule (maskMerge
 * 'any', as fromKeras gives Keras 3 files) over masked inputs — TF.js ANDs the masks; a recurrent
 * layer with zeroOutputForMask reading a mask — tfjs-layers has no such option and repeats the
 * previous output at skipped steps.
 */
function refuseMaskedDifferences(container: Sequential | Model, model: string): void {
  for (const layer of maskedLayers(container)) {
    const refuse = (why: string) => {
      throw new ModelFormatError(
        `cannot convert model '${model}' to TF.js: layer '${layer.name}' (${layer.className}) ${why}`,
      );
    };
    if (layer instanceof Merge && layer.maskMerge === 'any' && maskMergeMatters(layer)) {
      refuse(
        "merges masked inputs with maskMerge 'any' (Keras 3's rule: no mask if an input has none, else OR), " +
          "but TF.js ANDs the masks, so it would predict differently (rebuild it with maskMerge 'all' if that is meant)",
      );
    }
    const copies = layer instanceof Bidirectional ? [layer.forwardLayer, layer.backwardLayer] : [layer];
    if (copies.some((l) => l instanceof RNN && l.zeroOutputForMask)) {
      refuse(
        'has zeroOutputForMask: true and reads a mask, but tfjs-layers has no zeroOutputForMask (it repeats the ' +
          'previous output at skipped steps), so it would predict differently',
      );
    }
  }
}
