/**
 * Dataset: a restartable stream of elements for data that does not fit in memory (or is produced
 * on the fly), in the shape of tf.data / TF.js's tf.data: a source, then map / filter / shuffle
 * (a buffer of N elements, seeded) / batch / prefetch / take / skip / repeat, each a new Dataset.
 * `model.fit(dataset)` iterates it once per epoch; each element it yields must then be a batch
 * `{ xs, ys }` (or `{ xs, ys, sampleWeight }`), as `batch()` makes from per-sample elements.
 *
 * Iterating asks the source afresh, so a Dataset can be iterated once per epoch. Elements are
 * pulled one at a time: only `shuffle`'s buffer and `prefetch`'s look-ahead are held.
 */
import { describeValue, isOptionsObject } from '../config/options.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { stack } from '../ops/layout.js';
import { getRng, Rng } from '../random/rng.js';
import { tensor } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import { type NestedArray, Tensor } from '../tensor/tensor.js';

type AnyIterator<T> = Iterator<T> | AsyncIterator<T>;
type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

/** A per-sample or batched element: tensors, numbers or nested arrays, alone or in lists/objects. */
export type Element = unknown;

function iteratorOf<T>(source: AnyIterable<T> | AnyIterator<T>): AnyIterator<T> {
  const s = source as {
    [Symbol.asyncIterator]?: () => AsyncIterator<T>;
    [Symbol.iterator]?: () => Iterator<T>;
  };
  if (typeof s[Symbol.asyncIterator] === 'function') return s[Symbol.asyncIterator]!();
  if (typeof s[Symbol.iterator] === 'function') return s[Symbol.iterator]!();
  if (typeof (source as AnyIterator<T>).next === 'function') return source as AnyIterator<T>;
  throw new ArgumentError(
    `Dataset: the source must be iterable or an iterator, got ${describeValue(source)}`,
  );
}

const positiveInt = (op: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ArgumentError(`Dataset.${op}(): ${name} must be a positive integer, got ${describeValue(v)}`);
  }
  return v;
};

export class Dataset<T = Element> implements AsyncIterable<T> {
  /** `open` starts a fresh pass over the data each time it is called. */
  constructor(private readonly open: () => AnyIterator<T>) {}

  /** A dataset over a fixed list of elements. */
  static fromArray<T>(items: readonly T[]): Dataset<T> {
    if (!Array.isArray(items))
      throw new ArgumentError(`Dataset.fromArray(): expected an array, got ${describeValue(items)}`);
    return new Dataset(() => items[Symbol.iterator]());
  }

  /**
   * A dataset from a function that returns a fresh (async) iterator or iterable each time — a
   * generator function: `Dataset.fromGenerator(async function* () { … yield { xs, ys } })`.
   */
  static fromGenerator<T>(make: () => AnyIterable<T> | AnyIterator<T>): Dataset<T> {
    if (typeof make !== 'function') {
      throw new ArgumentError(
        `Dataset.fromGenerator(): expected a function returning an iterator, got ${describeValue(make)}`,
      );
    }
    return new Dataset(() => iteratorOf(make()));
  }

  /** One element `{ xs, ys }` per sample (row) of in-memory tensors; batch() groups them again. */
  static fromTensors(data: { xs: Tensor; ys: Tensor }): Dataset<{ xs: Tensor; ys: Tensor }> {
    if (!isOptionsObject(data) || !(data.xs instanceof Tensor) || !(data.ys instanceof Tensor)) {
      throw new ArgumentError(
        `Dataset.fromTensors(): expected { xs: Tensor, ys: Tensor }, got ${describeValue(data)}`,
      );
    }
    const n = data.xs.shape[0];
    if (n === undefined || data.ys.shape[0] !== n) {
      throw new ShapeError(
        `Dataset.fromTensors(): xs ${formatShape(data.xs.shape)} and ys ${formatShape(data.ys.shape)} need the same first axis`,
      );
    }
    return new Dataset(function* () {
      for (let i = 0; i < n; i++) {
        yield {
          xs: data.xs.slice(i, i + 1).reshape(data.xs.shape.slice(1)),
          ys: data.ys.slice(i, i + 1).reshape(data.ys.shape.slice(1)),
        };
      }
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const it = this.open();
    while (true) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }

  /** A dataset whose elements come from this one's by an async generator over a fresh pass. */
  private derive<U>(body: (source: AsyncIterable<T>) => AsyncGenerator<U>): Dataset<U> {
    return new Dataset<U>(() => body(this)[Symbol.asyncIterator]());
  }

  map<U>(fn: (element: T) => U | Promise<U>): Dataset<U> {
    if (typeof fn !== 'function')
      throw new ArgumentError(`Dataset.map(): expected a function, got ${describeValue(fn)}`);
    return this.derive(async function* (src) {
      for await (const e of src) yield await fn(e);
    });
  }

  filter(fn: (element: T) => boolean | Promise<boolean>): Dataset<T> {
    if (typeof fn !== 'function')
      throw new ArgumentError(`Dataset.filter(): expected a function, got ${describeValue(fn)}`);
    return this.derive(async function* (src) {
      for await (const e of src) if (await fn(e)) yield e;
    });
  }

  /** The first `count` elements. */
  take(count: number): Dataset<T> {
    positiveInt('take', 'count', count);
    return this.derive(async function* (src) {
      if (count <= 0) return;
      let i = 0;
      for await (const e of src) {
        yield e;
        if (++i >= count) return;
      }
    });
  }

  /** All but the first `count` elements. */
  skip(count: number): Dataset<T> {
    if (!Number.isInteger(count) || count < 0)
      throw new ArgumentError(`Dataset.skip(): count must be an integer ≥ 0, got ${describeValue(count)}`);
    return this.derive(async function* (src) {
      let i = 0;
      for await (const e of src) if (i++ >= count) yield e;
    });
  }

  /** The data `count` times over (forever without a count: use with fit's stepsPerEpoch). */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined) positiveInt('repeat', 'count', count);
    const self = this;
    return new Dataset<T>(() =>
      (async function* () {
        for (let pass = 0; count === undefined || pass < count; pass++) {
          let any = false;
          for await (const e of self) {
            any = true;
            yield e;
          }
          if (!any) return; // an empty source would loop forever
        }
      })(),
    );
  }

  /**
   * Elements in a random order, drawn through a buffer of `bufferSize` (the whole data for a full
   * shuffle). Each pass draws a new order; with a seed the sequence of orders is reproducible.
   */
  shuffle(bufferSize: number, seed?: number): Dataset<T> {
    positiveInt('shuffle', 'bufferSize', bufferSize);
    const rng = seed === undefined ? null : new Rng(seed);
    return this.derive(async function* (src) {
      const r = rng ?? getRng();
      const buffer: T[] = [];
      for await (const e of src) {
        if (buffer.length < bufferSize) {
          buffer.push(e);
          continue;
        }
        const i = r.int(bufferSize);
        yield buffer[i]!;
        buffer[i] = e;
      }
      while (buffer.length > 0) {
        const i = r.int(buffer.length);
        yield buffer[i]!;
        buffer[i] = buffer[buffer.length - 1]!;
        buffer.pop();
      }
    });
  }

  /**
   * Groups of `size` consecutive elements stacked along a new first axis (leaf by leaf for
   * elements that are objects or lists of tensors). The last group may be smaller unless
   * `dropRemainder`.
   */
  batch(size: number, options: { dropRemainder?: boolean } = {}): Dataset<unknown> {
    positiveInt('batch', 'size', size);
    const drop = options.dropRemainder ?? false;
    return this.derive(async function* (src) {
      let group: T[] = [];
      let index = 0;
      for await (const e of src) {
        group.push(e);
        if (group.length === size) {
          yield stackElements(group, index);
          index += group.length;
          group = [];
        }
      }
      if (group.length > 0 && !drop) yield stackElements(group, index);
    });
  }

  /**
   * Ask for up to `count` elements ahead of the consumer, so a slow source (files, network, a
   * decoder) works while the model trains on the current batch.
   */
  prefetch(count: number): Dataset<T> {
    positiveInt('prefetch', 'count', count);
    return new Dataset<T>(() => {
      const it = this.open();
      const pending: Promise<IteratorResult<T>>[] = [];
      let ended = false;
      const fill = () => {
        while (!ended && pending.length < count) {
          const p = Promise.resolve(it.next());
          pending.push(p);
          p.then(
            (r) => {
              if (r.done) ended = true;
            },
            () => {
              ended = true;
            },
          );
        }
      };
      return {
        async next(): Promise<IteratorResult<T>> {
          fill();
          const p = pending.shift();
          if (!p) return { done: true, value: undefined };
          const r = await p;
          if (!r.done) fill();
          return r;
        },
      };
    });
  }

  /** Every element, in order (for small datasets and tests). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }
}

function isLeaf(v: unknown): boolean {
  if (v instanceof Tensor || typeof v === 'number' || ArrayBuffer.isView(v)) return true;
  // A nested array of numbers is one sample's values; an array holding tensors is a list of them.
  if (Array.isArray(v)) return v.length === 0 || !v.some((x) => x instanceof Tensor || isOptionsObject(x));
  return false;
}

function asTensor(v: unknown, where: string): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === 'number') return tensor(v);
  if (v instanceof Float32Array) return tensor(v, { shape: [v.length] });
  if (ArrayBuffer.isView(v))
    return tensor(Array.from(v as unknown as ArrayLike<number>), {
      shape: [(v as unknown as ArrayLike<number>).length],
    });
  try {
    return tensor(v as NestedArray[]);
  } catch (error) {
    throw new ArgumentError(
      `Dataset.batch(): element ${where} is not a tensor, number or nested array of numbers: ${(error as Error).message}`,
    );
  }
}

/** Stack a group of elements of the same structure, leaf by leaf. `first` numbers them in errors. */
function stackElements(group: readonly unknown[], first: number): unknown {
  const head = group[0];
  if (isLeaf(head)) {
    const ts = group.map((e, i) => asTensor(e, `${first + i}`));
    const shape = ts[0]!.shape;
    ts.forEach((t, i) => {
      if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new ShapeError(
          `Dataset.batch(): element ${first + i} has shape ${formatShape(t.shape)} but element ${first} has ${formatShape(shape)}`,
        );
      }
    });
    return stack(ts, 0);
  }
  if (Array.isArray(head)) {
    return head.map((_, k) =>
      stackElements(
        group.map((e) => (e as unknown[])[k]),
        first,
      ),
    );
  }
  if (isOptionsObject(head)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(head as object)) {
      out[key] = stackElements(
        group.map((e, i) => {
          const v = (e as Record<string, unknown>)[key];
          if (v === undefined)
            throw new ArgumentError(`Dataset.batch(): element ${first + i} has no '${key}'`);
          return v;
        }),
        first,
      );
    }
    return out;
  }
  throw new ArgumentError(`Dataset.batch(): cannot stack elements like ${describeValue(head)}`);
}
