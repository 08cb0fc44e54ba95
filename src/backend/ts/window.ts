/**
 * Sliding-window kernels on channels-last images: im2col/col2im (convolution as a matrix
 * product) and max/average pooling. In [batch, H, W, C] a pixel's channels are contiguous, so the
 * inner loops move runs of C values. Which input pixel each window cell reads is the same for every
 * image, so it is worked out once per geometry (windowTable) and the loops only look it up.
 */
import type { WindowGeometry } from '../backend.js';

export interface WindowTable {
  /** For output pixel p (of one image) and cell k: the input pixel iy·inW + ix, or −1 for padding. */
  source: Int32Array;
  /** Cells inside the image, per output pixel. */
  counts: Float32Array;
}

const tables = new Map<string, WindowTable>();

export function windowTable(g: WindowGeometry): WindowTable {
  const key = [
    g.inH,
    g.inW,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.dilationH,
    g.dilationW,
    g.padTop,
    g.padLeft,
    g.outH,
    g.outW,
  ].join();
  let table = tables.get(key);
  if (table) return table;
  const cells = g.kernelH * g.kernelW;
  const source = new Int32Array(g.outH * g.outW * cells);
  const counts = new Float32Array(g.outH * g.outW);
  for (let oy = 0, p = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++, p++) {
      for (let ky = 0; ky < g.kernelH; ky++) {
        const iy = oy * g.strideH - g.padTop + ky * g.dilationH;
        for (let kx = 0; kx < g.kernelW; kx++) {
          const ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
          const inside = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW;
          source[p * cells + ky * g.kernelW + kx] = inside ? iy * g.inW + ix : -1;
          if (inside) counts[p]!++;
        }
      }
    }
  }
  if (tables.size >= 64) tables.clear(); // a handful of layer shapes in practice
  table = { source, counts };
  tables.set(key, table);
  return table;
}

export function im2colKernel(x: Float32Array, g: WindowGeometry, out: Float32Array, padValue: number): void {
  const { source } = windowTable(g);
  const c = g.channels;
  const cells = g.kernelH * g.kernelW;
  const perImage = g.outH * g.outW;
  const imageSize = g.inH * g.inW * c;
  let dst = 0;
  for (let n = 0; n < g.batch; n++) {
    const image = n * imageSize;
    for (let t = 0; t < perImage * cells; t++, dst += c) {
      const s = source[t]!;
      if (s < 0) {
        out.fill(padValue, dst, dst + c);
        continue;
      }
      const src = image + s * c;
      for (let i = 0; i < c; i++) out[dst + i] = x[src + i]!;
    }
  }
}

export function col2imKernel(cols: Float32Array, g: WindowGeometry, out: Float32Array): void {
  const { source } = windowTable(g);
  const c = g.channels;
  const cells = g.kernelH * g.kernelW;
  const perImage = g.outH * g.outW;
  const imageSize = g.inH * g.inW * c;
  out.fill(0);
  let from = 0;
  for (let n = 0; n < g.batch; n++) {
    const image = n * imageSize;
    for (let t = 0; t < perImage * cells; t++, from += c) {
      const s = source[t]!;
      if (s < 0) continue;
      const dst = image + s * c;
      for (let i = 0; i < c; i++) out[dst + i]! += cols[from + i]!;
    }
  }
}

export function maxPoolKernel(
  x: Float32Array,
  g: WindowGeometry,
  out: Float32Array,
  argmax: Float32Array,
): void {
  const { source } = windowTable(g);
  const c = g.channels;
  const cells = g.kernelH * g.kernelW;
  const perImage = g.outH * g.outW;
  const imageSize = g.inH * g.inW * c;
  for (let n = 0, o = 0; n < g.batch; n++) {
    const image = n * imageSize;
    for (let p = 0; p < perImage; p++, o += c) {
      // Ties (a window of −∞) go to the first cell inside the image, never to a padding cell.
      let first = 0;
      while (first < cells - 1 && source[p * cells + first]! < 0) first++;
      for (let i = 0; i < c; i++) {
        out[o + i] = Number.NEGATIVE_INFINITY;
        argmax[o + i] = first;
      }
      for (let k = 0; k < cells; k++) {
        const s = source[p * cells + k]!;
        if (s < 0) continue;
        const src = image + s * c;
        for (let i = 0; i < c; i++) {
          const v = x[src + i]!;
          const best = out[o + i]!;
          // `!(v <= best)` also takes a NaN, and a NaN already taken stays: NaN comes out, not hidden.
          if (!(v <= best) && !Number.isNaN(best)) {
            out[o + i] = v;
            argmax[o + i] = k;
          }
        }
      }
    }
  }
}

export function maxPoolGradKernel(
  dy: Float32Array,
  argmax: Float32Array,
  g: WindowGeometry,
  dx: Float32Array,
): void {
  const { source } = windowTable(g);
  const c = g.channels;
  const cells = g.kernelH * g.kernelW;
  const perImage = g.outH * g.outW;
  const imageSize = g.inH * g.inW * c;
  dx.fill(0);
  for (let n = 0, o = 0; n < g.batch; n++) {
    const image = n * imageSize;
    for (let p = 0; p < perImage; p++, o += c) {
      for (let i = 0; i < c; i++) {
        const s = source[p * cells + argmax[o + i]!]!;
        dx[image + s * c + i]! += dy[o + i]!;
      }
    }
  }
}

export function avgPoolKernel(x: Float32Array, g: WindowGeometry, out: Float32Array): void {
  const { source, counts } = windowTable(g);
  const c = g.channels;
  const cells = g.kernelH * g.kernelW;
  const perImage = g.outH * g.outW;
  const imageSize = g.inH * g.inW * c;
  for (let n = 0, o = 0; n < g.batch; n++) {
    const image = n * imageSize;
    for (let p = 0; p < perImage; p++, o += c) {
      for (let i = 0; i < c; i++) out[o + i] = 0;
      for (let k = 0; k < cells; k++) {
        const s = source[p * cells + k]!;
        if (s < 0) continue;
        const src = image + s * c;
        for (let i = 0; i < c; i++) out[o + i]! += x[src + i]!;
      }
      const inv = 1 / counts[p]!;
      for (let i = 0; i < c; i++) out[o + i]! *= inv;
    }
  }
}

export function avgPoolGradKernel(dy: Float32Array, g: WindowGeometry, dx: Float32Array): void {
  const { source, counts } = windowTable(g);
  const c = g.channels;
  const cells = g.kernelH * g.kernelW;
  const perImage = g.outH * g.outW;
  const imageSize = g.inH * g.inW * c;
  dx.fill(0);
  for (let n = 0, o = 0; n < g.batch; n++) {
    const image = n * imageSize;
    for (let p = 0; p < perImage; p++, o += c) {
      const inv = 1 / counts[p]!;
      for (let k = 0; k < cells; k++) {
        const s = source[p * cells + k]!;
        if (s < 0) continue;
        const dst = image + s * c;
        for (let i = 0; i < c; i++) dx[dst + i]! += dy[o + i]! * inv;
      }
    }
  }
}
