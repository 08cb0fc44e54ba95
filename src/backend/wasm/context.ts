/** What the wasm backend's kernel wrappers share: the heap, the kernels, and scratch memory. */
import type { Storage } from '../backend.js';
import type { GemmJob } from './gemm-pool.js';
import type { Kernels } from './kernels.js';
import { type WasmHeap, WasmStorage } from './memory.js';
import { type StepThreads, stepThreadsState } from './step-threads.js';

export class WasmContext {
  /** Whether mid-sized products are split now, and how that is going: step-threads.ts. */
  readonly stepThreads: StepThreads;
  /** Scratch blocks (packing, staged operands, tables), reused across calls and grown when needed. */
  private readonly scratchBlocks = new Map<string, { offset: number; bytes: number }>();

  constructor(
    readonly heap: WasmHeap,
    readonly kernels: Kernels,
    stepClock?: () => number,
  ) {
    this.stepThreads = stepThreadsState(stepClock);
  }

  /** Run one pool job (a kernel part, then the kernels chained to it) on the calling thread. */
  readonly runJob = (job: GemmJob): void => {
    (this.kernels[job.kernel] as (...args: number[]) => void)(...job.args);
    if (job.after) for (const next of job.after) this.runJob(next);
  };

  /** Whether s lives in this backend's memory (past the soft limit, storage can be an ordinary array). */
  isWasm(s: Storage): s is WasmStorage {
    return s instanceof WasmStorage && s.heap === this.heap;
  }

  /** Byte offset of a storage in the memory. */
  ptr(s: Storage): number {
    return (s as WasmStorage).byteOffset;
  }

  /** A scratch block of at least `needed` bytes, named `which`; not cleared. */
  scratch(needed: number, which: string): number {
    const block = this.scratchBlocks.get(which);
    if (block && block.bytes >= needed) return block.offset;
    if (block) this.heap.release(block.offset, block.bytes);
    const offset = this.heap.allocate(needed);
    this.scratchBlocks.set(which, { offset, bytes: needed });
    return offset;
  }

  /** A pointer to s's values: s itself, or a copy staged in scratch memory. */
  staged(s: Storage, which: string): number {
    if (this.isWasm(s)) return this.ptr(s);
    const at = this.scratch(s.length * 4, which);
    new Float32Array(this.heap.memory.buffer, at, s.length).set(s.view());
    return at;
  }
}
