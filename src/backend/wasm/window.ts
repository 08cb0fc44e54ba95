/** Sliding-window kernels (im2col, col2im, max pooling) on the wasm backend. */
import type { Backend, WindowGeometry } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { windowTable } from '../ts/window.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, type PoolKernel, partsFor, runParts } from './gemm-pool.js';

type WindowKernels = Pick<Backend, 'im2col' | 'col2im' | 'maxPool' | 'maxPoolGrad'>;

/** The zero-padded frame one image is copied into: every window inside it, the image at (padTop, padLeft). */
function frameOf(g: WindowGeometry): { frameH: number; frameW: number } {
  return {
    frameH: Math.max((g.outH - 1) * g.strideH + (g.kernelH - 1) * g.dilationH + 1, g.padTop + g.inH),
    frameW: Math.max((g.outW - 1) * g.strideW + (g.kernelW - 1) * g.dilationW + 1, g.padLeft + g.inW),
  };
}

/** Bytes of one framed image, plus 32 of slack: im2col may read a short run as 8 floats. */
export function frameBytesOf(g: WindowGeometry): number {
  const { frameH, frameW } = frameOf(g);
  return frameH * frameW * g.channels * 4 + 32;
}

/** Ints the window kernels' geometry block holds (assembly/window.ts). */
export const WINDOW_GEOMETRY_INTS = 15;

/** Write the geometry block the im2col/col2im kernels read (assembly/window.ts) at `at`. */
export function writeWindowGeometry(ctx: WasmContext, at: number, g: WindowGeometry): void {
  const { frameH, frameW } = frameOf(g);
  new Int32Array(ctx.heap.memory.buffer, at, WINDOW_GEOMETRY_INTS).set([
    g.inH,
    g.inW,
    g.channels,
    frameH,
    frameW,
    g.padTop,
    g.padLeft,
    g.outH,
    g.outW,
    g.strideH,
    g.strideW,
    g.kernelH,
    g.kernelW,
    g.dilationH,
    g.dilationW,
  ]);
}

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
   * Run a window kernel over the image batch cut into `parts` slices of whole images, claimed by
   * whichever thread is free. `args(n0, count, part)` gives the kernel's arguments for images
   * [n0, n0 + count), the part-th slice. Images are independent, so the result does not depend on
   * the split.
   */
  const perImages = (
    kernel: PoolKernel,
    batch: number,
    parts: number,
    args: (n0: number, count: number, part: number) => number[],
  ) => {
    const per = Math.ceil(batch / parts);
    const jobs: GemmJob[] = [];
    for (let n0 = 0; n0 < batch; n0 += per)
      jobs.push({ kernel, args: args(n0, Math.min(per, batch - n0), jobs.length) });
    runParts(pool, jobs, ctx.runJob);
  };

  // im2col/col2im: the geometry block their kernels read (one call at a time), and one framed
  // image of scratch per part (see assembly/window.ts).
  const geometryBlock = ctx.heap.allocate(WINDOW_GEOMETRY_INTS * 4);
  const unfold = (kernel: 'im2col' | 'col2im', images: number, g: WindowGeometry, cols: number) => {
    const imageSize = g.inH * g.inW * g.channels;
    const rowFloats = g.outH * g.outW * g.kernelH * g.kernelW * g.channels;
    const frameBytes = frameBytesOf(g);
    const parts = partsFor(pool, g.batch * rowFloats, g.batch);
    // Scratch before pointers are taken: allocating may grow the memory (offsets stay valid).
    const frames = ctx.scratch(parts * frameBytes, 'frames');
    writeWindowGeometry(ctx, geometryBlock, g);
    perImages(kernel, g.batch, parts, (n0, count, part) => {
      const [imagesAt, colsAt] = [images + n0 * imageSize * 4, cols + n0 * rowFloats * 4];
      // Each kernel reads its first pointer and writes its last.
      const [from, to] = kernel === 'im2col' ? [imagesAt, colsAt] : [colsAt, imagesAt];
      return [from, geometryBlock, count, frames + part * frameBytes, to];
    });
  };

  return {
    im2col: (x, g, out, padValue) => {
      // Pool jobs carry integers only: a non-zero pad value (never used by conv2d) stays here.
      if (!ctx.isWasm(x) || !ctx.isWasm(out) || padValue !== 0) {
        tsBackend.im2col(x, g, out, padValue);
        return;
      }
      unfold('im2col', ctx.ptr(x), g, ctx.ptr(out));
    },
    col2im: (cols, g, out) => {
      if (!ctx.isWasm(cols) || !ctx.isWasm(out)) {
        tsBackend.col2im(cols, g, out);
        return;
      }
      unfold('col2im', ctx.ptr(out), g, ctx.ptr(cols));
    },
    maxPool: (x, g, out, argmax) => {
      if (!ctx.isWasm(x) || !ctx.isWasm(out) || !ctx.isWasm(argmax)) {
        tsBackend.maxPool(x, g, out, argmax);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      const outFloats = w.perImage * g.channels;
      perImages(
        'maxPool',
        g.batch,
        partsFor(pool, g.batch * w.perImage * w.cells * g.channels, g.batch),
        (n0, count) => [
          ctx.ptr(x) + n0 * w.imageSize * 4,
          table,
          w.perImage,
          w.cells,
          count,
          w.imageSize,
          g.channels,
          ctx.ptr(out) + n0 * outFloats * 4,
          ctx.ptr(argmax) + n0 * outFloats * 4,
        ],
      );
    },
    maxPoolGrad: (dy, argmax, g, dx) => {
      if (!ctx.isWasm(dy) || !ctx.isWasm(argmax) || !ctx.isWasm(dx)) {
        tsBackend.maxPoolGrad(dy, argmax, g, dx);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      const outFloats = w.perImage * g.channels;
      // Windows that tile the image exactly (each cell in one window, none in the padding): the
      // kernel writes every cell once instead of zeroing dx and adding into it.
      const once =
        g.strideH === g.kernelH &&
        g.strideW === g.kernelW &&
        g.dilationH === 1 &&
        g.dilationW === 1 &&
        g.padTop === 0 &&
        g.padLeft === 0 &&
        g.outH * g.kernelH === g.inH &&
        g.outW * g.kernelW === g.inW &&
        g.channels % 4 === 0;
      perImages('maxPoolGrad', g.batch, partsFor(pool, g.batch * w.imageSize, g.batch), (n0, count) => [
        ctx.ptr(dy) + n0 * outFloats * 4,
        ctx.ptr(argmax) + n0 * outFloats * 4,
        table,
        w.perImage,
        w.cells,
        count,
        w.imageSize,
        g.channels,
        ctx.ptr(dx) + n0 * w.imageSize * 4,
        once ? 1 : 0,
      ]);
    },
  };
}
