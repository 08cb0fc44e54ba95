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
  stratify?: readonly (number | string)[];
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
  const size = options.testSize ?? 0.25;
  const nTest = size < 1 ? Math.ceil(n * size) : Math.floor(size);
  if (!(nTest > 0 && nTest < n))
    throw new ArgumentError(`trainTestSplit: testSize ${size} leaves no train or no test samples of ${n}`);
  const rng = new Rng(options.seed ?? 0);
  let testIdx: number[];
  let trainIdx: number[];
  if (options.stratify) {
    if (options.stratify.length !== n)
      throw new ArgumentError('trainTestSplit: stratify must have one label per sample');
    const groups = new Map<number | string, number[]>();
    options.stratify.forEach((label, i) => {
      const g = groups.get(label) ?? [];
      g.push(i);
      groups.set(label, g);
    });
    testIdx = [];
    trainIdx = [];
    for (const members of groups.values()) {
      const order = rng.permutation(members.length);
      const k = Math.round((members.length * nTest) / n);
      order.forEach((o, j) => {
        (j < k ? testIdx : trainIdx).push(members[o]!);
      });
    }
    const shuffleList = (list: number[]) => {
      const p = rng.permutation(list.length);
      return Array.from(p, (i) => list[i]!);
    };
    testIdx = shuffleList(testIdx);
    trainIdx = shuffleList(trainIdx);
  } else {
    const order =
      options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
    trainIdx = Array.from(order.subarray(0, n - nTest));
    testIdx = Array.from(order.subarray(n - nTest));
  }
  const tr = Int32Array.from(trainIdx);
  const te = Int32Array.from(testIdx);
  return { train: arrays.map((a) => take(a, tr)) as T, test: arrays.map((a) => take(a, te)) as T };
}
