/**
 * The kernel interface. Every op reaches numbers only through a Backend, so a faster backend
 * (WebAssembly SIMD, threads) can replace the loops without touching ops, autograd or layers.
 *
 * Memory belongs to the backend: a tensor holds a Storage handle, never a raw array. A wasm backend
 * keeps its floats in linear memory, and a Float32Array over that memory is invalidated when the
 * memory grows — hence `view()` is asked for afresh by each kernel call instead of being cached.
 *
 * Kernels always write into an `out` storage the caller allocated; none allocates its result, which
 * lets a training loop reuse buffers.
 */

/** A handle to `length` float32 values owned by a backend. */
export interface Storage {
  readonly length: number;
  /** A Float32Array over exactly this storage's values. Valid until the backend next allocates. */
  view(): Float32Array;
}

/** Element-wise functions of one input. `p0`/`p1` carry parameters (leakyRelu slope, clip bounds…). */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'sign'
  | 'square'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'softplus'
  | 'clip';

/** Element-wise functions of two broadcast inputs. Comparisons give 1 or 0. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le';

export type ReduceOp = 'sum' | 'max' | 'min';
export type ArgReduceOp = 'argmax' | 'argmin';

/** A (batched) matrix product out[t] = op(A[t]) · op(B[t]), op = identity or transpose. */
export interface MatmulSpec {
  batch: number;
  /** Rows of op(A) and of the output. */
  m: number;
  /** Columns of op(A) = rows of op(B). */
  k: number;
  /** Columns of op(B) and of the output. */
  n: number;
  /** A is stored as [k, m] and used transposed. */
  transA: boolean;
  /** B is stored as [n, k] and used transposed. */
  transB: boolean;
  /** Elements between consecutive A matrices; 0 repeats one A for every batch entry. */
  aBatchStride: number;
  bBatchStride: number;
}

/**
 * Where a 2-D window (convolution kernel or pooling window) lands on a batch of channels-last
 * images [batch, inH, inW, channels]: output pixel (oy, ox) reads input rows
 * oy·strideH − padTop + ky·dilationH for ky < kernelH (columns likewise). Cells outside the image
 * are padding.
 */
export interface WindowGeometry {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/**
 * One optimiser step over a whole parameter buffer, with this step's numbers already worked out
 * (learning rate from the schedule, Adam's bias corrections folded into stepSize/epsilonHat): the
 * fused kernel an optimiser may name as a fast path for its update, which it also writes with
 * tensor ops (src/optim). A backend's `update` switches on `kind` with a `never` default, so a kind
 * added here and forgotten there does not compile.
 */
export type UpdateRule =
  | { kind: 'sgd'; lr: number }
  | { kind: 'momentum'; lr: number; momentum: number; nesterov: boolean }
  | { kind: 'adagrad'; lr: number; epsilon: number }
  | { kind: 'rmsprop'; lr: number; rho: number; epsilon: number }
  | { kind: 'adam'; stepSize: number; beta1: number; beta2: number; epsilonHat: number };

/**
 * The optional element-wise and softmax kernels: fast paths the ops use when a backend has them
 * (forward always; the gradient ones only in a first-order backward, see ops/unary.ts).
 */
export type FusedKernel =
  | 'unaryMap'
  | 'unary'
  | 'unaryGrad'
  | 'biasActivation'
  | 'matmulBiasActivation'
  | 'softmax'
  | 'softmaxGrad'
  | 'softmaxCrossEntropy'
  | 'softmaxCrossEntropyGrad';

/** A backend that has every fused kernel, as the ts and wasm backends do. */
export type BackendWithFusedKernels = Backend & Required<Pick<Backend, FusedKernel>>;

/**
 * Axis-wise kernels see a tensor as [outer, size, inner] around the axis they work on, so one
 * kernel serves every axis of every rank.
 */
/** The weight gradients lstmSequenceBackward may compute along (null: not wanted). */
export interface LstmWeightGradients {
  /** x time-major [time, batch, features] (steps in processing order). */
  xs: Storage;
  features: number;
  /**
   * Whether the caller reads dz afterwards (x's gradient): if not, the backend may leave dz
   * unwritten — only when it writes every gradient asked for.
   */
  dzWanted: boolean;
  /** Outputs: the recurrent kernel's [units, 4·units], the kernel's [features, 4·units], the bias's [4·units]. */
  du: Storage | null;
  dw: Storage | null;
  db: Storage | null;
}

/** Which of the requested LstmWeightGradients lstmSequenceBackward wrote. */
export interface LstmWeightGradientsDone {
  du: boolean;
  dw: boolean;
  db: boolean;
}

export interface Backend {
  readonly name: string;

  /**
   * Zero-filled storage — or, with `overwritten`, storage whose contents are unspecified because the
   * caller's kernel writes every element (saves clearing large blocks a backend recycles).
   */
  alloc(length: number, overwritten?: boolean): Storage;
  /** Storage holding a copy of `values`. */
  fromValues(values: ArrayLike<number>): Storage;
  /** Storage sharing `s`'s memory for elements [start, end): how reshape and row slices stay views. */
  slice(s: Storage, start: number, end: number): Storage;
  /** A copy of the values, owned by the caller. */
  read(s: Storage): Float32Array;
  /**
   * The same, for backends whose memory the CPU cannot see directly (a GPU): `await t.data()` uses
   * it when present. The CPU backends read synchronously and leave it out.
   */
  readAsync?(s: Storage): Promise<Float32Array>;
  /**
   * Whether every value is finite (no NaN, no ±Infinity): predict() checks its outputs with it on
   * every call, so a backend with vector kernels gives it (a JavaScript pass is the fallback).
   */
  allFinite?(s: Storage): boolean;
  fill(s: Storage, value: number): void;
  copy(src: Storage, dst: Storage): void;

  /**
   * The generic element-wise kernel: out[i] = fn(x[i], p0, p1). Every element-wise op without a
   * named kernel runs through it (ops/unary.ts); a backend without it gets a read/compute/upload
   * round trip instead.
   */
  unaryMap?(
    x: Storage,
    out: Storage,
    fn: (v: number, p0: number, p1: number) => number,
    p0: number,
    p1: number,
  ): void;
  /** Optional fused kernels of the named element-wise ops (fast paths of ops/math, ops/activations). */
  unary?(op: UnaryOp, x: Storage, out: Storage, p0?: number, p1?: number): void;
  /**
   * Optional: out = dL/dx for `op`, given its input x, its output y and the upstream gradient dy.
   * Used by first-order backward passes only (a recorded backward composes the derivative's ops).
   */
  unaryGrad?(op: UnaryOp, x: Storage, y: Storage, dy: Storage, out: Storage, p0?: number, p1?: number): void;
  /** out[i] = a[i·aStrides] op b[i·bStrides] over `outShape` (strides 0 where an input broadcasts). */
  binary(
    op: BinaryOp,
    a: Storage,
    aStrides: readonly number[],
    b: Storage,
    bStrides: readonly number[],
    out: Storage,
    outShape: readonly number[],
  ): void;
  /** Materialise a broadcast: out (contiguous, outShape) reads x through `xStrides`. */
  broadcastTo(x: Storage, xStrides: readonly number[], out: Storage, outShape: readonly number[]): void;

  reduce(op: ReduceOp, x: Storage, outer: number, size: number, inner: number, out: Storage): void;
  /** Index (as a float) of the max/min along the axis; ties take the first. */
  argReduce(op: ArgReduceOp, x: Storage, outer: number, size: number, inner: number, out: Storage): void;

  matmul(a: Storage, b: Storage, out: Storage, spec: MatmulSpec): void;
  /** out = x with its axes reordered: out axis i is x axis perm[i]. */
  permute(x: Storage, shape: readonly number[], perm: readonly number[], out: Storage): void;

  /**
   * out[r, c] = f(x[r, c] + bias[c]) over rows × cols in one pass (f = `op`, or none when null):
   * a layer's bias add and activation fused. Its backward is unaryGrad with y in place of x, which
   * is exact for the activations whose derivative the output determines (see ops/bias-activation).
   * Optional: without it the op adds and activates with two kernels.
   */
  biasActivation?(
    op: UnaryOp | null,
    x: Storage,
    bias: Storage,
    out: Storage,
    cols: number,
    p0?: number,
  ): void;

  /**
   * out = f(op(a)·op(b) + bias): matmul, then biasActivation with `activation` (a UnaryOp, or null
   * for the bias alone) or, for 'softmax', the bias add and a softmax over each row of `spec.n` —
   * the same bits as those kernels in turn (`out` written once and activated in place). A backend
   * may apply the bias and activation to each block of rows right after its product (wasm: while
   * the rows are in cache, in the same pool call): a Dense layer's forward without a gradient.
   * Optional: without it the op calls the kernels in turn.
   */
  matmulBiasActivation?(
    a: Storage,
    b: Storage,
    out: Storage,
    spec: MatmulSpec,
    bias: Storage,
    activation: UnaryOp | 'softmax' | null,
    p0?: number,
  ): void;

  /**
   * Softmax cross-entropy over rows of `cols` logits: probs = softmax(z) per row, and
   * loss[r] = −Σ y·log probs, computed as Σ y·(logΣeᶻ − z) so it stays finite for any z.
   * Optional: without it the op composes logSoftmax, mul and sum.
   */
  softmaxCrossEntropy?(
    logits: Storage,
    labels: Storage,
    rows: number,
    cols: number,
    loss: Storage,
    probs: Storage,
  ): void;
  /** Optional: its gradient for the logits, dz = g[r]·(probs·Σy − y) (first-order fast path). */
  softmaxCrossEntropyGrad?(
    probs: Storage,
    labels: Storage,
    g: Storage,
    rows: number,
    cols: number,
    out: Storage,
  ): void;

  /**
   * Optional: softmax (or log-softmax) along the middle axis of [outer, size, inner], stable for any
   * input. Without it the op composes max, sub, exp, sum and div/log.
   */
  softmax?(x: Storage, outer: number, size: number, inner: number, out: Storage, log: boolean): void;
  /**
   * Optional first-order fast path: backward of softmax given its output y, dx = y·(dy − Σdy·y);
   * of log-softmax: dx = dy − e^y·Σdy.
   */
  softmaxGrad?(
    y: Storage,
    dy: Storage,
    outer: number,
    size: number,
    inner: number,
    out: Storage,
    log: boolean,
  ): void;

  /** out row r = x row indices[r]; rows are `rowSize` long. */
  gatherRows(x: Storage, rowSize: number, indices: Int32Array, out: Storage): void;
  /** out row indices[r] += dy row r (out must be zeroed by the caller when that is wanted). */
  scatterAddRows(dy: Storage, rowSize: number, indices: Int32Array, out: Storage): void;
  /**
   * dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides] over every index i of `shape`
   * (`+=` with `accumulate`): a window read out of or written into a larger tensor (slice, pad, concat).
   */
  stridedCopy(
    src: Storage,
    srcOffset: number,
    srcStrides: readonly number[],
    dst: Storage,
    dstOffset: number,
    dstStrides: readonly number[],
    shape: readonly number[],
    accumulate: boolean,
  ): void;
  /** x viewed [outer, size, inner]: out[o, j, i] = x[o, indices[j], i] (gather on any axis). */
  gatherAxis(x: Storage, outer: number, size: number, inner: number, indices: Int32Array, out: Storage): void;
  /** Its adjoint: out[o, indices[j], i] += updates[o, j, i], out viewed [outer, size, inner]. */
  scatterAddAxis(
    updates: Storage,
    outer: number,
    size: number,
    inner: number,
    indices: Int32Array,
    out: Storage,
  ): void;
  /** Running sums along the middle axis of [outer, size, inner] (float64 accumulator). */
  cumsum(
    x: Storage,
    outer: number,
    size: number,
    inner: number,
    exclusive: boolean,
    reverse: boolean,
    out: Storage,
  ): void;
  /** out = cond ≠ 0 ? a : b element-wise over `outShape`, each input read through its broadcast strides. */
  select(
    cond: Storage,
    condStrides: readonly number[],
    a: Storage,
    aStrides: readonly number[],
    b: Storage,
    bStrides: readonly number[],
    out: Storage,
    outShape: readonly number[],
  ): void;

  /**
   * Unfold windows into rows: out[batch·outH·outW, kernelH·kernelW·channels], row (n, oy, ox),
   * column (ky, kx, c) — so a convolution is this times the kernel reshaped to [kH·kW·C, filters].
   * Padding cells read `padValue`.
   */
  im2col(x: Storage, g: WindowGeometry, out: Storage, padValue: number): void;
  /**
   * Optional convolution kernels that never unfold the whole batch (wasm: a few images at a time in
   * cache-sized scratch). out [batch·outH·outW, filters] = windows(x) · w, w viewed [kH·kW·C, filters];
   * dw (overwritten) = windows(x)ᵀ · dy; dx (overwritten) = col2im(dy · wᵀ). Each returns false when
   * the backend cannot take the call; conv2d then unfolds with im2col and multiplies with matmul.
   */
  convForward?(x: Storage, g: WindowGeometry, w: Storage, filters: number, out: Storage): boolean;
  convKernelGrad?(x: Storage, g: WindowGeometry, dy: Storage, filters: number, dw: Storage): boolean;
  convInputGrad?(dy: Storage, g: WindowGeometry, w: Storage, filters: number, dx: Storage): boolean;
  /** The adjoint of im2col: out (the image, overwritten) = Σ of every column entry that read it. */
  col2im(cols: Storage, g: WindowGeometry, out: Storage): void;
  /**
   * Max over each window per channel: out[batch, outH, outW, channels]; `argmax` (same size) gets
   * the winning window cell ky·kernelW + kx, which maxPoolGrad routes the gradient to.
   */
  maxPool(x: Storage, g: WindowGeometry, out: Storage, argmax: Storage): void;
  /** dx (overwritten) from dy and the argmax of maxPool. */
  maxPoolGrad(dy: Storage, argmax: Storage, g: WindowGeometry, dx: Storage): void;
  /** Mean over the window cells inside the image (padding is not counted), per channel. */
  avgPool(x: Storage, g: WindowGeometry, out: Storage): void;
  avgPoolGrad(dy: Storage, g: WindowGeometry, dx: Storage): void;

  /**
   * Optional fused recurrent-cell kernels (ops/rnn): the element-wise half of one time step of an
   * LSTM or GRU sequence, run `rows` (batch) × `units` at a time. The sequence ops do the matrix
   * products with `matmul` and call these once per step each way; offsets (`…At`) are in elements
   * into buffers the op owns, so a step allocates nothing. Without them the ops compose tensor ops.
   *
   * lstmCell: z = xz[xzAt…] + hz + bias (pre-activations [rows, 4·units], gates i, f, c, o);
   * gates[gatesAt…] = σ(z_i), σ(z_f), tanh(z_c), σ(z_o); cs[cAt…] = f·cs[cPrevAt…] + i·g;
   * hs[hAt…] = o·tanh(c).
   */
  lstmCell?(
    rows: number,
    units: number,
    xz: Storage,
    xzAt: number,
    hz: Storage,
    bias: Storage | null,
    cs: Storage,
    cPrevAt: number,
    cAt: number,
    hs: Storage,
    hAt: number,
    gates: Storage,
    gatesAt: number,
  ): void;
  /**
   * lstmCell's backward for one step: with dh = gh[ghAt…] + dhCarry (the upstream gradient of h_t
   * plus what step t+1 sent back through the recurrent kernel) and dc (in/out: dL/dc_t in,
   * dL/dc_{t−1} out), writes dz[dzAt…] = dL/d(pre-activations) [rows, 4·units].
   */
  lstmCellGrad?(
    rows: number,
    units: number,
    gates: Storage,
    gatesAt: number,
    cs: Storage,
    cPrevAt: number,
    cAt: number,
    gh: Storage,
    ghAt: number,
    dhCarry: Storage,
    dc: Storage,
    dz: Storage,
    dzAt: number,
  ): void;
  /**
   * Optional: a whole LSTM recurrence at once — for t = 0…time−1, lstmCell with x-part xz (x·W for
   * every step, [time, batch, 4·units], read only) and hz = h_t · recurrentKernel, writing the
   * activated gates to `gates` (same layout); cs = c_0…c_T and hs = h_0…h_T ([time + 1, batch,
   * units], step 0 filled by the caller), cs followed by room for [time, batch, units] more, where
   * it may keep what its lstmSequenceBackward reads (the wasm one: tanh(c_1)…tanh(c_T), and when cs
   * has room for [2·time, batch, units] more, h_0…h_{T−1} laid out for the recurrent kernel's
   * gradient). A backend
   * that splits the batch's rows over threads for the whole sequence synchronises once instead of
   * every step. Returns false when it cannot take the call; the op then steps with matmul + lstmCell.
   */
  lstmSequenceForward?(
    batch: number,
    units: number,
    time: number,
    xz: Storage,
    gates: Storage,
    recurrentKernel: Storage,
    bias: Storage | null,
    cs: Storage,
    hs: Storage,
  ): boolean;
  /**
   * Optional: the matching backward recurrence, called only after lstmSequenceForward took the
   * sequence (cs as it left it), t = time−1…0: lstmCellGrad with gh = grads of
   * h_1…h_T then of c_T ([time + 1, batch, units]), then dh_{t−1} = dz_t · recurrentKernelᵀ
   * (skipped at t = 0 unless wantH0). dhdc = [dh carry | dc carry] ([2, batch, units]) is set from
   * gh (dh 0, dc c_T's gradient) and ends as the gradients of h_0 and c_0; dz [time, batch,
   * 4·units]. Returns false when it cannot take the call. With `weights` given it may also write
   * weight gradients exactly as matmul and reduce would (same bits) — the recurrent kernel's
   * (h_0…h_{T−1})ᵀ · dz, the kernel's xsᵀ · dz, the bias's column sums of dz — and then returns
   * which ones it wrote.
   */
  lstmSequenceBackward?(
    batch: number,
    units: number,
    time: number,
    gates: Storage,
    recurrentKernel: Storage,
    cs: Storage,
    gh: Storage,
    dhdc: Storage,
    dz: Storage,
    wantH0: boolean,
    weights?: LstmWeightGradients | null,
  ): boolean | LstmWeightGradientsDone;
  /**
   * GRU step (Keras resetAfter: true; gates z, r, h): with x-part xz[xzAt…] (+ biasIn) and recurrent
   * part hz = h_{t−1}·U (+ biasRec), z = σ(x_z + h_z), r = σ(x_r + h_r), ĥ = tanh(x_h + r·h_h),
   * hs[hAt…] = z·h_{t−1} + (1 − z)·ĥ; gates[gatesAt…] [rows, 4·units] keeps z, r, ĥ, h_h.
   */
  gruCell?(
    rows: number,
    units: number,
    xz: Storage,
    xzAt: number,
    hz: Storage,
    biasIn: Storage | null,
    biasRec: Storage | null,
    hs: Storage,
    hPrevAt: number,
    hAt: number,
    gates: Storage,
    gatesAt: number,
  ): void;
  /**
   * gruCell's backward for one step: dh = gh[ghAt…] + dhCarry + dhDirect; writes the gradients of
   * the x-part dxz[dAt…] and of the recurrent part drec[dAt…] (both [rows, 3·units]) and replaces
   * dhDirect with dh·z (the path to h_{t−1} that skips the recurrent kernel).
   */
  gruCellGrad?(
    rows: number,
    units: number,
    gates: Storage,
    gatesAt: number,
    hs: Storage,
    hPrevAt: number,
    gh: Storage,
    ghAt: number,
    dhCarry: Storage,
    dhDirect: Storage,
    dxz: Storage,
    drec: Storage,
    dAt: number,
  ): void;

  /**
   * Optional fused optimiser step: update parameter w in place from gradient g; `state` holds the
   * rule's buffers (w's length). Without it, optimisers run their update as tensor ops.
   */
  update?(rule: UpdateRule, w: Storage, g: Storage, state: readonly Storage[]): void;

  /**
   * Optional step scope, for backends that own their memory (wasm). Storage allocated between
   * beginStep() and endStep() goes back to the allocator at endStep(), so a training loop reuses
   * the same blocks every batch instead of waiting for the garbage collector. fit() opens one
   * around each batch's forward/backward/update; what must outlive the step (optimiser state) is
   * allocated inside persistent(). Backends whose memory the GC manages leave these out.
   */
  beginStep?(): void;
  endStep?(): void;
  persistent?<T>(fn: () => T): T;
  /**
   * Run `fn` (synchronous) with `constants` declared unchanged until it returns, so the backend may
   * keep what it derives from them (wasm: a product's packed B and its Inf/NaN check) for the whole
   * call instead of redoing it every product. predict() and evaluate() declare the model's weights
   * around their batch loop. What is kept is dropped when fn returns or throws; a nested call runs
   * inside the outer scope. Backends with nothing to keep just call fn.
   */
  withConstants?<T>(constants: readonly Storage[], fn: () => T): T;
  /**
   * For backends that own memory: bytes reserved, the most ever handed out at once, the bytes in
   * blocks not yet returned, and how many garbage collections the backend ran to get blocks back.
   */
  memoryStats?(): {
    capacityBytes: number;
    highWaterBytes: number;
    liveBytes: number;
    collections: number;
  };
}
