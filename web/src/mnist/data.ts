/**
 * The page's MNIST subset (scripts/web-mnist-data.mjs): raw bytes, 12,000 training and 2,000
 * test images. Batches are made here as plain Float32Arrays, pixels scaled to [0, 1] as the
 * library's loadMnist() does, so the worker's library and TF.js see exactly the same numbers.
 */
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface MnistSubset {
  train: Split;
  test: Split;
}

export function parseSubset(buffer: ArrayBuffer): MnistSubset {
  const head = new DataView(buffer, 0, 16);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  const train = head.getUint32(4, true);
  const test = head.getUint32(8, true);
  if (magic !== 'MNST' || head.getUint32(12, true) !== PIXELS)
    throw new Error('mnist-subset.bin: not the MNIST subset (run node scripts/web-mnist-data.mjs)');
  if (buffer.byteLength !== 16 + (train + test) * (PIXELS + 1))
    throw new Error(`mnist-subset.bin: ${buffer.byteLength} bytes, not ${train} + ${test} images`);
  let at = 16;
  const take = (n: number): Uint8Array => {
    const part = new Uint8Array(buffer, at, n);
    at += n;
    return part;
  };
  const trainImages = take(train * PIXELS);
  const trainLabels = take(train);
  const testImages = take(test * PIXELS);
  const testLabels = take(test);
  return {
    train: { images: trainImages, labels: trainLabels, count: train },
    test: { images: testImages, labels: testLabels, count: test },
  };
}

/** Pixels [n, 784] in [0, 1] and one-hot labels [n, 10] of the given rows. */
export function batchOf(split: Split, rows: ArrayLike<number>): { x: Float32Array; y: Float32Array } {
  const n = rows.length;
  const x = new Float32Array(n * PIXELS);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    const src = split.images.subarray(row * PIXELS, (row + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p++) x[i * PIXELS + p] = src[p]! / 255;
    y[i * 10 + split.labels[row]!] = 1;
  }
  return { x, y };
}

/** 0..n-1 in a seeded random order (mulberry32: the same order for every optimiser / library). */
export function shuffled(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export async function fetchSubset(url: string): Promise<MnistSubset> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return parseSubset(await response.arrayBuffer());
}
