/**
 * The pictures of `train mnist --model vae`'s report that need more than a grid call: test digits
 * above their reconstructions, and the 2-D latent space (codes by digit, the decoder across the
 * code plane at evenly spaced prior quantiles).
 */
import type { VAE } from '../../model/vae/vae.js';
import { scatterChart } from '../../plot/specs.js';
import { tensor } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { addPlot, type Report } from '../report.js';
import { addImageGrid } from './pictures.js';
import type { Split } from './vae.js';

/** The code plane's side (GRID × GRID digits) and the test codes drawn (more only hide each other). */
const GRID = 15;
const SCATTER_POINTS = 5000;

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Test digits (odd rows) above their reconstructions (even rows), 10 per row. */
export function reconstructionPairs(x: Tensor, reconstruction: Tensor, count: number): Float32Array {
  const original = x.dataSync();
  const rebuilt = reconstruction.dataSync();
  const out = new Float32Array(2 * count * 784);
  for (let row = 0; row < count / 10; row++) {
    for (const [k, source] of [original, rebuilt].entries()) {
      const from = row * 10 * 784;
      out.set(source.subarray(from, from + 10 * 784), (2 * row + k) * 10 * 784);
    }
  }
  return out;
}

/** The 2-D pictures: test codes (means) coloured by digit, and the decoder across the code plane. */
export async function addLatentPlane(report: Report, vae: VAE, test: Split, caption: string) {
  const n = Math.min(SCATTER_POINTS, test.labels.length);
  const codes = vae.encodeMean(test.x.slice(0, n)).dataSync();
  await addPlot(
    report,
    'latent-codes',
    scatterChart({
      title: 'Test digits in the 2-D latent space (μ of q(z|x))',
      x: codes.filter((_, i) => i % 2 === 0),
      y: codes.filter((_, i) => i % 2 === 1),
      category: test.labels.subarray(0, n),
      categoryTitle: 'digit',
      xTitle: 'z₁',
      yTitle: 'z₂',
    }),
    `${caption}: the codes of ${n} test digits, coloured by their label (never seen in training).`,
  );
  // Evenly spaced quantiles of the prior, so each cell covers the same prior mass (Kingma & Welling, fig. 4).
  const grid: number[] = [];
  for (let row = 0; row < GRID; row++) {
    for (let col = 0; col < GRID; col++) {
      grid.push(normalQuantile((col + 0.5) / GRID), normalQuantile(1 - (row + 0.5) / GRID));
    }
  }
  const images = vae.decodeCodes(tensor(grid, { shape: [GRID * GRID, 2] })).dataSync();
  await addImageGrid(report, 'latent-manifold', images, GRID * GRID, {
    width: 28,
    height: 28,
    columns: GRID,
    scale: 1,
    caption: `${caption}: the decoder's digit at each point of a ${GRID}×${GRID} grid over the code plane (z₁ left to right, z₂ bottom to top, at evenly spaced quantiles of N(0, 1)).`,
  });
}
