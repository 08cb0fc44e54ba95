/**
 * The WebAssembly backend. Tensor data lives in one WebAssembly.Memory (see memory.ts); the hot
 * kernels run as compiled WebAssembly SIMD (assembly/index.ts), and every other kernel is the
 * TypeScript one running on views of the same memory — so every op works on this backend, and
 * kernels move to WebAssembly one at a time without touching ops or layers.
 */
import type { Backend, MatmulSpec, Storage, UpdateRule, WindowGeometry } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { windowTable } from '../ts/window.js';
import { as2d, BINARY_CODES, UNARY_CODES } from './dispatch.js';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.generated.js';
import { WasmHeap, WasmStorage } from './memory.js';
import { webWorkerGemmPool } from './web-workers.js';

/** The compiled kernels' exports (assembly/*.ts); pointers are byte offsets, counts elements. */
interface Kernels {
  unary(op: number, x: number, out: number, n: number, p0: number): void;
  unaryGrad(op: number, x: number, y: number, dy: number, out: number, n: number, p0: number): void;
  binary2d(
    op: number,
    a: number,
    ars: number,
    acs: number,
    b: number,
    brs: number,
    bcs: number,
    out: number,
    rows: number,
    cols: number,
  ): void;
  gatherRows(x: number, rowBytes: number, idx: number, count: number, out: number): void;
  biasActivation(
    op: number,
    x: number,
    bias: number,
    out: number,
    rows: number,
    cols: number,
    p0: number,
  ): void;
  sgd(w: number, g: number, n: number, lr: number): void;
  momentum(w: number, g: number, v: number, n: number, lr: number, mu: number, nesterov: number): void;
  adagrad(w: number, g: number, h: number, n: number, lr: number, eps: number): void;
  rmsprop(w: number, g: number, v: number, n: number, lr: number, rho: number, c: number, eps: number): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    a: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    eps: number,
  ): void;
  im2col(
    x: number,
    table: number,
    cellsPerImage: number,
    batch: number,
    imageSize: number,
    c: number,
    out: number,
    padValue: number,
  ): void;
  col2im(
    cols: number,
    table: number,
    cellsPerImage: number,
    batch: number,
    imageSize: number,
    c: number,
    out: number,
  ): void;
  maxPool(
    x: number,
    table: number,
    perImage: number,
    cells: number,
    batch: number,
    imageSize: number,
    c: number,
    out: number,
    argmax: number,
  ): void;
  maxPoolGrad(
    dy: number,
    argmax: number,
    table: number,
    perImage: number,
    cells: number,
    batch: number,
    imageSize: number,
    c: number,
    dx: number,
  ): void;
  zero(ptr: number, bytes: number): void;
  gemmColsA(
    a: number,
    acs: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    tile: number,
  ): void;
  sum(x: number, outer: number, size: number, inner: number, out: number, acc: number): void;
  packA(a: number, ars: number, acs: number, m: number, k: number, dst: number): void;
  packB(b: number, brs: number, bcs: number, k: number, n: number, dst: number): void;
  gemmPacked(ap: number, bp: number, c: number, m: number, k: number, n: number, tile: number): void;
  gemmRowsA(
    a: number,
    ars: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    tile: number,
  ): void;
}

/** One block of rows of C = A · packed B (byte offsets into the shared memory). */
export interface GemmJob {
  /**
   * A: packed panels (layout 0), or read in place — row-major with rows `stride` elements apart
   * (1), or transposed with columns `stride` apart (2).
   */
  ap: number;
  layout: 0 | 1 | 2;
  stride: number;
  bp: number;
  c: number;
  rows: number;
  k: number;
  n: number;
  tile: number;
}

/**
 * Other threads that can run GemmJobs in the same (shared) memory. The Node entry provides one
 * built on worker_threads; the browser-safe core only knows this interface.
 */
export interface GemmPool {
  /** Threads besides the calling one. */
  readonly workers: number;
  /**
   * Hand one job to each worker (fewer jobs leave some idle) and return at once; false if the
   * workers are unavailable, in which case the caller runs the jobs itself.
   */
  start(jobs: readonly GemmJob[]): boolean;
  /** Block until every job handed out by start() is done. */
  wait(): void;
}

export type GemmPoolFactory = (module: WebAssembly.Module, memory: WebAssembly.Memory) => GemmPool;

let poolFactory: GemmPoolFactory | null = null;

/** Let wasm backends created from now on split large matrix products across threads. */
export function setGemmPoolFactory(factory: GemmPoolFactory | null): void {
  poolFactory = factory;
}

/**
 * Below this many multiply-adds a product stays on one thread. Waking a sleeping worker costs
 * about as much as half of a 100×784×100 product here (2 vCPUs): splitting the MLP's products made
 * a training epoch slower (1.85 s against 1.3–1.4 s on one thread), and spinning workers instead
 * of sleeping slowed the other thread down. Large products (512³, inference batches) still gain ~1.5×.
 */
const PARALLEL_MIN = 1 << 24;

/** Whether this JavaScript engine can run WebAssembly SIMD (a tiny module using v128 validates). */
export function wasmSimdSupported(): boolean {
  try {
    // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
    const probe = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
    ]);
    return typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Build the backend: compiles the (small) module synchronously. */
export function createWasmBackend(): Backend {
  // Threads: what the host registered (Node: worker_threads), else Web Workers on a cross-origin
  // isolated page, else none.
  const factory = poolFactory ?? webWorkerGemmPool();
  const heap = new WasmHeap(factory !== null);
  const module = new WebAssembly.Module(
    decodeBase64(factory ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64),
  );
  const kernels = new WebAssembly.Instance(module, { env: { memory: heap.memory } })
    .exports as unknown as Kernels;
  const pool = factory ? factory(module, heap.memory) : null;
  // A JS fill on shared memory runs ~17× slower than wasm's memory.fill.
  heap.zero = (offset, bytes) => kernels.zero(offset, bytes);

  const alloc = (length: number, overwritten = false): Storage => {
    const bytes = length * 4;
    const offset = heap.tryAllocate(bytes, undefined, !overwritten);
    // Past the soft limit outside fit()'s step scope: an ordinary array the GC reclaims (every
    // kernel below accepts it, falling back to the TypeScript loops or copying into scratch).
    if (offset < 0) return tsBackend.alloc(length);
    const storage = new WasmStorage(heap, offset, length);
    heap.track(storage, bytes);
    return storage;
  };
  const ptr = (s: Storage): number => (s as WasmStorage).byteOffset;

  // One edge-tile scratch per thread.
  const tiles = Array.from({ length: (pool?.workers ?? 0) + 1 }, () => heap.allocate(32 * 4));
  const tile = tiles[0]!;

  /** C rows split into blocks of whole 4-row panels, one per thread; this thread takes the last. */
  /** Run one job (see GemmJob for A's layouts). */
  const runJob = (j: GemmJob): void => {
    if (j.layout === 0) kernels.gemmPacked(j.ap, j.bp, j.c, j.rows, j.k, j.n, j.tile);
    else if (j.layout === 1) kernels.gemmRowsA(j.ap, j.stride, j.bp, j.c, j.rows, j.k, j.n, j.tile);
    else kernels.gemmColsA(j.ap, j.stride, j.bp, j.c, j.rows, j.k, j.n, j.tile);
  };
  /**
   * C = A·packed B, rows of C split into blocks of whole 4-row panels, one per thread (this thread
   * takes the last). A as in GemmJob; read in place, m must be a multiple of 4.
   */
  const gemm = (
    a: number,
    layout: 0 | 1 | 2,
    stride: number,
    pb: number,
    c: number,
    m: number,
    k: number,
    n: number,
  ): void => {
    // Bytes from one row of A to the next: a packed panel row, a row, or one float (transposed).
    const rowBytes = layout === 0 ? k * 4 : layout === 1 ? stride * 4 : 4;
    const whole: GemmJob = { ap: a, layout, stride, bp: pb, c, rows: m, k, n, tile };
    if (!pool || pool.workers === 0 || m * k * n < PARALLEL_MIN || m < 8) {
      runJob(whole);
      return;
    }
    const parts = Math.min(pool.workers + 1, Math.floor(m / 4));
    const chunk = Math.ceil(m / parts / 4) * 4;
    const jobs: GemmJob[] = [];
    for (let i0 = 0, w = 1; i0 < m; i0 += chunk, w++) {
      jobs.push({
        ap: a + i0 * rowBytes,
        layout,
        stride,
        bp: pb,
        c: c + i0 * n * 4,
        rows: Math.min(chunk, m - i0),
        k,
        n,
        tile: tiles[w] ?? tile,
      });
    }
    const mine = jobs.pop()!;
    if (!pool.start(jobs)) {
      runJob(whole);
      return;
    }
    runJob({ ...mine, tile });
    pool.wait();
  };
  // Scratch blocks (packing, staging operands that live outside wasm memory), reused across
  // calls and grown when needed.
  const scratchBlocks = new Map<string, { offset: number; bytes: number }>();
  const scratch = (needed: number, which: string): number => {
    const block = scratchBlocks.get(which);
    if (block && block.bytes >= needed) return block.offset;
    if (block) heap.release(block.offset, block.bytes);
    const offset = heap.allocate(needed);
    scratchBlocks.set(which, { offset, bytes: needed });
    return offset;
  };
  /** A wasm pointer to s's values: s itself, or a copy staged in scratch memory. */
  const staged = (s: Storage, which: string): number => {
    if (isWasm(s)) return ptr(s);
    const at = scratch(s.length * 4, which);
    new Float32Array(heap.memory.buffer, at, s.length).set(s.view());
    return at;
  };

  const matmul = (a: Storage, b: Storage, out: Storage, s: MatmulSpec): void => {
    const { m, k, n } = s;
    const ars = s.transA ? 1 : k;
    const acs = s.transA ? m : 1;
    const brs = s.transB ? 1 : n;
    const bcs = s.transB ? k : 1;
    if (k === 0) {
      out.view().fill(0);
      return;
    }
    // Allocate scratch before taking pointers: allocation may grow (and move) memory views,
    // but byte offsets stay valid.
    // A is read in place (row-major, or transposed with a panel's rows side by side), all but a
    // ragged last panel of < 4 rows, which is packed.
    const inPlace = m & ~3;
    const layout = s.transA ? 2 : 1;
    const stride = s.transA ? m : k;
    const pa = scratch(((m - inPlace + 3) & ~3) * k * 4, 'packA');
    const pb = scratch(((n + 7) & ~7) * k * 4, 'packB');
    const aAt = staged(a, 'stageA');
    const bAt = staged(b, 'stageB');
    const outAt = isWasm(out) ? ptr(out) : scratch(out.length * 4, 'stageOut');
    for (let t = 0; t < s.batch; t++) {
      const aT = aAt + t * s.aBatchStride * 4;
      const cT = outAt + t * m * n * 4;
      if (t === 0 || s.bBatchStride !== 0) kernels.packB(bAt + t * s.bBatchStride * 4, brs, bcs, k, n, pb);
      if (inPlace > 0) gemm(aT, layout, stride, pb, cT, inPlace, k, n);
      if (inPlace < m) {
        // The rows not read in place, packed (once, if A repeats over the batch).
        if (t === 0 || s.aBatchStride !== 0)
          kernels.packA(aT + inPlace * ars * 4, ars, acs, m - inPlace, k, pa);
        gemm(pa, 0, 0, pb, cT + inPlace * n * 4, m - inPlace, k, n);
      }
    }
    if (!isWasm(out)) out.view().set(new Float32Array(heap.memory.buffer, outAt, out.length));
  };

  const isWasm = (s: Storage): boolean => s instanceof WasmStorage && s.heap === heap;
  // Row numbers for gatherRows, copied into the memory the kernel reads.
  let indexBlock = 0;
  let indexBytes = 0;
  const indexScratch = (count: number): number => {
    if (count * 4 > indexBytes) {
      if (indexBlock) heap.release(indexBlock, indexBytes);
      indexBytes = Math.max(count * 4, 1024);
      indexBlock = heap.allocate(indexBytes);
    }
    return indexBlock;
  };

  // Window tables (which input pixel each window cell reads) copied into wasm memory, per geometry.
  const tableBlocks = new Map<object, number>();
  const tableIn = (g: WindowGeometry): number => {
    const source = windowTable(g).source;
    let at = tableBlocks.get(source);
    if (at === undefined) {
      at = heap.allocate(source.length * 4);
      new Int32Array(heap.memory.buffer, at, source.length).set(source);
      tableBlocks.set(source, at);
    }
    return at;
  };
  const windowArgs = (g: WindowGeometry) => ({
    perImage: g.outH * g.outW,
    cells: g.kernelH * g.kernelW,
    imageSize: g.inH * g.inW * g.channels,
  });

  const update = (rule: UpdateRule, w: Storage, g: Storage, state: readonly Storage[]): void => {
    if (!isWasm(w) || !isWasm(g) || !state.every(isWasm)) {
      // e.g. a gradient copy made on another backend
      tsBackend.update(rule, w, g, state);
      return;
    }
    const n = w.length;
    const [s0, s1] = state.map(ptr);
    switch (rule.kind) {
      case 'sgd':
        kernels.sgd(ptr(w), ptr(g), n, rule.lr);
        break;
      case 'momentum':
        kernels.momentum(ptr(w), ptr(g), s0!, n, rule.lr, rule.momentum, rule.nesterov ? 1 : 0);
        break;
      case 'adagrad':
        kernels.adagrad(ptr(w), ptr(g), s0!, n, rule.lr, rule.epsilon);
        break;
      case 'rmsprop':
        kernels.rmsprop(ptr(w), ptr(g), s0!, n, rule.lr, rule.rho, 1 - rule.rho, rule.epsilon);
        break;
      case 'adam':
        kernels.adam(
          ptr(w),
          ptr(g),
          s0!,
          s1!,
          n,
          rule.stepSize,
          rule.beta1,
          rule.beta2,
          1 - rule.beta1,
          1 - rule.beta2,
          rule.epsilonHat,
        );
        break;
    }
  };

  return {
    ...tsBackend,
    name: 'wasm',
    unary: (op, x, out, p0 = 0, p1 = 0) => {
      const code = UNARY_CODES[op];
      if (code === undefined || !isWasm(x) || !isWasm(out)) {
        tsBackend.unary(op, x, out, p0, p1);
        return;
      }
      kernels.unary(code, ptr(x), ptr(out), out.length, p0);
    },
    unaryGrad: (op, x, y, dy, out, p0 = 0, p1 = 0) => {
      const code = UNARY_CODES[op];
      if (code === undefined || !isWasm(x) || !isWasm(y) || !isWasm(dy) || !isWasm(out))
        return tsBackend.unaryGrad(op, x, y, dy, out, p0, p1);
      kernels.unaryGrad(code, ptr(x), ptr(y), ptr(dy), ptr(out), out.length, p0);
    },
    biasActivation: (op, x, bias, out, cols, p0 = 0) => {
      const code = op === null ? -1 : UNARY_CODES[op];
      if (code === undefined || !isWasm(x) || !isWasm(bias) || !isWasm(out) || cols === 0) {
        tsBackend.biasActivation(op, x, bias, out, cols, p0);
        return;
      }
      kernels.biasActivation(code, ptr(x), ptr(bias), ptr(out), out.length / cols, cols, p0);
    },
    binary: (op, a, aStrides, b, bStrides, out, shape) => {
      const code = BINARY_CODES[op];
      const a2 = as2d(aStrides, shape);
      const b2 = as2d(bStrides, shape);
      if (code === undefined || !a2 || !b2 || out.length === 0 || !isWasm(a) || !isWasm(b) || !isWasm(out))
        return tsBackend.binary(op, a, aStrides, b, bStrides, out, shape);
      const cols = shape.length === 0 ? 1 : shape[shape.length - 1]!;
      kernels.binary2d(
        code,
        ptr(a),
        a2.rowStride,
        a2.colStride,
        ptr(b),
        b2.rowStride,
        b2.colStride,
        ptr(out),
        out.length / cols,
        cols,
      );
    },
    gatherRows: (x, rowSize, indices, out) => {
      if (!isWasm(x) || !isWasm(out) || indices.length === 0 || rowSize === 0)
        return tsBackend.gatherRows(x, rowSize, indices, out);
      const idx = indexScratch(indices.length); // may grow the memory: take pointers after
      new Int32Array(heap.memory.buffer, idx, indices.length).set(indices);
      kernels.gatherRows(ptr(x), rowSize * 4, idx, indices.length, ptr(out));
    },
    im2col: (x, g, out, padValue) => {
      if (!isWasm(x) || !isWasm(out)) {
        tsBackend.im2col(x, g, out, padValue);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      kernels.im2col(
        ptr(x),
        table,
        w.perImage * w.cells,
        g.batch,
        w.imageSize,
        g.channels,
        ptr(out),
        padValue,
      );
    },
    col2im: (cols, g, out) => {
      if (!isWasm(cols) || !isWasm(out)) {
        tsBackend.col2im(cols, g, out);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      kernels.col2im(ptr(cols), table, w.perImage * w.cells, g.batch, w.imageSize, g.channels, ptr(out));
    },
    maxPool: (x, g, out, argmax) => {
      if (!isWasm(x) || !isWasm(out) || !isWasm(argmax)) {
        tsBackend.maxPool(x, g, out, argmax);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      kernels.maxPool(
        ptr(x),
        table,
        w.perImage,
        w.cells,
        g.batch,
        w.imageSize,
        g.channels,
        ptr(out),
        ptr(argmax),
      );
    },
    maxPoolGrad: (dy, argmax, g, dx) => {
      if (!isWasm(dy) || !isWasm(argmax) || !isWasm(dx)) {
        tsBackend.maxPoolGrad(dy, argmax, g, dx);
        return;
      }
      const w = windowArgs(g);
      const table = tableIn(g);
      kernels.maxPoolGrad(
        ptr(dy),
        ptr(argmax),
        table,
        w.perImage,
        w.cells,
        g.batch,
        w.imageSize,
        g.channels,
        ptr(dx),
      );
    },
    reduce: (op, x, outer, size, inner, out) => {
      if (op !== 'sum' || !isWasm(x) || !isWasm(out)) {
        tsBackend.reduce(op, x, outer, size, inner, out);
        return;
      }
      const acc = scratch(Math.max(inner, 1) * 8, 'sumAcc');
      kernels.sum(ptr(x), outer, size, inner, ptr(out), acc);
    },
    update,
    beginStep: () => heap.beginStep(),
    endStep: () => heap.endStep(),
    persistent: (fn) => heap.persistent(fn),
    memoryStats: () => ({ capacityBytes: heap.memory.buffer.byteLength, highWaterBytes: heap.highWater }),
    alloc,
    fromValues: (values) => {
      const s = alloc(values.length);
      s.view().set(values);
      return s;
    },
    slice: (s, start, end) => {
      if (!isWasm(s)) return tsBackend.slice(s, start, end);
      const parent = s as WasmStorage;
      return new WasmStorage(heap, parent.byteOffset + start * 4, end - start, parent.parent ?? parent);
    },
    matmul,
  };
}
