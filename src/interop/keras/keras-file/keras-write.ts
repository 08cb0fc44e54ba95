/**
 * A backprop model as a Keras 3 `.keras` file — a zip of metadata.json, config.json and
 * model.weights.h5 — that `keras.models.load_model` loads, so training can go on in Python Keras.
 *
 * config.json is keras3-config.ts'. model.weights.h5 holds each layer's variables where Keras 3's
 * saving_lib looks for them: `layers/<key>/vars/0…n-1`, the key being the snake case of the Keras
 * class numbered on repeats (dense, dense_1…) in the order of the model's `layers` (a functional
 * model's in Keras' graph order); a recurrent layer's in `cell/vars`, a Bidirectional's under
 * `forward_layer` and `backward_layer`, a TimeDistributed's under `layer`, a nested model's under
 * its own `layers`. Every vars group carries the layer's name as its 'name' attribute, as Keras
 * writes it.
 */
import { ArgumentError, ModelFormatError } from '../../../errors.js';
import { Model } from '../../../model/functional/model.js';
import { Sequential } from '../../../model/sequential.js';
import { VERSION } from '../../../model/serialization.js';
import { Merge } from '../../../nn/merge/merge.js';
import type { Module, NamedWeight } from '../../../nn/module.js';
import { RNN } from '../../../nn/recurrent/rnn.js';
import { Bidirectional } from '../../../nn/wrappers/bidirectional.js';
import type { LayerSpec } from '../layer-config.js';
import { maskedLayers, maskMergeMatters } from '../masked-layers.js';
import { type Hdf5WriteGroup, h5Dataset, h5Group, writeHdf5 } from './hdf5-write.js';
import { keras3ModelConfig, kerasLayerOrder, modelSpec } from './keras3-config.js';
import { toSnakeCase } from './keras3-weights.js';
import { writeZip } from './zip-write.js';

/** The Keras version whose loader these files were checked against (test/fixtures/keras/README.md). */
export const KERAS_FORMAT_VERSION = '3.15.1';

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU']);

/**
 * The model as the bytes of a Keras 3 `.keras` file. Refuses (ModelFormatError naming the layer)
 * an unbuilt model and any layer Keras has no equivalent for.
 */
export function toKeras(model: Sequential | Model): Uint8Array {
  const source = `model '${model?.name}'`;
  if (!model || typeof model !== 'object' || !('layers' in model) || !('weights' in model)) {
    throw new ArgumentError(`toKeras: expected a Sequential or functional Model, got ${typeof model}`);
  }
  if (!model.built) {
    throw new ModelFormatError(
      `cannot convert ${source}: it has no weights yet (give the first layer inputShape, or fit it first)`,
    );
  }
  refuseMaskedDifferences(model, source);
  const spec = modelSpec(model);
  const config = keras3ModelConfig(model, spec, source);
  const weights = modelWeightsGroup(model, spec, source);
  const encoder = new TextEncoder();
  return writeZip([
    {
      name: 'metadata.json',
      data: encoder.encode(
        JSON.stringify({ keras_version: KERAS_FORMAT_VERSION, generated_by: `backprop ${VERSION}` }),
      ),
    },
    { name: 'config.json', data: encoder.encode(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: writeHdf5(weights) },
  ]);
}

/**
 * Where Keras 3 would compute otherwise than backprop under a mask (a Keras 3 config cannot ask
 * for backprop's way in either case, so these are refused):
 * - merges: Keras 3 gives no mask when an input has none and ORs the masks otherwise (maskMerge
 *   'any'); backprop's default 'all' ANDs the masked inputs' masks (Keras 2 / TF.js);
 * - Bidirectional: Keras 3 sets its copies' zero_output_for_mask to their return_sequences,
 *   whatever the config says, so the copies must already have zeroOutputForMask exactly when they
 *   return sequences.
 */
function refuseMaskedDifferences(model: Sequential | Model, source: string): void {
  for (const layer of maskedLayers(model)) {
    const refuse = (why: string) => {
      throw new ModelFormatError(`${source}: layer '${layer.name}' (${layer.className}) ${why}`);
    };
    if (layer instanceof Merge && layer.maskMerge === 'all' && maskMergeMatters(layer)) {
      refuse(
        "merges masked inputs with maskMerge 'all' (Keras 2 / TF.js: the masked inputs' masks ANDed), but Keras 3 " +
          "gives no mask when an input has none and ORs them otherwise, so it would predict differently (rebuild it with maskMerge 'any' if that is meant)",
      );
    }
    if (!(layer instanceof Bidirectional)) continue;
    for (const copy of [layer.forwardLayer, layer.backwardLayer]) {
      if (!(copy instanceof RNN)) continue;
      const sequences = copy.returnSequences;
      if (copy.zeroOutputForMask !== sequences) {
        refuse(
          `reads a mask and its ${copy === layer.forwardLayer ? 'forward' : 'backward'} copy '${copy.name}' has ` +
            `zeroOutputForMask: ${copy.zeroOutputForMask}, but Keras 3's Bidirectional sets it to the copies' ` +
            `returnSequences (${sequences}), so it would predict differently (rebuild its layer with zeroOutputForMask: ${sequences})`,
        );
      }
    }
  }
}

/**
 * The weights file's tree for a model: its own (empty) vars and a `layers` group, each layer's
 * weights taken from the layer itself (a nested model's are named relative to it).
 */
function modelWeightsGroup(model: Sequential | Model, spec: LayerSpec, source: string): Hdf5WriteGroup {
  const modules = new Map<string, Module>((model.layers as readonly Module[]).map((l) => [l.name, l]));
  const layers =
    spec.className === 'Model'
      ? kerasLayerOrder(spec)
      : (spec.config.layers as LayerSpec[]).map((l) => ({ ...l, name: String(l.config.name) }));
  const used = new Map<string, number>();
  const children: Record<string, Hdf5WriteGroup> = {};
  for (const layer of layers as (LayerSpec & { name: string })[]) {
    const base = toSnakeCase(layer.className === 'Model' ? 'Functional' : layer.className);
    const n = used.get(base);
    used.set(base, (n ?? -1) + 1);
    const key = n === undefined ? base : `${base}_${n + 1}`;
    const module = modules.get(layer.name);
    if (!module) throw new ModelFormatError(`${source}: model '${model.name}' has no layer '${layer.name}'`);
    if (module instanceof Sequential || module instanceof Model) {
      children[key] = modelWeightsGroup(module, layer, source);
      continue;
    }
    children[key] = layerGroup(layer, module, relativeTo(module), layer.name, source);
  }
  return h5Group({ layers: h5Group(children), vars: varsGroup([], model.name) });
}

/** A layer's group: its own variables, and those of the layers it owns in their Keras places. */
function layerGroup(
  spec: LayerSpec,
  module: Module,
  weights: NamedWeight[],
  name: string,
  source: string,
): Hdf5WriteGroup {
  if (RECURRENT.has(spec.className)) {
    // Keras keeps a recurrent layer's variables in its cell.
    return h5Group({
      cell: h5Group({ vars: varsGroup(weights, `${toSnakeCase(spec.className)}_cell`) }),
      vars: varsGroup([], name),
    });
  }
  if (spec.className === 'Bidirectional') {
    // The copies' weights, from the copies themselves (a given backwardLayer keeps its own name).
    const copies = module as unknown as { forwardLayer?: Module; backwardLayer?: Module };
    if (!copies.forwardLayer || !copies.backwardLayer) {
      throw new ModelFormatError(
        `${source}: layer '${name}' (Bidirectional) has no forward and backward copies`,
      );
    }
    const forwardSpec = spec.config.layer as LayerSpec;
    const backwardSpec = (spec.config.backwardLayer as LayerSpec | undefined) ?? forwardSpec;
    const copy = (m: Module, s: LayerSpec, copyName: string) =>
      layerGroup(s, m, relativeTo(m), copyName, source);
    return h5Group({
      backward_layer: copy(copies.backwardLayer, backwardSpec, copies.backwardLayer.name),
      forward_layer: copy(copies.forwardLayer, forwardSpec, copies.forwardLayer.name),
      vars: varsGroup([], name),
    });
  }
  if (spec.className === 'TimeDistributed') {
    const inner = spec.config.layer as LayerSpec;
    const innerWeights = weights.map((w) => ({ ...w, name: w.name.slice(w.name.indexOf('/') + 1) }));
    return h5Group({
      layer: layerGroup(
        inner,
        (module as unknown as { layer?: Module }).layer ?? module,
        innerWeights,
        String(inner.config.name),
        source,
      ),
      vars: varsGroup([], name),
    });
  }
  return h5Group({ vars: varsGroup(weights, name) });
}

/** A layer's weights named after it ('dense/kernel'), with its name left off ('kernel'). */
function relativeTo(layer: Module): NamedWeight[] {
  return layer.weights.map((w) => {
    if (!w.name.startsWith(`${layer.name}/`))
      throw new ModelFormatError(`weight '${w.name}' of layer '${layer.name}' is not named after it`);
    return { ...w, name: w.name.slice(layer.name.length + 1) };
  });
}

function varsGroup(weights: NamedWeight[], name: string): Hdf5WriteGroup {
  const children: Record<string, ReturnType<typeof h5Dataset>> = {};
  weights.forEach((w, i) => {
    children[String(i)] = h5Dataset([...w.tensor.shape], new Float32Array(w.tensor.dataSync()));
  });
  return h5Group(children, { name });
}
