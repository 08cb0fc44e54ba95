/**
 * Backprop through time: gradcheck through several steps of SimpleRNN, LSTM and GRU (both
 * resetAfter modes) for every weight, the inputs and the initial states, with a mask that skips a
 * step in the middle and one at the end, forwards and backwards. Also the orthogonal initialiser.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { gradcheck } from '../src/autograd/gradcheck.js';
import {
  GRUCell,
  initializers,
  LSTMCell,
  manualSeed,
  RNN,
  SimpleRNNCell,
  type Tensor,
  tensor,
} from '../src/index.js';
import { Rng } from '../src/random/rng.js';
import { describeEachBackend } from './helpers.js';
import { numbers } from './recurrent-reference.js';

const B = 2;
const T = 4;
const F = 3;
const U = 2;

type CellKind = 'simple' | 'lstm' | 'gru' | 'gru-v1';

function makeCell(kind: CellKind) {
  if (kind === 'simple') return new SimpleRNNCell({ units: U });
  if (kind === 'lstm') return new LSTMCell({ units: U });
  return new GRUCell({ units: U, resetAfter: kind === 'gru' });
}

const r = (seed: number, shape: number[], scale = 0.8) =>
  tensor(
    numbers(
      seed,
      shape.reduce((a, b) => a * b, 1),
      scale,
    ),
    { shape },
  );

describeEachBackend('recurrent gradcheck through time', () => {
  for (const kind of ['simple', 'lstm', 'gru', 'gru-v1'] as CellKind[]) {
    for (const goBackwards of [false, true]) {
      it(`${kind}${goBackwards ? ' goBackwards' : ''}: x, initial states and every weight`, () => {
        manualSeed(1);
        const cell = makeCell(kind);
        const layer = new RNN({ cell, returnSequences: true, goBackwards });
        layer.apply(r(1, [B, T, F]));
        // The step function reads the weights through getWeight: hand it gradcheck's copies.
        const given = new Map<string, Tensor>();
        const own = cell.getWeight.bind(cell);
        cell.getWeight = (name: string) => given.get(name) ?? own(name);
        const nStates = kind === 'lstm' ? 2 : 1;
        const g = (kind === 'lstm' ? 4 : kind === 'simple' ? 1 : 3) * U;
        const mask = tensor([
          [1, 0, 1, 1],
          [1, 1, 1, 0],
        ]);
        const inputs = [
          r(2, [B, T, F]),
          ...Array.from({ length: nStates }, (_, i) => r(3 + i, [B, U], 0.5)),
          r(5, [F, g]),
          r(6, [U, g]),
          r(7, kind === 'gru' ? [2, g] : [g], 0.3),
        ];
        const f = (...t: Tensor[]) => {
          const [x, ...rest] = t;
          const states = rest.slice(0, nStates);
          const [kernel, recurrent, bias] = rest.slice(nStates);
          given.set('kernel', kernel!);
          given.set('recurrent_kernel', recurrent!);
          given.set('bias', bias!);
          return layer.apply(x!, { training: false, mask, initialState: states });
        };
        const result = gradcheck(f, inputs, { tolerance: 2e-2 });
        assert.ok(
          result.ok,
          `worst ${result.maxError} at input ${result.worst?.input} [${result.worst?.index}]: ` +
            `analytic ${result.worst?.analytic}, numeric ${result.worst?.numeric}`,
        );
        // Every input got a gradient that is not all zeros (the mask must not cut a whole path).
        const xs = inputs.map((t) => {
          const c = t.detach().clone();
          c.requiresGrad = true;
          return c;
        });
        f(...xs)
          .sum()
          .backward();
        for (const [i, t] of xs.entries()) {
          assert.ok(
            t.grad?.dataSync().some((v) => v !== 0),
            `input ${i} has no gradient`,
          );
        }
      });
    }
  }

  it('a masked step passes the state gradient through untouched', () => {
    // With every step masked after the first, d(last h)/d h0 comes only through step 0.
    const cell = new SimpleRNNCell({ units: U });
    const layer = new RNN({ cell });
    const x = r(8, [B, T, F]);
    const h0 = r(9, [B, U], 0.5);
    h0.requiresGrad = true;
    const mask = tensor([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    const out = layer.apply(x, { training: false, mask, initialState: [h0] });
    // All steps skipped: the output is the zero "previous output", the state is h0.
    assert.ok(out.dataSync().every((v) => v === 0));
    const [, h] = new RNN({ cell, returnState: true }).apply(x, {
      training: false,
      mask,
      initialState: [h0],
    }) as unknown as Tensor[];
    h!.sum().backward();
    assert.deepEqual(Array.from(h0.grad!.dataSync()), new Array(B * U).fill(1));
  });
});

describeEachBackend('orthogonal initializer', () => {
  const gram = (w: Tensor, rows: number, cols: number, byColumns: boolean) => {
    const v = w.dataSync();
    const n = byColumns ? cols : rows;
    const len = byColumns ? rows : cols;
    const at = (i: number, k: number) => (byColumns ? v[k * cols + i]! : v[i * cols + k]!);
    const out: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < len; k++) s += at(i, k) * at(j, k);
        out.push(s);
      }
    return out;
  };
  const identity = (n: number, gain = 1) =>
    Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? gain * gain : 0));

  it('WᵀW = I for tall, square and (WWᵀ) wide weights; gain scales; fans over leading axes', () => {
    const rng = new Rng(3);
    const init = initializers.orthogonal();
    for (const [rows, cols] of [
      [7, 3],
      [5, 5],
      [3, 8],
    ] as const) {
      const w = init.init([rows, cols], rng);
      const g = gram(w, rows, cols, rows >= cols);
      for (const [i, v] of g.entries()) {
        assert.ok(Math.abs(v - identity(Math.min(rows, cols))[i]!) < 1e-5, `[${rows},${cols}] ${i}: ${v}`);
      }
    }
    const scaled = initializers
      .getInitializer({ className: 'Orthogonal', config: { gain: 2 } })
      .init([4, 4], rng);
    gram(scaled, 4, 4, true).forEach((v, i) => {
      assert.ok(Math.abs(v - identity(4, 2)[i]!) < 1e-4);
    });
    // A conv-style shape [2, 3, 4] is a [6, 4] matrix.
    const conv = init.init([2, 3, 4], rng);
    gram(conv.reshape([6, 4]), 6, 4, true).forEach((v, i) => {
      assert.ok(Math.abs(v - identity(4)[i]!) < 1e-5);
    });
    // Seeded: the same draws from the same generator state; different otherwise.
    const a = init.init([3, 3], new Rng(9)).dataSync();
    const b = init.init([3, 3], new Rng(9)).dataSync();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, init.init([3, 3], new Rng(10)).dataSync());
    assert.throws(() => initializers.orthogonal({ gain: 'big' } as never), /gain/);
  });
});
