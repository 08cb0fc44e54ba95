/**
 * The network the reader edits, built and trained with the library exactly as a user would:
 * a Sequential of Dense layers (plus Dropout), compiled with the chosen optimiser, trained with
 * trainOnBatch on shuffled mini-batches. Only plain numbers leave this file.
 */
import * as bp from 'backprop-js';
import { type Point, seededRandom } from './datasets.js';
import { type FeatureName, featureRows } from './features.js';

export type ActivationName = 'tanh' | 'relu' | 'sigmoid' | 'linear';
export type OptimizerName = 'sgd' | 'momentum' | 'adagrad' | 'rmsprop' | 'adam';

export interface NetworkConfig {
  features: FeatureName[];
  /** Units of each hidden layer, first to last. */
  hidden: number[];
  activation: ActivationName;
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  /** L2 factor on every kernel (0: none). */
  l2: number;
  /** Dropout rate after every hidden layer (0: none). */
  dropout: number;
  seed: number;
}

/** A point's features and its label, ready for the library. */
interface Batchable {
  rows: Float32Array;
  labels: Float32Array;
  count: number;
}

function batchable(points: Point[], features: FeatureName[]): Batchable {
  return {
    rows: featureRows(points, features),
    labels: Float32Array.from(points, (p) => p.label),
    count: points.length,
  };
}

/** Mean binary cross-entropy of probabilities against 0/1 labels (clipped as Keras does). */
export function binaryCrossentropy(probabilities: Float32Array, labels: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i] as number, 1e-7), 1 - 1e-7);
    sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return labels.length ? sum / labels.length : 0;
}

export class Network {
  readonly model: bp.Sequential;
  /** The Dense layers, hidden ones first and the output last (what the network picture draws). */
  readonly dense: bp.Dense[] = [];
  private readonly train: Batchable;
  private readonly test: Batchable;
  private readonly order: Int32Array;
  private readonly random: () => number;
  private cursor = 0;
  /** Full passes over the training points so far. */
  epoch = 0;

  constructor(
    readonly config: NetworkConfig,
    train: Point[],
    test: Point[],
  ) {
    // The same seed, the same starting weights: "reset" replays the same run.
    bp.manualSeed(config.seed);
    this.random = seededRandom(config.seed);
    const width = config.features.length;
    const regularizer = config.l2 > 0 ? bp.l2(config.l2) : undefined;
    const model = new bp.Sequential();
    config.hidden.forEach((units, i) => {
      const layer = new bp.Dense({
        units,
        activation: config.activation,
        kernelRegularizer: regularizer,
        ...(i === 0 ? { inputShape: [width] } : {}),
      });
      this.dense.push(layer);
      model.add(layer);
      if (config.dropout > 0) model.add(new bp.Dropout({ rate: config.dropout }));
    });
    const output = new bp.Dense({
      units: 1,
      activation: 'sigmoid',
      kernelRegularizer: regularizer,
      ...(config.hidden.length === 0 ? { inputShape: [width] } : {}),
    });
    this.dense.push(output);
    model.add(output);
    model.compile({
      optimizer: bp.getOptimizer({
        className: config.optimizer,
        config: { learningRate: config.learningRate },
      }),
      loss: 'binaryCrossentropy',
    });
    this.model = model;
    this.train = batchable(train, config.features);
    this.test = batchable(test, config.features);
    this.order = Int32Array.from({ length: train.length }, (_, i) => i);
    this.shuffle();
  }

  private shuffle(): void {
    const order = this.order;
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
  }

  /** One optimiser step on the next mini-batch; a new epoch reshuffles. */
  step(): void {
    const { batchSize, features } = this.config;
    const width = features.length;
    const size = Math.min(batchSize, this.train.count - this.cursor);
    const x = new Float32Array(size * width);
    const y = new Float32Array(size);
    for (let b = 0; b < size; b++) {
      const i = this.order[this.cursor + b] as number;
      x.set(this.train.rows.subarray(i * width, (i + 1) * width), b * width);
      y[b] = this.train.labels[i] as number;
    }
    this.model.trainOnBatch(bp.tensor(x, { shape: [size, width] }), bp.tensor(y, { shape: [size, 1] }));
    this.cursor += size;
    if (this.cursor >= this.train.count) {
      this.cursor = 0;
      this.epoch++;
      this.shuffle();
    }
  }

  private probabilities(data: Batchable): Float32Array {
    if (data.count === 0) return new Float32Array(0);
    const width = this.config.features.length;
    return bp.stepScope(() =>
      this.model.predictOnBatch(bp.tensor(data.rows, { shape: [data.count, width] })).dataSync(),
    );
  }

  /** Train and test loss (binary cross-entropy, without the L2 penalty) of the current weights. */
  losses(): { train: number; test: number } {
    return {
      train: binaryCrossentropy(this.probabilities(this.train), this.train.labels),
      test: binaryCrossentropy(this.probabilities(this.test), this.test.labels),
    };
  }

  /**
   * Every unit's output at every row of `inputs` ([count, features]): outputs[layer][unit] is a
   * Float32Array of `count` values — the hidden units' activations, and last the network's
   * probability of class 1. The input features themselves come first (layer 0).
   */
  unitOutputs(inputs: Float32Array, count: number): Float32Array[][] {
    const width = this.config.features.length;
    return bp.stepScope(() =>
      bp.noGrad(() => {
        const layers: Float32Array[][] = [columns(inputs, count, width)];
        let h = bp.tensor(inputs, { shape: [count, width] });
        for (const layer of this.dense) {
          // Dropout is skipped: outside training it is the identity anyway.
          h = layer.apply(h) as bp.Tensor;
          layers.push(columns(h.dataSync() as Float32Array, count, layer.units));
        }
        return layers;
      }),
    );
  }

  /** Each Dense layer's kernel as rows [input][unit], for drawing the weights. */
  kernels(): number[][][] {
    return this.dense.map((layer) => {
      const kernel = layer.getWeight('kernel');
      const [rows, cols] = kernel.shape as [number, number];
      const values = kernel.dataSync();
      return Array.from({ length: rows }, (_, r) => Array.from(values.subarray(r * cols, (r + 1) * cols)));
    });
  }
}

/** Split row-major [count, width] into `width` columns of `count` values. */
function columns(values: Float32Array, count: number, width: number): Float32Array[] {
  return Array.from({ length: width }, (_, j) => {
    const column = new Float32Array(count);
    for (let i = 0; i < count; i++) column[i] = values[i * width + j] as number;
    return column;
  });
}
