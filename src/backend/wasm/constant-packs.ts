/**
 * Packed copies of operands declared constant for a scope. predict() and evaluate() declare the
 * model's weights constant around their batch loop (Backend.withConstants), so a product packs a
 * weight once per call of theirs instead of once per batch: the wide MLP's inference repacked its
 * 3.2 MB and 4 MB weights for every batch of 500 images. What is kept:
 * - the sparse kernel's 48-column panels of B, with whether B was all finite (a B with Inf or NaN
 *   must still take the dense path: 0·Inf is NaN, so skipping zeros would change the result);
 * - the dense kernel's 8-column panels of B;
 * - for a B the sparse kernel reads in place, only whether it is all finite.
 * Entries are keyed by the storage and the exact layout (pointer, k, n, strides, kind); operands
 * not declared (activations) are never kept. Every block goes back to the heap's free lists when
 * the scope ends, also when it throws, so nothing packed outlives the scope: a weight changed
 * between two predict() calls is packed afresh. Inside a scope, the backend's in-place writers
 * (copy, fill, stridedCopy, the scatter-adds, the optimiser's update) drop what was kept of every
 * storage whose bytes they write, also through a slice.
 */
import type { Storage } from '../backend.js';
import type { WasmContext } from './context.js';

/** What a product keeps of B: sparse panels, dense panels, or only the finite check. */
export type PackKind = 'panels' | 'packB' | 'finite';

/** A scope keeps at most this many bytes of packed copies; past it, products pack per call. */
const MAX_KEPT_BYTES = 256 * 2 ** 20;

interface Kept {
  storage: Storage;
  kind: PackKind;
  ptr: number;
  k: number;
  n: number;
  brs: number;
  bcs: number;
  /** Byte offset of the packed copy (-1 for 'finite'). */
  at: number;
  bytes: number;
  finite: boolean;
}

export class ConstantPacks {
  /** Storages declared constant in the open scope (null: no scope open). */
  private constants: Set<Storage> | null = null;
  private kept: Kept[] = [];
  private keptBytes = 0;

  constructor(private readonly ctx: WasmContext) {}

  /**
   * Run fn with `storages` declared unchanged until it returns; what was kept is released when it
   * returns or throws. A nested call runs inside the outer scope, adding nothing to it.
   */
  run<T>(storages: readonly Storage[], fn: () => T): T {
    if (this.constants !== null) return fn();
    this.constants = new Set(storages.filter((s) => this.ctx.isWasm(s)));
    try {
      return fn();
    } finally {
      this.release(() => true);
      this.constants = null;
    }
  }

  /** Whether B's storage is declared constant in the open scope. */
  isConstant(s: Storage): boolean {
    return this.constants?.has(s) ?? false;
  }

  /** Whether a scope is open: predict() or evaluate() is running its batches. */
  get open(): boolean {
    return this.constants !== null;
  }

  /** Bytes held by packed copies right now (0 outside a scope). */
  get bytes(): number {
    return this.keptBytes;
  }

  /**
   * Drop what was kept of any storage sharing bytes with s (an in-place write changed its values):
   * s may be the weight itself, a slice of it (backend.slice is a view), or a larger view holding it.
   */
  forget(s: Storage): void {
    if (this.kept.length === 0 || !this.ctx.isWasm(s)) return;
    const start = this.ctx.ptr(s);
    const end = start + s.length * 4;
    this.release((e) => {
      const at = this.ctx.ptr(e.storage);
      return at < end && start < at + e.storage.length * 4;
    });
  }

  /**
   * The packed copy of constant B (`storage`, at byte offset ptr, this layout and kind): `pack`
   * fills `bytes` at the offset it is given and returns whether B was all finite, the first time
   * only. Null when no block could be had (the caller packs into its scratch, as without a scope).
   */
  packed(
    storage: Storage,
    kind: PackKind,
    ptr: number,
    k: number,
    n: number,
    brs: number,
    bcs: number,
    bytes: number,
    pack: (at: number) => boolean,
  ): { at: number; finite: boolean } | null {
    for (const e of this.kept) {
      if (e.storage === storage && e.kind === kind && e.ptr === ptr && e.k === k && e.n === n) {
        if (e.brs === brs && e.bcs === bcs) return e;
      }
    }
    if (this.keptBytes + bytes > MAX_KEPT_BYTES) return null;
    let at = -1;
    if (bytes > 0) {
      // Not cleared: pack writes every byte the kernels read, as it does in scratch.
      at = this.ctx.heap.tryAllocate(bytes, undefined, false);
      if (at < 0) return null;
    }
    let finite: boolean;
    try {
      finite = pack(at);
    } catch (err) {
      if (bytes > 0) this.ctx.heap.release(at, bytes);
      throw err;
    }
    const entry: Kept = { storage, kind, ptr, k, n, brs, bcs, at, bytes, finite };
    this.kept.push(entry);
    this.keptBytes += bytes;
    return entry;
  }

  private release(which: (e: Kept) => boolean): void {
    const keep: Kept[] = [];
    for (const e of this.kept) {
      if (!which(e)) keep.push(e);
      else if (e.bytes > 0) {
        this.ctx.heap.release(e.at, e.bytes);
        this.keptBytes -= e.bytes;
      }
    }
    this.kept = keep;
  }
}
