/**
 * The ops of issue 14 item 6 — where, squeeze/expandDims, variance/std, pad, slice and gather on any
 * axis, scatterAdd, split/unstack/chunk, tile/repeat, cumsum, sort/topk, oneHot, einsum — on every
 * backend: forward values against hand-computed values or float64 loops, typed errors, first-order
 * gradcheck and second-order gradgradcheck, and the backward cost of slicing a sequence step by step.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  arange,
  type Backend,
  chunk,
  concat,
  einsum,
  expandDims,
  type GradcheckOptions,
  getBackend,
  gradcheck,
  gradgradcheck,
  oneHot,
  pad,
  randn,
  repeat,
  ShapeError,
  scatterAdd,
  slice,
  sort,
  split,
  squeeze,
  stack,
  std,
  Tensor,
  tensor,
  tile,
  topk,
  unstack,
  variance,
  where,
} from '../src/index.js';
import { Rng } from '../src/random/rng.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

type F = (...xs: Tensor[]) => Tensor;
let seed = 900;
const r = (...shape: number[]): Tensor => randn(shape, { seed: seed++ });
/** Values 0.1 apart in random order: sort/topk have no near-ties for the differences to cross. */
const distinct = (...shape: number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = new Rng(seed++).permutation(n);
  return tensor(
    Float32Array.from(order, (v) => (v - n / 2) * 0.1),
    { shape },
  );
};
/** y·y after the op: its second derivative runs through the op's backward rule. */
const squared =
  (f: F): F =>
  (...xs) => {
    const y = f(...xs);
    return y.mul(y);
  };

const cases: Array<[name: string, f: F, inputs: () => Tensor[], options?: GradcheckOptions]> = [
  [
    'where [2,3] from [2,1] cond, scalar-shaped b',
    (a, b) => where(tensor([[1], [0]]), a, b),
    () => [r(2, 3), r(1)],
  ],
  ['squeeze axis 1', (x) => squeeze(x, 1), () => [r(3, 1, 2)]],
  ['expandDims -1', (x) => expandDims(x, -1), () => [r(2, 3)]],
  ['variance axis 1', (x) => variance(x, 1), () => [r(3, 4)]],
  ['variance all, correction 1', (x) => variance(x, undefined, false, 1), () => [r(2, 3)]],
  ['std axes [0, 2] keepdims', (x) => std(x, [0, 2], true), () => [r(2, 3, 4)]],
  [
    'pad [[1,0],[2,1]]',
    (x) =>
      pad(
        x,
        [
          [1, 0],
          [2, 1],
        ],
        0.5,
      ),
    () => [r(2, 3)],
  ],
  ['slice axis 0 rows', (x) => x.slice(1, 3), () => [r(4, 3)]],
  ['slice [0,1,0] size [2,2,-1] (strided)', (x) => slice(x, [0, 1, 0], [2, 2, -1]), () => [r(3, 4, 2)]],
  ['sliceAxis 2, -2', (x) => x.sliceAxis(2, -2), () => [r(2, 3, 4)]],
  [
    'slices of every step, stacked back',
    (x) => stack(Array.from({ length: 4 }, (_, t) => x.sliceAxis(1, t, t + 1).mul(t + 1))),
    () => [r(2, 4, 3)],
  ],
  ['gather axis 0 (repeats)', (x) => x.gather([2, 0, 2]), () => [r(3, 4)]],
  [
    'gather axis 1, 2-D indices',
    (x) =>
      x.gather(
        tensor([
          [3, 0],
          [1, 3],
        ]),
        1,
      ),
    () => [r(2, 4, 3)],
  ],
  ['gather axis 2', (x) => x.gather([1, 1, 0], 2), () => [r(2, 3, 2)]],
  [
    'scatterAdd axis 1 (x and updates)',
    (x, u) => scatterAdd(x, [2, 0, 2], u, 1),
    () => [r(2, 3, 2), r(2, 3, 2)],
  ],
  ['scatterAdd axis 0', (x, u) => x.scatterAdd([1], u), () => [r(3, 2), r(1, 2)]],
  ['split [1, -1] axis 1 (second piece)', (x) => split(x, [1, -1], 1)[1]!, () => [r(2, 4)]],
  ['split 2 pieces, recombined', (x) => concat(split(x, 2, 0).reverse(), 1), () => [r(4, 3)]],
  ['unstack axis 1, weighted', (x) => stack(unstack(x, 1).map((p, i) => p.mul(i + 1))), () => [r(2, 3, 2)]],
  ['chunk 3 of 5, last', (x) => chunk(x, 3, 0).at(-1)!, () => [r(5, 2)]],
  ['tile [2, 3]', (x) => tile(x, [2, 3]), () => [r(2, 2)]],
  ['repeat 2 axis 1', (x) => repeat(x, 2, 1), () => [r(2, 3)]],
  ['repeat [0, 2, 1] axis 0', (x) => repeat(x, [0, 2, 1], 0), () => [r(3, 2)]],
  ['cumsum axis 1', (x) => x.cumsum(1), () => [r(2, 4)]],
  [
    'cumsum exclusive reverse axis 0',
    (x) => x.cumsum(0, { exclusive: true, reverse: true }),
    () => [r(4, 2)],
  ],
  ['sort axis 0 descending (values)', (x) => sort(x, 0, { descending: true }).values, () => [distinct(4, 3)]],
  ['topk 2 (values)', (x) => topk(x, 2).values, () => [distinct(3, 5)]],
  ['topk 3 unsorted (values)', (x) => topk(x, 3, { sorted: false }).values, () => [distinct(2, 4)]],
  ["einsum 'ij,jk->ik'", (a, b) => einsum('ij,jk->ik', a, b), () => [r(2, 3), r(3, 4)]],
  ["einsum 'bij,bjk->bik'", (a, b) => einsum('bij,bjk->bik', a, b), () => [r(2, 2, 3), r(2, 3, 2)]],
  ["einsum 'i,j->ij'", (a, b) => einsum('i,j->ij', a, b), () => [r(3), r(2)]],
  ["einsum 'ij->ji'", (a) => einsum('ij->ji', a), () => [r(2, 3)]],
  ["einsum 'ii->' (trace)", (a) => einsum('ii->', a), () => [r(3, 3)]],
  ["einsum 'ii->i' (diagonal)", (a) => einsum('ii->i', a), () => [r(3, 3)]],
  ["einsum 'ij,ij->i' (row dots)", (a, b) => einsum('ij,ij->i', a, b), () => [r(3, 4), r(3, 4)]],
  ["einsum 'bij,jk' (implicit: 'bik')", (a, b) => einsum('bij,jk', a, b), () => [r(2, 2, 3), r(3, 2)]],
  ["einsum 'bi,ij,bj->b'", (x, w, y) => einsum('bi,ij,bj->b', x, w, y), () => [r(2, 3), r(3, 4), r(2, 4)]],
  ['concat axis 1 (strided)', (a, b) => concat([a, b], 1), () => [r(2, 2, 3), r(2, 1, 3)]],
  ['permute', (x) => x.permute(2, 0, 1), () => [r(2, 3, 2)]],
  ['reshape', (x) => x.reshape(3, 2), () => [r(2, 3)]],
  ['broadcastTo', (x) => x.expand([2, 3, 2]), () => [r(3, 1)]],
];

describeEachBackend('more ops: forward values and errors', () => {
  it('where picks per element, broadcasts, and does not leak the branch not taken', () => {
    const cond = tensor([[1], [0]]);
    const out = where(cond, tensor([1, 2, 3]), tensor([[10, 20, 30]]));
    assert.deepEqual(out.toArray(), [
      [1, 2, 3],
      [10, 20, 30],
    ]);
    const safe = where(tensor([0, 1]), tensor([1, 4]).log(), 7);
    assert.deepEqual(flat(safe), [7, Math.log(4)].map(Math.fround));
    const inf = where(tensor([1, 0]), tensor([2, Number.POSITIVE_INFINITY]), tensor([5, 6]));
    assert.deepEqual(flat(inf), [2, 6]);
    // Gradients reach only the chosen branch, summed back over broadcasting.
    const a = tensor([1, 2, 3], { requiresGrad: true });
    where(cond, a, 0).sum().backward();
    assert.deepEqual(flat(a.grad!), [1, 1, 1]);
    assert.throws(
      () => where(tensor([1, 0, 1]), tensor([1, 2]), 0),
      (e: Error) => e instanceof ShapeError && /where: shapes \[3\] and \[2\]/.test(e.message),
    );
    assert.throws(() => where(1 as unknown as Tensor, tensor([1]), 0), ArgumentError);
  });

  it('squeeze and expandDims change only the shape', () => {
    const x = arange(6).reshape(1, 3, 1, 2);
    assert.deepEqual(squeeze(x).shape, [3, 2]);
    assert.deepEqual(x.squeeze(2).shape, [1, 3, 2]);
    assert.deepEqual(x.squeeze([0, -2]).shape, [3, 2]);
    assert.deepEqual(flat(x.squeeze()), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(expandDims(tensor([1, 2, 3]), -1).shape, [3, 1]);
    assert.deepEqual(tensor([1, 2, 3]).expandDims().shape, [1, 3]);
    assert.deepEqual(tensor([[1, 2]]).expandDims(1).shape, [1, 1, 2]);
    assert.throws(
      () => x.squeeze(1),
      (e: Error) =>
        e instanceof ShapeError && /squeeze: axis 1 of shape \[1, 3, 1, 2\] has size 3/.test(e.message),
    );
    assert.throws(
      () => x.expandDims(6),
      (e: Error) => e instanceof ArgumentError && /expandDims: axis 6/.test(e.message),
    );
  });

  it('variance and std match float64 loops (population by default, correction 1 unbiased)', () => {
    const x = r(3, 5);
    const rows = x.toArray() as number[][];
    const ref = (vals: number[], correction: number) => {
      const m = vals.reduce((s, v) => s + v, 0) / vals.length;
      return vals.reduce((s, v) => s + (v - m) ** 2, 0) / (vals.length - correction);
    };
    assertClose(
      variance(x, 1),
      rows.map((row) => ref(row, 0)),
    );
    assertClose(
      x.var(1, false, 1),
      rows.map((row) => ref(row, 1)),
    );
    assertClose(x.std(0, true), [
      rows[0]!.map((_, j) =>
        Math.sqrt(
          ref(
            rows.map((row) => row[j]!),
            0,
          ),
        ),
      ),
    ]);
    assertClose(std(x, undefined, false, 1), Math.sqrt(ref(rows.flat(), 1)));
    assert.deepEqual(x.var([0, 1], true).shape, [1, 1]);
    assert.equal(tensor([2, 4, 4, 4, 5, 5, 7, 9]).std().item(), 2);
    assert.throws(
      () => variance(tensor([1]), 0, false, 1),
      (e: Error) => e instanceof ArgumentError && /variance: correction 1 .* 1 value/.test(e.message),
    );
  });

  it('pad puts constant borders around every axis', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(
      pad(x, [
        [1, 0],
        [0, 2],
      ]).toArray(),
      [
        [0, 0, 0, 0],
        [1, 2, 0, 0],
        [3, 4, 0, 0],
      ],
    );
    assert.deepEqual(
      tensor([5])
        .pad([[2, 1]], -1)
        .toArray(),
      [-1, -1, 5, -1],
    );
    const img = arange(8).reshape(1, 2, 2, 2);
    const padded = img.pad([
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    assert.deepEqual(padded.shape, [1, 4, 4, 2]);
    assert.deepEqual(flat(padded.slice([0, 1, 1, 0], [1, 2, 2, 2])), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(padded.sum().item(), 28);
    assert.throws(
      () => pad(x, [[1, 1]]),
      (e: Error) =>
        e instanceof ArgumentError &&
        /pad: .*shape \[2, 2\].*one \[before, after\] pair per axis \(2\)/.test(e.message),
    );
    assert.throws(
      () =>
        pad(x, [
          [1, -1],
          [0, 0],
        ]),
      (e: Error) => e instanceof ArgumentError && /axis 0/.test(e.message),
    );
  });

  it('slices on any axis: the TF.js form, sliceAxis, and views where the block is contiguous', () => {
    const x = arange(24).reshape(2, 3, 4);
    const ref = (b: number[], s: number[]) => {
      const out: number[] = [];
      for (let i = b[0]!; i < b[0]! + s[0]!; i++)
        for (let j = b[1]!; j < b[1]! + s[1]!; j++)
          for (let k = b[2]!; k < b[2]! + s[2]!; k++) out.push(i * 12 + j * 4 + k);
      return out;
    };
    assert.deepEqual(flat(slice(x, [1, 1, 2], [1, 2, 2])), ref([1, 1, 2], [1, 2, 2]));
    assert.deepEqual(flat(x.slice([0, 2], [-1, 1])), ref([0, 2, 0], [2, 1, 4]));
    assert.deepEqual(x.slice([0, 2], [-1, 1]).shape, [2, 1, 4]);
    assert.deepEqual(flat(x.slice([1])), ref([1, 0, 0], [1, 3, 4]));
    assert.deepEqual(flat(x.sliceAxis(2, 1, 3)), ref([0, 0, 1], [2, 3, 2]));
    assert.deepEqual(flat(x.sliceAxis(-1, -1)), ref([0, 0, 3], [2, 3, 1]));
    assert.deepEqual(x.sliceAxis(1, 5, 9).shape, [2, 0, 4]);
    assert.deepEqual(x.slice(-1).shape, [1, 3, 4], 'the axis-0 form is as before');
    // Contiguous blocks share storage (no copy), strided ones are copies.
    const base = x.backend.read(x.storage);
    assert.equal(x.slice([1, 1], [1, 2]).storage.length, 8);
    const sameMemory = (t: Tensor) => {
      const v = t.storage.view();
      const w = x.storage.view();
      return (
        v.buffer === w.buffer && v.byteOffset >= w.byteOffset && v.byteOffset < w.byteOffset + w.byteLength
      );
    };
    assert.ok(sameMemory(x.slice([1, 1], [1, 2])), '[1, 1..3, :] is one block');
    assert.ok(!sameMemory(x.sliceAxis(2, 1, 2)) || getBackend().name === 'wasm', 'a column is copied');
    assert.deepEqual(Array.from(x.backend.read(x.storage)), Array.from(base));
    assert.throws(
      () => slice(x, [0, 2, 0], [1, 2, 1]),
      (e: Error) =>
        e instanceof ArgumentError &&
        /slice: .*shape \[2, 3, 4\]: size 2 on axis 1 .*\[0, 1\]/.test(e.message),
    );
    assert.throws(
      () => slice(x, [0, 0, 0, 0]),
      (e: Error) => e instanceof ShapeError && /more entries than the 3 axes/.test(e.message),
    );
    assert.throws(
      () => slice(x, [-1]),
      (e: Error) => e instanceof ArgumentError && /begin -1 on axis 0/.test(e.message),
    );
    assert.throws(
      () => x.sliceAxis(3, 0),
      (e: Error) => e instanceof ArgumentError && /sliceAxis: axis 3/.test(e.message),
    );
    assert.throws(() => tensor(3).sliceAxis(0, 0), ShapeError);
    assert.throws(() => tensor(3).slice(0), ShapeError);
  });

  it('random windows of a 4-D tensor, and pad back into place, match index loops', () => {
    const shape = [3, 4, 5, 2];
    const x = arange(120).reshape(shape);
    const rng = new Rng(11);
    const pick = (n: number) => Math.floor(rng.uniform() * n);
    for (let trial = 0; trial < 40; trial++) {
      const begin = shape.map((d) => pick(d));
      const size = shape.map((d, i) => (trial % 4 === i ? d - begin[i]! : 1 + pick(d - begin[i]!)));
      const expected: number[] = [];
      for (let a = 0; a < size[0]!; a++)
        for (let b = 0; b < size[1]!; b++)
          for (let c = 0; c < size[2]!; c++)
            for (let d = 0; d < size[3]!; d++)
              expected.push((((begin[0]! + a) * 4 + begin[1]! + b) * 5 + begin[2]! + c) * 2 + begin[3]! + d);
      const window = slice(x, begin, size);
      assert.deepEqual(flat(window), expected, `begin [${begin}] size [${size}]`);
      const back = pad(
        window,
        shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!] as [number, number]),
      );
      const inside = new Set(expected);
      assert.deepEqual(
        flat(back),
        Array.from({ length: 120 }, (_, i) => (inside.has(i) ? i : 0)),
      );
    }
  });

  it('gathers on any axis with indices of any shape', () => {
    const x = arange(24).reshape(2, 3, 4);
    const ref = (axis: number, idx: number[]) => {
      const shape = [2, 3, 4];
      const outShape = shape.map((d, i) => (i === axis ? idx.length : d));
      const out: number[] = [];
      for (let i = 0; i < outShape[0]!; i++)
        for (let j = 0; j < outShape[1]!; j++)
          for (let k = 0; k < outShape[2]!; k++) {
            const at = [i, j, k];
            at[axis] = idx[at[axis]!]!;
            out.push(at[0]! * 12 + at[1]! * 4 + at[2]!);
          }
      return out;
    };
    assert.deepEqual(flat(x.gather([1, 1, 0])), ref(0, [1, 1, 0]));
    assert.deepEqual(flat(x.gather([2, 0], 1)), ref(1, [2, 0]));
    assert.deepEqual(flat(x.gather([3, 3, 1, 0], -1)), ref(2, [3, 3, 1, 0]));
    const g2 = x.gather(
      tensor([
        [0, 3],
        [2, 2],
      ]),
      2,
    );
    assert.deepEqual(g2.shape, [2, 3, 2, 2]);
    assert.deepEqual(flat(g2), ref(2, [0, 3, 2, 2]));
    assert.throws(
      () => x.gather([0, 3], 1),
      (e: Error) =>
        e instanceof ArgumentError &&
        /gather: index 3 at position 1 .*\[0, 3\) \(axis 1 of \[2, 3, 4\]\)/.test(e.message),
    );
    assert.throws(() => x.gather([0.5], 0), ArgumentError);
    assert.throws(() => tensor(3).gather([0]), ShapeError);
  });

  it('scatterAdd adds updates at indices along an axis (repeats add up)', () => {
    const x = tensor([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    const out = scatterAdd(
      x,
      [2, 0, 2],
      tensor([
        [10, 20, 30],
        [40, 50, 60],
      ]),
      1,
    );
    assert.deepEqual(out.toArray(), [
      [21, 1, 41],
      [52, 2, 102],
    ]);
    assert.deepEqual(
      x
        .scatterAdd(
          [1, 1],
          tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        )
        .toArray(),
      [
        [1, 1, 1],
        [7, 9, 11],
      ],
    );
    assert.deepEqual(flat(x), [1, 1, 1, 2, 2, 2], 'x is not modified');
    assert.throws(
      () => scatterAdd(x, [0], tensor([[1, 2]]), 0),
      (e: Error) =>
        e instanceof ShapeError &&
        /scatterAdd: updates of shape \[1, 2\] .*expected \[1, 3\]/.test(e.message),
    );
    assert.throws(() => scatterAdd(x, [2], tensor([[1, 2, 3]]), 0), ArgumentError);
  });

  it('split, chunk and unstack cut along an axis', () => {
    const x = arange(12).reshape(3, 4);
    const [a, b] = split(x, [1, -1], 1);
    assert.deepEqual(a!.toArray(), [[0], [4], [8]]);
    assert.deepEqual(b!.toArray(), [
      [1, 2, 3],
      [5, 6, 7],
      [9, 10, 11],
    ]);
    assert.deepEqual(
      x.split(2, 1).map((p) => p.shape),
      [
        [3, 2],
        [3, 2],
      ],
    );
    assert.deepEqual(
      chunk(arange(5), 2).map((p) => flat(p)),
      [
        [0, 1, 2],
        [3, 4],
      ],
    );
    assert.equal(chunk(arange(2), 5).length, 2, 'fewer chunks when there are few entries');
    assert.deepEqual(
      unstack(x, 1).map((p) => flat(p)),
      [
        [0, 4, 8],
        [1, 5, 9],
        [2, 6, 10],
        [3, 7, 11],
      ],
    );
    assert.deepEqual(x.unstack()[2]!.toArray(), [8, 9, 10, 11]);
    assert.throws(
      () => split(x, 3, 1),
      (e: Error) =>
        e instanceof ShapeError &&
        /split: 3 along axis 1 of shape \[3, 4\]: 4 entries do not split into 3/.test(e.message),
    );
    assert.throws(
      () => split(x, [1, 2], 1),
      (e: Error) => e instanceof ShapeError && /add up to 3, not 4/.test(e.message),
    );
    assert.throws(() => chunk(x, 0), ArgumentError);
  });

  it('tile and repeat', () => {
    assert.deepEqual(tile(tensor([1, 2]), [3]).toArray(), [1, 2, 1, 2, 1, 2]);
    assert.deepEqual(
      tensor([
        [1, 2],
        [3, 4],
      ])
        .tile([2, 2])
        .toArray(),
      [
        [1, 2, 1, 2],
        [3, 4, 3, 4],
        [1, 2, 1, 2],
        [3, 4, 3, 4],
      ],
    );
    assert.deepEqual(repeat(tensor([1, 2]), 2).toArray(), [1, 1, 2, 2]);
    assert.deepEqual(
      tensor([
        [1, 2],
        [3, 4],
      ])
        .repeat(2, 1)
        .toArray(),
      [
        [1, 1, 2, 2],
        [3, 3, 4, 4],
      ],
    );
    assert.deepEqual(
      tensor([
        [1, 2],
        [3, 4],
      ])
        .repeat([1, 2], 0)
        .toArray(),
      [
        [1, 2],
        [3, 4],
        [3, 4],
      ],
    );
    assert.deepEqual(
      tensor([
        [1, 2],
        [3, 4],
      ])
        .repeat(2)
        .toArray(),
      [1, 1, 2, 2, 3, 3, 4, 4],
    );
    assert.throws(
      () => tile(tensor([1]), [2, 2]),
      (e: Error) => e instanceof ArgumentError && /tile: reps \[2,2\] for shape \[1\]/.test(e.message),
    );
    assert.throws(() => repeat(tensor([1, 2]), [1], 0), ArgumentError);
  });

  it('cumsum against float64 running sums (exclusive, reverse)', () => {
    const x = r(3, 6);
    const rows = x.toArray() as number[][];
    const run = (row: number[], exclusive: boolean, reverse: boolean) => {
      const vals = reverse ? [...row].reverse() : row;
      let acc = 0;
      const out = vals.map((v) => {
        const before = acc;
        acc += v;
        return exclusive ? before : acc;
      });
      return reverse ? out.reverse() : out;
    };
    for (const exclusive of [false, true]) {
      for (const reverse of [false, true]) {
        assertClose(
          x.cumsum(1, { exclusive, reverse }),
          rows.map((row) => run(row, exclusive, reverse)),
        );
      }
    }
    const cols = rows[0]!.map((_, j) =>
      run(
        rows.map((row) => row[j]!),
        false,
        false,
      ),
    );
    assertClose(
      x.cumsum(0),
      rows.map((_, i) => cols.map((c) => c[i]!)),
    );
    assert.throws(() => tensor(1).cumsum(), ShapeError);
  });

  it('sort and topk return values and indices (ties by index, NaN largest)', () => {
    const x = tensor([
      [3, 1, 2, 1],
      [0, Number.NaN, -1, 5],
    ]);
    const asc = sort(x);
    assert.deepEqual(flat(asc.values.slice(0, 1)), [1, 1, 2, 3]);
    assert.deepEqual(flat(asc.indices), [1, 3, 2, 0, 2, 0, 3, 1]);
    assert.ok(Number.isNaN(flat(asc.values)[7]!));
    const desc = x.sort(-1, { descending: true });
    assert.deepEqual(flat(desc.indices), [0, 2, 1, 3, 1, 3, 0, 2]);
    const cols = sort(
      tensor([
        [2, 1],
        [1, 3],
        [0, 2],
      ]),
      0,
    );
    assert.deepEqual(cols.values.toArray(), [
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    assert.deepEqual(cols.indices.toArray(), [
      [2, 0],
      [1, 2],
      [0, 1],
    ]);
    const top = topk(
      tensor([
        [1, 9, 3, 7],
        [4, 4, 8, 0],
      ]),
      2,
    );
    assert.deepEqual(top.values.toArray(), [
      [9, 7],
      [8, 4],
    ]);
    assert.deepEqual(top.indices.toArray(), [
      [1, 3],
      [2, 0],
    ]);
    const unsorted = tensor([1, 9, 3, 7]).topk(2, { sorted: false });
    assert.deepEqual(flat(unsorted.values), [9, 7]);
    assert.deepEqual(flat(tensor([1, 9, 3, 7]).topk(3, { sorted: false }).indices), [1, 2, 3]);
    assert.throws(
      () => topk(tensor([1, 2]), 3),
      (e: Error) => e instanceof ArgumentError && /topk: k = 3 .*\[0, 2\]/.test(e.message),
    );
    assert.throws(() => sort(tensor([1]), 1), ArgumentError);
  });

  it('oneHot', () => {
    assert.deepEqual(oneHot([2, 0], 3).toArray(), [
      [0, 0, 1],
      [1, 0, 0],
    ]);
    const labels = oneHot(tensor([[1], [0]]), 2, { onValue: 5, offValue: -1 });
    assert.deepEqual(labels.shape, [2, 1, 2]);
    assert.deepEqual(flat(labels), [-1, 5, 5, -1]);
    assert.throws(
      () => oneHot([3], 3),
      (e: Error) => e instanceof ArgumentError && /oneHot: index 3 at position 0 .*\[0, 3\)/.test(e.message),
    );
    assert.throws(() => oneHot([0], 0), ArgumentError);
  });

  it('einsum covers the common contractions', () => {
    const a = r(2, 3);
    const b = r(3, 4);
    const av = a.toArray() as number[][];
    const bv = b.toArray() as number[][];
    const mm = av.map((row) => bv[0]!.map((_, k) => row.reduce((s, v, j) => s + v * bv[j]![k]!, 0)));
    assertClose(einsum('ij,jk->ik', a, b), mm);
    assertClose(einsum('ij,jk', a, b), mm, 1e-5, 1e-4);
    assertClose(
      einsum('ij -> ji', a),
      av[0]!.map((_, j) => av.map((row) => row[j]!)),
    );
    assertClose(
      einsum('ij->', a),
      av.flat().reduce((s, v) => s + v, 0),
    );
    assertClose(
      einsum('ij->j', a),
      av[0]!.map((_, j) => av[0]![j]! + av[1]![j]!),
    );
    const u = tensor([1, 2]);
    const v = tensor([3, 4, 5]);
    assert.deepEqual(einsum('i,j->ij', u, v).toArray(), [
      [3, 4, 5],
      [6, 8, 10],
    ]);
    assert.equal(einsum('i,i->', u, tensor([3, 4])).item(), 11);
    const sq = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    assert.equal(einsum('ii->', sq).item(), 15);
    assert.deepEqual(einsum('ii->i', sq).toArray(), [1, 5, 9]);
    const x = r(2, 3, 4);
    const y = r(2, 4, 2);
    const xv = x.toArray() as number[][][];
    const yv = y.toArray() as number[][][];
    assertClose(
      einsum('bij,bjk->bik', x, y),
      xv.map((m, n) =>
        m.map((row) => [0, 1].map((k) => row.reduce((s, val, j) => s + val * yv[n]![j]![k]!, 0))),
      ),
    );
    const p = r(2, 3);
    const w = r(3, 4);
    const q = r(2, 4);
    const pv = p.toArray() as number[][];
    const wv = w.toArray() as number[][];
    const qv = q.toArray() as number[][];
    const bilinear = [0, 1].map((n) => {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) s += pv[n]![i]! * wv[i]![j]! * qv[n]![j]!;
      return s;
    });
    assertClose(einsum('bi,ij,bj->b', p, w, q), bilinear);
    assert.throws(
      () => einsum('ij,jk->ik', a, a),
      (e: Error) =>
        e instanceof ShapeError &&
        /einsum: 'ij,jk->ik' with operands \[2, 3\], \[2, 3\]: axis 'j' is 3 in one place and 2/.test(
          e.message,
        ),
    );
    assert.throws(
      () => einsum('ij,jk->ik', a),
      (e: Error) => e instanceof ArgumentError && /2 input term\(s\) but 1 operand/.test(e.message),
    );
    assert.throws(() => einsum('ijk->i', a), ShapeError);
    assert.throws(
      () => einsum('...j->j', a),
      (e: Error) => e instanceof ArgumentError && /ellipses/.test(e.message),
    );
    assert.throws(
      () => einsum('ij->iz', a),
      (e: Error) => e instanceof ArgumentError && /'z' is not in any input/.test(e.message),
    );
  });

  it('concat on an inner axis matches a float64 reference', () => {
    const a = arange(12).reshape(2, 3, 2);
    const b = arange(4).add(100).reshape(2, 1, 2);
    assert.deepEqual(concat([a, b], 1).toArray(), [
      [
        [0, 1],
        [2, 3],
        [4, 5],
        [100, 101],
      ],
      [
        [6, 7],
        [8, 9],
        [10, 11],
        [102, 103],
      ],
    ]);
    assert.deepEqual(concat([a, a], -1).shape, [2, 3, 4]);
  });
});

describeEachBackend('more ops: gradients', () => {
  for (const [name, f, inputs, options] of cases) {
    it(`${name}: gradcheck`, () => {
      const result = gradcheck(f, inputs(), options);
      assert.ok(result.ok, `${name}: first-order error ${result.maxError}`);
    });
    it(`${name}: gradgradcheck`, () => {
      const result = gradgradcheck(squared(f), inputs(), options);
      assert.ok(result.ok, `${name}: second-order error ${result.maxError}`);
    });
  }

  it('two graphs sliced from one tensor are differentiated one after the other', () => {
    const x = tensor([1, 2, 3, 4], { requiresGrad: true });
    const first = x.slice(0, 2).mul(x.slice(1, 3)).sum(); // x0·x1 + x1·x2
    const second = x
      .gather([3, 3])
      .sum()
      .add(x.sliceAxis(0, 0, 1).sum()); // 2·x3 + x0
    first.backward();
    assert.deepEqual(flat(x.grad!), [2, 4, 2, 0]);
    second.backward();
    assert.deepEqual(flat(x.grad!), [3, 4, 2, 2]);
    // A third graph after both: the shared pieces still lead back to x.
    x.grad = null;
    x.slice(2).mul(x.sum()).sum().backward(); // (x2 + x3)·Σx
    assert.deepEqual(flat(x.grad!), [7, 7, 17, 17]);
  });

  it('the gradient of a retained graph is the same on a second backward pass', () => {
    const x = r(2, 5, 3);
    x.requiresGrad = true;
    let loss = x.sliceAxis(1, 0, 1).sum();
    for (let t = 1; t < 5; t++)
      loss = loss.add(
        x
          .sliceAxis(1, t, t + 1)
          .mul(t + 1)
          .sum(),
      );
    loss = loss.add(x.gather([4, 4], 1).sum());
    loss.backward(undefined, { retainGraph: true });
    const first = flat(x.grad!);
    x.grad = null;
    loss.backward();
    assert.deepEqual(flat(x.grad!), first);
    const expected = [1, 2, 3, 4, 5 + 2];
    assert.deepEqual(
      first.slice(0, 15),
      expected.flatMap((v) => [v, v, v]),
    );
  });
});

/** A backend that counts the float32 elements it allocates, around the active one. */
function countingBackend(): { backend: Backend; allocated: () => number; reset: () => void } {
  const inner = getBackend();
  let allocated = 0;
  const backend: Backend = {
    ...inner,
    name: `${inner.name}+counting`,
    alloc: (length, overwritten) => {
      allocated += length;
      return inner.alloc(length, overwritten);
    },
    fromValues: (values) => {
      allocated += values.length;
      return inner.fromValues(values);
    },
  };
  return {
    backend,
    allocated: () => allocated,
    reset: () => {
      allocated = 0;
    },
  };
}

describeEachBackend('more ops: backward cost proportional to the pieces read', () => {
  const batch = 2;
  const features = 3;
  /** Elements allocated by backward() after reading all T steps of x one at a time with `read`. */
  const backwardCost = (steps: number, read: (x: Tensor, t: number) => Tensor): number => {
    const counter = countingBackend();
    const values = r(batch, steps, features);
    const x = new Tensor(counter.backend.fromValues(values.dataSync()), values.shape, counter.backend, true);
    let total: Tensor | null = null;
    for (let t = 0; t < steps; t++) {
      const step = read(x, t)
        .mul(t + 1)
        .sum();
      total = total === null ? step : total.add(step);
    }
    counter.reset();
    total!.backward();
    const g = flat(x.grad!);
    for (let t = 0; t < steps; t++) assert.equal(g[t * features], t + 1, 'gradient of step t');
    return counter.allocated();
  };

  for (const [name, read] of [
    ['sliceAxis(1, t, t + 1)', (x: Tensor, t: number) => x.sliceAxis(1, t, t + 1)],
    ['gather([t], 1)', (x: Tensor, t: number) => x.gather([t], 1)],
    ['unstack(1)[t]', (x: Tensor, t: number) => x.sliceAxis(1, t, t + 1).squeeze(1)],
  ] as const) {
    it(`a T-step loop of ${name} costs O(T) in backward, not O(T²)`, () => {
      const short = backwardCost(32, read);
      const long = backwardCost(128, read);
      const size = batch * 128 * features;
      // O(T): one input-sized buffer plus a few step-sized tensors per step. One input-sized buffer
      // per step (the old slice backward) would be 128 × 768 = 98,304 elements.
      assert.ok(long < 2 * size + 40 * 128 * batch * features, `T = 128 allocated ${long} elements`);
      assert.ok(
        long < 6 * short,
        `T 32 → 128 grew ${short} → ${long} elements (×${(long / short).toFixed(1)})`,
      );
    });
  }

  it('gather on an inner axis allocates its output, not permuted copies of the input', () => {
    const counter = countingBackend();
    const values = r(4, 50, 6);
    const x = new Tensor(counter.backend.fromValues(values.dataSync()), values.shape, counter.backend);
    counter.reset();
    const out = x.gather([3, 7], 1);
    assert.equal(counter.allocated(), out.size);
    assertClose(out.gather([1], 1).squeeze(1), values.sliceAxis(1, 7, 8).squeeze(1));
  });
});
