/**
 * The network picture: one column per layer (the input features, each hidden layer, the output),
 * every unit drawn as a small heat map of its own output over the plane, and every weight as a
 * line between two units — blue for positive, orange for negative, thicker for larger |w|.
 */
import { sharpCanvas } from './chart.js';
import { drawHeat, heatImage, scaleOf } from './heatmap.js';

export interface NetworkPicture {
  /** Column labels: feature names for the inputs, nothing for the others. */
  inputNames: string[];
  /** outputs[layer][unit]: GRID×GRID values (layer 0: the features). */
  outputs: Float32Array[][];
  /** kernels[layer][from][to], for layer → layer + 1. */
  kernels: number[][][];
  /** True when the output is a probability (mapped from [0, 1] to [-1, 1] for its colour). */
  sigmoidOutput: boolean;
}

const GAP = 10;

/** Where each column's units sit: used by the canvas and by the +/- buttons above it. */
export function columnCentres(width: number, columns: number): number[] {
  return Array.from({ length: columns }, (_, i) => ((i + 0.5) * width) / columns);
}

/** Where a unit was drawn (canvas pixels, CSS scale), for pointing at it. */
export interface UnitBox {
  layer: number;
  unit: number;
  x: number;
  y: number;
  size: number;
}

/** Draw the picture; returns where each unit is, and marks `focus` (the unit pointed at). */
export function drawNetwork(
  canvas: HTMLCanvasElement,
  picture: NetworkPicture,
  focus: { layer: number; unit: number } | null,
): UnitBox[] {
  const width = canvas.parentElement?.clientWidth ?? 400;
  const columns = picture.outputs.length;
  const size = Math.max(20, Math.min(40, (width / columns) * 0.45));
  const most = Math.max(...picture.outputs.map((layer) => layer.length));
  const height = most * (size + GAP) + GAP;
  const context = sharpCanvas(canvas, width, height);
  const centres = columnCentres(width, columns);
  // The input column moves right if its feature names would not fit on its left.
  context.font = '10px system-ui, sans-serif';
  const label = Math.max(0, ...picture.inputNames.map((name) => context.measureText(name).width));
  centres[0] = Math.max(centres[0] as number, label + 6 + size / 2);
  const at = (layer: number, unit: number) => ({
    x: centres[layer] as number,
    y: GAP + unit * (size + GAP) + size / 2,
  });

  // Weights first, under the units. Thickness grows with |w| up to a cap, so one big weight
  // does not hide the rest.
  for (const [layer, kernel] of picture.kernels.entries())
    for (const [from, row] of kernel.entries())
      for (const [to, w] of row.entries()) {
        const a = at(layer, from);
        const b = at(layer + 1, to);
        context.strokeStyle = w >= 0 ? 'rgba(37, 99, 235, 0.75)' : 'rgba(234, 88, 12, 0.75)';
        context.lineWidth = Math.min(5, 0.25 + Math.abs(w) * 1.5);
        context.beginPath();
        context.moveTo(a.x + size / 2, a.y);
        context.bezierCurveTo((a.x + b.x) / 2, a.y, (a.x + b.x) / 2, b.y, b.x - size / 2, b.y);
        context.stroke();
      }

  context.textAlign = 'right';
  const boxes: UnitBox[] = [];
  const ink = getComputedStyle(canvas).getPropertyValue('--fg').trim() || '#1d1f23';
  picture.outputs.forEach((layer, l) => {
    const last = l === columns - 1;
    layer.forEach((values, unit) => {
      const { x, y } = at(l, unit);
      const shown = last && picture.sigmoidOutput ? values.map((p) => 2 * p - 1) : values;
      drawHeat(context, heatImage(shown, last ? 1 : scaleOf(shown)), x - size / 2, y - size / 2, size, size);
      const focused = focus?.layer === l && focus.unit === unit;
      context.strokeStyle = focused ? ink : '#9aa0aa';
      context.lineWidth = focused ? 2.5 : 1;
      context.strokeRect(x - size / 2, y - size / 2, size, size);
      boxes.push({ layer: l, unit, x, y, size });
      if (l === 0) {
        context.fillStyle = '#8a8f99';
        context.fillText(picture.inputNames[unit] ?? '', x - size / 2 - 3, y + 3);
      }
    });
  });
  return boxes;
}
