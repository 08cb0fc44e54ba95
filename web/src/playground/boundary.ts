/**
 * The decision boundary: the network's answer at every point of the plane as the background (or,
 * while the reader points at a neuron, that neuron's output), the training points on top (white
 * rim) and the test points (dark rim).
 */
import { sharpCanvas } from './chart.js';
import { EXTENT, type Point } from './datasets.js';
import { colour, drawHeat, heatImage } from './heatmap.js';

export function drawBoundary(
  canvas: HTMLCanvasElement,
  /** GRID×GRID values in [-1, 1]: orange −1 … blue +1 (a probability p is given as 2p − 1). */
  values: Float32Array,
  train: Point[],
  test: Point[],
  showTest: boolean,
): void {
  const side = Math.min(canvas.parentElement?.clientWidth ?? 320, 360);
  const context = sharpCanvas(canvas, side, side);
  // Washed out (as the Playground does) so the points stay readable on top.
  drawHeat(
    context,
    heatImage(
      values.map((v) => v * 0.7),
      1,
    ),
    0,
    0,
    side,
    side,
  );
  const toPixel = (v: number) => ((v + EXTENT) / (2 * EXTENT)) * side;
  const dot = (p: Point, rim: string) => {
    const [r, g, b] = colour(p.label ? 1 : -1);
    context.fillStyle = `rgb(${r}, ${g}, ${b})`;
    context.strokeStyle = rim;
    context.lineWidth = 1;
    context.beginPath();
    context.arc(toPixel(p.x), side - toPixel(p.y), 3, 0, 2 * Math.PI);
    context.fill();
    context.stroke();
  };
  for (const p of train) dot(p, '#ffffff');
  if (showTest) for (const p of test) dot(p, '#111111');
}
