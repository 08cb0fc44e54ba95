/**
 * A backprop model in Keras' words: its topology as Keras 2 / TF.js model.json writes it, and each
 * layer's weights in `get_weights()` order, named as TF.js names them (weight-names.ts).
 */
import { ModelFormatError } from '../../errors.js';
import { Model } from '../../model/functional/model.js';
import type { Sequential } from '../../model/sequential.js';
import { VERSION } from '../../model/serialization.js';
import type { KerasLayerJson, KerasModelJson, KerasWeights } from './keras-types.js';
import { isObject, type Json } from './keras-values.js';
import { type LayerSpec, layerToKeras } from './layer-config.js';
import { tfjsWeightName } from './weight-names.js';

type Ref = [string, number, number];

/** The model's topology as Keras 2 / TF.js write it (what `tf.loadLayersModel` reads). */
export function kerasModelJson(model: Sequential | Model): KerasModelJson {
  if (!model.built) {
    throw new ModelFormatError(
      `cannot convert model '${model.name}': it has no weights yet (give the first layer inputShape, or fit it first)`,
    );
  }
  const spec: LayerSpec =
    model instanceof Model
      ? { className: 'Model', config: model.getConfig().config }
      : {
          className: 'Sequential',
          config: {
            name: model.name,
            layers: model.layers.map((l) => l.getConfig()),
            inputShape: [...model.inputShape],
          },
        };
  return {
    ...modelToKeras(spec, model.name),
    keras_version: `backprop ${VERSION}`,
    backend: 'backprop',
  };
}

function modelToKeras(
  spec: LayerSpec,
  source: string,
): { class_name: string; config: KerasModelJson['config'] } {
  const c = spec.config;
  if (spec.className === 'Sequential') {
    const layers = (c.layers as LayerSpec[]).map((l) => anyLayerToKeras(l, source));
    const shape = c.inputShape as number[] | undefined;
    if (shape && layers[0]) {
      layers[0].config = { batch_input_shape: [null, ...shape], dtype: 'float32', ...layers[0].config };
    }
    return { class_name: 'Sequential', config: { name: String(c.name), layers } };
  }
  const refs = (v: unknown): Ref[] =>
    Array.isArray(v) && typeof v[0] === 'string' ? [v as Ref] : (v as Ref[]);
  const specs = c.layers as (LayerSpec & { name: string; inboundNodes: Ref[][] })[];
  // Keras 2 and TF.js count a nested model's own first node (its input's) in references to its outputs.
  const nested = new Set(
    specs.filter((l) => l.className === 'Sequential' || l.className === 'Model').map((l) => l.name),
  );
  const keras2 = (r: Ref): Ref => (nested.has(r[0]) ? [r[0], r[1] + 1, r[2]] : r);
  const layers = specs.map((l): KerasLayerJson => {
    const inbound_nodes = l.inboundNodes.map((node) => node.map((r) => [...keras2(r), {}]));
    if (l.className === 'InputLayer') {
      return {
        name: l.name,
        class_name: 'InputLayer',
        config: {
          batch_input_shape: l.config.batchInputShape,
          dtype: 'float32',
          sparse: false,
          name: l.name,
        },
        inbound_nodes,
      };
    }
    const k = anyLayerToKeras(l, source);
    return { name: l.name, class_name: k.class_name, config: { ...k.config, name: l.name }, inbound_nodes };
  });
  return {
    class_name: 'Model',
    config: {
      name: String(c.name),
      layers,
      input_layers: refs(c.inputLayers),
      output_layers: refs(c.outputLayers).map(keras2),
    },
  };
}

function anyLayerToKeras(spec: LayerSpec, source: string): KerasLayerJson {
  if (spec.className === 'Sequential' || spec.className === 'Model') return modelToKeras(spec, source);
  return layerToKeras(spec, source);
}

/**
 * Each layer's weights by layer name, in Keras' `get_weights()` order (which is backprop's), named
 * as TF.js names them ('dense/kernel', 'lstm/recurrent_kernel', 'bidirectional/forward_lstm/bias').
 * A nested model's are listed under its name, its layers' in order.
 */
export function kerasWeights(model: Sequential | Model): KerasWeights {
  const specs = new Map<string, LayerSpec>();
  const layerSpecs =
    model instanceof Model
      ? (model.getConfig().config.layers as (LayerSpec & { name: string })[])
      : model.layers.map((l) => ({ ...l.getConfig(), name: l.name }));
  for (const s of layerSpecs) specs.set(s.name, s);
  const out: KerasWeights = new Map();
  for (const w of model.weights) {
    const layer = w.name.split('/')[0]!;
    const spec = specs.get(layer);
    if (!spec || !isObject(spec.config as Json)) {
      throw new ModelFormatError(
        `cannot convert model '${model.name}': weight '${w.name}' belongs to no layer`,
      );
    }
    const list = out.get(layer) ?? [];
    list.push({
      name: tfjsWeightName(w.name, spec),
      shape: [...w.tensor.shape],
      data: new Float32Array(w.tensor.dataSync()),
    });
    out.set(layer, list);
  }
  return out;
}
