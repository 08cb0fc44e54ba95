/**
 * The WebAssembly backend. Tensor data lives in one WebAssembly.Memory (memory.ts); the hot kernels
 * run as compiled WebAssembly SIMD (assembly/), wrapped by matmul.ts, elementwise.ts, window.ts and
 * update.ts; every other kernel is the TypeScript one running on views of the same memory — so
 * every op works on this backend, and kernels move to WebAssembly one at a time without touching
 * ops or layers.
 */

import { ArgumentError } from '../../errors.js';
import type { BackendWithFusedKernels, Storage } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { ConstantPacks } from './constant-packs.js';
import { WasmContext } from './context.js';
import { convKernels } from './conv.js';
import { elementwiseKernels } from './elementwise.js';
import { registeredGemmPoolFactory } from './gemm-pool.js';
import {
  chooseWasmSimd,
  compileKernels,
  instantiateKernels,
  type WasmSimd,
  type WasmSimdOption,
} from './kernels.js';
import { createMatmul } from './matmul.js';
import { createMatmulBiasActivation } from './matmul-epilogue.js';
import { WasmHeap, WasmStorage } from './memory.js';
import { rnnKernels } from './rnn.js';
import { beginStepThreads } from './step-threads.js';
import { createUpdate } from './update.js';
import { webWorkerGemmPool } from './web-workers.js';
import { windowKernels } from './window.js';

export { type CleanableRegistry, type HeapCollector, setHeapCollector } from './collector.js';
export {
  type GemmJob,
  type GemmPool,
  type GemmPoolFactory,
  setGemmPoolFactory,
  type ThreadStats,
  threadStats,
} from './gemm-pool.js';
export {
  chooseWasmSimd,
  WASM_SIMD_ENV,
  type WasmSimd,
  type WasmSimdOption,
  wasmSimdSupported,
} from './kernels.js';
export { groupedSparseProductCount, setSkipZeros, sparseProductCount } from './sparse.js';

export interface WasmBackendOptions {
  /**
   * The kernels' SIMD build: `relaxed` (fused multiply-add in the products), `plain`, or `auto`
   * (default: relaxed where the engine runs it). Unset, BACKPROP_WASM_SIMD decides when set.
   */
  simd?: WasmSimdOption;
  /**
   * The clock (ms) training steps are timed with to decide whether mid-sized products are split
   * over the threads (step-threads.ts): performance.now unless a test passes a fake one, so its
   * decisions do not depend on the machine's speed.
   */
  stepClock?: () => number;
}

/** The wasm backend, saying which SIMD build of the kernels it runs. */
export interface WasmBackend extends BackendWithFusedKernels {
  readonly simd: WasmSimd;
}

/** Build the backend: compiles the (small) module synchronously. */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  const simd = chooseWasmSimd(options.simd);
  if (options.stepClock !== undefined && typeof options.stepClock !== 'function') {
    throw new ArgumentError(
      `wasm backend: the stepClock option must be a function returning milliseconds, got ${typeof options.stepClock}`,
    );
  }
  // Threads: what the host registered (Node: worker_threads), else Web Workers on a cross-origin
  // isolated page, else none.
  const factory = registeredGemmPoolFactory() ?? webWorkerGemmPool();
  const heap = new WasmHeap(factory !== null);
  const module = compileKernels(factory !== null, simd);
  const kernels = instantiateKernels(module, heap.memory);
  const pool = factory ? factory(module, heap.memory) : null;
  // A JS fill on shared memory runs ~17× slower than wasm's memory.fill.
  heap.zero = (offset, bytes) => kernels.zero(offset, bytes);
  const ctx = new WasmContext(heap, kernels, options.stepClock);
  // Weights declared constant (predict/evaluate) keep their packed copies for the scope.
  const packs = new ConstantPacks(ctx);
  const update = createUpdate(ctx, pool);

  const alloc = (length: number, overwritten = false): Storage => {
    const bytes = length * 4;
    const offset = heap.allocateTensor(bytes, !overwritten);
    // Past the soft limit outside fit()'s step scope: an ordinary array the GC reclaims (every
    // kernel accepts it, falling back to the TypeScript loops or copying into scratch).
    if (offset < 0) return tsBackend.alloc(length);
    const storage = new WasmStorage(heap, offset, length);
    heap.track(storage, bytes);
    return storage;
  };

  const elementwise = elementwiseKernels(ctx, pool);
  const matmul = createMatmul(ctx, pool, packs);
  return {
    ...tsBackend,
    name: 'wasm',
    simd,
    ...elementwise,
    ...windowKernels(ctx, pool),
    update: (rule, w, g, state) => {
      packs.forget(w);
      update(rule, w, g, state);
    },
    ...rnnKernels(ctx, pool),
    matmul,
    matmulBiasActivation: createMatmulBiasActivation(ctx, pool, matmul, elementwise),
    ...convKernels(ctx, pool),
    beginStep: () => {
      // A nested scope (GAN.fit's step inside its batch's) is part of the same training step.
      if (ctx.heap.beginStep()) beginStepThreads(ctx, pool);
    },
    endStep: () => ctx.heap.endStep(),
    persistent: (fn) => ctx.heap.persistent(fn),
    withConstants: (constants, fn) => packs.run(constants, fn),
    // In-place writers drop what a constant scope kept of the storage they write.
    fill: (s, value) => {
      packs.forget(s);
      tsBackend.fill(s, value);
    },
    allFinite: (s) => ctx.kernels.allFinite(ctx.staged(s, 'allFinite'), s.length) === 1,
    copy: (src, dst) => {
      packs.forget(dst);
      tsBackend.copy(src, dst);
    },
    stridedCopy: (src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate) => {
      packs.forget(dst);
      tsBackend.stridedCopy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate);
    },
    scatterAddRows: (dy, rowSize, indices, out) => {
      packs.forget(out);
      tsBackend.scatterAddRows(dy, rowSize, indices, out);
    },
    scatterAddAxis: (updates, outer, size, inner, indices, out) => {
      packs.forget(out);
      tsBackend.scatterAddAxis(updates, outer, size, inner, indices, out);
    },
    memoryStats: () => ({
      capacityBytes: ctx.heap.memory.buffer.byteLength,
      highWaterBytes: ctx.heap.highWater,
      liveBytes: ctx.heap.liveBytes,
      collections: ctx.heap.collections,
    }),
    alloc,
    fromValues: (values) => {
      const s = alloc(values.length);
      s.view().set(values);
      return s;
    },
    slice: (s, start, end) => {
      if (!ctx.isWasm(s)) return tsBackend.slice(s, start, end);
      const parent = s as WasmStorage;
      return new WasmStorage(heap, parent.byteOffset + start * 4, end - start, parent.parent ?? parent);
    },
  };
}
