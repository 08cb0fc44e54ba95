/**
 * The playground's 2-D data sets, after TensorFlow Playground: points in the square [-6, 6]², each
 * labelled 0 or 1. Seeded, so "reset" and the tests see the same points for the same settings.
 */

export type DatasetName = 'spiral' | 'circles' | 'xor' | 'gaussian';

export const DATASETS: Record<DatasetName, string> = {
  spiral: 'Spiral',
  circles: 'Circles',
  xor: 'XOR',
  gaussian: 'Gaussian blobs',
};

/** Half the side of the square the points (and the heat maps) cover. */
export const EXTENT = 6;

export interface Point {
  x: number;
  y: number;
  /** 0 or 1 */
  label: number;
}

/** mulberry32: a tiny seeded generator, so every data set is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  // Box–Muller; 1 - u keeps log away from 0.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * `count` points of one data set; `noise` in [0, 1] is how much they are shaken (for the blobs:
 * how far they spread into each other), as the Playground's noise slider.
 */
export function makeDataset(name: DatasetName, count: number, noise: number, seed = 1): Point[] {
  const random = seededRandom(seed);
  const uniform = (low: number, high: number) => low + (high - low) * random();
  const points: Point[] = [];
  const half = Math.floor(count / 2);
  if (name === 'spiral') {
    // Two arms, half a turn apart: radius grows with the angle (1.75 turns out to radius 5).
    for (const [label, shift] of [
      [1, 0],
      [0, Math.PI],
    ] as const)
      for (let i = 0; i < half; i++) {
        const r = (i / half) * 5;
        const t = 1.75 * (i / half) * 2 * Math.PI + shift;
        points.push({
          x: r * Math.sin(t) + uniform(-1, 1) * noise,
          y: r * Math.cos(t) + uniform(-1, 1) * noise,
          label,
        });
      }
  } else if (name === 'circles') {
    // A disc (label 1) inside a ring (label 0); noise blurs the gap between them.
    const radius = 5;
    for (let i = 0; i < count; i++) {
      const inner = i < half;
      const r = inner ? uniform(0, radius * 0.5) : uniform(radius * 0.7, radius);
      const angle = uniform(0, 2 * Math.PI);
      const x = r * Math.sin(angle);
      const y = r * Math.cos(angle);
      const nx = x + uniform(-radius, radius) * noise * 0.5;
      const ny = y + uniform(-radius, radius) * noise * 0.5;
      points.push({ x: nx, y: ny, label: inner ? 1 : 0 });
    }
  } else if (name === 'xor') {
    // Same sign of x and y: label 1. Points keep a small margin off the axes.
    for (let i = 0; i < count; i++) {
      const x = uniform(-5, 5);
      const y = uniform(-5, 5);
      const padding = 0.3;
      const px = x + (x > 0 ? padding : -padding);
      const py = y + (y > 0 ? padding : -padding);
      points.push({
        x: px + uniform(-5, 5) * noise * 0.5,
        y: py + uniform(-5, 5) * noise * 0.5,
        label: px * py >= 0 ? 1 : 0,
      });
    }
  } else {
    // Two Gaussian blobs at (2, 2) and (-2, -2); noise widens them until they overlap.
    const spread = 0.5 + 3 * noise;
    for (let i = 0; i < count; i++) {
      const label = i < half ? 1 : 0;
      const centre = label ? 2 : -2;
      points.push({ x: centre + normal(random) * spread, y: centre + normal(random) * spread, label });
    }
  }
  // Shuffle (Fisher–Yates) so a train/test split by position mixes both classes.
  for (let i = points.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [points[i], points[j]] = [points[j] as Point, points[i] as Point];
  }
  return points;
}

/** Split by a ratio: the first `trainRatio` of the (shuffled) points train, the rest test. */
export function splitPoints(points: Point[], trainRatio: number): { train: Point[]; test: Point[] } {
  const cut = Math.round(points.length * trainRatio);
  return { train: points.slice(0, cut), test: points.slice(cut) };
}
