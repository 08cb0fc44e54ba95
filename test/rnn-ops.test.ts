/**
 * The fused sequence ops lstmSequence and gruSequence: values against a float64 reference of the
 * Keras equations written out below with plain numbers, gradients against central differences
 * (gradcheck, and gradgradcheck for the createGraph path), the fused kernels against the
 * composition a backend without them runs (and, on wasm with threads, the steps split over workers),
 * and their errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradcheck, gradgradcheck } from '../src/autograd/gradcheck.js';
import type { Backend } from '../src/backend/backend.js';
import { backendByName } from '../src/backend/registry.js';
import {
  ArgumentError,
  concat,
  getBackend,
  gruSequence,
  lstmSequence,
  randn,
  ShapeError,
  Tensor,
  tensor,
  threadStats,
} from '../src/node/index.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

const B = 2;
const T = 4;
const F = 3;
const U = 3;

type Matrix = number[][];
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const rows = (t: Tensor): Matrix => {
  const v = flat(t);
  const cols = t.shape[t.ndim - 1]!;
  return Array.from({ length: v.length / cols }, (_, r) => v.slice(r * cols, (r + 1) * cols));
};
/** row · M for a row vector and a matrix given as rows. */
const vecMat = (v: number[], m: Matrix): number[] =>
  m[0]!.map((_, j) => v.reduce((s, vi, i) => s + vi * m[i]![j]!, 0));

/** Keras LSTM in float64: returns h for every processed step, and the final h and c. */
function lstmReference(
  x: Tensor,
  h0: Tensor,
  c0: Tensor,
  W: Tensor,
  Uk: Tensor,
  b: Tensor | null,
  goBackwards: boolean,
): { hs: Matrix[]; h: Matrix; c: Matrix } {
  const xs = flat(x);
  const [w, u] = [rows(W), rows(Uk)];
  const bias = b ? flat(b) : new Array(4 * U).fill(0);
  let h = rows(h0);
  let c = rows(c0);
  const hs: Matrix[] = [];
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    const next = h.map((hr, n) => {
      const xt = xs.slice((n * T + t) * F, (n * T + t + 1) * F);
      const xw = vecMat(xt, w);
      const hu = vecMat(hr, u);
      const z = xw.map((v, k) => v + hu[k]! + bias[k]!);
      const hNew: number[] = [];
      const cNew: number[] = [];
      for (let j = 0; j < U; j++) {
        const i = sig(z[j]!);
        const f = sig(z[U + j]!);
        const g = Math.tanh(z[2 * U + j]!);
        const o = sig(z[3 * U + j]!);
        cNew.push(f * c[n]![j]! + i * g);
        hNew.push(o * Math.tanh(cNew[j]!));
      }
      return [hNew, cNew] as const;
    });
    h = next.map((p) => p[0]);
    c = next.map((p) => p[1]);
    hs.push(h);
  }
  return { hs, h, c };
}

/** Keras GRU in float64, both reset_after modes. */
function gruReference(
  x: Tensor,
  h0: Tensor,
  W: Tensor,
  Uk: Tensor,
  b: Tensor | null,
  resetAfter: boolean,
  goBackwards: boolean,
): { hs: Matrix[]; h: Matrix } {
  const xs = flat(x);
  const [w, u] = [rows(W), rows(Uk)];
  const bv = b ? flat(b) : new Array(6 * U).fill(0);
  const bIn = bv.slice(0, 3 * U);
  const bRec = resetAfter ? bv.slice(3 * U, 6 * U) : new Array(3 * U).fill(0);
  let h = rows(h0);
  const hs: Matrix[] = [];
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    h = h.map((hr, n) => {
      const xt = xs.slice((n * T + t) * F, (n * T + t + 1) * F);
      const xz = vecMat(xt, w).map((v, k) => v + bIn[k]!);
      const rec = vecMat(hr, u).map((v, k) => v + bRec[k]!);
      const z = hr.map((_, j) => sig(xz[j]! + rec[j]!));
      const r = hr.map((_, j) => sig(xz[U + j]! + rec[U + j]!));
      let cand: number[];
      if (resetAfter) {
        cand = hr.map((_, j) => Math.tanh(xz[2 * U + j]! + r[j]! * rec[2 * U + j]!));
      } else {
        const rh = hr.map((v, j) => v * r[j]!);
        const uh = u.map((row) => row.slice(2 * U));
        const p = vecMat(rh, uh);
        cand = hr.map((_, j) => Math.tanh(xz[2 * U + j]! + p[j]!));
      }
      return hr.map((hp, j) => z[j]! * hp + (1 - z[j]!) * cand[j]!);
    });
    hs.push(h);
  }
  return { hs, h };
}

/** [batch, time, units] from the reference's per-step lists. */
const sequence = (hs: Matrix[]): number[] =>
  Array.from({ length: B }, (_, n) => hs.flatMap((step) => step[n]!)).flat();

describeEachBackend('lstmSequence', () => {
  const operands = (seed: number) => ({
    x: randn([B, T, F], { seed }),
    h0: randn([B, U], { seed: seed + 1 }),
    c0: randn([B, U], { seed: seed + 2 }),
    W: randn([F, 4 * U], { seed: seed + 3, std: 0.6 }),
    Uk: randn([U, 4 * U], { seed: seed + 4, std: 0.6 }),
    b: randn([4 * U], { seed: seed + 5, std: 0.5 }),
  });

  for (const goBackwards of [false, true]) {
    it(`matches the float64 Keras equations (goBackwards ${goBackwards})`, () => {
      const { x, h0, c0, W, Uk, b } = operands(10);
      const ref = lstmReference(x, h0, c0, W, Uk, b, goBackwards);
      const seq = lstmSequence(x, h0, c0, W, Uk, b, { goBackwards, returnSequences: true });
      assert.deepEqual(seq.output.shape, [B, T, U]);
      assertClose(seq.output, sequence(ref.hs), 1e-5, 1e-4);
      assertClose(seq.h, ref.h.flat(), 1e-5, 1e-4);
      assertClose(seq.c, ref.c.flat(), 1e-5, 1e-4);
      const last = lstmSequence(x, h0, c0, W, Uk, b, { goBackwards });
      assert.deepEqual(last.output.shape, [B, U]);
      assertClose(last.output, ref.h.flat(), 1e-5, 1e-4);
    });
  }

  it('null states are zeros and a null bias is none', () => {
    const { x, W, Uk } = operands(20);
    const zeros = tensor(new Array(B * U).fill(0)).reshape([B, U]);
    const ref = lstmReference(x, zeros, zeros, W, Uk, null, false);
    const out = lstmSequence(x, null, null, W, Uk, null);
    assertClose(out.h, ref.h.flat(), 1e-5, 1e-4);
    assertClose(out.c, ref.c.flat(), 1e-5, 1e-4);
  });

  for (const [goBackwards, returnSequences] of [
    [false, true],
    [true, false],
  ] as const) {
    it(`gradcheck through every step, gate and state (goBackwards ${goBackwards}, returnSequences ${returnSequences})`, () => {
      const { x, h0, c0, W, Uk, b } = operands(30);
      const result = gradcheck(
        (...a) => {
          const o = lstmSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, { goBackwards, returnSequences });
          return concat([o.output.reshape([-1]), o.h.reshape([-1]).mul(0.5), o.c.reshape([-1]).mul(0.7)]);
        },
        [x, h0, c0, W, Uk, b],
      );
      assert.ok(result.ok, `max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
    });
  }

  it('second derivatives (createGraph differentiates the composition)', () => {
    const s = 40;
    const x = randn([1, 3, 2], { seed: s });
    const h0 = randn([1, 2], { seed: s + 1 });
    const c0 = randn([1, 2], { seed: s + 2 });
    const W = randn([2, 8], { seed: s + 3, std: 0.6 });
    const Uk = randn([2, 8], { seed: s + 4, std: 0.6 });
    const b = randn([8], { seed: s + 5, std: 0.5 });
    const result = gradgradcheck(
      (...a) => {
        const o = lstmSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, { returnSequences: true });
        return concat([o.output.reshape([-1]), o.c.reshape([-1])]);
      },
      [x, h0, c0, W, Uk, b],
    );
    assert.ok(result.ok, `max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
  });

  it('one tensor as both h0 and c0: its gradient counted once per use, to second order', () => {
    const s = 45;
    const inputs = [
      randn([1, 3, 2], { seed: s }),
      randn([1, 2], { seed: s + 1 }),
      randn([2, 8], { seed: s + 2, std: 0.6 }),
      randn([2, 8], { seed: s + 3, std: 0.6 }),
    ];
    const f = (...a: Tensor[]) =>
      lstmSequence(a[0]!, a[1]!, a[1]!, a[2]!, a[3]!, null, { returnSequences: true }).output;
    for (const result of [gradcheck(f, inputs), gradgradcheck(f, inputs)]) {
      assert.ok(result.ok, `max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
    }
  });

  it('names the operand and the shapes when one is wrong', () => {
    const { x, h0, c0, W, Uk, b } = operands(50);
    assert.throws(
      () => lstmSequence(x, h0, c0, W, Uk, randn([3 * U])),
      (e: unknown) => {
        return e instanceof ShapeError && /lstmSequence: bias must be \[12\].*got \[9\]/.test(e.message);
      },
    );
    assert.throws(
      () => lstmSequence(x, h0, c0, randn([F + 1, 4 * U]), Uk, b),
      /lstmSequence: kernel must be \[3, 12\]/,
    );
    assert.throws(
      () => lstmSequence(x, randn([B + 1, U]), c0, W, Uk, b),
      /lstmSequence: h0 must be \[2, 3\]/,
    );
    assert.throws(
      () => lstmSequence(x.reshape([B, T * F]), h0, c0, W, Uk, b),
      /x must be \[batch, time, features\]/,
    );
  });
});

describeEachBackend('gruSequence', () => {
  const operands = (seed: number, resetAfter: boolean) => ({
    x: randn([B, T, F], { seed }),
    h0: randn([B, U], { seed: seed + 1 }),
    W: randn([F, 3 * U], { seed: seed + 3, std: 0.6 }),
    Uk: randn([U, 3 * U], { seed: seed + 4, std: 0.6 }),
    b: randn(resetAfter ? [2, 3 * U] : [3 * U], { seed: seed + 5, std: 0.5 }),
  });

  for (const resetAfter of [true, false]) {
    for (const goBackwards of [false, true]) {
      it(`matches the float64 Keras equations (resetAfter ${resetAfter}, goBackwards ${goBackwards})`, () => {
        const { x, h0, W, Uk, b } = operands(60, resetAfter);
        const ref = gruReference(x, h0, W, Uk, b, resetAfter, goBackwards);
        const seq = gruSequence(x, h0, W, Uk, b, { resetAfter, goBackwards, returnSequences: true });
        assertClose(seq.output, sequence(ref.hs), 1e-5, 1e-4);
        assertClose(seq.h, ref.h.flat(), 1e-5, 1e-4);
        assertClose(
          gruSequence(x, h0, W, Uk, b, { resetAfter, goBackwards }).output,
          ref.h.flat(),
          1e-5,
          1e-4,
        );
      });
    }

    it(`gradcheck through every step and gate (resetAfter ${resetAfter})`, () => {
      const { x, h0, W, Uk, b } = operands(70, resetAfter);
      const result = gradcheck(
        (...a) => {
          const o = gruSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, { resetAfter, returnSequences: true });
          return concat([o.output.reshape([-1]), o.h.reshape([-1]).mul(0.5)]);
        },
        [x, h0, W, Uk, b],
      );
      assert.ok(result.ok, `max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
    });
  }

  it('second derivatives (resetAfter, createGraph)', () => {
    const s = 80;
    const result = gradgradcheck(
      (...a) =>
        gruSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, { resetAfter: true, returnSequences: true }).output,
      [
        randn([1, 3, 2], { seed: s }),
        randn([1, 2], { seed: s + 1 }),
        randn([2, 6], { seed: s + 2, std: 0.6 }),
        randn([2, 6], { seed: s + 3, std: 0.6 }),
        randn([2, 6], { seed: s + 4, std: 0.5 }),
      ],
    );
    assert.ok(result.ok, `max error ${result.maxError} at ${JSON.stringify(result.worst)}`);
  });

  it('checks the bias layout of each resetAfter mode', () => {
    const { x, h0, W, Uk } = operands(90, true);
    assert.throws(
      () => gruSequence(x, h0, W, Uk, randn([3 * U]), { resetAfter: true }),
      /gruSequence: bias must be \[2, 9\]/,
    );
    assert.throws(
      () => gruSequence(x, h0, W, Uk, randn([2, 3 * U]), { resetAfter: false }),
      /gruSequence: bias must be \[9\]/,
    );
    assert.throws(
      () => gruSequence(x, h0, W, Uk, null, undefined as never),
      (e: unknown) =>
        e instanceof ArgumentError && /gruSequence: options.resetAfter must be true/.test(e.message),
    );
  });
});

describe('sequence ops on a backend without the recurrent kernels', () => {
  const ts = backendByName('ts');
  const bare: Backend = {
    ...ts,
    name: 'bare',
    lstmCell: undefined,
    lstmCellGrad: undefined,
    gruCell: undefined,
    gruCellGrad: undefined,
  };
  const on = (backend: Backend, t: Tensor): Tensor =>
    new Tensor(backend.fromValues(t.dataSync()), t.shape, backend, true);
  const programs: [string, (a: Tensor[]) => Tensor, Tensor[]][] = [
    [
      'lstmSequence',
      (a) => {
        const o = lstmSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, {
          returnSequences: true,
          goBackwards: true,
        });
        return o.output.square().sum().add(o.c.sum());
      },
      [
        randn([3, 5, 4], { seed: 1 }),
        randn([3, 6], { seed: 2 }),
        randn([3, 6], { seed: 3 }),
        randn([4, 24], { seed: 4, std: 0.5 }),
        randn([6, 24], { seed: 5, std: 0.5 }),
        randn([24], { seed: 6 }),
      ],
    ],
    [
      'gruSequence',
      (a) =>
        gruSequence(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, { resetAfter: true, returnSequences: true })
          .output.square()
          .sum(),
      [
        randn([3, 5, 4], { seed: 7 }),
        randn([3, 6], { seed: 8 }),
        randn([4, 18], { seed: 9, std: 0.5 }),
        randn([6, 18], { seed: 10, std: 0.5 }),
        randn([2, 18], { seed: 11 }),
      ],
    ],
    [
      'lstmSequence, steps large enough to be split over threads',
      (a) =>
        lstmSequence(a[0]!, null, null, a[1]!, a[2]!, a[3]!, { returnSequences: true }).output.square().sum(),
      [
        randn([64, 3, 5], { seed: 15 }),
        randn([5, 4 * 130], { seed: 16, std: 0.3 }),
        randn([130, 4 * 130], { seed: 17, std: 0.1 }),
        randn([4 * 130], { seed: 18 }),
      ],
    ],
    [
      'gruSequence, steps large enough to be split over threads',
      (a) =>
        gruSequence(a[0]!, null, a[1]!, a[2]!, a[3]!, { resetAfter: true, returnSequences: true })
          .output.square()
          .sum(),
      [
        randn([64, 3, 5], { seed: 19 }),
        randn([5, 3 * 130], { seed: 20, std: 0.3 }),
        randn([130, 3 * 130], { seed: 21, std: 0.1 }),
        randn([2, 3 * 130], { seed: 22 }),
      ],
    ],
  ];
  for (const [name, program, values] of programs) {
    it(`${name}: the fused kernels give the composition's values and gradients`, () => {
      const results = [ts, bare, ...(getBackend().name === 'wasm' ? [getBackend()] : [])].map((backend) => {
        const inputs = values.map((t) => on(backend, t));
        const out = program(inputs);
        out.backward();
        return [out, ...inputs.map((t) => t.grad!)].map(flat);
      });
      // With the Node entry the wasm backend has worker threads, so large steps take the split path.
      if (getBackend().name === 'wasm') assert.ok(threadStats().workers > 0, 'the wasm backend has threads');
      for (const other of results.slice(1)) {
        results[0]!.forEach((expected, i) => {
          assertClose(other[i]!, expected, 1e-4, 1e-4);
        });
      }
    });
  }

  it('backward allocates O(time): the buffers grow linearly with the sequence', () => {
    // Count the floats allocated by one forward + backward for T and 4T steps.
    const count = (time: number): number => {
      let floats = 0;
      const counting: Backend = {
        ...ts,
        alloc: (n, overwritten) => {
          floats += n;
          return ts.alloc(n, overwritten);
        },
      };
      const x = on(counting, randn([2, time, 3], { seed: 12 }));
      const W = on(counting, randn([3, 16], { seed: 13 }));
      const Uk = on(counting, randn([4, 16], { seed: 14 }));
      floats = 0;
      lstmSequence(x, null, null, W, Uk, null, { returnSequences: true }).output.sum().backward();
      return floats;
    };
    const small = count(16);
    const large = count(64);
    assert.ok(large < 4.5 * small, `16 steps: ${small} floats, 64 steps: ${large}`);
  });
});
