/**
 * Recurrent layers against a float64 reference of Keras' equations (test/recurrent-reference.ts):
 * SimpleRNN, LSTM, GRU (both resetAfter modes) with Keras-layout weights loaded by setWeights,
 * returnSequences/returnState, goBackwards, masks, initial states, stateful carry, dropout masks,
 * configs and bad input.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  GRU,
  type Layer,
  LSTM,
  manualSeed,
  modelFromArtifacts,
  RNN,
  Sequential,
  ShapeError,
  SimpleRNN,
  SimpleRNNCell,
  type Tensor,
  tensor,
} from '../src/index.js';
import { setWeightValues } from '../src/model/trainable-model.js';
import { layerFromConfig } from '../src/nn/registry.js';
import { assertClose, describeEachBackend } from './helpers.js';
import { type Kind, numbers, reference } from './recurrent-reference.js';

const B = 3;
const T = 4;
const F = 3;
const U = 2;

const gates: Record<Kind, number> = { simple: 1, lstm: 4, gru: 3, 'gru-v1': 3 };

function makeLayer(kind: Kind, options: Record<string, unknown> = {}): SimpleRNN | LSTM | GRU {
  const config = { units: U, ...options };
  if (kind === 'simple') return new SimpleRNN(config);
  if (kind === 'lstm') return new LSTM(config);
  return new GRU({ ...config, resetAfter: kind === 'gru' });
}

/** Keras-layout weights: kernel, recurrent_kernel, bias, as flat arrays and their shapes. */
function kerasWeights(kind: Kind, seed: number) {
  const g = gates[kind] * U;
  const biasShape = kind === 'gru' ? [2, g] : [g];
  const kernel = numbers(seed, F * g, 0.8);
  const recurrent = numbers(seed + 1, U * g, 0.8);
  const bias = numbers(seed + 2, biasShape[0]! * (biasShape[1] ?? 1), 0.5);
  return {
    ref: { kernel, recurrent, bias },
    tensors: [
      tensor(kernel, { shape: [F, g] }),
      tensor(recurrent, { shape: [U, g] }),
      tensor(bias, { shape: biasShape }),
    ],
  };
}

function nested(values: number[], b: number, t: number, f: number): number[][][] {
  return Array.from({ length: b }, (_, i) =>
    Array.from({ length: t }, (_, j) => values.slice((i * t + j) * f, (i * t + j + 1) * f)),
  );
}

/** A layer loaded with Keras-order weights through a Sequential model's setWeights. */
function loaded(
  kind: Kind,
  options: Record<string, unknown>,
  seed: number,
): { layer: Layer; ref: ReturnType<typeof kerasWeights>['ref'] } {
  const layer = makeLayer(kind, { inputShape: [T, F], ...options });
  // Built on its own (a Sequential refuses returnState layers), then given Keras-order weights.
  layer.ensureBuilt([T, F]);
  const w = kerasWeights(kind, seed);
  setWeightValues(layer.weights, w.tensors);
  return { layer, ref: w.ref };
}

const kinds: Kind[] = ['simple', 'lstm', 'gru', 'gru-v1'];

describeEachBackend('recurrent layers vs the float64 equations', () => {
  const xValues = numbers(7, B * T * F);
  const x = () => tensor(xValues, { shape: [B, T, F] });
  const xRef = nested(xValues, B, T, F);

  for (const kind of kinds) {
    it(`${kind}: Keras-layout weights give the equations' sequence and final states`, () => {
      const { layer, ref } = loaded(kind, { returnSequences: true, returnState: true }, 11);
      const names = layer.weights.map((w) => w.name);
      const cell = kind === 'simple' ? 'simple_rnn_cell' : kind === 'lstm' ? 'lstm_cell' : 'gru_cell';
      assert.deepEqual(names, [
        `${layer.name}/${cell}/kernel`,
        `${layer.name}/${cell}/recurrent_kernel`,
        `${layer.name}/${cell}/bias`,
      ]);
      assert.deepEqual(layer.getWeight('recurrent_kernel').shape, [U, gates[kind] * U]);
      const out = layer.apply(x()) as unknown as Tensor[];
      const expected = reference(kind, ref, xRef, { units: U });
      assert.equal(out.length, kind === 'lstm' ? 3 : 2);
      assert.deepEqual(out[0]!.shape, [B, T, U]);
      assertClose(out[0]!, expected.sequence, 1e-5, 1e-4);
      expected.states.forEach((s, i) => {
        assertClose(out[i + 1]!, s, 1e-5, 1e-4);
      });
    });

    it(`${kind}: goBackwards, a mask and initial states`, () => {
      const { layer, ref } = loaded(kind, { returnSequences: true, goBackwards: true }, 21);
      // Sample 0 is padded at the end, sample 1 in the middle (skipped), sample 2 is full.
      const mask = [
        [1, 1, 0, 0],
        [1, 0, 1, 1],
        [1, 1, 1, 1],
      ];
      const nStates = kind === 'lstm' ? 2 : 1;
      const initial = Array.from(
        { length: nStates },
        (_, s) => nested(numbers(40 + s, B * U, 0.7), 1, B, U)[0]!,
      );
      const out = layer.apply(x(), {
        training: false,
        mask: tensor(mask),
        initialState: initial.map((v) => tensor(v)),
      });
      const expected = reference(kind, ref, xRef, { units: U, goBackwards: true, mask, initial });
      assertClose(out, expected.sequence, 1e-5, 1e-4);
    });

    it(`${kind}: last output only (returnSequences false) with a mask`, () => {
      const { layer, ref } = loaded(kind, {}, 31);
      const mask = [
        [1, 1, 1, 0],
        [1, 0, 0, 0],
        [0, 1, 1, 1],
      ];
      const out = layer.apply(x(), { training: false, mask: tensor(mask) });
      assert.deepEqual(out.shape, [B, U]);
      assertClose(out, reference(kind, ref, xRef, { units: U, mask }).last, 1e-5, 1e-4);
    });
  }

  it("TF.js's hardSigmoid gates (its default recurrentActivation) step through the cell", () => {
    for (const kind of ['lstm', 'gru'] as const) {
      const { layer, ref } = loaded(kind, { returnSequences: true, recurrentActivation: 'hard_sigmoid' }, 81);
      const expected = reference(kind, ref, xRef, { units: U, gate: 'hardSigmoid' });
      assertClose(layer.apply(x()), expected.sequence, 1e-5, 1e-4);
    }
  });

  it("a cell's call(), one step at a time, gives the layer's sequence", () => {
    for (const kind of kinds) {
      const { layer } = loaded(kind, { returnSequences: true }, 71);
      const cell = (layer as LSTM).cell;
      const sizes = Array.isArray(cell.stateSize) ? cell.stateSize : [cell.stateSize];
      let current = (sizes as number[]).map((n) => tensor(new Array(B * n).fill(0), { shape: [B, n] }));
      const outputs: number[][] = [];
      for (const xt of x().unstack(1)) {
        const [out, next] = cell.call(xt, current, { training: false });
        outputs.push(Array.from(out.dataSync()));
        current = next;
      }
      const seq = layer.apply(x()).dataSync();
      // seq is [B, T, U]; outputs[t] is [B, U].
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++)
          for (let j = 0; j < U; j++)
            assert.ok(
              Math.abs(seq[(b * T + t) * U + j]! - outputs[t]![b * U + j]!) < 1e-5,
              `${kind} t${t} b${b}`,
            );
    }
  });

  it('RNN runs any object with stateSize and call(): a running mean over the kept steps', () => {
    // States: the running sum and the count; the output is their ratio.
    const cell = {
      stateSize: [1, 1],
      call: (xt: Tensor, [sum, count]: Tensor[]): [Tensor, Tensor[]] => {
        const s = sum!.add(xt);
        const n = count!.add(1);
        return [s.div(n), [s, n]];
      },
    };
    const layer = new RNN({ cell, returnState: true });
    const values = [
      [1, 2, 3, 100],
      [5, 100, 7, 9],
    ];
    const xs = tensor(values.map((row) => row.map((v) => [v])));
    const mask = tensor([
      [1, 1, 1, 0],
      [1, 0, 1, 1],
    ]);
    const [mean, sum, count] = layer.apply(xs, { training: false, mask }) as unknown as Tensor[];
    assertClose(mean!, [[2], [7]]);
    assertClose(sum!, [[6], [21]]);
    assertClose(count!, [[3], [3]]);
    assert.throws(() => layer.getConfig(), /cannot be saved/);
  });

  it('stateful: a batch continues the previous one; resetStates() starts over', () => {
    const { layer, ref } = loaded('lstm', { stateful: true, returnSequences: true }, 51);
    const rnn = layer as LSTM;
    const first = numbers(61, B * T * F);
    const second = numbers(62, B * T * F);
    rnn.apply(tensor(first, { shape: [B, T, F] }));
    const continued = rnn.apply(tensor(second, { shape: [B, T, F] }));
    const a = nested(first, B, T, F);
    const b = nested(second, B, T, F);
    const whole = reference(
      'lstm',
      ref,
      a.map((s, i) => [...s, ...b[i]!]),
      { units: U },
    );
    assertClose(
      continued,
      whole.sequence.map((s) => s.slice(T)),
      1e-5,
      1e-4,
    );
    assert.equal(rnn.states!.length, 2);
    assertClose(rnn.states![0]!, whole.states[0]!, 1e-5, 1e-4);
    // Another batch size is refused while states are carried.
    assert.throws(() => rnn.apply(tensor(numbers(3, 2 * T * F), { shape: [2, T, F] })), ShapeError);
    rnn.resetStates();
    const fresh = rnn.apply(tensor(second, { shape: [B, T, F] }));
    assertClose(fresh, reference('lstm', ref, b, { units: U }).sequence, 1e-5, 1e-4);
    assert.throws(() => (makeLayer('gru') as GRU).resetStates(), ArgumentError);
  });

  it('unitForgetBias starts the forget gate at 1, the other gates from biasInitializer', () => {
    const layer = new LSTM({ units: 3, biasInitializer: 'zeros' });
    layer.apply(tensor(numbers(1, 2 * 2 * 2), { shape: [2, 2, 2] }));
    assert.deepEqual(Array.from(layer.getWeight('bias').dataSync()), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const plain = new LSTM({ units: 3, unitForgetBias: false });
    plain.apply(tensor(numbers(1, 8), { shape: [2, 2, 2] }));
    assert.deepEqual(Array.from(plain.getWeight('bias').dataSync()), new Array(12).fill(0));
  });

  it('dropout: one mask per sequence, inverted scaling, only while training', () => {
    // Linear cell, identity kernel, no recurrence: the output is the dropped input itself.
    manualSeed(5);
    const cell = new SimpleRNNCell({ units: 4, activation: 'linear', useBias: false, dropout: 0.5 });
    const layer = new RNN({ cell, returnSequences: true });
    const xs = tensor(
      numbers(9, 6 * 3 * 4).map((v) => v + 2),
      { shape: [6, 3, 4] },
    );
    layer.apply(xs);
    const eye = tensor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], { shape: [4, 4] });
    const model = new Sequential({ layers: [layer] });
    model.setWeights([eye, tensor(new Array(16).fill(0), { shape: [4, 4] })]);
    const out = layer.apply(xs, { training: true }).dataSync();
    const input = xs.dataSync();
    let dropped = 0;
    for (let b = 0; b < 6; b++) {
      for (let f = 0; f < 4; f++) {
        const ratios = [0, 1, 2].map((t) => out[(b * 3 + t) * 4 + f]! / input[(b * 3 + t) * 4 + f]!);
        // The same feature is kept (×2) or dropped (×0) at every step of the sequence.
        assert.ok(
          ratios.every((r) => Math.abs(r - ratios[0]!) < 1e-5),
          `sample ${b} feature ${f}: ${ratios}`,
        );
        assert.ok(Math.abs(ratios[0]!) < 1e-6 || Math.abs(ratios[0]! - 2) < 1e-5, `ratio ${ratios[0]}`);
        if (Math.abs(ratios[0]!) < 1e-6) dropped++;
      }
    }
    assert.ok(dropped > 3 && dropped < 21, `${dropped} of 24 dropped`);
    assertClose(layer.apply(xs, { training: false }), xs);
  });

  it('recurrentDropout: one mask on h for the whole sequence', () => {
    manualSeed(6);
    // h_t = x_t + h_{t-1}·mask: kernel I, recurrent I, linear.
    const cell = new SimpleRNNCell({ units: 3, activation: 'linear', useBias: false, recurrentDropout: 0.5 });
    const layer = new RNN({ cell, returnSequences: true });
    const model = new Sequential({ layers: [layer] });
    const xs = tensor(
      numbers(3, 4 * 3 * 3).map((v) => v + 2),
      { shape: [4, 3, 3] },
    );
    layer.apply(xs);
    const eye = tensor([1, 0, 0, 0, 1, 0, 0, 0, 1], { shape: [3, 3] });
    model.setWeights([eye, eye]);
    const out = layer.apply(xs, { training: true }).dataSync();
    const input = xs.dataSync();
    for (let b = 0; b < 4; b++) {
      for (let f = 0; f < 3; f++) {
        const at = (t: number) => (b * 3 + t) * 3 + f;
        // m = (h_t − x_t) / h_{t−1} must be the same (0 or 2) at steps 1 and 2.
        const m1 = (out[at(1)]! - input[at(1)]!) / out[at(0)]!;
        const m2 = (out[at(2)]! - input[at(2)]!) / out[at(1)]!;
        assert.ok(
          Math.abs(m1 - m2) < 1e-4 && (Math.abs(m1) < 1e-4 || Math.abs(m1 - 2) < 1e-4),
          `${m1} ${m2}`,
        );
      }
    }
  });

  it('configs round-trip and weightShapes lists what build makes', () => {
    for (const kind of kinds) {
      const layer = makeLayer(kind, {
        returnSequences: true,
        goBackwards: true,
        dropout: 0.25,
        recurrentInitializer: { className: 'Orthogonal', config: { gain: 2 } },
        kernelRegularizer: { className: 'L2', config: { l2: 0.01 } },
      });
      const spec = layer.getConfig();
      const copy = layerFromConfig(structuredClone(spec));
      assert.deepEqual(copy.getConfig(), spec);
      assert.equal(copy.className, layer.className);
      const planned = layer.weightShapes([5, F]);
      layer.apply(tensor(numbers(2, 2 * 5 * F), { shape: [2, 5, F] }));
      assert.deepEqual(
        planned!.map(([n, s]) => [`${layer.name}/${n}`, s]),
        layer.weights.map((w) => [w.name, w.tensor.shape]),
      );
      assert.ok(layer.regularizationLoss() !== null);
    }
    const generic = new RNN({ cell: new SimpleRNNCell({ units: 2 }), returnState: true });
    const again = layerFromConfig(structuredClone(generic.getConfig()));
    assert.deepEqual(again.getConfig(), generic.getConfig());
  });

  it('a saved model with LSTM and GRU layers loads with the same outputs', () => {
    manualSeed(8);
    const model = new Sequential({
      layers: [
        new GRU({ units: 3, returnSequences: true, inputShape: [T, F], resetAfter: false }),
        new LSTM({ units: 2 }),
      ],
    });
    const copy = modelFromArtifacts(structuredClone(model.toArtifacts()));
    assertClose(copy.predict(x()), model.predict(x()), 0, 0);
  });

  it('refuses bad input with typed errors naming the layer', () => {
    const layer = makeLayer('lstm');
    assert.throws(() => layer.apply(tensor(numbers(1, 6), { shape: [2, 3] })), ShapeError);
    assert.throws(
      () => layer.apply(x(), { training: false, initialState: [tensor(numbers(1, 6), { shape: [3, 2] })] }),
      (e: Error) => e instanceof ArgumentError && /lstm.*initialState/i.test(e.message),
    );
    assert.throws(
      () =>
        layer.apply(x(), {
          training: false,
          initialState: [tensor(numbers(1, 6), { shape: [3, 2] }), tensor(numbers(1, 9), { shape: [3, 3] })],
        }),
      (e: Error) => e instanceof ShapeError && /initialState\[1\].*\[3, 2\]/.test(e.message),
    );
    assert.throws(() => layer.apply(x(), { training: false, mask: tensor([[1, 1]]) }), ShapeError);
    assert.throws(() => new LSTM({ units: 0 }), ArgumentError);
    assert.throws(() => new LSTM({ units: 2, unitsForget: true } as never), /unitForgetBias|unknown/);
    assert.throws(() => new GRU({ units: 2, dropout: 1 }), ArgumentError);
    assert.throws(() => new RNN({ cell: { call: () => null } as never }), /stateSize/);
  });
});
