/** Shared pieces of the CLI commands: building an MLP, the MNIST CNN and LSTM, choosing an optimiser. */
import {
  ArgumentError,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  getOptimizer,
  LSTM,
  MaxPooling2D,
  type Optimizer,
  Reshape,
  Sequential,
} from '../node/index.js';

export interface MlpOptions {
  /** All layer sizes, input first: [784, 100, 10]. */
  layers: number[];
  activation: string;
  outputActivation: string;
  dropout: number;
  kernelInitializer?: string;
}

export function parseLayers(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim()));
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new ArgumentError(
      `--layers wants at least two positive integers separated by commas, e.g. 784,100,10 (got '${text}')`,
    );
  }
  return sizes;
}

export function buildMlp(options: MlpOptions): Sequential {
  const [inputs, ...rest] = options.layers;
  const model = new Sequential({ name: `mlp_${options.layers.join('_')}` });
  rest.forEach((units, i) => {
    const last = i === rest.length - 1;
    model.add(
      new Dense({
        units,
        activation: (last ? options.outputActivation : options.activation) as never, // checked by Dense
        ...(i === 0 && { inputDim: inputs }),
        ...(options.kernelInitializer && { kernelInitializer: options.kernelInitializer as never }),
      }),
    );
    if (!last && options.dropout > 0) model.add(new Dropout({ rate: options.dropout }));
  });
  return model;
}

/**
 * The CNN of `train mnist --model cnn`, LeNet-style: two convolution + max-pooling blocks and a dense
 * head with dropout. Input rows of 784 pixels are reshaped to 28×28×1 images by the first layer, so
 * the same data (and saved-model input format) serves MLPs and CNNs.
 */
export function buildCnn(options: { dropout: number; outputActivation: string }): Sequential {
  const model = new Sequential({ name: 'cnn_mnist' });
  model.add(new Reshape({ targetShape: [28, 28, 1], inputShape: [784] }));
  model.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(new MaxPooling2D({ poolSize: 2 }));
  model.add(new Conv2D({ filters: 32, kernelSize: 5, activation: 'relu' }));
  model.add(new MaxPooling2D({ poolSize: 2 }));
  model.add(new Flatten());
  model.add(new Dense({ units: 128, activation: 'relu' }));
  if (options.dropout > 0) model.add(new Dropout({ rate: options.dropout }));
  model.add(new Dense({ units: 10, activation: options.outputActivation as never })); // checked by Dense
  return model;
}

/**
 * The recurrent model of `train mnist --model rnn`: each image read row by row, 28 steps of 28
 * pixels, by an LSTM whose last state a dense layer classifies (PyTorch's and Keras' row-MNIST
 * example). Input rows of 784 pixels, like the other two models.
 */
export function buildRnn(options: { units: number; outputActivation: string }): Sequential {
  const model = new Sequential({ name: 'rnn_mnist' });
  model.add(new Reshape({ targetShape: [28, 28], inputShape: [784] }));
  model.add(new LSTM({ units: options.units }));
  model.add(new Dense({ units: 10, activation: options.outputActivation as never })); // checked by Dense
  return model;
}

export function makeOptimizer(
  name: string,
  learningRate: number | undefined,
  momentum: number | undefined,
  clipNorm?: number,
): Optimizer {
  const config: Record<string, unknown> = {};
  if (learningRate !== undefined) config.learningRate = learningRate;
  if (momentum !== undefined) config.momentum = momentum;
  if (clipNorm !== undefined) config.clipNorm = clipNorm;
  return getOptimizer({ className: name, config });
}

export function number(name: string, min = Number.NEGATIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new ArgumentError(
        `${name} must be a number${min > -Infinity ? ` ≥ ${min}` : ''}, got '${value}'`,
      );
    return n;
  };
}

/** A number above 0 (a temperature: 0 would divide by zero). */
export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(Number.isFinite(n) && n > 0))
      throw new ArgumentError(`${name} must be a number > 0, got '${value}'`);
    return n;
  };
}
