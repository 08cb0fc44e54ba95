/** Creating tensors: from numbers, nested arrays or typed arrays; filled; ranges; random. */
import { getBackend } from '../backend/registry.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { getRng, Rng } from '../random/rng.js';
import { checkShape, formatShape, type Shape, sizeOf } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';

export interface TensorOptions {
  /** Required with flat data (typed or plain array); checked against nested data. */
  shape?: Shape;
  requiresGrad?: boolean;
  name?: string;
}

export type TensorData = number | NestedArray[] | ArrayLike<number>;

/**
 * Make a tensor. The values are always copied, so later changes to `data` do not reach the tensor.
 *   tensor(3)                                   scalar
 *   tensor([[1, 2], [3, 4]])                    shape inferred from the nesting
 *   tensor(float32Array, { shape: [60000, 784] })  flat values + shape
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  let values: ArrayLike<number>;
  let shape: Shape;
  if (typeof data === 'number') {
    values = [data];
    shape = [];
  } else if (Array.isArray(data) && (data.length === 0 || Array.isArray(data[0]))) {
    ({ values, shape } = flattenNested(data as NestedArray[]));
  } else if (isArrayLike(data)) {
    values = data;
    shape = [data.length];
  } else {
    throw new ArgumentError(`tensor(): cannot make a tensor from ${typeof data}`);
  }
  if (options.shape !== undefined) {
    checkShape(options.shape, 'tensor()');
    if (sizeOf(options.shape) !== values.length) {
      throw new ShapeError(
        `tensor(): ${values.length} values do not fill shape ${formatShape(options.shape)} (${sizeOf(options.shape)} needed)`,
      );
    }
    shape = options.shape;
  }
  if (!isTypedArray(values)) {
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'number')
        throw new ArgumentError(`tensor(): value at flat position ${i} is not a number`);
    }
  }
  return make(getBackend().fromValues(values), shape, options);
}

function isArrayLike(x: unknown): x is ArrayLike<number> {
  return Array.isArray(x) || ArrayBuffer.isView(x);
}

function isTypedArray(x: unknown): boolean {
  return ArrayBuffer.isView(x);
}

function flattenNested(data: NestedArray[]): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let level: NestedArray = data; Array.isArray(level); level = level[0]!) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const values: number[] = [];
  const walk = (node: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new ArgumentError(`tensor(): element ${path} is not a number`);
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new ShapeError(
        `tensor(): ragged nested array: element ${path || '[]'} should have ${shape[depth]} entries ` +
          `(${Array.isArray(node) ? `has ${node.length}` : 'is not an array'})`,
      );
    }
    node.forEach((child, i) => {
      walk(child, depth + 1, `${path}[${i}]`);
    });
  };
  walk(data, 0, '');
  return { values, shape };
}

function make(
  storage: Tensor['storage'],
  shape: Shape,
  options: { requiresGrad?: boolean; name?: string },
): Tensor {
  const t = new Tensor(storage, shape, getBackend(), options.requiresGrad ?? false);
  t.name = options.name;
  return t;
}

type CreateOptions = Omit<TensorOptions, 'shape'>;

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  checkShape(shape, 'full');
  const storage = getBackend().alloc(sizeOf(shape));
  if (value !== 0) getBackend().fill(storage, value);
  return make(storage, shape, options);
}

export const zeros = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 0, options);
export const ones = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 1, options);
export const zerosLike = (t: Tensor, options?: CreateOptions): Tensor => full(t.shape, 0, options);
export const onesLike = (t: Tensor, options?: CreateOptions): Tensor => full(t.shape, 1, options);

/** start, start+step, … up to (not including) stop. `arange(n)` is 0…n-1. */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new ArgumentError('arange: step must be a non-zero finite number');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return make(getBackend().fromValues(values), [n], options);
}

/** Identity matrix (n×m, default square). */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  checkShape([n, m], 'eye');
  const values = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return make(getBackend().fromValues(values), [n, m], options);
}

export interface RandomOptions extends CreateOptions {
  /** A generator to draw from (advances it). Default: the global one, see manualSeed(). */
  rng?: Rng;
  /** Shorthand for a fresh `new Rng(seed)`: the same numbers every call. */
  seed?: number;
}

function pickRng(options: RandomOptions): Rng {
  if (options.rng) return options.rng;
  if (options.seed !== undefined) return new Rng(options.seed);
  return getRng();
}

/** Uniform in [low, high). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape(shape, 'rand');
  const rng = pickRng(options);
  const low = options.low ?? 0;
  const span = (options.high ?? 1) - low;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + span * rng.uniform();
  return make(getBackend().fromValues(values), shape, options);
}

/** Normal with the given mean and standard deviation (default 0 and 1). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape(shape, 'randn');
  const rng = pickRng(options);
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
  return make(getBackend().fromValues(values), shape, options);
}
