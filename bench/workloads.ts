/**
 * The models of the backprop-vs-PyTorch rows (bench/pytorch.ts; bench/torch/*.py builds the same in
 * PyTorch), seeded and compiled as the bench trains them — also for the profiling scripts
 * (bench/*-prof.ts), so that they time exactly the bench's models.
 */
import {
  Adam,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  LSTM,
  MaxPooling2D,
  manualSeed,
  Reshape,
  Sequential,
  SGD,
} from '../src/node/index.js';

function sequential(
  layers: (Dense | Conv2D | MaxPooling2D | Flatten | Dropout | Reshape | LSTM)[],
  optimizer: Adam | SGD,
) {
  manualSeed(0);
  const model = new Sequential();
  for (const layer of layers) model.add(layer);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

export const smallMlp = (): Sequential =>
  sequential(
    [
      new Dense({ units: 100, activation: 'sigmoid', inputDim: 784 }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
    new SGD({ learningRate: 0.1 }),
  );
export const smallCnn = (): Sequential =>
  sequential(
    [
      new Reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
      new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
    new Adam({ learningRate: 1e-3 }),
  );
export const wideMlp = (): Sequential =>
  sequential(
    [
      new Dense({ units: 1024, activation: 'relu', inputDim: 784 }),
      new Dense({ units: 1024, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
    new Adam({ learningRate: 1e-3 }),
  );
export const kerasMnistCnn = (): Sequential =>
  sequential(
    [
      new Reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
      new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Dropout({ rate: 0.25 }),
      new Flatten(),
      new Dense({ units: 128, activation: 'relu' }),
      new Dropout({ rate: 0.5 }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
    new Adam({ learningRate: 1e-3 }),
  );
export const rowLstm = (): Sequential =>
  sequential(
    [
      new Reshape({ targetShape: [28, 28], inputShape: [784] }),
      new LSTM({ units: 128 }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
    new Adam({ learningRate: 1e-3 }),
  );
