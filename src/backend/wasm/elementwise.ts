/**
 * Element-wise kernels, sums and row gathering on the wasm backend. Ops or layouts the compiled
 * kernels do not cover run the TypeScript kernels on views of the same memory (see dispatch.ts).
 */
import type { BackendWithFusedKernels } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import type { WasmContext } from './context.js';
import { as2d, BINARY_CODES, UNARY_CODES, UNARY_COST } from './dispatch.js';
import { type GemmJob, type GemmPool, partsFor, runParts } from './gemm-pool.js';

type ElementwiseKernels = Pick<
  BackendWithFusedKernels,
  | 'unary'
  | 'unaryGrad'
  | 'biasActivation'
  | 'binary'
  | 'gatherRows'
  | 'reduce'
  | 'softmax'
  | 'softmaxCrossEntropy'
  | 'softmaxCrossEntropyGrad'
>;

/** Per-part scratch is this many bytes apart, so parts on different threads share no cache line. */
const SCRATCH_ALIGN = 128;
const alignUp = (at: number): number => Math.ceil(at / SCRATCH_ALIGN) * SCRATCH_ALIGN;

export function elementwiseKernels(ctx: WasmContext, pool: GemmPool | null): ElementwiseKernels {
  const floatBits = new Int32Array(1);
  const floatView = new Float32Array(floatBits.buffer);
  // Row numbers for gatherRows, copied into the memory the kernel reads.
  let indexBlock = 0;
  let indexBytes = 0;
  const indexScratch = (count: number): number => {
    if (count * 4 > indexBytes) {
      if (indexBlock) ctx.heap.release(indexBlock, indexBytes);
      indexBytes = Math.max(count * 4, 1024);
      indexBlock = ctx.heap.allocate(indexBytes);
    }
    return indexBlock;
  };

  return {
    unary: (op, x, out, p0 = 0, p1 = 0) => {
      const code = UNARY_CODES[op];
      if (code === undefined || !ctx.isWasm(x) || !ctx.isWasm(out)) {
        tsBackend.unary(op, x, out, p0, p1);
        return;
      }
      ctx.kernels.unary(code, ctx.ptr(x), ctx.ptr(out), out.length, p0);
    },
    unaryGrad: (op, x, y, dy, out, p0 = 0, p1 = 0) => {
      const code = UNARY_CODES[op];
      if (code === undefined || !ctx.isWasm(x) || !ctx.isWasm(y) || !ctx.isWasm(dy) || !ctx.isWasm(out))
        return tsBackend.unaryGrad(op, x, y, dy, out, p0, p1);
      // A conv layer's activation gradient (a batch of feature maps, three passes over memory):
      // blocks of whole vectors over the threads.
      const n = out.length;
      const parts = partsFor(pool, n * 3, Math.ceil(n / 4096));
      if (parts === 1) {
        ctx.kernels.unaryGrad(code, ctx.ptr(x), ctx.ptr(y), ctx.ptr(dy), ctx.ptr(out), n, p0);
        return;
      }
      const per = Math.ceil(n / parts / 4) * 4;
      floatView[0] = p0;
      const jobs: GemmJob[] = [];
      for (let start = 0; start < n; start += per) {
        const o = start * 4;
        jobs.push({
          kernel: 'unaryGradBits',
          args: [
            code,
            ctx.ptr(x) + o,
            ctx.ptr(y) + o,
            ctx.ptr(dy) + o,
            ctx.ptr(out) + o,
            Math.min(per, n - start),
            floatBits[0]!,
          ],
        });
      }
      runParts(pool, jobs, ctx.runJob);
    },
    biasActivation: (op, x, bias, out, cols, p0 = 0) => {
      const code = op === null ? -1 : UNARY_CODES[op];
      if (code === undefined || !ctx.isWasm(x) || !ctx.isWasm(bias) || !ctx.isWasm(out) || cols === 0) {
        tsBackend.biasActivation(op, x, bias, out, cols, p0);
        return;
      }
      // Conv layers' outputs are large (a batch of feature maps), and an exp per element costs
      // several relus (a dense layer's sigmoid at batch 1000): blocks of rows over the threads.
      const rows = out.length / cols;
      const parts = partsFor(pool, out.length * ((op && UNARY_COST[op]) ?? 1), rows);
      const per = Math.ceil(rows / parts);
      floatView[0] = p0;
      const jobs: GemmJob[] = [];
      for (let r0 = 0; r0 < rows; r0 += per) {
        const offset = r0 * cols * 4;
        jobs.push({
          kernel: 'biasActivationBits',
          args: [
            code,
            ctx.ptr(x) + offset,
            ctx.ptr(bias),
            ctx.ptr(out) + offset,
            Math.min(per, rows - r0),
            cols,
            floatBits[0]!,
          ],
        });
      }
      runParts(pool, jobs, ctx.runJob);
    },
    binary: (op, a, aStrides, b, bStrides, out, shape) => {
      const code = BINARY_CODES[op];
      const a2 = as2d(aStrides, shape);
      const b2 = as2d(bStrides, shape);
      if (
        code === undefined ||
        !a2 ||
        !b2 ||
        out.length === 0 ||
        !ctx.isWasm(a) ||
        !ctx.isWasm(b) ||
        !ctx.isWasm(out)
      )
        return tsBackend.binary(op, a, aStrides, b, bStrides, out, shape);
      const cols = shape.length === 0 ? 1 : shape[shape.length - 1]!;
      ctx.kernels.binary2d(
        code,
        ctx.ptr(a),
        a2.rowStride,
        a2.colStride,
        ctx.ptr(b),
        b2.rowStride,
        b2.colStride,
        ctx.ptr(out),
        out.length / cols,
        cols,
      );
    },
    gatherRows: (x, rowSize, indices, out) => {
      if (!ctx.isWasm(x) || !ctx.isWasm(out) || indices.length === 0 || rowSize === 0)
        return tsBackend.gatherRows(x, rowSize, indices, out);
      const idx = indexScratch(indices.length); // may grow the memory: take pointers after
      new Int32Array(ctx.heap.memory.buffer, idx, indices.length).set(indices);
      ctx.kernels.gatherRows(ctx.ptr(x), rowSize * 4, idx, indices.length, ctx.ptr(out));
    },
    reduce: (op, x, outer, size, inner, out) => {
      if (op !== 'sum' || !ctx.isWasm(x) || !ctx.isWasm(out)) {
        tsBackend.reduce(op, x, outer, size, inner, out);
        return;
      }
      ctx.kernels.sum(ctx.ptr(x), outer, size, inner, ctx.ptr(out));
    },
    softmax: (x, outer, size, inner, out, log) => {
      // Softmax over the last axis (rows of `size` values); other axes stay on the TypeScript loops.
      if (inner !== 1 || !ctx.isWasm(x) || !ctx.isWasm(out)) {
        tsBackend.softmax(x, outer, size, inner, out, log);
        return;
      }
      // A float64 exp per value costs some 30 relus: a predict() batch's softmax (1000 rows) is
      // worth blocks of rows over the threads, each block with its own row of exponentials.
      if (outer === 0) return;
      const parts = partsFor(pool, out.length * 32, outer);
      const per = Math.ceil(outer / parts);
      // Each part's row starts on its own 128 bytes (a pair of cache lines): rows packed size·8
      // bytes apart (80 for 10 classes) shared lines between parts running on two threads, which
      // then fought over them on every row — the split ran no faster than one thread (41 µs).
      const rowBytes = Math.ceil((size * 8) / SCRATCH_ALIGN) * SCRATCH_ALIGN;
      const tmp = alignUp(ctx.scratch(Math.ceil(outer / per) * rowBytes + SCRATCH_ALIGN, 'softmaxRow'));
      const jobs: GemmJob[] = [];
      for (let r0 = 0; r0 < outer; r0 += per) {
        const offset = r0 * size * 4;
        jobs.push({
          kernel: 'softmax',
          args: [
            ctx.ptr(x) + offset,
            Math.min(per, outer - r0),
            size,
            ctx.ptr(out) + offset,
            log ? 1 : 0,
            tmp + jobs.length * rowBytes,
          ],
        });
      }
      runParts(pool, jobs, ctx.runJob);
    },
    softmaxCrossEntropy: (z, y, rows, cols, loss, probs) => {
      if (![z, y, loss, probs].every((t) => ctx.isWasm(t))) {
        tsBackend.softmaxCrossEntropy(z, y, rows, cols, loss, probs);
        return;
      }
      ctx.kernels.softmaxCrossEntropy(ctx.ptr(z), ctx.ptr(y), rows, cols, ctx.ptr(loss), ctx.ptr(probs));
    },
    softmaxCrossEntropyGrad: (probs, y, g, rows, cols, out) => {
      if (![probs, y, g, out].every((t) => ctx.isWasm(t))) {
        tsBackend.softmaxCrossEntropyGrad(probs, y, g, rows, cols, out);
        return;
      }
      ctx.kernels.softmaxCrossEntropyGrad(ctx.ptr(probs), ctx.ptr(y), ctx.ptr(g), rows, cols, ctx.ptr(out));
    },
  };
}
