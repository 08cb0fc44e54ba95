/**
 * The Tensor: an N-dimensional array of float32 values in row-major order, held by a backend
 * through a Storage handle, plus what autograd needs (requiresGrad, grad, the node that made it).
 *
 * Tensors are immutable to users: every op returns a new tensor. Ops are plain functions in
 * src/ops; the methods here only forward to them so `x.add(y).relu()` reads naturally.
 */
import { type BackwardOptions, backward } from '../autograd/backward.js';
import type { GraphNode } from '../autograd/graph.js';
import type { Backend, Storage } from '../backend/backend.js';
import { backendByName } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import * as act from '../ops/activations.js';
import { type CumsumOptions, cumsum } from '../ops/cumsum.js';
import * as el from '../ops/elementwise.js';
import * as expLog from '../ops/exp-log.js';
import * as lay from '../ops/layout.js';
import * as math from '../ops/math.js';
import { matmul } from '../ops/matmul.js';
import * as moments from '../ops/moments.js';
import { pad } from '../ops/pad.js';
import * as recip from '../ops/reciprocals.js';
import * as red from '../ops/reduce.js';
import * as rounding from '../ops/rounding.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import type { SortOptions, SortResult, TopkOptions } from '../ops/sort.js';
import * as sorting from '../ops/sort.js';
import * as special from '../ops/special.js';
import * as split from '../ops/split.js';
import * as tile from '../ops/tile.js';
import * as trig from '../ops/trigonometry.js';
import { formatTensor } from './format.js';
import { formatShape, type Shape, sizeOf } from './shape.js';

export type NestedArray = number | NestedArray[];
/** Where an op takes a tensor, a plain number works too (it broadcasts as a scalar). */
export type TensorLike = Tensor | number;
export type IndexLike = Tensor | Int32Array | readonly number[];

export class Tensor {
  declare readonly shape: Shape;
  declare readonly size: number;
  /**
   * The values, owned by `backend`. Read them with `await data()` (or `dataSync()`/`toArray()` on
   * the CPU backends); only kernels inside a backend look at the memory itself.
   */
  declare readonly storage: Storage;
  declare readonly backend: Backend;
  /** Record ops on this tensor so `backward()` can reach it. Set it on leaves (parameters, inputs). */
  declare requiresGrad: boolean;
  /** The gradient accumulated by `backward()` (leaves only). Reset it with `t.grad = null`. */
  declare grad: Tensor | null;
  /** An optional label, shown by `toString()` and in layer weight lists. */
  declare name: string | undefined;
  /** @internal The op that produced this tensor, while its graph is alive. */
  declare _node: GraphNode | null;
  /** @internal Set when backward() freed the graph this tensor was part of. */
  declare _freed: boolean;

  constructor(storage: Storage, shape: Shape, backend: Backend, requiresGrad = false) {
    const size = sizeOf(shape);
    if (storage.length !== size) {
      throw new ArgumentError(
        `Tensor: storage holds ${storage.length} values but shape ${formatShape(shape)} needs ${size}`,
      );
    }
    // Every field set here, in declaration order (the order Object.keys gives), rather than by
    // class-field initialisers: those run as a separate function per tensor, dozens a step.
    this.shape = Object.freeze([...shape]);
    this.size = size;
    this.storage = storage;
    this.backend = backend;
    this.requiresGrad = requiresGrad;
    this.grad = null;
    this.name = undefined;
    this._node = null;
    this._freed = false;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True for tensors not produced by a recorded op: these are the ones whose `.grad` gets filled. */
  get isLeaf(): boolean {
    return this._node === null && !this._freed;
  }

  // ---- reading values ------------------------------------------------------------------------

  /**
   * A copy of the values as a flat Float32Array, when the backend has them ready. A backend whose
   * memory is elsewhere (a GPU) reads asynchronously: portable code awaits this.
   */
  async data(): Promise<Float32Array> {
    return this.backend.readAsync ? this.backend.readAsync(this.storage) : this.backend.read(this.storage);
  }

  /** The values now, as a flat Float32Array copy (the ts and wasm backends read synchronously). */
  dataSync(): Float32Array {
    return this.backend.read(this.storage);
  }

  /** The values as nested arrays, read asynchronously (see data()). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ArgumentError(
        `item(): the tensor has shape ${formatShape(this.shape)} (${this.size} values), not one value`,
      );
    }
    return this.backend.read(this.storage)[0]!;
  }

  toString(): string {
    return formatTensor(this);
  }

  // ---- autograd ------------------------------------------------------------------------------

  /**
   * Fill `.grad` of every leaf this tensor depends on. A scalar needs no argument; any other shape
   * needs the upstream gradient dL/dthis of the same shape. The graph is freed afterwards unless
   * `retainGraph` is set. With `createGraph` the gradients are recorded too, so `.grad` can be
   * differentiated again (see also `gradients()` and `grad()`).
   */
  backward(grad?: Tensor, options?: BackwardOptions): void {
    backward(this, grad, options);
  }

  /** The same values, cut from the graph: no gradient flows through the result. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.backend);
  }

  /** This tensor on another backend ('ts', 'wasm'…): a copy, or the tensor itself if already there. */
  to(backend: string): Tensor {
    const target = backendByName(backend);
    if (target === this.backend) return this;
    return new Tensor(target.fromValues(this.dataSync()), this.shape, target);
  }

  /** A copy with its own storage (recorded: gradients flow through it). */
  clone(): Tensor {
    return lay.clone(this);
  }

  zerosLike(): Tensor {
    return new Tensor(this.backend.alloc(this.size), this.shape, this.backend);
  }

  onesLike(): Tensor {
    const t = this.zerosLike();
    this.backend.fill(t.storage, 1);
    return t;
  }

  // ---- arithmetic (broadcasting) -------------------------------------------------------------
  add(other: TensorLike): Tensor {
    return el.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return el.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return el.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return el.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return el.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return el.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return el.minimum(this, other);
  }
  eq(other: TensorLike): Tensor {
    return el.eq(this, other);
  }
  gt(other: TensorLike): Tensor {
    return el.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return el.ge(this, other);
  }
  lt(other: TensorLike): Tensor {
    return el.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return el.le(this, other);
  }

  // ---- element-wise math ---------------------------------------------------------------------
  neg(): Tensor {
    return math.neg(this);
  }
  exp(): Tensor {
    return math.exp(this);
  }
  log(): Tensor {
    return math.log(this);
  }
  sqrt(): Tensor {
    return math.sqrt(this);
  }
  abs(): Tensor {
    return math.abs(this);
  }
  square(): Tensor {
    return math.square(this);
  }
  sign(): Tensor {
    return math.sign(this);
  }
  clip(min: number, max: number): Tensor {
    return math.clip(this, min, max);
  }
  sin(): Tensor {
    return trig.sin(this);
  }
  cos(): Tensor {
    return trig.cos(this);
  }
  tan(): Tensor {
    return trig.tan(this);
  }
  exp2(): Tensor {
    return expLog.exp2(this);
  }
  log2(): Tensor {
    return expLog.log2(this);
  }
  log1p(): Tensor {
    return expLog.log1p(this);
  }
  expm1(): Tensor {
    return expLog.expm1(this);
  }
  reciprocal(): Tensor {
    return recip.reciprocal(this);
  }
  rsqrt(): Tensor {
    return recip.rsqrt(this);
  }
  erf(): Tensor {
    return special.erf(this);
  }
  floor(): Tensor {
    return rounding.floor(this);
  }
  ceil(): Tensor {
    return rounding.ceil(this);
  }
  /** Round half to even, as NumPy and TF.js do. */
  round(): Tensor {
    return rounding.round(this);
  }

  // ---- activations ---------------------------------------------------------------------------
  sigmoid(): Tensor {
    return act.sigmoid(this);
  }
  tanh(): Tensor {
    return act.tanh(this);
  }
  relu(): Tensor {
    return act.relu(this);
  }
  leakyRelu(alpha?: number): Tensor {
    return act.leakyRelu(this, alpha);
  }
  elu(alpha?: number): Tensor {
    return act.elu(this, alpha);
  }
  softplus(): Tensor {
    return act.softplus(this);
  }
  softmax(axis = -1): Tensor {
    return softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return logSoftmax(this, axis);
  }

  // ---- linear algebra ------------------------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }

  // ---- reductions ----------------------------------------------------------------------------
  sum(axis?: number | readonly number[], keepdims = false): Tensor {
    return red.sum(this, axis, keepdims);
  }
  mean(axis?: number | readonly number[], keepdims = false): Tensor {
    return red.mean(this, axis, keepdims);
  }
  max(axis?: number | readonly number[], keepdims = false): Tensor {
    return red.max(this, axis, keepdims);
  }
  min(axis?: number | readonly number[], keepdims = false): Tensor {
    return red.min(this, axis, keepdims);
  }
  argmax(axis?: number, keepdims = false): Tensor {
    return red.argmax(this, axis, keepdims);
  }
  argmin(axis?: number, keepdims = false): Tensor {
    return red.argmin(this, axis, keepdims);
  }
  /** Variance over `axis` (default all); `correction` 0 = population (TF.js), 1 = unbiased (PyTorch's default). */
  var(axis?: number | readonly number[], keepdims = false, correction = 0): Tensor {
    return moments.variance(this, axis, keepdims, correction);
  }
  /** Standard deviation: √var with the same arguments. */
  std(axis?: number | readonly number[], keepdims = false, correction = 0): Tensor {
    return moments.std(this, axis, keepdims, correction);
  }

  // ---- shape and indexing --------------------------------------------------------------------
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    const target = (Array.isArray(shape[0]) ? shape[0] : shape) as readonly number[];
    return lay.reshape(this, target);
  }
  flatten(startAxis = 0): Tensor {
    return lay.flatten(this, startAxis);
  }
  /** Swap two axes (default: the last two, i.e. matrix transpose). */
  transpose(axis0 = -2, axis1 = -1): Tensor {
    return lay.transpose(this, axis0, axis1);
  }
  /** Matrix transpose of the last two axes. */
  get T(): Tensor {
    return lay.transpose(this, -2, -1);
  }
  permute(...perm: number[]): Tensor {
    return lay.permute(this, perm);
  }
  expand(shape: readonly number[]): Tensor {
    return lay.broadcastTo(this, shape);
  }
  /**
   * Rows start…end-1 along the first axis (negative counts from the end; shares storage), or with
   * arrays the TF.js form slice(begin, size) over any axes.
   */
  slice(start: number, end?: number): Tensor;
  slice(begin: readonly number[], size?: readonly number[]): Tensor;
  slice(start: number | readonly number[], end?: number | readonly number[]): Tensor {
    return typeof start === 'number'
      ? lay.slice(this, start, end as number | undefined)
      : lay.slice(this, start, end as readonly number[] | undefined);
  }
  /** Entries start…end-1 along `axis` (negative counts from the end), every other axis whole. */
  sliceAxis(axis: number, start: number, end?: number): Tensor {
    return lay.sliceAxis(this, axis, start, end);
  }
  /** The entries at `indices` along `axis` (default 0: pick rows, e.g. a shuffled mini-batch). */
  gather(indices: IndexLike, axis = 0): Tensor {
    return lay.gather(this, indices, axis);
  }
  /** This tensor with `updates` added at `indices` along `axis` (see scatterAdd). */
  scatterAdd(indices: IndexLike, updates: Tensor, axis = 0): Tensor {
    return lay.scatterAdd(this, indices, updates, axis);
  }
  /** Drop size-1 axes (the given ones, or all). */
  squeeze(axis?: number | readonly number[]): Tensor {
    return lay.squeeze(this, axis);
  }
  /** Insert a size-1 axis at `axis`. */
  expandDims(axis = 0): Tensor {
    return lay.expandDims(this, axis);
  }
  /** Constant padding: `[before, after]` per axis. */
  pad(paddings: ReadonlyArray<readonly [number, number]>, value = 0): Tensor {
    return pad(this, paddings, value);
  }
  split(sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
    return split.split(this, sizesOrCount, axis);
  }
  chunk(chunks: number, axis = 0): Tensor[] {
    return split.chunk(this, chunks, axis);
  }
  unstack(axis = 0): Tensor[] {
    return split.unstack(this, axis);
  }
  tile(reps: readonly number[]): Tensor {
    return tile.tile(this, reps);
  }
  repeat(repeats: number | readonly number[], axis?: number): Tensor {
    return tile.repeat(this, repeats, axis);
  }
  cumsum(axis = 0, options?: CumsumOptions): Tensor {
    return cumsum(this, axis, options);
  }
  /** Sorted along `axis` (default last): { values, indices }. */
  sort(axis = -1, options?: SortOptions): SortResult {
    return sorting.sort(this, axis, options);
  }
  /** The k largest along the last axis: { values, indices }. */
  topk(k = 1, options?: TopkOptions): SortResult {
    return sorting.topk(this, k, options);
  }
}

/** Flat row-major values as nested arrays of `shape` (a number for a scalar). */
function nest(flat: Float32Array, shape: Shape): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const build = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim]!;
    const step = sizeOf(shape.slice(dim + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = dim === shape.length - 1 ? flat[offset + i]! : build(dim + 1, offset + i * step);
    }
    return out;
  };
  return build(0, 0);
}
