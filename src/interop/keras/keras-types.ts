/**
 * Keras' own words for a model, shared by the TF.js Layers format (tfjs/) and Keras 3's .keras files
 * (keras-file/): the topology as Keras 2 / TF.js model.json writes it (snake_case keys), and each
 * layer's weights in the order Keras' `layer.get_weights()` lists them.
 */

/** One layer in a Keras 2 / TF.js topology. */
export interface KerasLayerJson {
  class_name: string;
  config: Record<string, unknown>;
  /** Functional models only: the layer's name (also in config.name). */
  name?: string;
  /** Functional models only: [[[inboundLayer, nodeIndex, tensorIndex, kwargs?], …], …]. */
  inbound_nodes?: unknown[];
}

/**
 * A model topology as TF.js' model.json `modelTopology` holds it (its `model_config`, or the object
 * itself): Sequential `{ class_name: 'Sequential', config: { name, layers } }` or functional
 * `{ class_name: 'Model' | 'Functional', config: { name, layers, input_layers, output_layers } }`.
 */
export interface KerasModelJson {
  class_name: string;
  config: {
    name?: string;
    layers: KerasLayerJson[];
    input_layers?: unknown[];
    output_layers?: unknown[];
    [key: string]: unknown;
  };
  keras_version?: string;
  backend?: string;
}

/** One weight array of a layer, as Keras stores it (kernel [in, out], channels-last…). */
export interface KerasWeight {
  /** Keras' name for it, e.g. 'dense/kernel' or 'bidirectional/forward_lstm/lstm_cell/kernel'. */
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Each layer's weights by layer name, in `layer.get_weights()` order. */
export type KerasWeights = Map<string, KerasWeight[]>;

/**
 * A weight whose values may still be unread: `data` is the values, or a function reading them.
 * Readers of untrusted files (keras-file/) give functions, so modelFromKeras compares every layer's
 * weight count and shapes with the model before any dataset is read.
 */
export interface PendingKerasWeight {
  name: string;
  shape: number[];
  data: Float32Array | (() => Float32Array);
}

/** Each layer's weights by layer name, some perhaps not read yet (PendingKerasWeight). */
export type PendingKerasWeights = Map<string, PendingKerasWeight[]>;
