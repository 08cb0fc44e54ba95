/**
 * The judge of `train mnist --model gan`: a small CNN classifier trained on MNIST first, whose
 * softmax gives the Inception score of a set of digits and whose penultimate layer (128 ReLU
 * features) their Fréchet distance to the real test digits — the classifier-based versions of the
 * two scores, as GAN papers on MNIST use them.
 */
import {
  type FeatureStatistics,
  featureStatistics,
  frechetDistanceFromStatistics,
  inceptionScore,
} from '../../metrics/generative.js';
import { input } from '../../model/functional/input.js';
import { Model } from '../../model/functional/model.js';
import { Conv2D } from '../../nn/conv2d.js';
import { Dense } from '../../nn/dense.js';
import { Dropout } from '../../nn/dropout.js';
import { Flatten } from '../../nn/flatten.js';
import { MaxPooling2D } from '../../nn/pooling.js';
import { Reshape } from '../../nn/reshape.js';
import type { SymbolicTensor } from '../../nn/symbolic-tensor.js';
import { Adam } from '../../optim/adam.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface Judge {
  classifier: Model;
  /** The classifier's penultimate layer, same weights. */
  features: Model;
}

/** LeNet-like: 2 × (conv 5×5 + max pooling), dense 128 (the features), dropout, softmax over 10. */
export function buildJudge(): Judge {
  const pixels = input({ shape: [784], name: 'pixels' });
  let x = new Reshape({ targetShape: [28, 28, 1] }).apply(pixels) as SymbolicTensor;
  x = new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }).apply(
    x,
  ) as SymbolicTensor;
  x = new MaxPooling2D({ poolSize: 2 }).apply(x) as SymbolicTensor;
  x = new Conv2D({ filters: 32, kernelSize: 5, activation: 'relu' }).apply(x) as SymbolicTensor;
  x = new MaxPooling2D({ poolSize: 2 }).apply(x) as SymbolicTensor;
  x = new Flatten().apply(x) as SymbolicTensor;
  const features = new Dense({ units: 128, activation: 'relu', name: 'features' }).apply(x) as SymbolicTensor;
  const dropped = new Dropout({ rate: 0.4 }).apply(features) as SymbolicTensor;
  const probs = new Dense({ units: 10, activation: 'softmax', name: 'digit' }).apply(
    dropped,
  ) as SymbolicTensor;
  const classifier = new Model({ inputs: pixels, outputs: probs, name: 'judge' });
  classifier.compile({
    optimizer: new Adam({ learningRate: 2e-3 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return { classifier, features: new Model({ inputs: pixels, outputs: features, name: 'judge_features' }) };
}

export interface Scores {
  inceptionScore: number;
  frechetDistance: number;
}

/** Both scores of `images` [n, 784] (pixels in [0, 1]) against the real digits' feature statistics. */
export function score(judge: Judge, images: Tensor, real: FeatureStatistics): Scores {
  const probs = judge.classifier.predict(images, { batchSize: 500 }) as Tensor;
  const feats = judge.features.predict(images, { batchSize: 500 }) as Tensor;
  return {
    inceptionScore: inceptionScore(probs).mean,
    frechetDistance: frechetDistanceFromStatistics(featureStatistics(feats), real),
  };
}

/** The real digits' feature statistics, to compare generated ones with. */
export function realStatistics(judge: Judge, images: Tensor): FeatureStatistics {
  return featureStatistics(judge.features.predict(images, { batchSize: 500 }) as Tensor);
}
