import type { Storage } from '../backend.js';

/** The TypeScript backend's storage: a Float32Array (possibly a subarray view of a larger one). */
export class ArrayStorage implements Storage {
  constructor(readonly array: Float32Array) {}
  get length(): number {
    return this.array.length;
  }
  view(): Float32Array {
    return this.array;
  }
}
