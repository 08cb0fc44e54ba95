/**
 * Tensor memory inside a WebAssembly.Memory. Blocks are 16-byte aligned (SIMD loads) and come
 * from per-size free lists or a bump pointer; the memory grows when the bump pointer runs out.
 * Users never free anything. Two ways give blocks back:
 * - a training step (fit) runs inside a step scope: blocks allocated during the step return to the
 *   free lists when it ends, so the next batch reuses the same blocks and memory stays flat;
 * - everything else is returned by a FinalizationRegistry when its Storage is garbage collected.
 *   Where the host registered a collector (Node: src/node/gc-pressure.ts), a tensor allocation that
 *   would take fresh memory first runs pending callbacks and, once enough was allocated since the
 *   last time, a garbage collection (collector.ts has the policy) — so even a synchronous
 *   hand-written loop reuses the blocks of the tensors it dropped. Elsewhere (browsers) callbacks
 *   run between event-loop tasks only, and past a soft limit new tensors go to ordinary arrays.
 * A WebAssembly.Memory cannot shrink: returned blocks are reused, never given back to the system.
 */
import type { Storage } from '../backend.js';
import {
  BUDGET_PER_LIVE_BYTE,
  type HeapCollector,
  MIN_BUDGET_BYTES,
  registeredHeapCollector,
} from './collector.js';

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
  /** Bytes sitting in the free lists. */
  private freeBytes = 0;
  private readonly collector: HeapCollector | null;
  private readonly registry: {
    register(target: object, held: Block, token: object): void;
    unregister(token: object): boolean;
    cleanupSome?(): void;
  };
  /**
   * Bytes handed out (from free lists or fresh) since the last collection that only a collection
   * can bring back: not those of a step scope, which its end returns (fit's batches would otherwise
   * add up to a full gc every few dozen batches, for nothing).
   */
  private allocatedSinceCollect = 0;
  /** Live bytes right after the last collection: the budget to the next one scales with it. */
  private liveAfterCollect = 0;
  /** The smallest budget between collections (collector.ts); tests lower it to collect often. */
  minCollectBudget = MIN_BUDGET_BYTES;
  /** Set while collecting: finalizer callbacks only release, but nothing may collect again. */
  private collecting = false;
  /** Full garbage collections the heap asked for. */
  private gcCount = 0;
  /** Storages allocated in the open step scope (null: no scope open). */
  private scoped: WasmStorage[] | null = null;
  private stepDepth = 0;
  /** >0 while allocating things that must outlive the step (optimiser state). */
  private persistentDepth = 0;

  /** `shared`: a SharedArrayBuffer-backed memory that worker threads can compute in too. */
  constructor(shared = false, initialPages = 256, collector = registeredHeapCollector()) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
    this.collector = collector;
    const cleanup = (block: Block): void => this.release(block.offset, block.bytes);
    this.registry = collector
      ? collector.createRegistry<Block>(cleanup)
      : new FinalizationRegistry<Block>(cleanup);
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
   * the soft limit when no step scope is open (see WasmHeap.softLimit). Never collects: kernels
   * take their scratch blocks here while they hold pointers into the memory (see allocateTensor).
   */
  tryAllocate(
    bytes: number,
    limit = this.scoped !== null ? MAX_BYTES : this.softLimit,
    clear = true,
  ): number {
    const size = blockSize(bytes);
    const reused = this.takeFree(size, clear);
    return reused >= 0 ? reused : this.bump(size, limit);
  }

  /**
   * A block for a new tensor's storage (zero-filled if `clear`), or −1 past the soft limit outside
   * a step scope. Before taking fresh memory it may collect (collector.ts). That is safe here and
   * only here: an op allocates its output before its kernel runs, while the op still holds every
   * input it will read — whereas inside a kernel, an input whose pointer was already taken could
   * be unreachable, and a collection would hand its block to the scratch being allocated.
   */
  allocateTensor(bytes: number, clear = true): number {
    const size = blockSize(bytes);
    const reused = this.takeFree(size, clear);
    if (reused >= 0) return reused;
    const limit = this.scoped !== null ? MAX_BYTES : this.softLimit;
    if (this.shouldCollect(size, limit)) {
      this.collect();
      const freed = this.takeFree(size, clear);
      if (freed >= 0) return freed;
    }
    return this.bump(size, limit);
  }

  private takeFree(size: number, clear: boolean): number {
    const list = this.free.get(size);
    if (!list || list.length === 0) return -1;
    const offset = list.pop()!;
    this.freeBytes -= size;
    this.countAllocation(size);
    if (clear) this.zero(offset, size);
    return offset;
  }

  /** Fresh memory from the bump pointer (already zero), or −1 past `limit`. */
  private bump(size: number, limit: number): number {
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
    this.countAllocation(size);
    return offset;
  }

  private countAllocation(size: number): void {
    if (this.scoped === null || this.persistentDepth > 0) this.allocatedSinceCollect += size;
  }

  private shouldCollect(size: number, limit: number): boolean {
    if (this.collector === null || this.collecting) return false;
    const since = this.allocatedSinceCollect;
    const budget = Math.max(this.minCollectBudget, this.liveAfterCollect * BUDGET_PER_LIVE_BYTE);
    if (since >= budget) return true;
    // About to fall back to ordinary arrays (past the soft limit): collect first, unless a
    // collection just found everything alive (then each allocation would pay for a gc).
    return this.top + size > limit && since >= this.minCollectBudget / 4;
  }

  /**
   * Return the blocks of storages that are gone: first the callbacks already pending (a collection
   * V8 ran by itself), and when those free less than half of what was allocated since the last
   * time, a full gc and its callbacks.
   */
  private collect(): void {
    const collector = this.collector!;
    const cleanupSome = (): void => this.registry.cleanupSome?.();
    this.collecting = true;
    try {
      const before = this.freeBytes;
      cleanupSome();
      if (this.freeBytes - before < this.allocatedSinceCollect / 2) {
        collector.gc();
        this.gcCount++;
        cleanupSome();
      }
    } finally {
      this.collecting = false;
      this.allocatedSinceCollect = 0;
      this.liveAfterCollect = this.liveBytes;
    }
  }

  /**
   * Without a collector (browsers), blocks outside a step scope come back only through
   * FinalizationRegistry callbacks, which run between event-loop tasks — never inside a
   * synchronous loop. So past this many bytes, the backend puts new tensors in ordinary
   * garbage-collected arrays instead (slower kernels, but a hand-written training loop cannot
   * exhaust the memory); fit() runs in step scopes and stays in wasm memory. With a collector the
   * heap collects before crossing the limit, so only tensors that are really alive push past it.
   */
  softLimit = 1 << 30;

  /** Zero a block; the backend swaps in wasm's memory.fill (a JS fill on shared memory is slow). */
  zero = (offset: number, bytes: number): void => {
    new Uint8Array(this.memory.buffer, offset, bytes).fill(0);
  };

  release(offset: number, bytes: number): void {
    const size = blockSize(bytes);
    const list = this.free.get(size);
    if (list) list.push(offset);
    else this.free.set(size, [offset]);
    this.freeBytes += size;
  }

  /** Tie a storage's block to its lifetime (or to the open step scope). */
  track(owner: WasmStorage, bytes: number): void {
    // A step scope's storages all come back at its end (endStep), and the scope's list keeps them
    // alive until then: registering them too would only cost a register and an unregister per
    // tensor (some 2 % of a small MLP's training step) for nothing.
    if (this.scoped !== null && this.persistentDepth === 0) this.scoped.push(owner);
    else this.registry.register(owner, { offset: owner.byteOffset, bytes }, owner);
  }

  /** Open a step scope; a nested begin/end pair belongs to the outer scope. True: an outer scope. */
  beginStep(): boolean {
    if (this.stepDepth++ !== 0) return false;
    this.scoped = [];
    return true;
  }

  /** Return every block allocated since beginStep(); their storages refuse further use. */
  endStep(): void {
    if (this.stepDepth === 0 || --this.stepDepth > 0) return;
    const scoped = this.scoped;
    this.scoped = null;
    if (scoped === null) return;
    for (const storage of scoped) {
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

  /** Bytes in blocks not returned (tensors, optimiser state, kernels' scratch and tables). */
  get liveBytes(): number {
    return this.top - RESERVED_BYTES - this.freeBytes;
  }

  /** Full garbage collections run to get blocks back (0 where no collector is registered). */
  get collections(): number {
    return this.gcCount;
  }
}

interface Block {
  offset: number;
  bytes: number;
}

/** Block sizes are multiples of 16 bytes (SIMD alignment), at least 16. */
function blockSize(bytes: number): number {
  return Math.max(16, (bytes + 15) & ~15);
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
          'them (t.clone()) or read their values (t.dataSync()) during the step.',
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
