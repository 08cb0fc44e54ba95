/**
 * Everything the reader can set, and the defaults. The defaults are chosen to separate the spiral
 * (test loss < 0.1) within a few seconds: x and y alone can do it too, but take many more epochs;
 * sin x and sin y give the first layer curves that already follow the arms. Measured in Node over
 * data/weight seeds 1–8: test loss < 0.1 after 69–167 epochs (≈ 9 steps each); Adam at 0.03 or
 * batches of 10 get there sooner but jump back up more often, which reads as "broken" to a learner.
 */
import type { DatasetName } from './datasets.js';
import type { FeatureName } from './features.js';
import type { ActivationName, NetworkConfig, OptimizerName } from './network.js';

export interface Settings extends NetworkConfig {
  dataset: DatasetName;
  /** 0 … 0.5: how much the points are shaken. */
  noise: number;
  /** Share of the points used for training; the rest are the test set. */
  trainRatio: number;
  showTest: boolean;
}

/** Points per data set, as in the Playground. */
export const POINTS = 500;
/** The most units a hidden layer may have, and the most hidden layers (the picture must fit a phone). */
export const MAX_UNITS = 8;
export const MAX_LAYERS = 6;

export const DEFAULTS: Settings = {
  dataset: 'spiral',
  noise: 0,
  trainRatio: 0.5,
  showTest: false,
  features: ['x', 'y', 'sin x', 'sin y'] satisfies FeatureName[],
  hidden: [8, 8, 8],
  activation: 'tanh',
  optimizer: 'adam',
  learningRate: 0.01,
  batchSize: 30,
  l2: 0,
  dropout: 0,
  seed: 1,
};

export const ACTIVATIONS: ActivationName[] = ['tanh', 'relu', 'sigmoid', 'linear'];
export const OPTIMIZERS: Record<OptimizerName, string> = {
  sgd: 'SGD',
  momentum: 'Momentum',
  adagrad: 'AdaGrad',
  rmsprop: 'RMSprop',
  adam: 'Adam',
};
export const LEARNING_RATES = [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3];
export const BATCH_SIZES = [1, 5, 10, 20, 30, 50, 100];
export const L2_FACTORS = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1];
export const DROPOUT_RATES = [0, 0.1, 0.2, 0.3, 0.5];
