/** Small synthetic data sets for learning tests, generated from a seeded RNG. */
import { Rng, type Tensor, tensor } from '../src/index.js';

/** Two interleaving half-circles (as scikit-learn's make_moons), with Gaussian noise. */
export function moons(n: number, noise: number, seed: number): { x: Tensor; y: Tensor; labels: number[] } {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const t = Math.PI * rng.uniform();
    const px = cls === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = cls === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x.push([px + noise * rng.normal(), py + noise * rng.normal()]);
    labels.push(cls);
  }
  return { x: tensor(x), y: tensor(labels.map((c) => (c === 0 ? [1, 0] : [0, 1]))), labels };
}

/** The tutorial's 4-sample, 3-input problem (seed 004): y is x0 XOR x1. */
export const toyX = [
  [0, 0, 1],
  [0, 1, 1],
  [1, 0, 1],
  [1, 1, 1],
];
export const toyY = [[0], [1], [1], [0]];
