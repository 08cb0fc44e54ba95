/**
 * A Dense layer's forward without a gradient, f(x·W + b), on the wasm backend: the bias and
 * activation (or bias and softmax) chained to each part of the product (gemm-pool.ts, GemmJob.after),
 * so each block of rows is activated by the thread that wrote it while it is in cache, in place,
 * within the product's pool call — one pool call and one pass over the output (two for a softmax
 * head: its bias add and softmax) fewer than the kernels in turn. Same kernels on the same float32
 * values: same bits.
 */
import type { BackendWithFusedKernels, MatmulSpec, Storage, UnaryOp } from '../backend.js';
import { type KernelsInTurn, matmulThenBiasActivation } from '../matmul-bias-activation.js';
import type { WasmContext } from './context.js';
import { UNARY_CODES } from './dispatch.js';
import { type GemmJob, type GemmPool, partCount } from './gemm-pool.js';
import type { MatmulEpilogue } from './matmul.js';

type Matmul = (a: Storage, b: Storage, out: Storage, s: MatmulSpec, epilogue?: MatmulEpilogue) => void;
type Kernels = Pick<BackendWithFusedKernels, 'biasActivation' | 'softmax'>;

/** Per-part softmax rows are this many bytes apart: parts on two threads share no cache line. */
const ROW_ALIGN = 128;

export function createMatmulBiasActivation(
  ctx: WasmContext,
  pool: GemmPool | null,
  matmul: Matmul,
  kernels: Kernels,
): NonNullable<BackendWithFusedKernels['matmulBiasActivation']> {
  const threads = (pool?.workers ?? 0) + 1;
  const inTurn: KernelsInTurn = { matmul, biasActivation: kernels.biasActivation, softmax: kernels.softmax };
  const floatBits = new Int32Array(1);
  const floatView = new Float32Array(floatBits.buffer);
  return (a, b, out, spec, bias, activation, p0 = 0) => {
    const { n } = spec;
    const softmax = activation === 'softmax';
    const code = activation === null || softmax ? -1 : UNARY_CODES[activation as UnaryOp];
    if (code === undefined || out.length === 0 || !ctx.isWasm(out) || !ctx.isWasm(bias)) {
      // The kernels in turn (an activation without a wasm kernel, storage outside the memory).
      matmulThenBiasActivation(inTurn, a, b, out, spec, bias, activation, p0);
      return;
    }
    floatView[0] = p0;
    const bits = floatBits[0]!;
    const biasAt = ctx.ptr(bias);
    // One row of float64 exponentials per part (assembly/softmax.ts), parts ROW_ALIGN bytes apart;
    // matmul.ts cuts at most partCount(threads, m) parts.
    const rowBytes = Math.ceil((n * 8) / ROW_ALIGN) * ROW_ALIGN;
    const parts = partCount(threads, spec.m);
    const tmp = softmax ? align(ctx.scratch(parts * rowBytes + ROW_ALIGN, 'epilogueRows')) : 0;
    matmul(a, b, out, spec, (c, rows, part) => {
      const jobs: GemmJob[] = [{ kernel: 'biasActivationBits', args: [code, c, biasAt, c, rows, n, bits] }];
      if (softmax) {
        // An invariant of matmul.ts: a part past the scratch would share another's row.
        if (part >= parts) throw new Error(`matmulBiasActivation: part ${part} of at most ${parts}`);
        jobs.push({ kernel: 'softmax', args: [c, rows, n, c, 0, tmp + part * rowBytes] });
      }
      return jobs;
    });
  };
}

const align = (at: number): number => Math.ceil(at / ROW_ALIGN) * ROW_ALIGN;
