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
 * The size of the test part of n samples, rounded as scikit-learn rounds it: ceil(testSize · n)
 * for a fraction, the count itself for a count ≥ 1. The train part is the rest, n − test.
 */
export function testCount(n: number, testSize = 0.25): number {
  return testSize < 1 ? Math.ceil(n * testSize) : Math.floor(testSize);
}

/**
 * The row indices of a split of n samples: { train, test }, each an Int32Array (no copy of the data,
 * for tables too large to split as arrays).
 */
export function splitIndices(n: number, options: SplitOptions = {}): { train: Int32Array; test: Int32Array } {
  const size = options.testSize ?? 0.25;
  if (!(size > 0 && Number.isFinite(size)))
    throw new ArgumentError(
      `trainTestSplit: testSize must be a fraction in (0, 1) or a count ≥ 1, got ${size}`,
    );
  const nTest = testCount(n, size);
  if (!(nTest > 0 && nTest < n))
    throw new ArgumentError(
      `trainTestSplit: testSize ${size} of ${n} samples gives ${nTest} test and ${n - nTest} train samples; each part needs at least one`,
    );
  const rng = new Rng(options.seed ?? 0);
  if (options.stratify) return stratifiedSplit(options.stratify, n, nTest, rng);
  const order = options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
  return { train: order.slice(0, n - nTest), test: order.slice(n - nTest) };
}

/** Each class's members (sample indices), classes in the order they first appear. */
function classMembers(labels: ArrayLike<number | string>, n: number): Map<number | string, number[]> {
  if (labels.length !== n) throw new ArgumentError('trainTestSplit: stratify must have one label per sample');
  const groups = new Map<number | string, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups.get(labels[i]!);
    if (g) g.push(i);
    else groups.set(labels[i]!, [i]);
  }
  return groups;
}

const labelName = (label: number | string) => (typeof label === 'string' ? `'${label}'` : String(label));

/** What scikit-learn's StratifiedShuffleSplit refuses, in its order, naming the class or the sizes. */
function checkStratifiable(groups: Map<number | string, number[]>, n: number, nTest: number): void {
  const singletons = [...groups]
    .filter(([, members]) => members.length < 2)
    .map(([label]) => labelName(label));
  if (singletons.length > 0) {
    const named =
      singletons.slice(0, 3).join(', ') +
      (singletons.length > 3 ? ` (and ${singletons.length - 3} more)` : '');
    throw new ArgumentError(
      `trainTestSplit: stratify: ${singletons.length === 1 ? `class ${named} has` : `classes ${named} have`} only 1 sample; each class needs at least 2, one for each part`,
    );
  }
  const k = groups.size;
  for (const [part, size] of [
    ['train', n - nTest],
    ['test', nTest],
  ] as const)
    if (size < k)
      throw new ArgumentError(
        `trainTestSplit: stratify: the ${part} part has ${size} of ${n} samples, fewer than the ${k} classes; ${part === 'test' ? 'raise' : 'lower'} testSize`,
      );
}

/**
 * Test samples per class: each class's share of nTest floored, then one more to each of the classes
 * with the largest remainders until the total is nTest (scikit-learn's allocation, which breaks ties
 * at random; here the class seen first wins). Where rounding each share alone already adds up to
 * nTest, this is that rounding, so such splits pick the same rows as before the total was enforced.
 */
function testPerClass(sizes: readonly number[], n: number, nTest: number): number[] {
  const share = sizes.map((s) => (s * nTest) / n);
  const counts = share.map(Math.floor);
  let missing = nTest - counts.reduce((a, b) => a + b, 0);
  const byRemainder = sizes.map((_, g) => g);
  byRemainder.sort((a, b) => share[b]! - counts[b]! - (share[a]! - counts[a]!) || a - b);
  for (const g of byRemainder) {
    if (missing === 0) break;
    counts[g]!++;
    missing--;
  }
  return counts;
}

function stratifiedSplit(
  labels: ArrayLike<number | string>,
  n: number,
  nTest: number,
  rng: Rng,
): { train: Int32Array; test: Int32Array } {
  const groups = classMembers(labels, n);
  checkStratifiable(groups, n, nTest);
  const lists = [...groups.values()];
  const counts = testPerClass(
    lists.map((m) => m.length),
    n,
    nTest,
  );
  const testIdx: number[] = [];
  const trainIdx: number[] = [];
  lists.forEach((members, g) => {
    const order = rng.permutation(members.length);
    order.forEach((o, j) => {
      (j < counts[g]! ? testIdx : trainIdx).push(members[o]!);
    });
  });
  const shuffled = (list: number[]) => {
    const p = rng.permutation(list.length);
    return Int32Array.from(p, (i) => list[i]!);
  };
  const test = shuffled(testIdx);
  return { train: shuffled(trainIdx), test };
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
