/**
 * The pictures of `train mnist --model autoencoder`'s report: test digits beside their noisy
 * versions and reconstructions, the 2-D codes coloured by digit with what the decoder draws across
 * that plane, and a dense first layer's filters.
 */
import type { Model } from '../../model/functional/model.js';
import type { Dense } from '../../nn/dense.js';
import { scatterChart } from '../../plot/specs.js';
import { tensor } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { addPlot, type Report } from '../report.js';
import type { Autoencoder } from './autoencoder-models.js';
import { addImageGrid } from './pictures.js';

const PIXELS = 784;
const DIGIT = { width: 28, height: 28 };
/** Test codes drawn in the scatter plot (more only hide each other). */
const SCATTER_POINTS = 5000;
/** The 2-D decoder's digits across its code plane: a GRID × GRID picture. */
const GRID = 15;

/** The first test digit of each class, `perDigit` times over: a row of 0–9 per round. */
function oneOfEachDigit(labels: Uint8Array, perDigit: number): number[] {
  const picked: number[] = [];
  for (let round = 0; round < perDigit; round++)
    for (let digit = 0; digit < 10; digit++) {
      let seen = 0;
      const i = labels.findIndex((l) => l === digit && seen++ === round);
      if (i >= 0) picked.push(i);
    }
  return picked;
}

/** Rows of 784 pixels, picked from a [n, 784] array. */
function rows(values: Float32Array, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * PIXELS);
  for (const [k, i] of indices.entries()) out.set(values.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
  return out;
}

/** Blocks of 10 columns: in each block, one row from each source (originals, noisy, reconstructions). */
function interleave(sources: Float32Array[], count: number): { images: Float32Array; count: number } {
  const blocks = Math.ceil(count / 10);
  const images = new Float32Array(blocks * sources.length * 10 * PIXELS);
  let k = 0;
  for (let b = 0; b < blocks; b++)
    for (const source of sources)
      for (let c = 0; c < 10; c++, k++) {
        const i = b * 10 + c;
        if (i < count) images.set(source.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
      }
  return { images, count: k };
}

/**
 * Two of each test digit, their noisy versions (when `noisy` is given: the model then reconstructs
 * from those) and the model's reconstructions.
 */
export async function addReconstructions(
  report: Report,
  model: Model,
  test: { pixels: Float32Array; labels: Uint8Array },
  noisy: { pixels: Float32Array; std: number } | null,
  kind: string,
): Promise<void> {
  const picked = oneOfEachDigit(test.labels, 2);
  const originals = rows(test.pixels, picked);
  const inputs = noisy ? rows(noisy.pixels, picked) : originals;
  const reconstructed = (
    model.predict(tensor(inputs, { shape: [picked.length, PIXELS] })) as Tensor
  ).dataSync();
  const grid = interleave(
    noisy ? [originals, inputs, reconstructed] : [originals, reconstructed],
    picked.length,
  );
  await addImageGrid(report, 'reconstructions', grid.images, grid.count, {
    ...DIGIT,
    columns: 10,
    caption: noisy
      ? `Test digits (rows 1, 4), with noise σ ${noisy.std} (rows 2, 5), and the ${kind}'s reconstructions from the noisy ones (rows 3, 6)`
      : `Test digits (rows 1, 3) and the ${kind}'s reconstructions (rows 2, 4)`,
  });
}

/** The 2-D codes of test digits coloured by digit (codes-2d), and what the decoder draws across that plane (code-plane). */
export async function addCodePlane(
  report: Report,
  plane: Autoencoder,
  test: { x: Tensor; labels: Uint8Array },
): Promise<void> {
  const shown = Math.min(SCATTER_POINTS, test.x.shape[0]!);
  const codes = (plane.encoder.predict(test.x.slice(0, shown)) as Tensor).dataSync();
  const xs = Float32Array.from({ length: shown }, (_, i) => codes[2 * i]!);
  const ys = Float32Array.from({ length: shown }, (_, i) => codes[2 * i + 1]!);
  await addPlot(
    report,
    'codes-2d',
    scatterChart({
      title: `2-D codes of ${shown} test digits`,
      x: xs,
      y: ys,
      category: test.labels.subarray(0, shown),
      categoryTitle: 'digit',
      xTitle: 'code 1',
      yTitle: 'code 2',
    }),
    `The dense 2-D autoencoder's codes of ${shown} test digits, coloured by their label (never seen in training)`,
  );
  await addImageGrid(report, 'code-plane', planeImages(plane.decoder, xs, ys), GRID * GRID, {
    ...DIGIT,
    columns: GRID,
    scale: 1,
    caption: `What the 2-D decoder draws on a ${GRID}×${GRID} grid over the codes' range (2nd–98th percentile; code 2 increasing upward)`,
  });
}

/** The decoder's images on a GRID × GRID lattice spanning the 2nd–98th percentiles of the codes. */
function planeImages(decoder: Model, xs: Float32Array, ys: Float32Array): Float32Array {
  const range = (v: Float32Array): [number, number] => {
    const sorted = Float32Array.from(v).sort();
    return [sorted[Math.floor(0.02 * (sorted.length - 1))]!, sorted[Math.ceil(0.98 * (sorted.length - 1))]!];
  };
  const [x0, x1] = range(xs);
  const [y0, y1] = range(ys);
  const grid = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++)
    for (let c = 0; c < GRID; c++) {
      const k = r * GRID + c;
      grid[2 * k] = x0 + ((x1 - x0) * c) / (GRID - 1);
      grid[2 * k + 1] = y1 - ((y1 - y0) * r) / (GRID - 1); // top row: largest code 2
    }
  return (decoder.predict(tensor(grid, { shape: [GRID * GRID, 2] })) as Tensor).dataSync();
}

/**
 * A dense first layer's kernel columns as 28×28 images, for the 100 units most active on `x`
 * (dead ReLUs, never active, last), each scaled so that 0 is mid grey and its largest weight
 * black or white.
 */
export async function addDenseFilters(
  report: Report,
  file: string,
  layer: Dense,
  x: Tensor,
  which: string,
): Promise<void> {
  const kernel = layer.getWeight('kernel'); // [784, units]
  const units = kernel.shape[1]!;
  const activity = (layer.apply(x) as Tensor).mean(0).dataSync();
  const order = [...activity.keys()].sort((a, b) => activity[b]! - activity[a]!).slice(0, 100);
  const columns = kernel.transpose().dataSync(); // [units, 784]
  const images = new Float32Array(order.length * PIXELS);
  for (const [k, unit] of order.entries()) {
    const w = columns.subarray(unit * PIXELS, (unit + 1) * PIXELS);
    let largest = 0;
    for (const v of w) largest = Math.max(largest, Math.abs(v));
    for (let i = 0; i < PIXELS; i++) images[k * PIXELS + i] = 0.5 + w[i]! / (2 * (largest || 1));
  }
  await addImageGrid(report, file, images, order.length, {
    ...DIGIT,
    columns: 10,
    caption: `First-layer filters of ${which}: the ${order.length} units of ${units} most active on test digits, most active first (grey 0, dark positive, light negative; each scaled to its largest weight)`,
  });
}
