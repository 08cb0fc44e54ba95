/**
 * Convolution on the wasm backend without the whole unfolded matrix (assembly/conv.ts): the batch is
 * cut into parts of a few images whose unfolded rows fit in cache; each part unfolds into the
 * scratch of the thread that claims it (the same block every call, so it stays cached) and
 * multiplies right there. For a 5×5 kernel the unfolded batch is 25× the images — tens of MB per
 * training batch, which otherwise go out to memory and back three times (forward, dW, dX).
 *
 * The dense forward (without horizontal dilation) reads each window in place in the framed image
 * instead of unfolding it (assembly/conv.ts's windowsTimesW).
 *
 * Forward and dX give the same bits as unfolding everything (each output row sums in the same
 * order); dW is summed per part, then the parts in order, in float64 (parts are fixed by the
 * geometry, not by the thread count, so results do not depend on the threads).
 *
 * Zeros are skipped where most of an operand is zero, with the same bits (each sum keeps its order
 * and loses only ±0 terms): dY's in the backward products (ReLU, max pooling), and the input's in
 * the forward product and dW (an image batch like MNIST's, ~81 % zero pixels) — there nothing is
 * unfolded: each nonzero pixel is added into the rows its taps reach.
 */
import type { Backend, Storage, WindowGeometry } from '../backend.js';
import type { WasmContext } from './context.js';
import { type GemmJob, type GemmPool, MAX_JOBS, runParts } from './gemm-pool.js';
import { allocateSparseLists, countSparseProduct, mostlyZeros } from './sparse.js';
import { frameBytesOf, WINDOW_GEOMETRY_INTS, writeWindowGeometry } from './window.js';

type ConvKernels = Required<Pick<Backend, 'convForward' | 'convKernelGrad' | 'convInputGrad'>>;

/** Unfolded floats per part: ~512 KB, half of a core's L2 here. */
const PART_FLOATS = 1 << 17;
/**
 * Fraction of zeros in a convolution's input from which its forward product and dW skip them:
 * measured break-even ~0.65 for 8 and 32 channels (5×5×8→16: 0.70 ms vs 0.79 dense at 75 % zeros,
 * 1.1 vs 0.79 at 60 %); one channel (MNIST, 81 %) gains ~30 % forward and ~40–65 % in dW.
 */
const SKIP_INPUT_ZEROS = 0.7;
/** assembly/conv.ts's modes: skip nothing, dY's zeros, or the input's. */
const SKIP_NONE = 0;
const SKIP_DY = 1;
const SKIP_X = 2;
/** The geometry block: the window kernels' ints, then assembly/conv.ts's fields. */
const CONV_INTS = 11;
const GEOMETRY_INTS = WINDOW_GEOMETRY_INTS + CONV_INTS;

/** Images per part (their unfolded rows about PART_FLOATS) and the number of parts: fixed by g alone. */
function partsOf(g: WindowGeometry): { imagesPerPart: number; parts: number } {
  const rowFloats = g.outH * g.outW * g.kernelH * g.kernelW * g.channels;
  const imagesPerPart = Math.max(1, Math.min(g.batch, Math.floor(PART_FLOATS / rowFloats)));
  return { imagesPerPart, parts: Math.ceil(g.batch / imagesPerPart) };
}

export function convKernels(ctx: WasmContext, pool: GemmPool | null): ConvKernels {
  const threads = (pool?.workers ?? 0) + 1;
  const geometryBlock = ctx.heap.allocate(GEOMETRY_INTS * 4);
  const lists = allocateSparseLists(ctx, threads);
  /**
   * Whether the backward products should skip dY's zeros (sparse.ts): ReLU and max pooling leave
   * most of a convolution's output gradient zero (pooling passes each window's gradient to one of
   * its cells). Not when `other` — the operand dY meets — holds Inf or NaN (0·Inf is NaN).
   */
  const skipZerosOf = (dy: Storage, other: Storage): boolean =>
    mostlyZeros(ctx, ctx.ptr(dy), dy.length) && ctx.kernels.allFinite(ctx.ptr(other), other.length) === 1;
  /**
   * Whether the forward product and dW should skip the input's zeros instead (assembly/conv.ts's
   * scatterImage; stride and dilation 1, rows of a multiple of 4 filters): an image batch as sparse
   * as MNIST's pixels (~81 % zeros). Each nonzero then costs a row per tap, read and written back —
   * several times a dense multiply-add — so only well past half zeros. `other` (the operand x's
   * zeros meet) must be finite, as for skipZerosOf; null: the kernel checks it.
   */
  const skipInputZeros = (x: Storage, g: WindowGeometry, filters: number, other: Storage | null): boolean =>
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.dilationH === 1 &&
    g.dilationW === 1 &&
    filters % 4 === 0 &&
    mostlyZeros(ctx, ctx.ptr(x), x.length, SKIP_INPUT_ZEROS) &&
    (other === null || ctx.kernels.allFinite(ctx.ptr(other), other.length) === 1);

  /**
   * Lay out per-thread scratch for geometry g, write the geometry block, and run `kernel` over the
   * batch in parts (partsOf; waves of at most MAX_JOBS). `args(n0, count, part)` gives a part's
   * arguments.
   */
  const inParts = (
    g: WindowGeometry,
    filters: number,
    kernel: 'convForwardPart' | 'convKernelGradPart' | 'convInputGradPart',
    args: (n0: number, count: number, part: number) => number[],
    skip = SKIP_NONE,
  ): void => {
    const row = g.kernelH * g.kernelW * g.channels;
    const perImage = g.outH * g.outW;
    const { imagesPerPart, parts } = partsOf(g);
    const pixels = imagesPerPart * perImage;
    const colsBytes = pixels * row * 4;
    // A ragged panel (4 rows of the longest k), then dY packed: in 8-column panels (dW) or in
    // 4-row panels (dX) — room for either.
    const dyPanels = Math.ceil(pixels / 4) * 4 * Math.ceil(filters / 8) * 8;
    const packBytes = (4 * Math.max(pixels, row, filters) + dyPanels) * 4;
    const frameAt = colsBytes + packBytes;
    const tileAt = frameAt + frameBytesOf(g);
    const stride = Math.ceil((tileAt + 128) / 64) * 64;
    const scratch = ctx.scratch(threads * stride, 'convParts');
    writeWindowGeometry(ctx, geometryBlock, g);
    new Int32Array(ctx.heap.memory.buffer, geometryBlock + WINDOW_GEOMETRY_INTS * 4, CONV_INTS).set([
      row,
      filters,
      perImage,
      g.inH * g.inW * g.channels,
      scratch,
      stride,
      colsBytes, // the packing area follows the unfolded rows
      frameAt,
      tileAt,
      skip,
      lists,
    ]);
    for (let first = 0; first < parts; first += MAX_JOBS) {
      const jobs: GemmJob[] = [];
      for (let p = first; p < Math.min(parts, first + MAX_JOBS); p++) {
        const n0 = p * imagesPerPart;
        jobs.push({ kernel, args: args(n0, Math.min(imagesPerPart, g.batch - n0), p) });
      }
      runParts(pool, jobs, ctx.runJob);
    }
  };

  return {
    convForward: (x, g, w, filters, out) => {
      if (![x, w, out].every((s) => ctx.isWasm(s)) || g.batch === 0) return false;
      const row = g.kernelH * g.kernelW * g.channels;
      if (skipInputZeros(x, g, filters, w)) {
        // W read as it is, [row × filters]: a row per tap.
        inParts(
          g,
          filters,
          'convForwardPart',
          (n0, count) => [ctx.ptr(x), geometryBlock, ctx.ptr(w), ctx.ptr(out), n0, count],
          SKIP_X,
        );
        countSparseProduct();
        return true;
      }
      const wp = ctx.scratch(Math.ceil(filters / 8) * 8 * row * 4, 'convW');
      ctx.kernels.packB(ctx.ptr(w), filters, 1, row, filters, wp);
      inParts(g, filters, 'convForwardPart', (n0, count) => [
        ctx.ptr(x),
        geometryBlock,
        wp,
        ctx.ptr(out),
        n0,
        count,
      ]);
      return true;
    },
    convKernelGrad: (x, g, dy, filters, dw) => {
      if (![x, dy, dw].every((s) => ctx.isWasm(s)) || g.batch === 0) return false;
      const row = g.kernelH * g.kernelW * g.channels;
      const { parts } = partsOf(g);
      // The input's zeros skipped only for one channel (assembly/conv.ts's tapSums; with more,
      // dY's zeros pay better) and when a part's nonzeros (16 bytes each) fit where its unfolded
      // rows would go. dY's finiteness is then checked by each part on its own rows (one pass here
      // cost ~0.2 ms for 128 images of 26×26×32); a part that finds Inf or NaN multiplies densely.
      const listFits = g.channels === 1 && g.outH * g.outW * row >= 4 * g.inH * g.inW;
      const skip =
        listFits && skipInputZeros(x, g, filters, null) ? SKIP_X : skipZerosOf(dy, x) ? SKIP_DY : SKIP_NONE;
      const sparse = skip === SKIP_DY;
      const partials = ctx.scratch(parts * row * filters * 4, 'convPartials');
      inParts(
        g,
        filters,
        'convKernelGradPart',
        (n0, count, part) => [
          ctx.ptr(x),
          geometryBlock,
          ctx.ptr(dy),
          partials + part * row * filters * 4,
          n0,
          count,
        ],
        skip,
      );
      // dW = Σ over parts, in order, in float64 (the sum kernel over [1, parts, row·filters]); the
      // parts that skipped dY's zeros hold dWᵀ.
      if (skip === SKIP_X) countSparseProduct();
      if (!sparse) {
        ctx.kernels.sum(partials, 1, parts, row * filters, ctx.ptr(dw));
      } else {
        const total = ctx.scratch(row * filters * 4, 'convDwT');
        ctx.kernels.sum(partials, 1, parts, row * filters, total);
        ctx.kernels.transpose(total, filters, row, ctx.ptr(dw));
        countSparseProduct();
      }
      return true;
    },
    convInputGrad: (dy, g, w, filters, dx) => {
      if (![dy, w, dx].every((s) => ctx.isWasm(s)) || g.batch === 0) return false;
      const row = g.kernelH * g.kernelW * g.channels;
      const sparse = skipZerosOf(dy, w);
      // Wᵀ (k = filters, n = row): in 8-column panels for the dense kernel, in rows for the sparse one.
      const wtp = ctx.scratch(Math.ceil(row / 8) * 8 * filters * 4, 'convWt');
      if (sparse) ctx.kernels.packRows(ctx.ptr(w), 1, filters, filters, row, wtp, row);
      else ctx.kernels.packB(ctx.ptr(w), 1, filters, filters, row, wtp);
      inParts(
        g,
        filters,
        'convInputGradPart',
        (n0, count) => [ctx.ptr(dy), geometryBlock, wtp, ctx.ptr(dx), n0, count],
        sparse ? SKIP_DY : SKIP_NONE,
      );
      if (sparse) countSparseProduct();
      return true;
    },
  };
}
