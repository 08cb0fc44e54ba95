/**
 * MNIST as tensors, from the four IDX arrays (browser-safe; the Node loader reads the files).
 * Pixels are scaled to [0, 1]; labels come one-hot or as integers. The tutorials' split keeps the
 * last 10,000 training images for validation: 50,000 / 10,000 / 10,000.
 */
import { ArgumentError } from '../errors.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import type { IdxArray } from './idx.js';

export interface MnistOptions {
  /** Hold out the last `validationSize` training images (default 10,000; 0 for none). */
  validationSize?: number;
  /** Labels as one-hot rows [n, 10] (default) or integers [n]. */
  oneHot?: boolean;
  /** Pixels as 0/1 (threshold 0.5) instead of grey levels in [0, 1]. */
  binarize?: boolean;
  /** Images as [n, 784] (default) or [n, 28, 28]. */
  flatten?: boolean;
  /** Keep only the first n training (and validation) images, and testLimit test images: for quick runs and tests. */
  trainLimit?: number;
  testLimit?: number;
}

export interface MnistSplit {
  x: Tensor;
  y: Tensor;
  /** Integer labels, whatever the form of y. */
  labels: Uint8Array;
}

export interface Mnist {
  train: MnistSplit;
  validation: MnistSplit | null;
  test: MnistSplit;
}

export interface MnistIdx {
  trainImages: IdxArray;
  trainLabels: IdxArray;
  testImages: IdxArray;
  testLabels: IdxArray;
}

function check(images: IdxArray, labels: IdxArray, which: string): void {
  if (images.shape.length !== 3 || labels.shape.length !== 1 || images.shape[0] !== labels.shape[0]) {
    throw new ArgumentError(
      `MNIST ${which}: expected images [n, rows, cols] and labels [n], got [${images.shape}] and [${labels.shape}]`,
    );
  }
  // Pixels are scaled as bytes and labels index one-hot rows: other types would give silent garbage.
  if (!(images.data instanceof Uint8Array) || !(labels.data instanceof Uint8Array)) {
    throw new ArgumentError(`MNIST ${which}: images and labels must be uint8 IDX arrays`);
  }
  const bad = labels.data.findIndex((v) => v > 9);
  if (bad >= 0)
    throw new ArgumentError(`MNIST ${which}: label ${labels.data[bad]} at index ${bad} is not a digit 0–9`);
}

function makeSplit(
  images: IdxArray,
  labels: IdxArray,
  start: number,
  end: number,
  options: MnistOptions,
): MnistSplit {
  const [, rows, cols] = images.shape as [number, number, number];
  const pixels = rows * cols;
  const n = end - start;
  const x = new Float32Array(n * pixels);
  const src = images.data;
  const offset = start * pixels;
  if (options.binarize) for (let i = 0; i < x.length; i++) x[i] = src[offset + i]! >= 128 ? 1 : 0;
  else for (let i = 0; i < x.length; i++) x[i] = src[offset + i]! / 255;
  const lab = Uint8Array.from(labels.data.subarray(start, end) as ArrayLike<number>);
  let y: Tensor;
  if (options.oneHot ?? true) {
    const oh = new Float32Array(n * 10);
    for (let i = 0; i < n; i++) oh[i * 10 + lab[i]!] = 1;
    y = tensor(oh, { shape: [n, 10] });
  } else {
    y = tensor(Float32Array.from(lab), { shape: [n] });
  }
  return {
    x: tensor(x, { shape: (options.flatten ?? true) ? [n, pixels] : [n, rows, cols] }),
    y,
    labels: lab,
  };
}

export function mnistFromIdx(idx: MnistIdx, options: MnistOptions = {}): Mnist {
  check(idx.trainImages, idx.trainLabels, 'training set');
  check(idx.testImages, idx.testLabels, 'test set');
  const total = idx.trainImages.shape[0]!;
  const validationSize = options.validationSize ?? 10000;
  if (!(validationSize >= 0 && validationSize < total)) {
    throw new ArgumentError(`loadMnist: validationSize must be in [0, ${total}), got ${validationSize}`);
  }
  let trainEnd = total - validationSize;
  let valEnd = total;
  if (options.trainLimit !== undefined) {
    trainEnd = Math.min(trainEnd, options.trainLimit);
    valEnd = Math.min(total, total - validationSize + options.trainLimit);
  }
  const testEnd = Math.min(idx.testImages.shape[0]!, options.testLimit ?? Number.POSITIVE_INFINITY);
  return {
    train: makeSplit(idx.trainImages, idx.trainLabels, 0, trainEnd, options),
    validation:
      validationSize > 0
        ? makeSplit(idx.trainImages, idx.trainLabels, total - validationSize, valEnd, options)
        : null,
    test: makeSplit(idx.testImages, idx.testLabels, 0, testEnd, options),
  };
}
