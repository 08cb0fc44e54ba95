/**
 * Image grids for the generative reports: digits, reconstructions, samples and filters tiled into
 * one PNG, written directly (src/node/png-encode.ts) rather than as a chart — a grid of 100 digits
 * is 78,400 pixels.
 */
import { join } from 'node:path';
import { ArgumentError } from '../../errors.js';
import { writeFileAtomic } from '../../node/file-io.js';
import { encodePng } from '../../node/png-encode.js';
import type { Report } from '../report.js';

export interface GridOptions {
  /** Size of one image in pixels. */
  width: number;
  height: number;
  /** Images per row (default: up to 10). */
  columns?: number;
  /** Each image pixel drawn as scale × scale screen pixels (default 2). */
  scale?: number;
  /** 'none' (default): values are 0–1 and clamped. 'each': each image rescaled to its own min..max (filters). */
  normalize?: 'none' | 'each';
  /** 'dark' (default): 1 is black ink on white paper; 'light': 1 is white on black. */
  ink?: 'dark' | 'light';
}

/** One border pixel between images, in mid grey, so neighbouring white digits stay apart. */
const GAP = 1;
const GAP_GREY = 160;

/** `count` images of width × height values each, laid out row-major in `images`, as a grey PNG. */
export function imageGridPng(images: ArrayLike<number>, count: number, o: GridOptions): Uint8Array {
  const { width: w, height: h } = o;
  const scale = o.scale ?? 2;
  if (!Number.isInteger(count) || count < 1)
    throw new ArgumentError(`imageGridPng: count must be a positive integer, got ${count}`);
  if (images.length < count * w * h)
    throw new ArgumentError(
      `imageGridPng: ${count} images of ${w}×${h} need ${count * w * h} values, got ${images.length}`,
    );
  const columns = Math.min(o.columns ?? 10, count);
  const rows = Math.ceil(count / columns);
  const cellW = w * scale + GAP;
  const cellH = h * scale + GAP;
  const W = columns * cellW + GAP;
  const H = rows * cellH + GAP;
  const pixels = new Uint8Array(W * H).fill(GAP_GREY);
  const dark = (o.ink ?? 'dark') === 'dark';
  for (let k = 0; k < count; k++) {
    const base = k * w * h;
    let lo = 0;
    let hi = 1;
    if (o.normalize === 'each') {
      lo = Infinity;
      hi = -Infinity;
      for (let i = 0; i < w * h; i++) {
        const v = images[base + i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) hi = lo + 1; // a constant image shows as one flat level
    }
    const x0 = GAP + (k % columns) * cellW;
    const y0 = GAP + Math.floor(k / columns) * cellH;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = (images[base + y * w + x]! - lo) / (hi - lo);
        const level = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
        const grey = Math.round(255 * (dark ? 1 - level : level));
        for (let dy = 0; dy < scale; dy++) {
          const row = (y0 + y * scale + dy) * W + x0 + x * scale;
          pixels.fill(grey, row, row + scale);
        }
      }
  }
  return encodePng(pixels, W, H, 1);
}

/** Writes `<report dir>/<name>.png` and shows it on the report page with its caption. */
export async function addImageGrid(
  report: Report,
  name: string,
  images: ArrayLike<number>,
  count: number,
  o: GridOptions & { caption: string },
): Promise<void> {
  const png = imageGridPng(images, count, o);
  await writeFileAtomic(join(report.dir, `${name}.png`), png);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  report.plots.push({
    file: `${name}.png`,
    caption: o.caption,
    width: view.getUint32(16),
    height: view.getUint32(20),
  });
}
