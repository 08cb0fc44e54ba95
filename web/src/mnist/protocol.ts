/** Messages between the MNIST page (main.ts) and its training worker (worker.ts). */

export type Architecture = 'mlp' | 'cnn';
export type OptimizerName = 'sgd' | 'momentum' | 'adagrad' | 'adam';

export interface TrainSettings {
  architecture: Architecture;
  /** Hidden units of the MLP (784-hidden-10). */
  hidden: number;
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'hello' }
  /** Fetch the data set (absolute URL: a worker's own URL is its script's). */
  | { type: 'load-data'; url: string }
  /** A fresh model with these settings (replaces the current one). */
  | { type: 'build'; settings: TrainSettings }
  | { type: 'train' }
  | { type: 'pause' }
  /** Probabilities for one 28×28 image (pixels in [0, 1]). */
  | { type: 'predict'; pixels: Float32Array; id: number }
  /** A saved model: model.json's object and the weights file's bytes (the library checks both). */
  | { type: 'load-model'; modelJson: unknown; weightData: ArrayBuffer; name: string }
  /** Train one model per optimiser from the same initial weights on the same batches. */
  | { type: 'compare'; steps: number; batchSize: number }
  /** Time passes (fit, one epoch) over `images` training images with an MLP of `hidden` units. */
  | { type: 'benchmark'; images: number; batchSize: number; hidden: number };

export interface Misclassified {
  pixels: Uint8Array;
  label: number;
  predicted: number;
}

/** Worker → page. */
export type FromWorker =
  | { type: 'ready'; runtime: string }
  | { type: 'data'; train: number; test: number }
  | { type: 'model'; name: string; description: string; parameters: number; trained: boolean }
  | {
      type: 'progress';
      epoch: number;
      batch: number;
      batches: number;
      loss: number;
      accuracy: number;
      imagesPerSecond: number;
      /** Images seen since training started (the curves' x axis). */
      seen: number;
    }
  | {
      type: 'epoch';
      epoch: number;
      testLoss: number;
      testAccuracy: number;
      /** confusion[true * 10 + predicted], over the test images. */
      confusion: number[];
      misclassified: Misclassified[];
      seen: number;
    }
  /** First-layer weights as images, and one digit's activations layer by layer. */
  | { type: 'inspect'; filters: Picture[]; digit: Picture; activations: { layer: string; maps: Picture[] }[] }
  | { type: 'paused' }
  | { type: 'prediction'; probabilities: number[]; id: number }
  | { type: 'compare'; optimizer: OptimizerName; step: number; loss: number }
  | { type: 'compare-done' }
  | { type: 'benchmark'; library: string; seconds: number; images: number; loss: number }
  | { type: 'error'; message: string };

/** A small grey image: values any range, drawn scaled to their min..max (or ±max for weights). */
export interface Picture {
  width: number;
  height: number;
  values: Float32Array;
  /** 'signed': blue for positive, orange for negative (weights); else greys. */
  signed?: boolean;
}
