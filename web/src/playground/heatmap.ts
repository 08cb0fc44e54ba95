/**
 * Heat maps of a function over the square of the data: orange where it is negative (class 0),
 * blue where positive (class 1), pale near zero — the Playground's colours, so a neuron's map and
 * the decision boundary read the same way.
 */
import { EXTENT } from './datasets.js';

/** Cells per side of the grid every map is computed on (the canvas smooths it when scaled up). */
export const GRID = 50;

/** The grid's points in data coordinates, row by row from the top (y = +EXTENT) down. */
export function gridPoints(): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  for (let row = 0; row < GRID; row++)
    for (let col = 0; col < GRID; col++)
      points.push({
        x: -EXTENT + ((col + 0.5) / GRID) * 2 * EXTENT,
        y: EXTENT - ((row + 0.5) / GRID) * 2 * EXTENT,
      });
  return points;
}

const NEGATIVE = [234, 88, 12];
const NEUTRAL = [246, 246, 246];
const POSITIVE = [37, 99, 235];

/** The colour of a value in [-1, 1]. */
export function colour(value: number): [number, number, number] {
  const v = Math.max(-1, Math.min(1, value));
  const end = v < 0 ? NEGATIVE : POSITIVE;
  const t = Math.abs(v);
  return [0, 1, 2].map((k) =>
    Math.round((NEUTRAL[k] as number) + ((end[k] as number) - (NEUTRAL[k] as number)) * t),
  ) as [number, number, number];
}

/** colour() at 256 steps over [-1, 1], packed as RGBA: the heat maps look colours up here. */
const PALETTE = (() => {
  const table = new Uint32Array(256);
  const bytes = new Uint8Array(table.buffer);
  for (let i = 0; i < 256; i++) bytes.set([...colour((i / 255) * 2 - 1), 255], i * 4);
  return table;
})();

/**
 * A GRID×GRID image of `values`. Values are divided by `scale` (1 for tanh and probabilities mapped
 * to [-1, 1]; a ReLU unit's own largest value, so unbounded units still show their shape). It is
 * drawn ~30 times a frame, hence the table instead of colour() per pixel.
 */
export function heatImage(values: Float32Array, scale = 1): ImageData {
  const image = new ImageData(GRID, GRID);
  const pixels = new Uint32Array(image.data.buffer);
  for (let i = 0; i < GRID * GRID; i++) {
    const v = Math.max(-1, Math.min(1, (values[i] as number) / scale));
    pixels[i] = PALETTE[Math.round((v + 1) * 127.5)] as number;
  }
  return image;
}

/** Largest |value|, at least 1: the scale that keeps bounded units as they are. */
export function scaleOf(values: Float32Array): number {
  let most = 1;
  for (const v of values) most = Math.max(most, Math.abs(v));
  return most;
}

/** Draw a GRID-sized image scaled (smoothly) to fill a w×h box of a 2-D context. */
export function drawHeat(
  context: CanvasRenderingContext2D,
  image: ImageData,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  const scratch = scratchCanvas();
  scratch.getContext('2d')?.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(scratch, x, y, w, h);
}

let scratch: HTMLCanvasElement | null = null;
function scratchCanvas(): HTMLCanvasElement {
  if (!scratch) {
    scratch = document.createElement('canvas');
    scratch.width = GRID;
    scratch.height = GRID;
  }
  return scratch;
}
