/**
 * RNN with a built-in LSTMCell or GRUCell takes the fused sequence ops the LSTM and GRU layers
 * take (issue 17: so its ONNX round trip is exact), so RNN(LSTMCell(u)) and LSTM(u) with the same
 * weights give the same bits: outputs, final states and the gradients of x, the initial states and
 * every weight — forwards and backwards, sequences and last outputs, masked, with input dropout.
 * A subclass of a built-in cell may change the step, so it steps through the cell.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GRU, GRUCell, LSTM, LSTMCell, manualSeed, RNN, type Tensor, tensor } from '../src/index.js';
import { describeEachBackend } from './helpers.js';
import { numbers } from './recurrent-reference.js';

const B = 3;
const T = 5;
const F = 4;
const U = 3;

type Kind = 'lstm' | 'gru' | 'gru-v1';

/** The layer and the RNN over the same cell, with the same (seeded) weights, both built. */
function pair(kind: Kind, options: Record<string, unknown>): [RNN, RNN] {
  const cellOptions = {
    units: U,
    biasInitializer: 'randomNormal' as const,
    ...(kind !== 'lstm' && { resetAfter: kind === 'gru' }),
    ...(typeof options.dropout === 'number' && { dropout: options.dropout }),
  };
  const { dropout: _dropout, ...rnnOptions } = options;
  const x = tensor(numbers(1, B * T * F), { shape: [B, T, F] });
  manualSeed(4);
  const layer =
    kind === 'lstm'
      ? new LSTM({ ...cellOptions, ...rnnOptions })
      : new GRU({ ...cellOptions, ...rnnOptions });
  layer.apply(x);
  manualSeed(4);
  const cell = kind === 'lstm' ? new LSTMCell(cellOptions) : new GRUCell(cellOptions);
  const rnn = new RNN({ cell, ...rnnOptions });
  rnn.apply(x);
  const a = layer.weights.map((w) => w.tensor.dataSync());
  const b = rnn.weights.map((w) => w.tensor.dataSync());
  assert.equal(a.length, 3);
  a.forEach((w, i) => {
    assert.deepEqual(b[i], w, 'the two layers start from the same weights');
  });
  return [layer, rnn];
}

/** Output, final states and the gradients of (x, states…, weights…). */
function run(layer: RNN, mask: Tensor | undefined, training = false) {
  const x = tensor(numbers(3, B * T * F), { shape: [B, T, F] });
  x.requiresGrad = true;
  const states = layer.stateSize.map((s, i) => {
    const t = tensor(numbers(10 + i, B * s, 0.5), { shape: [B, s] });
    t.requiresGrad = true;
    return t;
  });
  const weights = layer.weights.map((w) => w.tensor);
  for (const w of weights) w.grad = null;
  manualSeed(99); // the same dropout draws for both layers
  const out = layer.apply(x, { training, initialState: states, mask }) as unknown as Tensor[];
  const [output, ...finals] = out;
  const weight = tensor(numbers(20, output!.size), { shape: output!.shape });
  let loss = output!.mul(weight).sum();
  for (const s of finals) loss = loss.add(s.mul(0.5).sum());
  loss.backward();
  return {
    values: out.map((t) => t.dataSync()),
    grads: [x, ...states, ...weights].map((t) => t.grad!.dataSync()),
  };
}

function assertSameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Object.is(got[i], want[i]), `${what}, element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

function assertSameRuns(a: ReturnType<typeof run>, b: ReturnType<typeof run>, what: string): void {
  a.values.forEach((v, i) => {
    assertSameBits(b.values[i]!, v, `${what}: output ${i}`);
  });
  a.grads.forEach((g, i) => {
    assertSameBits(b.grads[i]!, g, `${what}: gradient ${i}`);
  });
}

const masks = {
  none: undefined,
  'every step kept': () => tensor(new Array(B * T).fill(1), { shape: [B, T] }),
  padded: () =>
    tensor([
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1],
    ]),
};

describeEachBackend('RNN(LSTMCell / GRUCell) = LSTM / GRU, bit for bit', () => {
  for (const kind of ['lstm', 'gru', 'gru-v1'] as Kind[]) {
    for (const goBackwards of [false, true]) {
      for (const returnSequences of [true, false]) {
        it(`${kind}${goBackwards ? ' goBackwards' : ''}${returnSequences ? ' sequences' : ' last'}: values and gradients, with and without a mask`, () => {
          const [layer, rnn] = pair(kind, { goBackwards, returnSequences, returnState: true });
          for (const [what, mask] of Object.entries(masks)) {
            assertSameRuns(run(layer, mask?.()), run(rnn, mask?.()), `${kind}, mask ${what}`);
          }
        });
      }
    }
  }

  it('input dropout while training: the same draws, the same bits', () => {
    for (const kind of ['lstm', 'gru'] as Kind[]) {
      const [layer, rnn] = pair(kind, { dropout: 0.4, returnSequences: true, returnState: true });
      assertSameRuns(run(layer, undefined, true), run(rnn, undefined, true), `${kind} dropout`);
    }
  });

  it('the RNN takes the fused path (fused: false steps, as LSTM does), a cell subclass steps', () => {
    const [layer, rnn] = pair('lstm', { returnSequences: true, returnState: true });
    layer.fused = false;
    rnn.fused = false;
    assertSameRuns(run(layer, undefined), run(rnn, undefined), 'both stepping');
    // A subclass may change the step: never fused, so it equals the stepping built-in cell.
    class Custom extends LSTMCell {}
    manualSeed(4);
    const custom = new RNN({
      cell: new Custom({ units: U, biasInitializer: 'randomNormal' }),
      returnSequences: true,
      returnState: true,
    });
    custom.apply(tensor(numbers(1, B * T * F), { shape: [B, T, F] })); // built from the same seed
    assertSameRuns(run(rnn, undefined), run(custom, undefined), 'subclass');
    // And the step loop and the fused op do differ in the last bits here, so the comparisons
    // above would see a path taken wrongly.
    rnn.fused = true;
    const fused = run(rnn, undefined);
    const stepped = run(custom, undefined);
    assert.ok(
      fused.values[0]!.some((v, i) => !Object.is(v, stepped.values[0]![i])) ||
        fused.grads.some((g, k) => g.some((v, i) => !Object.is(v, stepped.grads[k]![i]))),
      'the fused op and the step loop give the same bits: the test cannot tell the paths apart',
    );
  });
});
