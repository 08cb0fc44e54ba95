/** Seeded train/test splitting of several aligned arrays or tensors, optionally stratified. */
import { ArgumentError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';

export interface SplitOptions {
  /** Fraction (0–1) or count of samples for the test part. Default 0.25. */
  testSize?: number;
  /** Default 0: the same split every run. */
  seed?: number;
  /** Labels to keep the class proportions of in both parts. */
  stratify?: ArrayLike<number | string>;
  /** Default true. */
  shuffle?: boolean;
}

type Splittable = Tensor | readonly unknown[];

function lengthOf(a: Splittable): number {
  return a instanceof Tensor ? a.shape[0]! : a.length;
}

function take<T extends Splittable>(a: T, idx: Int32Array): T {
  return (a instanceof Tensor ? a.gather(idx) : Array.from(idx, (i) => (a as readonly unknown[])[i])) as T;
}

/**
 * The row indices of a split of n samples: { train, test }, each an Int32Array (no copy of the data,
 * for tables too large to split as arrays).
 */
export function splitIndices(n: number, options: SplitOptions = {}): { train: Int32Array; test: Int32Array } {
  const size = options.testSize ?? 0.25;
  const nTest = size < 1 ? Math.ceil(n * size) : Math.floor(size);
  if (!(nTest > 0 && nTest < n))
    throw new ArgumentError(`trainTestSplit: testSize ${size} leaves no train or no test samples of ${n}`);
  const rng = new Rng(options.seed ?? 0);
  if (options.stratify) {
    const labels = options.stratify;
    if (labels.length !== n)
      throw new ArgumentError('trainTestSplit: stratify must have one label per sample');
    const groups = new Map<number | string, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groups.get(labels[i]!);
      if (g) g.push(i);
      else groups.set(labels[i]!, [i]);
    }
    const testIdx: number[] = [];
    const trainIdx: number[] = [];
    for (const members of groups.values()) {
      const order = rng.permutation(members.length);
      const k = Math.round((members.length * nTest) / n);
      order.forEach((o, j) => {
        (j < k ? testIdx : trainIdx).push(members[o]!);
      });
    }
    const shuffled = (list: number[]) => {
      const p = rng.permutation(list.length);
      return Int32Array.from(p, (i) => list[i]!);
    };
    const test = shuffled(testIdx);
    return { train: shuffled(trainIdx), test };
  }
  const order = options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
  return { train: order.slice(0, n - nTest), test: order.slice(n - nTest) };
}

/** Returns { train: [...], test: [...] } with each input split the same way. */
export function trainTestSplit<T extends Splittable[]>(
  arrays: [...T],
  options: SplitOptions = {},
): { train: T; test: T } {
  if (arrays.length === 0) throw new ArgumentError('trainTestSplit: nothing to split');
  const n = lengthOf(arrays[0]!);
  arrays.forEach((a, i) => {
    if (lengthOf(a) !== n)
      throw new ArgumentError(`trainTestSplit: input ${i} has ${lengthOf(a)} samples, input 0 has ${n}`);
  });
  const { train: tr, test: te } = splitIndices(n, options);
  return { train: arrays.map((a) => take(a, tr)) as T, test: arrays.map((a) => take(a, te)) as T };
}
