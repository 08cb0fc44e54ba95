/**
 * The networks the page trains (worker side), and what it shows of them: first-layer filters and
 * one digit's activations layer by layer. Models loaded from files are any Sequential whose input
 * is a 28×28 image, flat ([784], the CLI's MLP) or [28, 28, 1] (the CLI's CNN).
 */
import * as bp from 'backprop-js';
import { PIXELS, SIDE } from './data.js';
import type { OptimizerName, Picture, TrainSettings } from './protocol.js';

export function makeOptimizer(name: OptimizerName, learningRate: number): bp.Optimizer {
  if (name === 'sgd') return new bp.SGD({ learningRate });
  if (name === 'momentum') return new bp.SGD({ learningRate, momentum: 0.9 });
  if (name === 'adagrad') return new bp.Adagrad({ learningRate });
  return new bp.Adam({ learningRate });
}

/** 784-hidden-10 ReLU/softmax, or a small CNN (two 5×5 convolutions + pooling, 10 softmax). */
export function buildModel(settings: TrainSettings): bp.Sequential {
  const layers =
    settings.architecture === 'mlp'
      ? [
          new bp.Dense({ units: settings.hidden, activation: 'relu', inputShape: [PIXELS] }),
          new bp.Dense({ units: 10, activation: 'softmax' }),
        ]
      : [
          new bp.Reshape({ targetShape: [SIDE, SIDE, 1], inputShape: [PIXELS] }),
          new bp.Conv2D({ filters: 8, kernelSize: 5, activation: 'relu' }),
          new bp.MaxPooling2D({ poolSize: 2 }),
          new bp.Conv2D({ filters: 16, kernelSize: 5, activation: 'relu' }),
          new bp.MaxPooling2D({ poolSize: 2 }),
          new bp.Flatten(),
          new bp.Dense({ units: 10, activation: 'softmax' }),
        ];
  const model = new bp.Sequential({ name: settings.architecture, layers });
  compile(model, settings.optimizer, settings.learningRate);
  return model;
}

export function compile(model: bp.Sequential, optimizer: OptimizerName, learningRate: number): void {
  model.compile({
    optimizer: makeOptimizer(optimizer, learningRate),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
}

export function describe(model: bp.Sequential): string {
  return model.layers
    .map((layer) => `${layer.className}${JSON.stringify(layer.computeOutputShape(layer.inputShape))}`)
    .join(' → ');
}

export function parameterCount(model: bp.Sequential): number {
  return model.weights.reduce((n, w) => n + w.tensor.size, 0);
}

/** Images as the model wants them: [n, 784] or [n, 28, 28, 1]. */
export function asInput(model: bp.Sequential, pixels: Float32Array): bp.Tensor {
  const n = pixels.length / PIXELS;
  return bp.tensor(pixels, { shape: [n, ...model.inputShape] });
}

/** The first layer's weights as pictures: a dense unit's 784 weights, or a kernel's window. */
export function filters(model: bp.Sequential, limit = 16): Picture[] {
  const kernel = model.weights.find((w) => w.tensor.shape.length >= 2)?.tensor;
  if (!kernel) return [];
  const shape = kernel.shape;
  const values = kernel.dataSync();
  const pictures: Picture[] = [];
  if (shape.length === 2 && shape[0] === PIXELS) {
    const units = shape[1]!;
    for (let u = 0; u < Math.min(units, limit); u++) {
      const picture = new Float32Array(PIXELS);
      for (let p = 0; p < PIXELS; p++) picture[p] = values[p * units + u]!;
      pictures.push({ width: SIDE, height: SIDE, values: picture, signed: true });
    }
  } else if (shape.length === 4) {
    // [kh, kw, in, out]: the first input channel of each output channel.
    const [kh, kw, cin, cout] = shape as [number, number, number, number];
    for (let o = 0; o < Math.min(cout, limit); o++) {
      const picture = new Float32Array(kh * kw);
      for (let i = 0; i < kh * kw; i++) picture[i] = values[i * cin * cout + o]!;
      pictures.push({ width: kw, height: kh, values: picture, signed: true });
    }
  }
  return pictures;
}

/** A vector of n values laid out as a near-square grid picture. */
function grid(values: Float32Array): Picture {
  // Ten class scores read best as one row; hidden units as a near-square block.
  const width = values.length <= 16 ? values.length : Math.ceil(Math.sqrt(values.length));
  const height = Math.ceil(values.length / width);
  const padded = new Float32Array(width * height);
  padded.set(values);
  return { width, height, values: padded };
}

/** One digit through the model layer by layer: each layer's output as pictures (≤ 8 channels). */
export function activations(
  model: bp.Sequential,
  pixels: Float32Array,
): { layer: string; maps: Picture[] }[] {
  return bp.stepScope(() => {
    const out: { layer: string; maps: Picture[] }[] = [];
    let h = asInput(model, pixels);
    for (const layer of model.layers) {
      h = layer.apply(h);
      if (layer.className === 'Reshape') continue; // the input again, in another shape
      const shape = h.shape;
      const values = h.dataSync();
      if (shape.length === 4) {
        const [, height, width, channels] = shape as [number, number, number, number];
        const maps: Picture[] = [];
        for (let c = 0; c < Math.min(channels, 8); c++) {
          const map = new Float32Array(height * width);
          for (let i = 0; i < map.length; i++) map[i] = values[i * channels + c]!;
          maps.push({ width, height, values: map });
        }
        out.push({ layer: `${layer.name} (${channels} maps of ${height}×${width})`, maps });
      } else if (shape.length === 2 && !/flatten|dropout/i.test(layer.className)) {
        out.push({ layer: `${layer.name} (${shape[1]} units)`, maps: [grid(Float32Array.from(values))] });
      }
    }
    return out;
  });
}
