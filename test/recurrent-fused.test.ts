/**
 * LSTM and GRU take the fused sequence ops (src/ops/rnn/) when a call allows it; the step loop
 * through the cell is the reference. Both paths must agree on values and on the gradients of x,
 * the initial states and every weight — forwards and backwards, sequences and last outputs, with
 * input dropout while training — and calls the op cannot do (a mask) must step.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GRU, gradients, LSTM, manualSeed, type Tensor, tensor } from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';
import { numbers } from './recurrent-reference.js';

const B = 3;
const T = 5;
const F = 4;
const U = 3;

type Kind = 'lstm' | 'gru' | 'gru-v1';

function make(kind: Kind, options: Record<string, unknown>): LSTM | GRU {
  manualSeed(4);
  const config = { units: U, biasInitializer: 'randomNormal' as const, ...options };
  const layer = kind === 'lstm' ? new LSTM(config) : new GRU({ ...config, resetAfter: kind === 'gru' });
  layer.apply(tensor(numbers(1, B * T * F), { shape: [B, T, F] })); // built here, not in a seeded run
  return layer;
}

/** Output, final states and the gradients of (x, states…, weights…) for one path. */
function run(layer: LSTM | GRU, fused: boolean, training = false) {
  layer.fused = fused;
  const x = tensor(numbers(3, B * T * F), { shape: [B, T, F] });
  x.requiresGrad = true;
  const states = layer.stateSize.map((s, i) => {
    const t = tensor(numbers(10 + i, B * s, 0.5), { shape: [B, s] });
    t.requiresGrad = true;
    return t;
  });
  const weights = layer.weights.map((w) => w.tensor);
  for (const w of weights) w.grad = null;
  manualSeed(99); // the same dropout draws on both paths
  const out = layer.apply(x, { training, initialState: states }) as unknown as Tensor[];
  const [output, ...finals] = out;
  const weight = tensor(numbers(20, output!.size), { shape: output!.shape });
  // A loss on the output and on every final state, so each state's gradient path is checked.
  let loss = output!.mul(weight).sum();
  for (const s of finals) loss = loss.add(s.mul(0.5).sum());
  loss.backward();
  return {
    values: out.map((t) => t.detach()),
    grads: [x, ...states, ...weights].map((t) => t.grad!.detach()),
  };
}

describeEachBackend('fused recurrent path = the step loop', () => {
  for (const kind of ['lstm', 'gru', 'gru-v1'] as Kind[]) {
    for (const goBackwards of [false, true]) {
      for (const returnSequences of [true, false]) {
        it(`${kind}${goBackwards ? ' goBackwards' : ''}${returnSequences ? ' sequences' : ' last'}: values and gradients`, () => {
          const layer = make(kind, { goBackwards, returnSequences, returnState: true });
          const stepped = run(layer, false);
          const fused = run(layer, true);
          stepped.values.forEach((v, i) => {
            assertClose(fused.values[i]!, v, 1e-5, 1e-4);
          });
          stepped.grads.forEach((g, i) => {
            assertClose(fused.grads[i]!, g, 1e-5, 1e-3);
          });
        });
      }
    }
  }

  it('input dropout while training draws the same mask on both paths', () => {
    const layer = make('lstm', { dropout: 0.4, returnSequences: true, returnState: true });
    const stepped = run(layer, false, true);
    const fused = run(layer, true, true);
    stepped.values.forEach((v, i) => {
      assertClose(fused.values[i]!, v, 1e-5, 1e-4);
    });
    stepped.grads.forEach((g, i) => {
      assertClose(fused.grads[i]!, g, 1e-5, 1e-3);
    });
    // And dropout did something: inference differs.
    layer.fused = true;
    const x = tensor(numbers(3, B * T * F), { shape: [B, T, F] });
    const plain = (layer.apply(x) as unknown as Tensor[])[0]!.dataSync();
    assert.notDeepEqual(plain, fused.values[0]!.dataSync());
  });

  it('second order: a gradient penalty ‖∂L/∂x‖² trains the weights the same on both paths', () => {
    for (const kind of ['lstm', 'gru', 'gru-v1'] as Kind[]) {
      const layer = make(kind, { returnSequences: kind === 'lstm', goBackwards: kind === 'gru-v1' });
      const [fused, stepped] = [true, false].map((on) => {
        layer.fused = on;
        const x = tensor(numbers(3, B * T * F), { shape: [B, T, F] });
        x.requiresGrad = true;
        const [gx] = gradients(layer.apply(x).square().sum(), [x], { createGraph: true });
        return gradients(
          gx!.square().sum(),
          layer.weights.map((w) => w.tensor),
        );
      });
      stepped!.forEach((g, i) => {
        assert.ok(g.dataSync().some((v) => v !== 0));
        assertClose(fused![i]!, g, 1e-6, 1e-3);
      });
    }
  });

  it('a mask that keeps every step gives what no mask gives', () => {
    const layer = make('gru', { returnSequences: true });
    const x = tensor(numbers(3, B * T * F), { shape: [B, T, F] });
    const all = tensor(new Array(B * T).fill(1), { shape: [B, T] });
    for (const fused of [true, false]) {
      layer.fused = fused;
      assertClose(layer.apply(x, { training: false, mask: all }), layer.apply(x), 1e-6, 1e-5);
    }
  });

  it('a mask, recurrent dropout or other activations step through the cell', () => {
    // A sigmoid candidate activation: the op cannot compute it, so the layer must not call it.
    const odd = make('gru', { activation: 'sigmoid', returnSequences: true });
    const x = tensor(numbers(3, B * T * F), { shape: [B, T, F] });
    odd.fused = true;
    const a = odd.apply(x).dataSync();
    odd.fused = false;
    assert.deepEqual(odd.apply(x).dataSync(), a);
    const masked = make('lstm', { returnSequences: true });
    const mask = tensor([
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1],
      [1, 0, 1, 1, 1],
    ]);
    masked.fused = true;
    const m = masked.apply(x, { training: false, mask }).dataSync();
    masked.fused = false;
    assert.deepEqual(masked.apply(x, { training: false, mask }).dataSync(), m);
  });
});
