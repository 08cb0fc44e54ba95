/** Sliding-window kernels (im2col, col2im, max pooling) on the wasm backend. */
import type { Backend, WindowGeometry } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { windowTable } from '../ts/window.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, type PoolKernel, partCount, runParts } from './gemm-pool.js';

type WindowKernels = Pick<Backend, 'im2col' | 'col2im' | 'maxPool' | 'maxPoolGrad'>;

/** Below this many floats moved, a window kernel stays on one thread (waking workers costs more). */
const PARALLEL_WORK = 1 << 18;

export function windowKernels(ctx: WasmContext, pool: GemmPool | null): WindowKernels {
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

  /**
   * Run a window kernel over the image batch split into slices of whole images, a few per thread,
   * when the work is large enough to pay for waking the workers. `args(n0, count)` gives the
   * kernel's arguments for images [n0, n0 + count). Images are independent, so the result does
   * not depend on the split.
   */
  const perImages = (
    kernel: PoolKernel,
    batch: number,
    work: number,
    args: (n0: number, count: number) => number[],
  ) => {
    const parts = pool && work >= PARALLEL_WORK ? partCount(pool.workers + 1, batch) : 1;
    const per = Math.ceil(batch / parts);
    const jobs: GemmJob[] = [];
    for (let n0 = 0; n0 < batch; n0 += per) jobs.push({ kernel, args: args(n0, Math.min(per, batch - n0)) });
    runParts(pool, jobs, (j) => (ctx.kernels[j.kernel] as (...a: number[]) => void)(...j.args));
  };

  return {
    im2col: (x, g, out, padValue) => {
      // Pool jobs carry integers only: a non-zero pad value (never used by conv2d) stays here.
      if (!ctx.isWasm(x) || !ctx.isWasm(out) || padValue !== 0) {
        tsBackend.im2col(x, g, out, padValue);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      const rowFloats = w.perImage * w.cells * g.channels;
      perImages('im2col', g.batch, g.batch * rowFloats, (n0, count) => [
        ctx.ptr(x) + n0 * w.imageSize * 4,
        table,
        w.perImage * w.cells,
        g.kernelW,
        count,
        w.imageSize,
        g.channels,
        ctx.ptr(out) + n0 * rowFloats * 4,
        0,
      ]);
    },
    col2im: (cols, g, out) => {
      if (!ctx.isWasm(cols) || !ctx.isWasm(out)) {
        tsBackend.col2im(cols, g, out);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      const rowFloats = w.perImage * w.cells * g.channels;
      perImages('col2im', g.batch, g.batch * rowFloats, (n0, count) => [
        ctx.ptr(cols) + n0 * rowFloats * 4,
        table,
        w.perImage * w.cells,
        g.kernelW,
        count,
        w.imageSize,
        g.channels,
        ctx.ptr(out) + n0 * w.imageSize * 4,
      ]);
    },
    maxPool: (x, g, out, argmax) => {
      if (!ctx.isWasm(x) || !ctx.isWasm(out) || !ctx.isWasm(argmax)) {
        tsBackend.maxPool(x, g, out, argmax);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      const outFloats = w.perImage * g.channels;
      perImages('maxPool', g.batch, g.batch * w.perImage * w.cells * g.channels, (n0, count) => [
        ctx.ptr(x) + n0 * w.imageSize * 4,
        table,
        w.perImage,
        w.cells,
        count,
        w.imageSize,
        g.channels,
        ctx.ptr(out) + n0 * outFloats * 4,
        ctx.ptr(argmax) + n0 * outFloats * 4,
      ]);
    },
    maxPoolGrad: (dy, argmax, g, dx) => {
      if (!ctx.isWasm(dy) || !ctx.isWasm(argmax) || !ctx.isWasm(dx)) {
        tsBackend.maxPoolGrad(dy, argmax, g, dx);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      const outFloats = w.perImage * g.channels;
      perImages('maxPoolGrad', g.batch, g.batch * w.imageSize, (n0, count) => [
        ctx.ptr(dy) + n0 * outFloats * 4,
        ctx.ptr(argmax) + n0 * outFloats * 4,
        table,
        w.perImage,
        w.cells,
        count,
        w.imageSize,
        g.channels,
        ctx.ptr(dx) + n0 * w.imageSize * 4,
      ]);
    },
  };
}
