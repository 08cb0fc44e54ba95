/**
 * Tensor memory inside a WebAssembly.Memory. Blocks are 16-byte aligned (SIMD loads) and come
 * from per-size free lists or a bump pointer; the memory grows when the bump pointer runs out.
 * Users never free anything: a FinalizationRegistry returns a block when its Storage is garbage
 * collected, and because a training loop allocates the same sizes every step, those blocks are
 * reused at once.
 */
import type { Storage } from '../backend.js';

const PAGE = 65536;

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private top = 16; // offset 0 stays unused so a null pointer never aliases a tensor
  private readonly free = new Map<number, number[]>();
  private readonly registry = new FinalizationRegistry<{ offset: number; bytes: number }>((block) => {
    this.release(block.offset, block.bytes);
  });

  /** `shared`: a SharedArrayBuffer-backed memory that worker threads can compute in too. */
  constructor(shared = false, initialPages = 256) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: 65536, shared });
  }

  /** A block of at least `bytes` bytes (rounded up to 16), zero-filled. Returns its byte offset. */
  allocate(bytes: number): number {
    const size = Math.max(16, (bytes + 15) & ~15);
    const list = this.free.get(size);
    if (list && list.length > 0) {
      const offset = list.pop()!;
      new Uint8Array(this.memory.buffer, offset, size).fill(0);
      return offset;
    }
    const offset = this.top;
    const end = offset + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least half the current size: each grow detaches every view of the memory, so
      // a few big steps beat thousands of small ones.
      const needed = Math.ceil((end - have) / PAGE);
      const current = have / PAGE;
      this.memory.grow(Math.min(Math.max(needed, Math.ceil(current / 2)), 65536 - current));
    }
    this.top = end;
    return offset; // fresh memory from the bump pointer is already zero
  }

  release(offset: number, bytes: number): void {
    const size = Math.max(16, (bytes + 15) & ~15);
    const list = this.free.get(size);
    if (list) list.push(offset);
    else this.free.set(size, [offset]);
  }

  /** Tie a block's lifetime to `owner`: when owner is collected, the block is reused. */
  track(owner: object, offset: number, bytes: number): void {
    this.registry.register(owner, { offset, bytes });
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

  view(): Float32Array {
    // memory.grow() detaches the old ArrayBuffer: rebuild the view whenever the buffer changed.
    const buffer = this.heap.memory.buffer;
    if (this.cached === null || this.cached.buffer !== buffer) {
      this.cached = new Float32Array(buffer, this.byteOffset, this.length);
    }
    return this.cached;
  }
}
