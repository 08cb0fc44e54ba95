/** NumPy-style printing: aligned columns, 4 decimals, long axes summarised with "...". */
import type { Tensor } from './tensor.js';

const EDGE = 3; // items shown at each end of a summarised axis
const SUMMARISE_ABOVE = 1000;

export function formatTensor(t: Tensor): string {
  const values = t.dataSync();
  const summarise = t.size > SUMMARISE_ABOVE;
  const shown = (n: number): number[] =>
    summarise && n > 2 * EDGE
      ? [
          ...Array.from({ length: EDGE }, (_, i) => i),
          -1,
          ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i),
        ]
      : Array.from({ length: n }, (_, i) => i);
  const allInts = values.every((v) => Number.isInteger(v));
  const fmt = (v: number): string => (Number.isFinite(v) ? (allInts ? String(v) : v.toFixed(4)) : String(v));
  let width = 1;
  for (const v of values) width = Math.max(width, fmt(v).length);

  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const render = (dim: number, offset: number, indent: string): string => {
    if (dim === t.ndim) return fmt(values[offset]!).padStart(width);
    const parts = shown(t.shape[dim]!).map((i) =>
      i < 0 ? '...' : render(dim + 1, offset + i * strides[dim]!, `${indent} `),
    );
    const sep = dim === t.ndim - 1 ? ', ' : `,${'\n'.repeat(t.ndim - dim - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  const prefix = 'tensor(';
  const grad = t.requiresGrad ? ', requiresGrad' : '';
  const name = t.name ? `, name='${t.name}'` : '';
  return `${prefix}${render(0, 0, ' '.repeat(prefix.length))}, shape=[${t.shape.join(', ')}]${grad}${name})`;
}
