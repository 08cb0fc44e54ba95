/**
 * Where fit()'s batches come from: in-memory tensors (sliced, shuffled by a permutation each epoch,
 * resumable mid-epoch), or a Dataset / async iterable yielding batches `{ xs, ys, sampleWeight? }`
 * (streamed; an epoch is one pass, or `stepsPerEpoch` batches of an endless stream).
 */
import { describeValue, isOptionsObject } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { takeRows } from '../data.js';
import { commonLength, tensorList } from './inputs.js';

/** One batch, one tensor per input and per output; weights per output (null: none). */
export interface Batch {
  xs: Tensor[];
  ys: Tensor[];
  /** Per-sample weights given with a streamed batch (in-memory weights are added by the loop). */
  sampleWeight: Tensor | null;
  size: number;
}

/** An async iterable or a function returning a fresh (async) iterator/iterable per epoch. */
export type BatchStream =
  | AsyncIterable<unknown>
  | Iterable<unknown>
  | (() => AsyncIterable<unknown> | Iterable<unknown>);

export function isBatchStream(x: unknown): boolean {
  if (typeof x === 'function') return true;
  if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const o = x as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown };
  return typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function';
}

/** A fresh iterator over the stream (one per epoch). */
export function openStream(stream: BatchStream): AsyncIterator<unknown> | Iterator<unknown> {
  const source = typeof stream === 'function' ? stream() : stream;
  const s = source as {
    [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
    [Symbol.iterator]?: () => Iterator<unknown>;
  };
  if (typeof s[Symbol.asyncIterator] === 'function') return s[Symbol.asyncIterator]!();
  if (typeof s[Symbol.iterator] === 'function') return s[Symbol.iterator]!();
  throw new ArgumentError(`fit(): the data function must return an iterable, got ${describeValue(source)}`);
}

/** A streamed element turned into a batch for a model with these inputs and outputs. */
export function streamedBatch(
  element: unknown,
  inputNames: readonly string[],
  outputNames: readonly string[],
  what: string,
  index: number,
): Batch {
  let x: unknown;
  let y: unknown;
  let w: unknown;
  if (isOptionsObject(element) && 'xs' in (element as object)) {
    ({ xs: x, ys: y, sampleWeight: w } = element as { xs: unknown; ys: unknown; sampleWeight?: unknown });
  } else if (Array.isArray(element) && (element.length === 2 || element.length === 3)) {
    [x, y, w] = element;
  } else {
    throw new ArgumentError(
      `${what}: batch ${index + 1} must be { xs, ys } (or [xs, ys]) — batch() a Dataset of samples to get them — got ${describeValue(element)}`,
    );
  }
  if (y === undefined) throw new ArgumentError(`${what}: batch ${index + 1} has no targets (ys)`);
  const xs = tensorList(x, inputNames, `${what}: batch ${index + 1} xs`, 'input');
  const ys = tensorList(y, outputNames, `${what}: batch ${index + 1} ys`, 'output');
  const size = commonLength([xs, ys], ['xs', 'ys'], `${what}: batch ${index + 1}`);
  const sampleWeight =
    w === undefined || w === null
      ? null
      : tensorList(w, ['w'], `${what}: batch ${index + 1} sampleWeight`, 'output')[0]!;
  return { xs, ys, sampleWeight, size };
}

/** Rows [start, end) of in-memory data, in `order` when shuffling. */
export function memoryBatch(
  xs: readonly Tensor[],
  ys: readonly Tensor[],
  start: number,
  end: number,
  order: Int32Array | null,
): Batch {
  return {
    xs: xs.map((t) => takeRows(t, start, end, order)),
    ys: ys.map((t) => takeRows(t, start, end, order)),
    sampleWeight: null,
    size: end - start,
  };
}
