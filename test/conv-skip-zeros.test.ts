/**
 * The wasm convolution kernels that skip the input's zeros (an image batch like MNIST's pixels:
 * assembly/conv.ts's scatterImage for the forward product, listNonzeros + tapSums for the kernel
 * gradient), the input gradient skipping dY's zeros (the sparse product, then col2im), the dense
 * forward reading windows in place (windowsTimesW, against im2col · W), max pooling and its
 * channel-vectorised gradient (written cell by cell once where windows tile the image), and
 * dropout's bulk mask draw: each gives
 * the bits of the dense path it replaces (Object.is, element by element), and agrees with a float64
 * reference written here. Where a zero meets Inf or NaN in the other operand, nothing is skipped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WindowGeometry } from '../src/backend/backend.js';
import { tsBackend } from '../src/backend/ts/index.js';
import {
  createWasmBackend,
  setSkipZeros,
  sparseProductCount,
  wasmSimdSupported,
} from '../src/backend/wasm/index.js';
import { Rng } from '../src/index.js';
import { windowGeometry } from '../src/ops/conv.js';

const skip = !wasmSimdSupported();
const wasm = skip ? tsBackend : createWasmBackend();
const rng = new Rng(19);

/** Normal values with about `zeros` of them zero (some −0). */
function sparse(n: number, zeros: number): Float32Array {
  const v = Float32Array.from({ length: n }, () => rng.normal());
  for (let i = 0; i < n; i++) if (rng.uniform() < zeros) v[i] = i % 3 === 0 ? -0 : 0;
  return v;
}
const normal = (n: number) => sparse(n, 0);

/** y[n, oy, ox, f] = Σ x[n, oy·s − pad + ky, ox·s − pad + kx, c] · w[ky, kx, c, f], in float64. */
function refForward(x: Float32Array, w: Float32Array, g: WindowGeometry, f: number): Float64Array {
  const y = new Float64Array(g.batch * g.outH * g.outW * f);
  eachTerm(g, f, (xi, wi, yi) => {
    y[yi] += x[xi]! * w[wi]!;
  });
  return y;
}
/** dW[ky, kx, c, f] = Σ x[…] · dY[n, oy, ox, f], in float64. */
function refKernelGrad(x: Float32Array, dy: Float32Array, g: WindowGeometry, f: number): Float64Array {
  const dw = new Float64Array(g.kernelH * g.kernelW * g.channels * f);
  eachTerm(g, f, (xi, wi, yi) => {
    dw[wi] += x[xi]! * dy[yi]!;
  });
  return dw;
}
/** dX[n, iy, ix, c] = Σ dY[n, oy, ox, f] · w[ky, kx, c, f] over the windows that read it, in float64. */
function refInputGrad(dy: Float32Array, w: Float32Array, g: WindowGeometry, f: number): Float64Array {
  const dx = new Float64Array(g.batch * g.inH * g.inW * g.channels);
  eachTerm(g, f, (xi, wi, yi) => {
    dx[xi] += dy[yi]! * w[wi]!;
  });
  return dx;
}
/** Every term of the convolution: indices into x, w and y (dilation 1 here). */
function eachTerm(g: WindowGeometry, f: number, term: (xi: number, wi: number, yi: number) => void): void {
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++)
        for (let ky = 0; ky < g.kernelH; ky++)
          for (let kx = 0; kx < g.kernelW; kx++) {
            const iy = oy * g.strideH - g.padTop + ky;
            const ix = ox * g.strideW - g.padLeft + kx;
            if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
            for (let c = 0; c < g.channels; c++)
              for (let j = 0; j < f; j++)
                term(
                  ((n * g.inH + iy) * g.inW + ix) * g.channels + c,
                  ((ky * g.kernelW + kx) * g.channels + c) * f + j,
                  ((n * g.outH + oy) * g.outW + ox) * f + j,
                );
          }
}

function near(actual: Float32Array, expected: Float64Array, label: string): void {
  let scale = 0;
  for (const e of expected) scale = Math.max(scale, Math.abs(e));
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > 1e-5 * scale + 1e-6) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, float64 gives ${expected[i]}`);
    }
  }
}
function sameBits(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${label}: element ${i} is ${actual[i]} skipping zeros, ${expected[i]} dense`);
    }
  }
}

/** Run `op` with the wasm backend allowed to skip zeros, then not; returns both results and whether it skipped. */
function bothWays(op: () => Float32Array): { skipped: Float32Array; dense: Float32Array; didSkip: boolean } {
  const before = sparseProductCount();
  const skipped = op();
  const didSkip = sparseProductCount() > before;
  setSkipZeros(false);
  try {
    return { skipped, dense: op(), didSkip };
  } finally {
    setSkipZeros(true);
  }
}

// [batch, H, W, C], kernel, padding, filters: one channel (MNIST-like) and several; 'same' and
// 'valid'; filter counts that take each accumulator width (16, 8, 4 lanes) and more than one part.
const CASES: [number[], [number, number], 'same' | 'valid', number][] = [
  [[9, 28, 28, 1], [5, 5], 'same', 8],
  [[5, 28, 28, 1], [3, 3], 'valid', 32],
  [[3, 11, 9, 1], [3, 2], 'same', 20],
  [[3, 10, 12, 1], [4, 3], 'valid', 12],
  [[4, 9, 9, 3], [3, 3], 'same', 16],
  [[2, 8, 10, 8], [5, 5], 'same', 4],
  // Rows or columns past 16 bits (a Conv1D over a long signal is a one-row image): the listed
  // nonzeros keep their coordinates whole.
  [[1, 1, 70000, 1], [1, 5], 'same', 4],
  [[1, 66000, 1, 1], [5, 1], 'same', 4],
];

describe('wasm convolution skipping the input’s zeros', { skip }, () => {
  for (const [shape, kernel, padding, filters] of CASES) {
    const g = windowGeometry('conv2d', shape, kernel, [1, 1], [1, 1], padding);
    const label = `${shape.join('×')} kernel ${kernel.join('×')} ${padding} → ${filters}`;
    const xSize = shape.reduce((a, b) => a * b, 1);
    const wSize = kernel[0] * kernel[1] * g.channels * filters;
    const ySize = g.batch * g.outH * g.outW * filters;

    it(`${label}: forward with the dense bits, near float64`, () => {
      const x = sparse(xSize, 0.85);
      const w = normal(wSize);
      const run = () => {
        const out = wasm.alloc(ySize);
        assert.ok(wasm.convForward!(wasm.fromValues(x), g, wasm.fromValues(w), filters, out));
        return wasm.read(out);
      };
      const { skipped, dense, didSkip } = bothWays(run);
      assert.ok(didSkip, `${label}: the input's zeros were not skipped`);
      sameBits(skipped, dense, label);
      near(skipped, refForward(x, w, g, filters), label);
    });

    it(`${label}: kernel gradient with the dense bits, near float64`, () => {
      const x = sparse(xSize, 0.85);
      const dy = normal(ySize);
      const run = () => {
        const dw = wasm.alloc(wSize);
        assert.ok(wasm.convKernelGrad!(wasm.fromValues(x), g, wasm.fromValues(dy), filters, dw));
        return wasm.read(dw);
      };
      const { skipped, dense, didSkip } = bothWays(run);
      // One channel skips the input's zeros; several do not (dY is dense here): same bits either way.
      assert.equal(didSkip, g.channels === 1, `${label}: skipped zeros: ${didSkip}`);
      sameBits(skipped, dense, label);
      near(skipped, refKernelGrad(x, dy, g, filters), label);
    });
  }

  for (const [shape, kernel, strides, padding, filters] of [
    [[3, 14, 14, 8], [5, 5], [1, 1], 'same', 16], // runs of 40 floats: 32 + 4 + 4
    [[2, 12, 12, 32], [3, 3], [1, 1], 'valid', 24], // runs of 96: three blocks of 32
    [[3, 9, 11, 3], [3, 3], [2, 2], 'same', 12], // runs of 9: 4 + 4 + 1 lane; strides
    [[2, 10, 9, 1], [5, 5], [1, 1], 'same', 8], // runs of 5: 4 + 1
    [[2, 8, 8, 2], [3, 2], [2, 1], 'valid', 20], // runs of 4, rows and columns left over
    [[2, 9, 9, 1], [3, 3], [1, 1], 'same', 8], // runs of 3 lanes
    [[2, 8, 7, 7], [2, 1], [1, 1], 'same', 4], // runs of 7: 4 + 3
  ] as [number[], [number, number], [number, number], 'valid' | 'same', number][]) {
    const g = windowGeometry('conv2d', shape, kernel, strides, [1, 1], padding);
    const label = `${shape.join('×')} kernel ${kernel.join('×')} strides ${strides.join('×')} ${padding} → ${filters}`;
    it(`${label}: input gradient skipping dY's zeros, with the dense bits, near float64`, () => {
      const xSize = shape.reduce((a, b) => a * b, 1);
      const w = normal(kernel[0] * kernel[1] * g.channels * filters);
      // ~85 % zeros, and whole pixels of zeros (a pooled gradient): both kinds of skipping.
      const dy = sparse(g.batch * g.outH * g.outW * filters, 0.85);
      for (let p = 0; p < g.batch * g.outH * g.outW; p += 3) dy.fill(0, p * filters, (p + 1) * filters);
      const run = () => {
        const dx = wasm.alloc(xSize);
        assert.ok(wasm.convInputGrad!(wasm.fromValues(dy), g, wasm.fromValues(w), filters, dx));
        return wasm.read(dx);
      };
      const { skipped, dense, didSkip } = bothWays(run);
      assert.ok(didSkip, `${label}: dY's zeros were not skipped`);
      sameBits(skipped, dense, label);
      near(skipped, refInputGrad(dy, w, g, filters), label);
    });
  }

  it('not where a zero meets Inf or NaN: W with Inf (forward), dY with Inf and NaN (kernel gradient)', () => {
    const g = windowGeometry('conv2d', [7, 28, 28, 1], [5, 5], [1, 1], [1, 1], 'same');
    const filters = 8;
    const x = sparse(7 * 784, 0.85);
    // Image 6 all zeros: its dY's Inf and NaN meet only zeros, which must still make NaN.
    x.fill(0, 6 * 784);
    const w = normal(25 * filters);
    w[3 * filters + 2] = Number.POSITIVE_INFINITY;
    const before = sparseProductCount();
    const out = wasm.alloc(7 * 784 * filters);
    wasm.convForward!(wasm.fromValues(x), g, wasm.fromValues(w), filters, out);
    assert.equal(sparseProductCount(), before, 'the forward skipped zeros although W holds Inf');
    const y = wasm.read(out);
    // Every output pixel of image 6 reaches tap 3 inside the image or not; those inside meet 0·Inf.
    const pixel = (6 * 28 + 14) * 28 + 14;
    assert.ok(Number.isNaN(y[pixel * filters + 2]!), 'a window of zeros times Inf must be NaN');

    const dy = normal(7 * 784 * filters);
    dy[pixel * filters + 1] = Number.POSITIVE_INFINITY;
    dy[(pixel + 1) * filters + 5] = Number.NaN;
    const run = () => {
      const dw = wasm.alloc(25 * filters);
      wasm.convKernelGrad!(wasm.fromValues(x), g, wasm.fromValues(dy), filters, dw);
      return wasm.read(dw);
    };
    const { skipped, dense } = bothWays(run);
    sameBits(skipped, dense, 'kernel gradient with Inf and NaN in dY');
    for (let tap = 0; tap < 25; tap++) {
      assert.ok(Number.isNaN(skipped[tap * filters + 1]!), `tap ${tap}, filter 1: 0·Inf must give NaN`);
      assert.ok(Number.isNaN(skipped[tap * filters + 5]!), `tap ${tap}, filter 5: NaN must come through`);
    }
  });
});

/** y[n, oy, ox, f] = Σ x[…] · w[ky, kx, c, f] with strides, dilation and padding, in float64. */
function refForwardDilated(x: Float32Array, w: Float32Array, g: WindowGeometry, f: number): Float64Array {
  const y = new Float64Array(g.batch * g.outH * g.outW * f);
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++)
        for (let ky = 0; ky < g.kernelH; ky++)
          for (let kx = 0; kx < g.kernelW; kx++) {
            const iy = oy * g.strideH - g.padTop + ky * g.dilationH;
            const ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
            if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
            for (let c = 0; c < g.channels; c++)
              for (let j = 0; j < f; j++)
                y[((n * g.outH + oy) * g.outW + ox) * f + j] +=
                  x[((n * g.inH + iy) * g.inW + ix) * g.channels + c]! *
                  w[((ky * g.kernelW + kx) * g.channels + c) * f + j]!;
          }
  return y;
}

// The dense forward reads each window where it lies in the (framed) image instead of unfolding it
// first (assembly/conv.ts's windowsTimesW, dilationW 1): output pixels per image not a multiple of
// 4 (a ragged last block), filters not a multiple of 8, strides, vertical dilation, 'same' and
// 'valid'; horizontal dilation (2) still unfolds. [shape, kernel, strides, dilation, padding, filters].
const DENSE_CASES: [
  number[],
  [number, number],
  [number, number],
  [number, number],
  'same' | 'valid',
  number,
][] = [
  [[3, 14, 14, 8], [5, 5], [1, 1], [1, 1], 'same', 16],
  [[2, 9, 7, 3], [3, 2], [1, 1], [1, 1], 'same', 5],
  [[2, 11, 10, 4], [3, 3], [2, 3], [1, 1], 'valid', 12],
  [[2, 12, 9, 2], [3, 3], [1, 1], [2, 1], 'same', 9],
  [[2, 10, 10, 3], [2, 3], [1, 1], [1, 2], 'valid', 8],
  [[1, 6, 5, 32], [3, 3], [1, 1], [1, 1], 'valid', 64],
];

describe('wasm dense convolution forward, windows read in place', { skip }, () => {
  for (const [shape, kernel, strides, dilation, padding, filters] of DENSE_CASES) {
    const g = windowGeometry('conv2d', shape, kernel, strides, dilation, padding);
    const label = `${shape.join('×')} kernel ${kernel.join('×')} strides ${strides} dilation ${dilation} ${padding} → ${filters}`;
    it(`${label}: near float64, the unfolded product's bits`, () => {
      const x = normal(shape.reduce((a, b) => a * b, 1));
      const row = kernel[0] * kernel[1] * g.channels;
      const w = normal(row * filters);
      const m = g.batch * g.outH * g.outW;
      const out = wasm.alloc(m * filters);
      assert.ok(wasm.convForward!(wasm.fromValues(x), g, wasm.fromValues(w), filters, out));
      const y = wasm.read(out);
      near(y, refForwardDilated(x, w, g, filters), label);
      // The same sums in the same order as the unfolded rows times W (im2col, then matmul).
      const cols = wasm.alloc(m * row);
      wasm.im2col(wasm.fromValues(x), g, cols, 0);
      const product = wasm.alloc(m * filters);
      const spec = {
        batch: 1,
        m,
        k: row,
        n: filters,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      };
      wasm.matmul(cols, wasm.fromValues(w), product, spec);
      sameBits(y, wasm.read(product), `${label} (against im2col · W)`);
    });
  }
});

describe('wasm max pooling and its gradient, four channels at a time', { skip }, () => {
  it('the TypeScript kernels’ bits: channel tails, overlapping and padded windows, ties, −∞ and NaN', () => {
    for (const [shape, pool, strides, padding] of [
      [[3, 28, 28, 8], [2, 2], [2, 2], 'valid'], // windows tiling the image: each cell written once
      [[2, 9, 6, 4], [3, 2], [3, 2], 'valid'],
      [[2, 9, 9, 6], [2, 2], [2, 2], 'valid'], // 4 + 2 channels, a row and column left over
      [[2, 9, 8, 5], [3, 3], [2, 2], 'same'], // overlapping windows sum, padding cells
      [[2, 6, 7, 12], [3, 2], [1, 1], 'same'],
      [[2, 5, 5, 4], [4, 4], [3, 3], 'same'], // windows mostly padding
    ] as [number[], [number, number], [number, number], 'valid' | 'same'][]) {
      const g = windowGeometry('maxPool2d', shape, pool, strides, [1, 1], padding);
      const label = `${shape.join('×')} pool ${pool.join('×')} strides ${strides.join('×')} ${padding}`;
      const xSize = shape.reduce((a, b) => a * b, 1);
      // Rounded values: ties inside windows; some −0 in dY.
      const x = Float32Array.from(normal(xSize), (v) => Math.round(v * 2) / 2);
      // −∞ runs (windows of −∞ where they cover one: ties on the first cell inside) and a NaN.
      for (let i = 0; i < xSize; i += 13) x[i] = Number.NEGATIVE_INFINITY;
      x.fill(Number.NEGATIVE_INFINITY, 0, 3 * shape[2]! * shape[3]!);
      x[xSize - 5] = Number.NaN;
      const outSize = g.batch * g.outH * g.outW * g.channels;
      const dy = sparse(outSize, 0.3);
      const results = [wasm, tsBackend].map((b) => {
        const out = b.alloc(outSize);
        const argmax = b.alloc(outSize);
        b.maxPool(b.fromValues(x), g, out, argmax);
        // dx starts as NaN: every cell must be written, winner or not.
        const dx = b.fromValues(new Float32Array(xSize).fill(Number.NaN));
        b.maxPoolGrad(b.fromValues(dy), argmax, g, dx);
        return [b.read(out), b.read(argmax), b.read(dx)];
      });
      sameBits(results[0]![0]!, results[1]![0]!, `${label}: max`);
      sameBits(results[0]![1]!, results[1]![1]!, `${label}: argmax`);
      sameBits(results[0]![2]!, results[1]![2]!, `${label}: gradient`);
    }
  });
});

describe('Rng.fillBernoulli (dropout masks)', () => {
  it('draws exactly what uniform() < p ? value : 0 draws, one by one, and leaves the same state', () => {
    for (const [p, value] of [
      [0.75, 1 / 0.75],
      [0.5, 2],
      [0.3, -1.5],
      [0, 1],
      [1, 1],
    ] as const) {
      const a = new Rng(7);
      const b = new Rng(7);
      const mask = new Float32Array(10001);
      a.fillBernoulli(mask, p, value);
      for (let i = 0; i < mask.length; i++) {
        const expected = Math.fround(b.uniform() < p ? value : 0);
        if (!Object.is(mask[i], expected))
          assert.fail(`p ${p}: element ${i} is ${mask[i]}, uniform() gives ${expected}`);
      }
      assert.equal(a.nextUint32(), b.nextUint32(), `p ${p}: the generators parted`);
    }
  });
});
