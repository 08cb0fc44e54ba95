/**
 * Input features, as TensorFlow Playground's toggles: the network sees these functions of the
 * point (x, y) instead of (or besides) the raw coordinates. x and y are divided by the data's
 * extent first, so every feature is of order 1 and tanh units do not start saturated.
 */
import { EXTENT, type Point } from './datasets.js';

export type FeatureName = 'x' | 'y' | 'x²' | 'y²' | 'xy' | 'sin x' | 'sin y';

export const FEATURES: Record<FeatureName, (x: number, y: number) => number> = {
  x: (x) => x,
  y: (_, y) => y,
  'x²': (x) => x * x,
  'y²': (_, y) => y * y,
  xy: (x, y) => x * y,
  // On the Playground's scale (±6), sin turns about twice across the square: that is what helps a spiral.
  'sin x': (x) => Math.sin(x * EXTENT * 0.5),
  'sin y': (_, y) => Math.sin(y * EXTENT * 0.5),
};

export const FEATURE_NAMES = Object.keys(FEATURES) as FeatureName[];

/** Rows of the chosen features for points given in data coordinates (±EXTENT). */
export function featureRows(
  points: ArrayLike<{ x: number; y: number }>,
  chosen: FeatureName[],
): Float32Array {
  const rows = new Float32Array(points.length * chosen.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as Point;
    const x = p.x / EXTENT;
    const y = p.y / EXTENT;
    for (let j = 0; j < chosen.length; j++)
      rows[i * chosen.length + j] = FEATURES[chosen[j] as FeatureName](x, y);
  }
  return rows;
}
