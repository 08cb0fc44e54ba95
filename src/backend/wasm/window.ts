/** Sliding-window kernels (im2col, col2im, max pooling) on the wasm backend. */
import type { Backend, WindowGeometry } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { windowTable } from '../ts/window.js';
import type { WasmContext } from './context.js';

type WindowKernels = Pick<Backend, 'im2col' | 'col2im' | 'maxPool' | 'maxPoolGrad'>;

export function windowKernels(ctx: WasmContext): WindowKernels {
  // Window tables (which input pixel each window cell reads) copied into wasm memory, per geometry.
  const tableBlocks = new Map<object, number>();
  const tableIn = (g: WindowGeometry): number => {
    const source = windowTable(g).source;
    let at = tableBlocks.get(source);
    if (at === undefined) {
      at = ctx.heap.allocate(source.length * 4);
      new Int32Array(ctx.heap.memory.buffer, at, source.length).set(source);
      tableBlocks.set(source, at);
    }
    return at;
  };
  const windowArgs = (g: WindowGeometry) => ({
    perImage: g.outH * g.outW,
    cells: g.kernelH * g.kernelW,
    imageSize: g.inH * g.inW * g.channels,
  });

  return {
    im2col: (x, g, out, padValue) => {
      if (!ctx.isWasm(x) || !ctx.isWasm(out)) {
        tsBackend.im2col(x, g, out, padValue);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      ctx.kernels.im2col(
        ctx.ptr(x),
        table,
        w.perImage * w.cells,
        g.kernelW,
        g.batch,
        w.imageSize,
        g.channels,
        ctx.ptr(out),
        padValue,
      );
    },
    col2im: (cols, g, out) => {
      if (!ctx.isWasm(cols) || !ctx.isWasm(out)) {
        tsBackend.col2im(cols, g, out);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      ctx.kernels.col2im(
        ctx.ptr(cols),
        table,
        w.perImage * w.cells,
        g.kernelW,
        g.batch,
        w.imageSize,
        g.channels,
        ctx.ptr(out),
      );
    },
    maxPool: (x, g, out, argmax) => {
      if (!ctx.isWasm(x) || !ctx.isWasm(out) || !ctx.isWasm(argmax)) {
        tsBackend.maxPool(x, g, out, argmax);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      ctx.kernels.maxPool(
        ctx.ptr(x),
        table,
        w.perImage,
        w.cells,
        g.batch,
        w.imageSize,
        g.channels,
        ctx.ptr(out),
        ctx.ptr(argmax),
      );
    },
    maxPoolGrad: (dy, argmax, g, dx) => {
      if (!ctx.isWasm(dy) || !ctx.isWasm(argmax) || !ctx.isWasm(dx)) {
        tsBackend.maxPoolGrad(dy, argmax, g, dx);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      ctx.kernels.maxPoolGrad(
        ctx.ptr(dy),
        ctx.ptr(argmax),
        table,
        w.perImage,
        w.cells,
        g.batch,
        w.imageSize,
        g.channels,
        ctx.ptr(dx),
      );
    },
  };
}
