/** The compiled WebAssembly kernels: their exports, and loading them (embedded as base64). */
import { ArgumentError } from '../../errors.js';
import {
  KERNELS_RELAXED_WASM_BASE64,
  KERNELS_SHARED_RELAXED_WASM_BASE64,
  KERNELS_SHARED_WASM_BASE64,
  KERNELS_WASM_BASE64,
} from './kernels.generated.js';

/** The compiled kernels' exports (assembly/*.ts); pointers are byte offsets, counts elements. */
export interface Kernels {
  unary(op: number, x: number, out: number, n: number, p0: number): void;
  unaryGrad(op: number, x: number, y: number, dy: number, out: number, n: number, p0: number): void;
  unaryGradBits(op: number, x: number, y: number, dy: number, out: number, n: number, p0Bits: number): void;
  binary2d(
    op: number,
    a: number,
    ars: number,
    acs: number,
    b: number,
    brs: number,
    bcs: number,
    out: number,
    rows: number,
    cols: number,
  ): void;
  gatherRows(x: number, rowBytes: number, idx: number, count: number, out: number): void;
  biasActivation(
    op: number,
    x: number,
    bias: number,
    out: number,
    rows: number,
    cols: number,
    p0: number,
  ): void;
  biasActivationBits(
    op: number,
    x: number,
    bias: number,
    out: number,
    rows: number,
    cols: number,
    p0Bits: number,
  ): void;
  softmax(x: number, rows: number, cols: number, out: number, log: number, tmp: number): void;
  /** Convolution parts (assembly/conv.ts): arguments 7–10 unused; `thread` picks the scratch. */
  convForwardPart(x: number, geo: number, wp: number, out: number, n0: number, count: number): void;
  convKernelGradPart(x: number, geo: number, dy: number, partial: number, n0: number, count: number): void;
  convInputGradPart(dy: number, geo: number, wtp: number, dx: number, n0: number, count: number): void;
  sgd(w: number, g: number, n: number, lr: number): void;
  momentum(w: number, g: number, v: number, n: number, lr: number, mu: number, nesterov: number): void;
  adagrad(w: number, g: number, h: number, n: number, lr: number, eps: number): void;
  rmsprop(w: number, g: number, v: number, n: number, lr: number, rho: number, c: number, eps: number): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    a: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    eps: number,
  ): void;
  /** adam on a part, float arguments as bits, `mark` set to 1 at its start and 2 at its end. */
  adamPart(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    aBits: number,
    b1Bits: number,
    b2Bits: number,
    c1Bits: number,
    c2Bits: number,
    epsBits: number,
    mark: number,
  ): void;
  /** geo: the geometry block (see assembly/window.ts); frame: scratch for one framed image. */
  im2col(x: number, geo: number, batch: number, frame: number, out: number): void;
  col2im(cols: number, geo: number, batch: number, frame: number, out: number): void;
  maxPool(
    x: number,
    table: number,
    perImage: number,
    cells: number,
    batch: number,
    imageSize: number,
    c: number,
    out: number,
    argmax: number,
  ): void;
  maxPoolGrad(
    dy: number,
    argmax: number,
    table: number,
    perImage: number,
    cells: number,
    batch: number,
    imageSize: number,
    c: number,
    dx: number,
    once: number,
  ): void;
  zero(ptr: number, bytes: number): void;
  softmaxCrossEntropy(z: number, y: number, rows: number, cols: number, loss: number, probs: number): void;
  softmaxCrossEntropyGrad(probs: number, y: number, g: number, rows: number, cols: number, out: number): void;
  gemmColsA(
    a: number,
    acs: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    tile: number,
  ): void;
  sum(x: number, outer: number, size: number, inner: number, out: number): void;
  packA(a: number, ars: number, acs: number, m: number, k: number, dst: number): void;
  packB(b: number, brs: number, bcs: number, k: number, n: number, dst: number): void;
  gemmPacked(ap: number, bp: number, c: number, m: number, k: number, n: number, tile: number): void;
  gemmSparseA(
    a: number,
    ars: number,
    b: number,
    rowBytes: number,
    c: number,
    m: number,
    k: number,
    n: number,
    lists: number,
    group?: number,
  ): void;
  packPanels(b: number, brs: number, bcs: number, k: number, n: number, dst: number, finite: number): void;
  gemmSparsePanels(
    a: number,
    ars: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    lists: number,
    acs: number,
  ): void;
  transpose(x: number, k: number, m: number, out: number): void;
  writeCompactPatterns(dst: number): void;
  sparseScratchBytes(threads: number): number;
  packRows(b: number, brs: number, bcs: number, k: number, n: number, dst: number, np: number): void;
  countZeros(x: number, len: number): number;
  allFinite(x: number, len: number): number;
  /** Recurrent steps (assembly/rnn.ts): pointers at the step's rows; bias pointers 0 when absent. */
  lstmCell(
    rows: number,
    units: number,
    xz: number,
    hz: number,
    bias: number,
    cPrev: number,
    c: number,
    h: number,
    gates: number,
  ): void;
  /** Whole LSTM recurrences for a block of rows (assembly/rnn.ts): see lstmSequenceForward. */
  lstmForwardRows(
    rows: number,
    units: number,
    time: number,
    batch: number,
    xz: number,
    gates: number,
    bp: number,
    bias: number,
    cs: number,
    hs: number,
    hz: number,
    hpStart: number,
  ): void;
  /** An LSTM's weight gradients from dz packed in panels (assembly/rnn.ts; lstmSequenceBackward). */
  lstmListInputs(
    xs: number,
    features: number,
    k: number,
    f0: number,
    f1: number,
    lists: number,
    all: number,
  ): void;
  lstmInputGradPart(
    zp: number,
    features: number,
    k: number,
    width: number,
    dw: number,
    j0: number,
    j1: number,
    lists: number,
  ): void;
  lstmRecurrentGradPart(
    hp: number,
    zp: number,
    du: number,
    rows: number,
    k: number,
    width: number,
    tile: number,
  ): void;
  lstmBackwardRows(
    rows: number,
    units: number,
    time: number,
    batch: number,
    gates: number,
    cs: number,
    gh: number,
    dhdc: number,
    dz: number,
    bpT: number,
    tile: number,
    zpLast: number,
  ): void;
  lstmCellGrad(
    rows: number,
    units: number,
    gates: number,
    cPrev: number,
    c: number,
    gh: number,
    dhCarry: number,
    dc: number,
    dz: number,
  ): void;
  gruCell(
    rows: number,
    units: number,
    xz: number,
    hz: number,
    biasIn: number,
    biasRec: number,
    hPrev: number,
    h: number,
    gates: number,
  ): void;
  gruCellGrad(
    rows: number,
    units: number,
    gates: number,
    hPrev: number,
    gh: number,
    dhCarry: number,
    dhDirect: number,
    dxz: number,
    drec: number,
  ): void;
  gemmRowsA(
    a: number,
    ars: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    tile: number,
  ): void;
}

/** Whether this JavaScript engine can run WebAssembly SIMD (a tiny module using v128 validates). */
export function wasmSimdSupported(): boolean {
  try {
    // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
    const probe = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
    ]);
    return typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Which build of the kernels runs: `plain` SIMD (a multiply then an add in the products' inner
 * loops), or `relaxed` SIMD (one fused multiply-add there, where the CPU has one: faster, and the
 * products' last bits can differ — docs/benchmarks-relaxed.md).
 */
export type WasmSimd = 'plain' | 'relaxed';
/** A request for a build: one of them, or `auto` (relaxed where the engine runs it, else plain). */
export type WasmSimdOption = WasmSimd | 'auto';

/** The environment variable that forces a build (Node, or any host with a `process.env`). */
export const WASM_SIMD_ENV = 'BACKPROP_WASM_SIMD';

/** The host's environment variables, if it has them (read without importing node:); else none. */
function hostEnv(): Readonly<Record<string, string | undefined>> {
  const host = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return host.process?.env ?? {};
}

/**
 * Pick the kernels' build. `requested` (the backend option) wins, else BACKPROP_WASM_SIMD (in `env`,
 * the host's environment by default), else
 * `auto`: relaxed when `validate` accepts the relaxed module — an engine without relaxed SIMD
 * refuses a module with any relaxed instruction, so validating the module itself is the test.
 * Forcing `relaxed` where it does not validate is an error naming the engine flag, not a silent
 * fallback. `validate` is injectable for tests.
 */
export function chooseWasmSimd(
  requested: string | undefined = undefined,
  validate: (bytes: Uint8Array<ArrayBuffer>) => boolean = (bytes) => WebAssembly.validate(bytes),
  env: Readonly<Record<string, string | undefined>> = hostEnv(),
): WasmSimd {
  const source = requested !== undefined ? 'the simd option' : WASM_SIMD_ENV;
  const fromEnv = env[WASM_SIMD_ENV]?.trim();
  const asked = requested ?? (fromEnv === '' ? undefined : fromEnv) ?? 'auto';
  if (asked !== 'auto' && asked !== 'plain' && asked !== 'relaxed') {
    throw new ArgumentError(
      `wasm backend: ${source} must be 'auto', 'plain' or 'relaxed', got ${JSON.stringify(asked)}`,
    );
  }
  if (asked === 'plain') return 'plain';
  let supported = false;
  try {
    supported = validate(decodeBase64(KERNELS_RELAXED_WASM_BASE64));
  } catch {
    supported = false;
  }
  if (asked === 'relaxed' && !supported) {
    throw new ArgumentError(
      `wasm backend: ${source} asks for 'relaxed' SIMD kernels, but this engine does not run ` +
        'WebAssembly relaxed SIMD (Node 22+, Chrome 114+; Node 20 with --experimental-wasm-relaxed-simd)',
    );
  }
  return supported ? 'relaxed' : 'plain';
}

/**
 * Compile the kernels for a plain or a shared (multi-threaded) memory, in the given SIMD build;
 * small, so synchronous.
 */
export function compileKernels(shared: boolean, simd: WasmSimd = 'plain'): WebAssembly.Module {
  const base64 =
    simd === 'relaxed'
      ? shared
        ? KERNELS_SHARED_RELAXED_WASM_BASE64
        : KERNELS_RELAXED_WASM_BASE64
      : shared
        ? KERNELS_SHARED_WASM_BASE64
        : KERNELS_WASM_BASE64;
  return new WebAssembly.Module(decodeBase64(base64));
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Kernels;
}
