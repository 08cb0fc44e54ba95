/** The loss curves: train and test loss against epochs, on one small canvas. */

export interface LossPoint {
  epoch: number;
  train: number;
  test: number;
}

const TRAIN = '#6b7280';
const TEST = '#2563eb';

/**
 * A canvas sized for the device's pixels, so lines stay sharp on phones. Resizing a canvas
 * reallocates it, so that only happens when the size changed; otherwise it is just cleared.
 */
export function sharpCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const context = canvas.getContext('2d') as CanvasRenderingContext2D;
  const pixelsWide = Math.round(width * ratio);
  const pixelsHigh = Math.round(height * ratio);
  if (canvas.width !== pixelsWide || canvas.height !== pixelsHigh) {
    canvas.width = pixelsWide;
    canvas.height = pixelsHigh;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return context;
}

export function drawLossChart(canvas: HTMLCanvasElement, history: LossPoint[]): void {
  const width = canvas.parentElement?.clientWidth ?? 300;
  const height = 110;
  const context = sharpCanvas(canvas, width, height);
  const pad = { left: 30, right: 6, top: 6, bottom: 16 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  // The scale follows the largest loss seen (capped, so a diverging start does not flatten the rest).
  let yMax = 0.25;
  for (const p of history) yMax = Math.max(yMax, Math.min(1.5, Math.max(p.train, p.test)));
  const last = history.at(-1)?.epoch ?? 1;
  const first = history[0]?.epoch ?? 0;
  const x = (epoch: number) => pad.left + ((epoch - first) / Math.max(last - first, 1e-9)) * plotW;
  const y = (loss: number) => pad.top + plotH * (1 - Math.min(loss, yMax) / yMax);
  // Axes and the 0.1 line (the spiral target).
  context.font = '10px system-ui, sans-serif';
  // Grid and labels in the page's own colours, so the chart suits the light and the dark theme.
  const style = getComputedStyle(canvas);
  context.fillStyle = style.getPropertyValue('--muted').trim() || '#5b6270';
  context.strokeStyle = style.getPropertyValue('--line').trim() || '#d9dce3';
  context.lineWidth = 1;
  for (const value of [0, 0.1, yMax / 2, yMax]) {
    context.beginPath();
    context.moveTo(pad.left, y(value));
    context.lineTo(width - pad.right, y(value));
    context.stroke();
    context.fillText(value.toFixed(value < 1 ? 2 : 1), 2, y(value) + 3);
  }
  context.fillText(`epoch ${last}`, width - pad.right - 60, height - 3);
  for (const [key, colour] of [
    ['train', TRAIN],
    ['test', TEST],
  ] as const) {
    context.strokeStyle = colour;
    context.lineWidth = 1.75;
    context.beginPath();
    for (const [i, p] of history.entries()) {
      if (i) context.lineTo(x(p.epoch), y(p[key]));
      else context.moveTo(x(p.epoch), y(p[key]));
    }
    context.stroke();
  }
}
