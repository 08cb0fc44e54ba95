/**
 * Tensor memory inside a WebAssembly.Memory. Blocks are 16-byte aligned (SIMD loads) and come
 * from per-size free lists or a bump pointer; the memory grows when the bump pointer runs out.
 * Users never free anything. Two ways give blocks back:
 * - a training step (fit) runs inside a step scope: blocks allocated during the step return to the
 *   free lists when it ends, so the next batch reuses the same blocks and memory stays flat;
 * - everything else is returned by a FinalizationRegistry when its Storage is garbage collected
 *   (which can take long: V8 does not see wasm memory as pressure on its own heap).
 */
import type { Storage } from '../backend.js';

const PAGE = 65536;
/** The memory's maximum: 65536 pages = 4 GiB, all wasm32 can address. */
const MAX_PAGES = 65536;
const MAX_BYTES = MAX_PAGES * PAGE;
const RESERVED_BYTES = 65536;

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  /**
   * The first 64 KiB belong to the kernels' static data (AssemblyScript's math tables sit at
   * 1024–7168; every instantiation, one per worker thread, writes them again). Tensors start above;
   * scripts/build-wasm.mjs fails the build if the data ever outgrows this.
   */
  private top = RESERVED_BYTES;
  private readonly free = new Map<number, number[]>();
  private readonly registry = new FinalizationRegistry<{ offset: number; bytes: number }>((block) => {
    this.release(block.offset, block.bytes);
  });
  /** Storages allocated in the open step scope (null: no scope open). */
  private scoped: WasmStorage[] | null = null;
  private stepDepth = 0;
  /** >0 while allocating things that must outlive the step (optimiser state). */
  private persistentDepth = 0;

  /** `shared`: a SharedArrayBuffer-backed memory that worker threads can compute in too. */
  constructor(shared = false, initialPages = 256) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
  }

  /** A block of at least `bytes` bytes (rounded up to 16), zero-filled. Returns its byte offset. */
  allocate(bytes: number): number {
    const offset = this.tryAllocate(bytes, MAX_BYTES);
    if (offset < 0) {
      throw new Error(
        `backprop: WebAssembly memory is full (${(this.top / 2 ** 30).toFixed(1)} GiB in use, ` +
          `${bytes} more bytes wanted). Use smaller batches, or setBackend('ts').`,
      );
    }
    return offset;
  }

  /**
   * Like allocate, but returns −1 instead of growing the bump pointer past `limit` bytes — or past
   * the soft limit when no step scope is open (see WasmHeap.softLimit).
   */
  tryAllocate(
    bytes: number,
    limit = this.scoped !== null ? MAX_BYTES : this.softLimit,
    clear = true,
  ): number {
    const size = Math.max(16, (bytes + 15) & ~15);
    const list = this.free.get(size);
    if (list && list.length > 0) {
      const offset = list.pop()!;
      if (clear) this.zero(offset, size);
      return offset;
    }
    const offset = this.top;
    const end = offset + size;
    if (end > limit) return -1;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least half the current size: each grow detaches every view of the memory, so
      // a few big steps beat thousands of small ones.
      const needed = Math.ceil((end - have) / PAGE);
      const current = have / PAGE;
      this.memory.grow(Math.min(Math.max(needed, Math.ceil(current / 2)), MAX_PAGES - current));
    }
    this.top = end;
    return offset; // fresh memory from the bump pointer is already zero
  }

  /**
   * Outside a step scope, blocks come back only through the FinalizationRegistry, whose callbacks
   * run between event-loop tasks — never inside a synchronous loop. So past this many bytes, the
   * backend puts new tensors in ordinary garbage-collected arrays instead (slower kernels, but a
   * hand-written training loop cannot exhaust the memory); fit() runs in step scopes and stays in
   * wasm memory.
   */
  softLimit = 1 << 30;

  /** Zero a block; the backend swaps in wasm's memory.fill (a JS fill on shared memory is slow). */
  zero = (offset: number, bytes: number): void => {
    new Uint8Array(this.memory.buffer, offset, bytes).fill(0);
  };

  release(offset: number, bytes: number): void {
    const size = Math.max(16, (bytes + 15) & ~15);
    const list = this.free.get(size);
    if (list) list.push(offset);
    else this.free.set(size, [offset]);
  }

  /** Tie a storage's block to its lifetime (or to the open step scope). */
  track(owner: WasmStorage, bytes: number): void {
    this.registry.register(owner, { offset: owner.byteOffset, bytes }, owner);
    if (this.scoped !== null && this.persistentDepth === 0) this.scoped.push(owner);
  }

  /** Open a step scope; a nested begin/end pair belongs to the outer scope. */
  beginStep(): void {
    if (this.stepDepth++ === 0) this.scoped = [];
  }

  /** Return every block allocated since beginStep(); their storages refuse further use. */
  endStep(): void {
    if (this.stepDepth === 0 || --this.stepDepth > 0) return;
    const scoped = this.scoped;
    this.scoped = null;
    if (scoped === null) return;
    for (const storage of scoped) {
      this.registry.unregister(storage);
      storage.markReleased();
      this.release(storage.byteOffset, storage.length * 4);
    }
  }

  /** Run fn with its allocations outside the step scope. */
  persistent<T>(fn: () => T): T {
    this.persistentDepth++;
    try {
      return fn();
    } finally {
      this.persistentDepth--;
    }
  }

  /** Bytes handed out so far (high-water mark), for diagnostics. */
  get highWater(): number {
    return this.top;
  }
}

/** float32 values at a byte offset of the heap's memory. */
export class WasmStorage implements Storage {
  private cached: Float32Array | null = null;

  constructor(
    readonly heap: WasmHeap,
    readonly byteOffset: number,
    readonly length: number,
    /** A slice keeps its parent alive, since the parent owns the block. */
    readonly parent: WasmStorage | null = null,
  ) {}

  private released = false;

  markReleased(): void {
    this.released = true;
  }

  view(): Float32Array {
    if (this.released || this.parent?.released) {
      throw new Error(
        'backprop: this tensor was computed inside a training step and its memory has been reused ' +
          'since the step ended. Layers and callbacks must not keep tensors from a step; copy ' +
          'them (t.clone()) or read their values (t.data()) during the step.',
      );
    }
    // memory.grow() detaches the old ArrayBuffer: rebuild the view whenever the buffer changed.
    const buffer = this.heap.memory.buffer;
    if (this.cached === null || this.cached.buffer !== buffer) {
      this.cached = new Float32Array(buffer, this.byteOffset, this.length);
    }
    return this.cached;
  }
}
