/** Forward values of every op, against hand-computed values or naive reference loops. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  arange,
  concat,
  getBackend,
  randn,
  ShapeError,
  stack,
  type Tensor,
  tensor,
  transpose,
} from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

/** Reference matmul on nested arrays: plain triple loop in float64. */
function naiveMatmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, p) => s + v * b[p]![j]!, 0)));
}

describeEachBackend('ops', () => {
  it('broadcasts binary arithmetic the NumPy way', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(a.add(tensor([10, 20, 30])).toArray(), [
      [11, 22, 33],
      [14, 25, 36],
    ]);
    assert.deepEqual(a.sub(tensor([[1], [2]])).toArray(), [
      [0, 1, 2],
      [2, 3, 4],
    ]);
    assert.deepEqual(a.mul(2).toArray(), [
      [2, 4, 6],
      [8, 10, 12],
    ]);
    assertClose(a.div(tensor([1, 2, 4])), [
      [1, 1, 0.75],
      [4, 2.5, 1.5],
    ]);
    assert.deepEqual(tensor([2, 3]).pow(2).toArray(), [4, 9]);
    assert.deepEqual(tensor([[1], [2]]).add(tensor([10, 20])).shape, [2, 2]);
    assert.deepEqual(
      tensor([1, 5])
        .maximum(tensor([3, 2]))
        .toArray(),
      [3, 5],
    );
    assert.deepEqual(tensor([1, 5]).minimum(3).toArray(), [1, 3]);
    assert.deepEqual(tensor([1, 2, 3]).gt(2).toArray(), [0, 0, 1]);
    assert.deepEqual(
      tensor([1, 2, 3])
        .eq(tensor([1, 0, 3]))
        .toArray(),
      [1, 0, 1],
    );
  });

  it('broadcasts through strided layouts (3-D with middle-axis broadcast)', () => {
    const a = randn([2, 3, 4], { seed: 1 });
    const b = randn([2, 1, 4], { seed: 2 });
    const av = a.toArray() as number[][][];
    const bv = b.toArray() as number[][][];
    const expected = av.map((m, i) => m.map((row) => row.map((v, k) => v * bv[i]![0]![k]!)));
    assertClose(a.mul(b), expected);
  });

  it('names the op and both shapes when shapes do not broadcast', () => {
    assert.throws(
      () => tensor([[1, 2, 3]]).add(tensor([1, 2])),
      (e: Error) =>
        e instanceof ShapeError && /add: shapes \[1, 3\] and \[2\] cannot be broadcast/.test(e.message),
    );
  });

  it('computes element-wise math and activations', () => {
    const x = tensor([-2, -0.5, 0, 0.5, 2]);
    assertClose(x.exp(), [-2, -0.5, 0, 0.5, 2].map(Math.exp));
    assertClose(x.abs(), [2, 0.5, 0, 0.5, 2]);
    assertClose(tensor([1, 4, 9]).sqrt(), [1, 2, 3]);
    assertClose(tensor([1, Math.E]).log(), [0, 1]);
    assertClose(
      x.sigmoid(),
      [-2, -0.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v))),
    );
    assertClose(x.tanh(), [-2, -0.5, 0, 0.5, 2].map(Math.tanh));
    assertClose(x.relu(), [0, 0, 0, 0.5, 2]);
    assertClose(x.leakyRelu(0.1), [-0.2, -0.05, 0, 0.5, 2]);
    assertClose(x.elu(), [Math.expm1(-2), Math.expm1(-0.5), 0, 0.5, 2]);
    assertClose(
      x.softplus(),
      [-2, -0.5, 0, 0.5, 2].map((v) => Math.log(1 + Math.exp(v))),
    );
    assertClose(x.clip(-1, 1), [-1, -0.5, 0, 0.5, 1]);
    assert.throws(() => x.clip(1, -1), ArgumentError);
  });

  it('stays finite for inputs of ±1000 (sigmoid, softplus, softmax, logSoftmax)', () => {
    const x = tensor([
      [1000, -1000, 0],
      [-1000, -1000, -1000],
    ]);
    const finite = (t: Tensor) => t.dataSync().every(Number.isFinite);
    assert.ok(finite(x.sigmoid()));
    assertClose(x.softplus(), [
      [1000, 0, Math.log(2)],
      [0, 0, 0],
    ]);
    assertClose(x.softmax(), [
      [1, 0, 0],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    assertClose(x.logSoftmax(), [
      [0, -2000, -1000],
      [-Math.log(3), -Math.log(3), -Math.log(3)],
    ]);
    assert.ok(finite(x.logSoftmax()) && finite(x.softmax(0)));
  });

  it('softmax sums to one along the chosen axis', () => {
    const x = randn([3, 4, 5], { seed: 3 });
    for (const axis of [0, 1, 2, -1]) assertClose(x.softmax(axis).sum(axis), x.sum(axis).mul(0).add(1), 1e-6);
  });

  it('matmul matches a reference for 2-D, batched, broadcast and 1-D operands', () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 4, 5],
      [7, 130, 9], // k crosses the kernel's k-block
      [17, 33, 65],
      [45, 64, 33], // packed path with edge tiles
    ] as const) {
      const a = randn([m, k], { seed: m });
      const b = randn([k, n], { seed: n });
      assertClose(a.matmul(b), naiveMatmul(a.toArray() as number[][], b.toArray() as number[][]), 1e-4);
    }
    const a = randn([2, 3, 4], { seed: 1 });
    const b = randn([4, 5], { seed: 2 });
    const out = a.matmul(b);
    assert.deepEqual(out.shape, [2, 3, 5]);
    assertClose(
      out.slice(1, 2).reshape(3, 5),
      naiveMatmul((a.toArray() as number[][][])[1]!, b.toArray() as number[][]),
      1e-4,
    );
    // Both operands broadcast over the batch axes [2, 3]: each product reads a[i, 0] and b[j].
    const a4 = randn([2, 1, 3, 4], { seed: 3 });
    const b3 = randn([3, 4, 6], { seed: 4 });
    const ab = a4.matmul(b3);
    assert.deepEqual(ab.shape, [2, 3, 3, 6]);
    const a4s = a4.toArray() as number[][][][];
    const b3s = b3.toArray() as number[][][];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        assertClose(
          ab
            .slice(i, i + 1)
            .reshape(3, 3, 6)
            .slice(j, j + 1)
            .reshape(3, 6),
          naiveMatmul(a4s[i]![0]!, b3s[j]!),
          1e-4,
        );
      }
    }
    assert.deepEqual(randn([4]).matmul(randn([4, 3])).shape, [3]);
    assert.deepEqual(randn([3, 4]).matmul(randn([4])).shape, [3]);
    assertClose(tensor([1, 2, 3]).matmul(tensor([4, 5, 6])), 32);
  });

  it('matmul kernel gives the same product in all four transpose variants, small and packed paths', () => {
    // 6×11×5 takes the direct loop; 37×70×29 (> 2^16 multiply-adds, ragged 4×4 tiles) the packed one.
    for (const [m, k, n] of [
      [6, 11, 5],
      [37, 70, 29],
    ] as const) {
      const a = randn([m, k], { seed: 5 });
      const b = randn([k, n], { seed: 6 });
      const expected = naiveMatmul(a.toArray() as number[][], b.toArray() as number[][]);
      const backend = getBackend();
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const A = transA ? a.T : a;
          const B = transB ? b.T : b;
          const out = backend.alloc(m * n);
          backend.matmul(A.storage, B.storage, out, {
            batch: 1,
            m,
            k,
            n,
            transA,
            transB,
            aBatchStride: 0,
            bBatchStride: 0,
          });
          assertClose(Array.from(out.view()), expected.flat(), 1e-4);
        }
      }
    }
  });

  it('matmul propagates NaN and Infinity (0 · Inf is NaN)', () => {
    const w = tensor([[Number.POSITIVE_INFINITY, 1]]);
    assert.ok(
      Number.isNaN(
        tensor([[0]])
          .matmul(w)
          .dataSync()[0]!,
      ),
    );
    const big = randn([40, 50], { seed: 1 }).mul(0);
    const wb = randn([50, 40], { seed: 2 }).add(tensor([Number.NaN]).reshape(1, 1));
    assert.ok(big.matmul(wb).dataSync().every(Number.isNaN));
  });

  it('batched matmul on the packed path matches per-matrix products', () => {
    const a = randn([3, 40, 50], { seed: 8 });
    const b = randn([50, 41], { seed: 9 });
    const out = a.matmul(b);
    for (let t = 0; t < 3; t++) {
      const at = (a.toArray() as number[][][])[t]!;
      assertClose(out.slice(t, t + 1).reshape(40, 41), naiveMatmul(at, b.toArray() as number[][]), 1e-3);
    }
  });

  it('matmul names both shapes when they do not align', () => {
    assert.throws(
      () => randn([2, 3]).matmul(randn([4, 5])),
      /matmul: shapes \[2, 3\] and \[4, 5\] are not aligned: the first has 3 columns but the second has 4 rows/,
    );
  });

  it('reduces over axes with keepdims', () => {
    const x = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]); // [2, 3, 2]
    assert.equal(x.sum().item(), 78);
    assert.deepEqual(x.sum(0).toArray(), [
      [8, 10],
      [12, 14],
      [16, 18],
    ]);
    assert.deepEqual(x.sum(1, true).toArray(), [[[9, 12]], [[27, 30]]]);
    assert.deepEqual(x.sum([0, 2]).toArray(), [18, 26, 34]);
    // Consecutive axes go to the kernel as one (their product); the rest follow in turn.
    assert.deepEqual(x.sum([0, 1]).toArray(), [36, 42]);
    assert.deepEqual(x.sum([1, 2], true).toArray(), [[[21]], [[57]]]);
    assert.deepEqual(x.max([0, 1]).toArray(), [11, 12]);
    const y = arange(2 * 3 * 2 * 2).reshape([2, 3, 2, 2]);
    assert.deepEqual(y.sum([0, 1, 3]).toArray(), [126, 150]);
    assert.deepEqual(y.sum([0, 1, 3], true).shape, [1, 1, 2, 1]);
    assert.deepEqual(x.mean(-1).toArray(), [
      [1.5, 3.5, 5.5],
      [7.5, 9.5, 11.5],
    ]);
    assert.deepEqual(x.max(1).toArray(), [
      [5, 6],
      [11, 12],
    ]);
    assert.deepEqual(x.min(2).toArray(), [
      [1, 3, 5],
      [7, 9, 11],
    ]);
    assert.equal(x.max().item(), 12);
    assert.deepEqual(x.argmax(1).toArray(), [
      [2, 2],
      [2, 2],
    ]);
    assert.equal(x.argmax().item(), 11);
    assert.deepEqual(
      tensor([
        [3, 9, 1],
        [4, 0, 4],
      ])
        .argmax(-1)
        .toArray(),
      [1, 0],
    );
    assert.deepEqual(
      tensor([
        [3, 9, 1],
        [4, 0, 4],
      ])
        .argmin(0, true)
        .toArray(),
      [[0, 1, 0]],
    );
    assert.throws(() => x.sum(3), /sum: axis 3 is out of range for a tensor with 3 dimension/);
  });

  it('transposes and permutes', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(x.T.toArray(), [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const y = randn([2, 3, 4], { seed: 9 });
    const p = y.permute(2, 0, 1);
    assert.deepEqual(p.shape, [4, 2, 3]);
    const yv = y.toArray() as number[][][];
    const pv = p.toArray() as number[][][];
    assert.equal(pv[3]![1]![2], yv[1]![2]![3]);
    assert.deepEqual(p.permute(1, 2, 0).toArray(), yv);
    assert.deepEqual(y.transpose(0, 2).shape, [4, 3, 2]);
    assert.throws(() => y.permute(0, 0, 1), /not a permutation/);
    // TF.js's transpose(x, perm) is permute here: refused by name, pointing there (any rank).
    for (const t of [x, tensor([1, 2])])
      assert.throws(
        () => transpose(t, [1, 0] as unknown as number),
        (e: unknown) =>
          e instanceof ArgumentError &&
          e.message ===
            "transpose: takes two axes to swap, transpose(x, axis0, axis1); got [1, 0]; for a permutation of the axes (TF.js's transpose(x, perm)) use permute(x, [1, 0])",
      );
    const big = randn([40, 70], { seed: 4 }); // crosses the transpose tile size
    assert.deepEqual(big.T.T.toArray(), big.toArray());
  });

  it('concatenates and stacks along any axis, and names mismatched shapes', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([[5, 6]]);
    assert.deepEqual(concat([a, b]).toArray(), [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    assert.deepEqual(concat([a, tensor([[7], [8]])], 1).toArray(), [
      [1, 2, 7],
      [3, 4, 8],
    ]);
    assert.deepEqual(concat([a, a], -1).shape, [2, 4]);
    assert.deepEqual(stack([tensor([1, 2]), tensor([3, 4])]).toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [
      [1, 3],
      [2, 4],
    ]);
    assert.deepEqual(stack([tensor(1), tensor(2)]).toArray(), [1, 2]);
    assert.throws(
      () => concat([a, tensor([[1, 2, 3]])]),
      /concat: tensor 1 has shape \[1, 3\], which does not match \[2, 2\] outside axis 0/,
    );
    assert.throws(
      () => stack([tensor([1]), tensor([1, 2])]),
      /stack: tensor 1 has shape \[2\], expected \[1\]/,
    );
  });

  it('broadcastTo repeats along broadcast axes', () => {
    assert.deepEqual(
      tensor([[1], [2]])
        .expand([2, 3])
        .toArray(),
      [
        [1, 1, 1],
        [2, 2, 2],
      ],
    );
    assert.throws(() => tensor([1, 2]).expand([3]), /cannot be broadcast/);
  });
});
