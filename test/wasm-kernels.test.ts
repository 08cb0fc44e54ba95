/**
 * The compiled WebAssembly kernels against the TypeScript reference, on inputs long enough to use
 * the four-lane loops and their tails, with extreme values (±100, ±1e-6, 0, NaN) mixed in. The
 * whole parametrised suite also runs on the wasm backend; this file pins the kernels themselves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinaryOp, Storage, UnaryOp, UpdateRule } from '../src/backend/backend.js';
import { tsBackend } from '../src/backend/ts/index.js';
import {
  createWasmBackend,
  groupedSparseProductCount,
  setSkipZeros,
  sparseProductCount,
  wasmSimdSupported,
} from '../src/backend/wasm/index.js';
import { ArgumentError, Rng } from '../src/index.js';
import { windowGeometry } from '../src/ops/conv.js';

const skip = !wasmSimdSupported();
const wasm = skip ? tsBackend : createWasmBackend();
const rng = new Rng(11);

function values(n: number, scale = 3): Float32Array {
  const v = Float32Array.from({ length: n }, () => rng.normal() * scale);
  const extremes = [100, -100, 1e-6, -1e-6, 0, 88.5, -87.5, 20, -20, 0.05, -0.09];
  extremes.forEach((x, i) => {
    if (i * 7 < n) v[i * 7] = x;
  });
  return v;
}

/** |a − b| ≤ atol + rtol·|b| element-wise, NaN only where the reference has NaN. */
function agree(actual: Float32Array, expected: Float32Array, label: string, rtol = 2e-6, atol = 1e-30): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e) || Math.abs(a - e) <= atol + rtol * Math.abs(e)) continue;
    assert.fail(`${label}: element ${i} is ${a}, the TypeScript kernel gives ${e}`);
  }
}

const onBoth = (v: Float32Array): [Storage, Storage] => [tsBackend.fromValues(v), wasm.fromValues(v)];

describe('wasm kernels agree with the TypeScript ones', { skip }, () => {
  const unaryCases: [UnaryOp, number][] = [
    ['relu', 0],
    ['leakyRelu', 0.2],
    ['sigmoid', 0],
    ['tanh', 0],
    ['exp', 0],
    ['neg', 0],
    ['square', 0],
  ];
  for (const n of [1, 3, 4, 1003]) {
    it(`unary ops and their gradients (n = ${n})`, () => {
      const x = values(n);
      if (n > 20) x[20] = Number.NaN;
      const dy = values(n, 1);
      for (const [op, p0] of unaryCases) {
        const [xt, xw] = onBoth(x);
        const yt = tsBackend.alloc(n);
        const yw = wasm.alloc(n);
        tsBackend.unary(op, xt, yt, p0);
        wasm.unary(op, xw, yw, p0);
        // exp's polynomial is within ~2 ulp; tanh's and sigmoid's follow from it.
        agree(wasm.read(yw), tsBackend.read(yt), op, 4e-7 * 8);
        const [dt, dw] = onBoth(dy);
        const gt = tsBackend.alloc(n);
        const gw = wasm.alloc(n);
        // The same y on both sides, so only the gradient formula is compared.
        tsBackend.unaryGrad(op, xt, yt, dt, gt, p0);
        wasm.unaryGrad(op, xw, wasm.fromValues(tsBackend.read(yt)), dw, gw, p0);
        agree(wasm.read(gw), tsBackend.read(gt), `${op} gradient`, 1e-6);
      }
    });
  }

  it('exp overflows to Infinity and underflows to 0 like Math.exp', () => {
    const [, xw] = onBoth(Float32Array.from([89, 1000, -88, -1000, Number.NaN]));
    const out = wasm.alloc(5);
    wasm.unary('exp', xw, out);
    const y = wasm.read(out);
    assert.equal(y[0], Number.POSITIVE_INFINITY, 'exp(89)');
    assert.equal(y[1], Number.POSITIVE_INFINITY, 'exp(1000)');
    assert.ok(y[2]! >= 0 && y[2]! < 1e-37, `exp(-88) = ${y[2]}`);
    assert.equal(y[3], 0, 'exp(-1000)');
    assert.ok(Number.isNaN(y[4]), 'exp(NaN)');
  });

  it('binary ops with same-shape, row, column and scalar broadcasts', () => {
    const shape = [5, 7];
    const layouts: [string, number[], number][] = [
      ['full', [7, 1], 35],
      ['row [7]', [0, 1], 7],
      ['column [5,1]', [1, 0], 5],
      ['scalar', [0, 0], 1],
    ];
    for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
      for (const [aName, aStrides, aLen] of layouts) {
        for (const [bName, bStrides, bLen] of layouts) {
          const a = values(aLen);
          const b = values(bLen);
          const [at, aw] = onBoth(a);
          const [bt, bw] = onBoth(b);
          const ot = tsBackend.alloc(35);
          const ow = wasm.alloc(35);
          tsBackend.binary(op, at, aStrides, bt, bStrides, ot, shape);
          wasm.binary(op, aw, aStrides, bw, bStrides, ow, shape);
          agree(wasm.read(ow), tsBackend.read(ot), `${op} ${aName} with ${bName}`, 0);
        }
      }
    }
    // A layout the kernel does not take (a transposed input) falls back to the TS loop.
    const [at, aw] = onBoth(values(35));
    const [bt, bw] = onBoth(values(35));
    const ot = tsBackend.alloc(35);
    const ow = wasm.alloc(35);
    tsBackend.binary('add', at, [1, 5], bt, [7, 1], ot, shape);
    wasm.binary('add', aw, [1, 5], bw, [7, 1], ow, shape);
    agree(wasm.read(ow), tsBackend.read(ot), 'transposed input', 0);
  });

  it('bias + activation in one pass', () => {
    for (const op of [null, 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu'] as const) {
      for (const [rows, cols] of [
        [3, 38], // blocks of 16 columns, then of 4, then 2 alone
        [7, 13],
        [3, 4],
        [1, 1],
      ] as const) {
        const [xt, xw] = onBoth(values(rows * cols));
        const [bt, bw] = onBoth(values(cols));
        const ot = tsBackend.alloc(rows * cols);
        const ow = wasm.alloc(rows * cols);
        const p0 = op === 'leakyRelu' ? 0.01 : 1;
        tsBackend.biasActivation(op, xt, bt, ot, cols, p0);
        wasm.biasActivation(op, xw, bw, ow, cols, p0);
        agree(wasm.read(ow), tsBackend.read(ot), `${op ?? 'bias only'} ${rows}×${cols}`, 4e-6, 1e-30);
      }
    }
  });

  it('softmax cross-entropy and its gradient', () => {
    for (const [rows, cols] of [
      [5, 10],
      [3, 1],
      [2, 7],
    ] as const) {
      const z = values(rows * cols, 4);
      const y = Float32Array.from({ length: rows * cols }, (_, i) => (i % cols === i % 3 ? 1 : 0));
      const [zt, zw] = onBoth(z);
      const [yt, yw] = onBoth(y);
      const [lt, lw] = [tsBackend.alloc(rows), wasm.alloc(rows)];
      const [pt, pw] = [tsBackend.alloc(rows * cols), wasm.alloc(rows * cols)];
      tsBackend.softmaxCrossEntropy(zt, yt, rows, cols, lt, pt);
      wasm.softmaxCrossEntropy(zw, yw, rows, cols, lw, pw);
      agree(wasm.read(lw), tsBackend.read(lt), `loss ${rows}×${cols}`, 1e-6, 1e-6);
      agree(wasm.read(pw), tsBackend.read(pt), `probabilities ${rows}×${cols}`, 1e-6, 1e-30);
      const [gt, gw] = onBoth(values(rows, 1));
      const [dt, dw] = [tsBackend.alloc(rows * cols), wasm.alloc(rows * cols)];
      tsBackend.softmaxCrossEntropyGrad(pt, yt, gt, rows, cols, dt);
      wasm.softmaxCrossEntropyGrad(wasm.fromValues(tsBackend.read(pt)), yw, gw, rows, cols, dw);
      agree(wasm.read(dw), tsBackend.read(dt), `gradient ${rows}×${cols}`, 1e-6, 1e-7);
    }
  });

  it('softmax, log-softmax and softmax cross-entropy against float64 over the whole range of exp', () => {
    // Logits from −40 to 40 (every entry of the kernels' exp table), rows with ties and ±600 (the
    // paths for |x| ≥ 512), and rows of odd length (the last column alone).
    for (const cols of [10, 7, 1]) {
      const rows = 300;
      const z = Float32Array.from({ length: rows * cols }, () => (rng.uniform() - 0.5) * 80);
      z.fill(3, 0, cols); // a row of ties
      if (cols > 2) {
        z[cols] = 600;
        z[2 * cols + 1] = -600;
      }
      const y = Float32Array.from({ length: rows * cols }, (_, i) => (i % cols === (i * 7) % 3 ? 1 : 0));
      const softmax = new Float32Array(rows * cols);
      const logSoftmax = new Float32Array(rows * cols);
      const loss = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(z.subarray(r * cols, (r + 1) * cols), Number);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
        let l = 0;
        row.forEach((v, c) => {
          softmax[r * cols + c] = Math.exp(v - lse);
          logSoftmax[r * cols + c] = v - lse;
          l += y[r * cols + c]! * (lse - v);
        });
        loss[r] = l;
      }
      const zw = wasm.fromValues(z);
      const out = wasm.alloc(rows * cols);
      wasm.softmax(zw, rows, cols, 1, out, false);
      agree(wasm.read(out), softmax, `softmax ${rows}×${cols}`, 1e-6, 1e-30);
      wasm.softmax(zw, rows, cols, 1, out, true);
      agree(wasm.read(out), logSoftmax, `log-softmax ${rows}×${cols}`, 1e-6, 1e-6);
      const lw = wasm.alloc(rows);
      wasm.softmaxCrossEntropy(zw, wasm.fromValues(y), rows, cols, lw, out);
      agree(wasm.read(out), softmax, `softmax cross-entropy's probabilities ${rows}×${cols}`, 1e-6, 1e-30);
      agree(wasm.read(lw), loss, `softmax cross-entropy ${rows}×${cols}`, 1e-6, 1e-6);
    }
  });

  it('softmax and log-softmax over rows (and other axes through the TypeScript loops)', () => {
    for (const [outer, size, inner] of [
      [5, 10, 1],
      [3, 1, 1],
      [2, 7, 3],
    ] as const) {
      const [xt, xw] = onBoth(values(outer * size * inner, 4));
      for (const log of [false, true]) {
        const [ot, ow] = [tsBackend.alloc(outer * size * inner), wasm.alloc(outer * size * inner)];
        tsBackend.softmax(xt, outer, size, inner, ot, log);
        wasm.softmax(xw, outer, size, inner, ow, log);
        agree(
          wasm.read(ow),
          tsBackend.read(ot),
          `${log ? 'log-' : ''}softmax [${outer}, ${size}, ${inner}]`,
          1e-6,
          1e-30,
        );
      }
    }
  });

  it('gathers rows (16 or 4 at a time when rows are whole vectors, one by one otherwise)', () => {
    // 39 rows: two groups of 16, one of 4, then 3 alone (when rows are whole vectors). Groups of 16
    // copy whole 64-byte lines, then 16 bytes at a time: rows of 16 and 784 floats are whole lines,
    // 20 floats a line and a vector, 4 floats a vector only.
    const idx = Int32Array.from({ length: 39 }, (_, i) => (i * 17 + 5) % 40);
    idx[3] = 39;
    idx[20] = 0;
    for (const cols of [13, 16, 784, 20, 4, 10, 3]) {
      const x = values(40 * cols);
      const [xt, xw] = onBoth(x);
      const ot = tsBackend.alloc(idx.length * cols);
      const ow = wasm.alloc(idx.length * cols);
      tsBackend.gatherRows(xt, cols, idx, ot);
      wasm.gatherRows(xw, cols, idx, ow);
      agree(wasm.read(ow), tsBackend.read(ot), `gatherRows, rows of ${cols}`, 0);
    }
  });

  it('optimiser updates over a whole buffer, for several steps', () => {
    const rules: [UpdateRule, number, number][] = [
      [{ kind: 'sgd', lr: 0.1 }, 0, 0],
      [{ kind: 'momentum', lr: 0.05, momentum: 0.9, nesterov: false }, 1, 0],
      [{ kind: 'momentum', lr: 0.05, momentum: 0.9, nesterov: true }, 1, 0],
      [{ kind: 'adagrad', lr: 0.01, epsilon: 1e-7 }, 1, 0.1],
      [{ kind: 'rmsprop', lr: 0.001, rho: 0.9, epsilon: 1e-7 }, 1, 0],
      [{ kind: 'adam', stepSize: 0.001, beta1: 0.9, beta2: 0.999, epsilonHat: 1e-7 }, 2, 0],
    ];
    for (const [rule, slots, init] of rules) {
      const n = 1001;
      const [wt, ww] = onBoth(values(n));
      const st = Array.from({ length: slots }, () => tsBackend.fromValues(new Float32Array(n).fill(init)));
      const sw = Array.from({ length: slots }, () => wasm.fromValues(new Float32Array(n).fill(init)));
      for (let step = 0; step < 5; step++) {
        const [gt, gw] = onBoth(values(n, 0.5));
        tsBackend.update!(rule, wt, gt, st);
        wasm.update!(rule, ww, gw, sw);
      }
      const label = `${rule.kind}${'nesterov' in rule && rule.nesterov ? ' (Nesterov)' : ''}`;
      agree(wasm.read(ww), tsBackend.read(wt), `${label} weights`, 1e-5, 1e-6);
      for (const [i, s] of sw.entries()) {
        agree(wasm.read(s), tsBackend.read(st[i]!), `${label} state ${i}`, 1e-5, 1e-7);
      }
    }
  });
});

describe('wasm matmul agrees with the TypeScript one', { skip }, () => {
  it('in every transpose variant, with edge panels, k not a multiple of 4 and k in several blocks', () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [4, 4, 8],
      [13, 29, 19],
      [9, 100, 17],
      [33, 7, 40],
      [14, 600, 19], // k longer than gemmColsA's block (256): tiles carried across blocks, edge tiles too
    ] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const spec = { batch: 2, m, k, n, transA, transB, aBatchStride: m * k, bBatchStride: 0 };
          const [at, aw] = onBoth(values(2 * m * k, 1));
          const [bt, bw] = onBoth(values(k * n, 1));
          const ot = tsBackend.alloc(2 * m * n);
          const ow = wasm.alloc(2 * m * n);
          tsBackend.matmul(at, bt, ot, spec);
          wasm.matmul(aw, bw, ow, spec);
          // float32 sums in another order: compare against the scale of the terms.
          agree(
            wasm.read(ow),
            tsBackend.read(ot),
            `${m}×${k}×${n} transA=${transA} transB=${transB}`,
            1e-4,
            1e-3,
          );
        }
      }
    }
  });
});

describe('wasm matmul with few columns (narrow tiles) agrees with float64', { skip }, () => {
  /** C = op(A)·op(B) on both backends' layouts, checked against float64 within float32 rounding. */
  function check(m: number, k: number, n: number, transA: boolean, transB: boolean): void {
    const a = values(m * k, 1);
    const b = values(k * n, 1);
    const c = wasm.alloc(m * n);
    wasm.matmul(wasm.fromValues(a), wasm.fromValues(b), c, {
      batch: 1,
      m,
      k,
      n,
      transA,
      transB,
      aBatchStride: 0,
      bBatchStride: 0,
    });
    const got = wasm.read(c);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let size = 0;
        for (let p = 0; p < k; p++) {
          const term = a[transA ? p * m + i : i * k + p]! * b[transB ? j * k + p : p * n + j]!;
          sum += term;
          size += Math.abs(term);
        }
        const e = got[i * n + j]!;
        if (Math.abs(e - sum) > 1e-5 * size + 1e-30) {
          assert.fail(
            `${m}×${k}×${n} transA=${transA} transB=${transB}: C[${i}, ${j}] is ${e}, float64 gives ${sum}`,
          );
        }
      }
    }
  }
  it('a last panel of ≤ 4 columns (4×4 tile) and 9–16 columns, every layout of A and B', () => {
    for (const n of [1, 3, 4, 5, 9, 10, 11, 12, 13, 20]) {
      for (const [m, k] of [
        [1, 1],
        [7, 3],
        [16, 6],
        [33, 29],
        [12, 300], // k in two of gemmColsA's blocks: the narrow tile starts from C's partial sums
      ] as const) {
        for (const transA of [false, true])
          for (const transB of [false, true]) check(m, k, n, transA, transB);
      }
    }
    // Many columns of A's rows packed (n ≥ 32) with a narrow last panel.
    for (const n of [36, 42]) check(9, 13, n, false, false);
  });
  it('a transposed A with rows 4 KB apart: 9–12 columns in one 4×12 tile, k in one block or several', () => {
    for (const n of [9, 10, 11, 12, 13]) {
      for (const k of [7, 300]) for (const transB of [false, true]) check(1024, k, n, true, transB);
    }
    check(2048, 5, 10, true, false);
  });
});

describe('wasm products with a mostly-zero A skip the zeros', { skip }, () => {
  /** Values with about `zeros` of them exactly zero (some -0), NaN and ±Inf among the rest when asked. */
  function sparse(n: number, zeros: number, specials = false): Float32Array {
    const v = values(n, 1);
    for (let i = 0; i < n; i++) if (rng.uniform() < zeros) v[i] = i % 5 === 0 ? -0 : 0;
    if (specials && n > 40) [v[3], v[17], v[31]] = [Number.NaN, Number.POSITIVE_INFINITY, -1e30];
    return v;
  }
  /** Row-major [rows × cols] stored as asked (transposed: [cols × rows]). */
  const stored = (v: Float32Array, rows: number, cols: number, transposed: boolean): Float32Array =>
    transposed
      ? Float32Array.from({ length: v.length }, (_, i) => v[(i % rows) * cols + Math.floor(i / rows)]!)
      : v;
  const product = (
    a: Float32Array,
    b: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
  ) => {
    const out = wasm.alloc(m * n);
    const spec = { batch: 1, m, k, n, transA, transB, aBatchStride: 0, bBatchStride: 0 };
    wasm.matmul(
      wasm.fromValues(stored(a, m, k, transA)),
      wasm.fromValues(stored(b, k, n, transB)),
      out,
      spec,
    );
    return wasm.read(out);
  };
  /** fn's result with zero skipping set to `mode`, then back to the default. */
  const withSkipZeros = <T>(mode: boolean | 'always', fn: () => T): T => {
    setSkipZeros(mode);
    try {
      return fn();
    } finally {
      setSkipZeros(true);
    }
  };
  /** The zero-skipping result has the dense kernels' bits, element by element (Object.is). */
  const assertDenseBits = (label: string, skipped: Float32Array, dense: Float32Array) => {
    for (let i = 0; i < skipped.length; i++) {
      if (!Object.is(skipped[i], dense[i]))
        assert.fail(
          `${label ? `${label}: ` : ''}element ${i} is ${skipped[i]} skipping zeros, ${dense[i]} dense`,
        );
    }
  };
  /**
   * `skipped` (A·B with A's zeros skipped) has the dense kernels' bits: the same rows under as many
   * dense rows make too few zeros, so the dense kernels run, and each row of C is summed in the same
   * order either way.
   */
  const assertStackedDenseBits = (
    label: string,
    a: Float32Array,
    b: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    skipped: Float32Array,
  ) => {
    const before = sparseProductCount();
    const stacked = new Float32Array(2 * m * k);
    stacked.set(a);
    stacked.set(values(m * k, 1), m * k);
    const dense = product(stacked, b, 2 * m, k, n, transA, transB);
    assert.equal(sparseProductCount(), before, `${label}: the stacked product skipped zeros`);
    assertDenseBits(label, skipped, dense);
  };
  /**
   * got = A·B (A row-major m × k, B k × n) against a float64 reference: within 1e-4 (relative past
   * 1e20), and exactly NaN or ±Inf where the reference is (huge or non-finite terms come from A).
   */
  const assertNearFloat64 = (
    label: string,
    a: Float32Array,
    b: Float32Array,
    m: number,
    k: number,
    n: number,
    got: Float32Array,
  ) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let expected = 0;
        for (let p = 0; p < k; p++) expected += a[i * k + p]! * b[p * n + j]!;
        const value = got[i * n + j]!;
        const near = !Number.isFinite(expected)
          ? Object.is(value, expected) || (Number.isNaN(value) && Number.isNaN(expected))
          : Math.abs(value - expected) <=
            1e-4 * (Math.abs(expected) > 1e20 ? Math.abs(expected) : 1 + Math.abs(expected));
        if (!near) assert.fail(`${label}: (${i}, ${j}) ${value} vs ${expected}`);
      }
    }
  };

  it("with the dense kernels' bits: ragged columns, long k, both transposes, NaN and Inf in A", () => {
    for (const [m, k, n] of [
      [8, 30, 16],
      [9, 8, 16], // rows listed in one eight-value step, no tail
      [10, 23, 30], // k: two eight-value steps, four, three one at a time; n: 28 columns in one pass, 2 more
      [11, 4, 17], // no eight-value step
      [13, 29, 19],
      [9, 100, 24],
      [12, 64, 36],
      [40, 784, 101],
      [12, 61, 50], // B in a 48-column panel and a 2-column one, transposed B's k not a multiple of 4
      [17, 1500, 100], // k over the kernel's list block (1024): partial sums carried across blocks
      // 48-column blocks: in place 48, 48, 24 + 28 and 48, 48, 28; in panels three whole panels
      // with 4 + 1 + 1 columns past them, and two with 24 + 4 — over two and three blocks of k.
      [10, 300, 150],
      [9, 200, 124],
      // n ≡ 4 (mod 48) in place: 52 columns in one block (sparse52), with a last column alone and
      // over two blocks of k; 48 + 52.
      [10, 40, 52],
      [9, 1100, 53],
      [11, 300, 148],
    ] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const label = `${m}×${k}×${n} transA=${transA} transB=${transB}`;
          const a = sparse(m * k, 0.85, true);
          const b = values(k * n, 1);
          const before = sparseProductCount();
          const skipped = product(a, b, m, k, n, transA, transB);
          assert.equal(sparseProductCount(), before + 1, `${label}: the zeros were not skipped`);
          assertStackedDenseBits(label, a, b, m, k, n, transA, transB, skipped);
          const [at, bt] = [
            tsBackend.fromValues(stored(a, m, k, transA)),
            tsBackend.fromValues(stored(b, k, n, transB)),
          ];
          const ot = tsBackend.alloc(m * n);
          tsBackend.matmul(at, bt, ot, {
            batch: 1,
            m,
            k,
            n,
            transA,
            transB,
            aBatchStride: 0,
            bBatchStride: 0,
          });
          agree(skipped, tsBackend.read(ot), label, 1e-4, 1e-3);
        }
      }
    }
  });

  it('passes over blank 32-value stretches of a row, with the dense bits: -0, NaN and Inf in them', () => {
    // MNIST-like rows: whole 32-value stretches of +0 (passed over unlisted), stretches that are
    // blank but for one value at either end or in the middle, one -0 (not listed), one NaN or Inf
    // (listed: NaN must reach the row's sums), and a ragged tail after the last stretch.
    const [m, k, n] = [24, 200, 100];
    const a = new Float32Array(m * k);
    for (let i = 0; i < m; i++) {
      const row = a.subarray(i * k, (i + 1) * k);
      const ink = 32 * (i % 6); // one stretch of ink, moving from row to row
      for (let p = ink; p < Math.min(ink + 32, k); p++) row[p] = rng.uniform() < 0.5 ? 0 : rng.normal();
      const lone = [40, 95, 143, 160, 15, 199][i % 6]!; // alone in a blank stretch (or the tail)
      row[lone] = i % 4 === 0 ? -0 : i % 4 === 1 ? Number.NaN : i % 4 === 2 ? Number.NEGATIVE_INFINITY : 1.5;
      if (i % 3 === 0) row[k - 1 - (i % 8)] = rng.normal(); // the tail past the last whole stretch
    }
    const b = values(k * n, 1);
    for (const transA of [false, true]) {
      const label = `${m}×${k}×${n} transA=${transA}`;
      const before = sparseProductCount();
      const skipped = product(a, b, m, k, n, transA, false);
      assert.equal(sparseProductCount(), before + 1, `${label}: the zeros were not skipped`);
      assertStackedDenseBits(label, a, b, m, k, n, transA, false, skipped);
      // And against a float64 reference (B is finite: NaN and ±Inf come from A's row alone).
      assertNearFloat64(label, a, b, m, k, n, skipped);
    }
  });

  it('an A past 1 MB (rows listed in groups before they are multiplied): the dense bits', () => {
    // B in place (k·n < 2^17 floats); m not a multiple of the group, k over one list block (1024)
    // with rows blank in the second block; NaN, Inf and -1e30 among A's values.
    for (const [m, k, n] of [
      [413, 784, 100], // an inference batch's shape: 48 + 52 columns
      [263, 1200, 19],
      [181, 1500, 52], // 52 columns in one block (sparse52), k over one list block
      [250, 1100, 102],
    ] as const) {
      for (const transA of [false, true]) {
        const label = `${m}×${k}×${n} transA=${transA}`;
        const a = sparse(m * k, 0.8, true);
        for (let i = 0; i < m; i += 3) a.fill(0, i * k + Math.min(k, 1024), (i + 1) * k);
        const b = values(k * n, 1);
        const before = sparseProductCount();
        const grouped = groupedSparseProductCount();
        const skipped = product(a, b, m, k, n, transA, false);
        assert.equal(sparseProductCount(), before + 1, `${label}: the zeros were not skipped`);
        assert.equal(
          groupedSparseProductCount(),
          grouped + 1,
          `${label}: the rows were not listed in groups`,
        );
        assertStackedDenseBits(label, a, b, m, k, n, transA, false, skipped);
        assertNearFloat64(label, a, b, m, k, n, skipped);
      }
    }
    // A training batch's A (100×784, 313 KB) is in cache: its rows are listed one at a time.
    const grouped = groupedSparseProductCount();
    const before = sparseProductCount();
    product(sparse(100 * 784, 0.8, true), values(784 * 100, 1), 100, 784, 100, false, false);
    assert.equal(sparseProductCount(), before + 1, '100×784×100: the zeros were not skipped');
    assert.equal(groupedSparseProductCount(), grouped, '100×784×100: an A in cache was listed in groups');
  });

  it('a transposed A with B in panels (a weight gradient Hᵀ·dZ): rows turned by the kernel, the dense bits', () => {
    // B row-major and large enough for panels (k·n ≥ 2^17); m: groups of eight rows and a ragged
    // group of three; k: a whole block of 256 steps of k, then 45 (not a multiple of 4).
    const [m, k, n] = [43, 301, 440];
    const a = sparse(m * k, 0.7, true);
    const b = values(k * n, 1);
    const before = sparseProductCount();
    const skipped = product(a, b, m, k, n, true, false);
    assert.equal(sparseProductCount(), before + 1, 'the zeros were not skipped');
    // The dense kernels' bits (stacked under dense rows, 35 % zeros would still be skipped here).
    const dense = withSkipZeros(false, () => product(a, b, m, k, n, true, false));
    assert.equal(sparseProductCount(), before + 1, 'the zeros were skipped with skipping off');
    assertDenseBits('', skipped, dense);
    // Against a float64 reference (NaN and ±Inf, -1e30 come from A's rows alone).
    assertNearFloat64('Aᵀ in panels', a, b, m, k, n, skipped);
    // With Inf or NaN in B the zeros are not skipped: 0·Inf is NaN in every row.
    for (const special of [Number.POSITIVE_INFINITY, Number.NaN]) {
      const a0 = a.slice();
      for (let i = 0; i < m; i++) a0[i * k + 280] = 0;
      const bs = b.slice();
      bs[280 * n + 301] = special;
      const from = sparseProductCount();
      const c = product(a0, bs, m, k, n, true, false);
      assert.equal(sparseProductCount(), from, `B holding ${special}: the zeros were skipped`);
      for (let i = 0; i < m; i++)
        assert.ok(Number.isNaN(c[i * n + 301]!), `B holding ${special}, row ${i}: expected NaN`);
    }
  });

  /** Values with exactly 35 % zeros: between the wide products' threshold (30 %) and the others' (50 %). */
  function zerosBetween(n: number): Float32Array {
    const v = values(n, 1);
    for (let i = 0; i < n; i++) if (i % 20 < 7) v[i] = 0;
    return v;
  }

  it('wide products (B with 256 columns or more) from 30 % zeros on, with the dense bits', () => {
    const [m, k, n] = [20, 45, 300];
    for (const transB of [false, true]) {
      const a = zerosBetween(m * k);
      const b = values(k * n, 1);
      const before = sparseProductCount();
      const skipped = product(a, b, m, k, n, false, transB);
      assert.equal(sparseProductCount(), before + 1, `transB=${transB}: 35 % zeros were not skipped`);
      // Under as many dense rows (17.5 % zeros) the dense kernels run.
      assertStackedDenseBits(`transB=${transB}`, a, b, m, k, n, false, transB, skipped);
    }
    // A narrower product with as many zeros stays dense.
    const before = sparseProductCount();
    product(zerosBetween(m * k), values(k * 100, 1), m, k, 100, false, false);
    assert.equal(sparseProductCount(), before, 'a 100-column product at 35 % zeros took the sparse kernel');
  });

  it('setSkipZeros refuses anything but true, false and always, by name, and keeps its setting', () => {
    for (const bad of ['sometimes', 1, null, undefined]) {
      assert.throws(
        () => setSkipZeros(bad as never),
        (e: Error) =>
          e instanceof ArgumentError &&
          /setSkipZeros: expected true, false or 'always', got /.test(e.message),
      );
    }
    const m = 12;
    const before = sparseProductCount();
    product(sparse(m * 64, 0.9), values(64 * 32, 1), m, 64, 32, false, false);
    assert.equal(sparseProductCount(), before + 1, 'a refused setting switched zero skipping off');
  });

  it("setSkipZeros('always') skips however few zeros (for bench/sparse-threshold.ts), with the dense bits", () => {
    const [m, k, n] = [20, 45, 100];
    const a = sparse(m * k, 0.1);
    const b = values(k * n, 1);
    const before = sparseProductCount();
    const dense = product(a, b, m, k, n, false, false);
    assert.equal(sparseProductCount(), before, '10 % zeros were skipped by default');
    const skipped = withSkipZeros('always', () => product(a, b, m, k, n, false, false));
    assert.equal(sparseProductCount(), before + 1, "10 % zeros were not skipped with 'always'");
    assertDenseBits('', skipped, dense);
  });

  it('not when B holds Inf or NaN (0·Inf is NaN: skipping would hide it), nor for few zeros', () => {
    const [m, k, n] = [16, 50, 20];
    const a = sparse(m * k, 0.9);
    for (let i = 0; i < m; i++) a[i * k + 7] = 0; // column 7 of A all zeros …
    const b = values(k * n, 1);
    b[7 * n + 3] = Number.POSITIVE_INFINITY; // … meets Inf in row 7 of B
    const before = sparseProductCount();
    const c = product(a, b, m, k, n, false, false);
    assert.equal(sparseProductCount(), before, 'the zeros were skipped although B holds Inf');
    for (let i = 0; i < m; i++) assert.ok(Number.isNaN(c[i * n + 3]!), `row ${i}: 0·Inf must give NaN`);
    product(values(m * k, 1), values(k * n, 1), m, k, n, false, false);
    assert.equal(sparseProductCount(), before, 'a dense A took the sparse kernel');
  });

  it('not when B holds Inf or NaN, with B packed in panels (transposed, or large)', () => {
    for (const [k, n, transB] of [
      [50, 40, true],
      [512, 260, false],
      [512, 260, true],
    ] as const) {
      const m = 16;
      // Row 7, column 33: in a panel's second half (or the ragged panel's last 8 columns). Row
      // k − 3, column 130 (or the last): a later block of rows and, for n = 260, a later group of
      // panels (packPanels copies a row-major B in tiles of 2 panels × 32 rows).
      for (const [row, col] of [
        [7, 33],
        [k - 3, Math.min(130, n - 1)],
      ] as const) {
        const a = sparse(m * k, 0.9);
        for (let i = 0; i < m; i++) a[i * k + row] = 0;
        for (const special of [Number.NEGATIVE_INFINITY, Number.NaN]) {
          const b = values(k * n, 1);
          b[row * n + col] = special;
          const before = sparseProductCount();
          const c = product(a, b, m, k, n, false, transB);
          const label = `${m}×${k}×${n} transB=${transB} B holding ${special} at (${row}, ${col})`;
          assert.equal(sparseProductCount(), before, `${label}: the zeros were skipped`);
          for (let i = 0; i < m; i++)
            assert.ok(Number.isNaN(c[i * n + col]!), `${label}, row ${i}: expected NaN`);
          // Large finite values (their sum would overflow) do not count as Inf: the zeros are skipped.
          b[row * n + col] = 3e38;
          b[row * n + col - 1] = 3e38;
          b[row * n + col - 2] = 3e38;
          product(a, b, m, k, n, false, transB);
          assert.equal(sparseProductCount(), before + 1, `${label}: finite B not skipped`);
        }
      }
    }
  });
});

describe('wasm im2col and col2im agree with the TypeScript ones', { skip }, () => {
  it('over padding, strides, dilation, non-square kernels and channel counts', () => {
    const cases: [number[], [number, number], [number, number], [number, number], 'valid' | 'same'][] = [
      [[3, 28, 28, 1], [5, 5], [1, 1], [1, 1], 'same'],
      [[2, 7, 9, 3], [3, 3], [2, 2], [1, 1], 'same'],
      [[2, 9, 8, 2], [3, 3], [1, 1], [2, 2], 'valid'],
      [[2, 8, 7, 5], [4, 4], [2, 1], [1, 1], 'same'],
      [[1, 6, 6, 4], [1, 1], [1, 1], [1, 1], 'valid'],
      [[2, 5, 6, 2], [3, 2], [1, 2], [1, 1], 'same'],
      [[2, 10, 10, 3], [3, 3], [1, 1], [2, 3], 'same'],
    ];
    for (const [shape, kernel, strides, dilation, padding] of cases) {
      const g = windowGeometry('im2col', shape, kernel, strides, dilation, padding);
      const label = `${shape.join('×')} kernel ${kernel} strides ${strides} dilation ${dilation} ${padding}`;
      const colsLength = g.batch * g.outH * g.outW * g.kernelH * g.kernelW * g.channels;
      const [xt, xw] = onBoth(values(shape.reduce((a, b) => a * b, 1)));
      const ct = tsBackend.alloc(colsLength);
      const cw = wasm.alloc(colsLength);
      tsBackend.im2col(xt, g, ct, 0);
      wasm.im2col(xw, g, cw, 0);
      agree(wasm.read(cw), tsBackend.read(ct), `im2col ${label}`, 0);
      const [dt, dw] = onBoth(values(colsLength));
      const it = tsBackend.alloc(xt.length);
      const iw = wasm.alloc(xw.length);
      tsBackend.col2im(dt, g, it);
      wasm.col2im(dw, g, iw);
      // Sums of the same terms, possibly in another order.
      agree(wasm.read(iw), tsBackend.read(it), `col2im ${label}`, 1e-5, 1e-5);
    }
  });
});

describe('wasm sums agree with the TypeScript ones bit for bit', { skip }, () => {
  it('along the middle axis, columns in float64 registers (blocks of 16, 8, 4, then one by one)', () => {
    for (const [outer, size, inner] of [
      [1, 128, 1024], // a wide layer's bias gradient
      [1, 100, 100],
      [2, 7, 1030], // blocks of 16, then 4, then 2 columns alone
      [1, 128, 10],
      [3, 33, 1], // a sum over the whole axis
      [2, 5, 7],
      [1, 1000, 8],
      [3, 77, 16],
      [2, 91, 20],
      [1, 64, 12],
      [1, 5000, 8],
      [2, 40, 28],
      [2, 50, 5],
      [1, 10, 100],
      [4, 1, 4],
      [2, 333, 64],
    ] as const) {
      const [xt, xw] = onBoth(values(outer * size * inner));
      const ot = tsBackend.alloc(outer * inner);
      const ow = wasm.alloc(outer * inner);
      tsBackend.reduce('sum', xt, outer, size, inner, ot);
      wasm.reduce('sum', xw, outer, size, inner, ow);
      agree(wasm.read(ow), tsBackend.read(ot), `sum over [${outer}, ${size}, ${inner}]`, 0);
    }
  });
});
