/**
 * Image augmentation: each image in a batch is shifted by a few pixels and rotated by a small
 * angle, sampled bilinearly (pixels from outside the image are 0, the MNIST background). Pass
 * `augment: imageAugmenter({ width: 28, height: 28 })` to fit() to apply it per batch.
 */
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';

export interface AugmentOptions {
  width: number;
  height: number;
  /** Largest shift in pixels, each direction. Default 2. */
  maxShift?: number;
  /** Largest rotation in degrees, either way. Default 10. */
  maxRotation?: number;
}

export type Augmenter = (x: Tensor, rng: Rng) => Tensor;

export function imageAugmenter(options: AugmentOptions): Augmenter {
  const { width: w, height: h } = options;
  const maxShift = options.maxShift ?? 2;
  const maxRot = ((options.maxRotation ?? 10) * Math.PI) / 180;
  return (x, rng) => {
    const pixels = w * h;
    if (x.size % pixels !== 0 || x.shape[0]! * pixels !== x.size) {
      throw new ArgumentError(
        `imageAugmenter: a batch of shape [${x.shape}] is not made of ${h}×${w} images`,
      );
    }
    const n = x.shape[0]!;
    const src = x.dataSync();
    const out = new Float32Array(src.length);
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    for (let k = 0; k < n; k++) {
      const dx = Math.round((2 * rng.uniform() - 1) * maxShift);
      const dy = Math.round((2 * rng.uniform() - 1) * maxShift);
      const theta = (2 * rng.uniform() - 1) * maxRot;
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const base = k * pixels;
      for (let v = 0; v < h; v++) {
        for (let u = 0; u < w; u++) {
          // Inverse map: where in the source does output pixel (u, v) come from?
          const px = u - cx - dx;
          const py = v - cy - dy;
          const sx = cos * px + sin * py + cx;
          const sy = -sin * px + cos * py + cy;
          const x0 = Math.floor(sx);
          const y0 = Math.floor(sy);
          const fx = sx - x0;
          const fy = sy - y0;
          let value = 0;
          for (let j = 0; j < 2; j++) {
            const yy = y0 + j;
            if (yy < 0 || yy >= h) continue;
            const wy = j === 0 ? 1 - fy : fy;
            for (let i = 0; i < 2; i++) {
              const xx = x0 + i;
              if (xx < 0 || xx >= w) continue;
              value += wy * (i === 0 ? 1 - fx : fx) * src[base + yy * w + xx]!;
            }
          }
          out[base + v * w + u] = value;
        }
      }
    }
    return tensor(out, { shape: x.shape });
  };
}
