/**
 * Bidirectional and TimeDistributed: values against the wrapped layers run by hand (the backward
 * copy is a goBackwards layer, its sequence reversed back into time order; each merge mode),
 * returnState lists, weight names, masks through both directions (variable-length sequences),
 * gradcheck through each wrapper, configs, and saving and loading Sequential and functional
 * models that use them.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { gradcheck } from '../src/autograd/gradcheck.js';
import {
  ArgumentError,
  Bidirectional,
  Dense,
  Embedding,
  GRU,
  input,
  type Layer,
  LSTM,
  Model,
  manualSeed,
  modelFromArtifacts,
  Sequential,
  SimpleRNN,
  type Tensor,
  TimeDistributed,
  tensor,
} from '../src/index.js';
import { layerFromConfig } from '../src/nn/registry.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

const B = 2;
const T = 4;
const F = 3;
/** Made on each backend in turn (a before() hook inside each block). */
let x: Tensor;
const makeX = () => {
  x = tensor(
    Array.from({ length: B * T * F }, (_, i) => Math.sin(1.3 * i + 0.4)),
    { shape: [B, T, F] },
  );
};

/** y[b][t] as nested arrays. */
const rows = (y: Tensor) => y.toArray() as number[][][];

/** [B, T, F] with the time axis reversed, by hand. */
function reversedInTime(t: Tensor): Tensor {
  const a = rows(t);
  return tensor(a.map((seq) => [...seq].reverse()));
}

describeEachBackend('Bidirectional', () => {
  before(makeX);
  for (const returnSequences of [true, false]) {
    it(`${returnSequences ? 'returnSequences' : 'last output'}: every merge mode from the two directions`, () => {
      manualSeed(10);
      const modes = ['concat', 'sum', 'mul', 'ave', null] as const;
      for (const mergeMode of modes) {
        const bi = new Bidirectional({ layer: new SimpleRNN({ units: 2, returnSequences }), mergeMode });
        const out = bi.apply(x) as unknown as Tensor | Tensor[];
        const f = bi.forwardLayer.apply(x);
        let b = bi.backwardLayer.apply(x);
        // The backward copy's sequence comes last step first; the wrapper puts it back in time order.
        if (returnSequences) b = reversedInTime(b);
        const fa = flat(f);
        const ba = flat(b);
        if (mergeMode === null) {
          assert.ok(Array.isArray(out) && out.length === 2);
          assertClose(out[0]!, fa, 1e-6, 0);
          assertClose(out[1]!, ba, 1e-6, 0);
          continue;
        }
        const y = out as Tensor;
        const want =
          mergeMode === 'concat'
            ? fa.flatMap((_, i) => (i % 2 === 0 ? [fa[i]!, fa[i + 1]!, ba[i]!, ba[i + 1]!] : []))
            : fa.map((v, i) =>
                mergeMode === 'sum' ? v + ba[i]! : mergeMode === 'mul' ? v * ba[i]! : (v + ba[i]!) / 2,
              );
        assertClose(y, want, 1e-6, 1e-6);
        assert.deepEqual(y.shape, [B, ...bi.computeOutputShape([T, F])]);
      }
    });
  }

  it('the backward copy runs backwards with its own weights: a forward layer on reversed input, by hand', () => {
    manualSeed(11);
    const bi = new Bidirectional({ layer: new SimpleRNN({ units: 3, returnSequences: true, name: 'rnn' }) });
    bi.apply(x);
    assert.deepEqual(
      bi.weights.map((w) => w.name),
      [
        'bidirectional/forward_rnn/simple_rnn_cell/kernel',
        'bidirectional/forward_rnn/simple_rnn_cell/recurrent_kernel',
        'bidirectional/forward_rnn/simple_rnn_cell/bias',
        'bidirectional/backward_rnn/simple_rnn_cell/kernel',
        'bidirectional/backward_rnn/simple_rnn_cell/recurrent_kernel',
        'bidirectional/backward_rnn/simple_rnn_cell/bias',
      ].map((n) => n.replace('bidirectional', bi.name)),
    );
    const backwardWeights = bi.weights.slice(3).map((w) => w.tensor);
    const plain = new Sequential({
      layers: [new SimpleRNN({ units: 3, returnSequences: true, inputShape: [T, F] })],
    });
    plain.setWeights(backwardWeights);
    // Step t of the merged output's backward half has seen steps t..T−1: the plain layer on the
    // reversed input, reversed back.
    const expected = reversedInTime(plain.predict(reversedInTime(x)));
    const y = rows(bi.apply(x) as Tensor);
    const e = rows(expected);
    assertClose(
      y.flatMap((seq) => seq.map((step) => step.slice(3))),
      e.flat(),
      1e-5,
      1e-4,
    );
  });

  it('returnState: merged output, then the forward states and the backward states', () => {
    manualSeed(12);
    const bi = new Bidirectional({ layer: new LSTM({ units: 2, returnState: true }) });
    const out = bi.apply(x) as unknown as Tensor[];
    assert.equal(out.length, 5);
    const f = bi.forwardLayer.apply(x) as unknown as Tensor[];
    const b = bi.backwardLayer.apply(x) as unknown as Tensor[];
    assertClose(out[1]!, f[1]!, 1e-6, 0);
    assertClose(out[2]!, f[2]!, 1e-6, 0);
    assertClose(out[3]!, b[1]!, 1e-6, 0);
    assertClose(out[4]!, b[2]!, 1e-6, 0);
    assert.deepEqual(bi.computeOutputShape([T, F]), [[4], [2], [2], [2], [2]]);
    assert.deepEqual(
      out.map((t) => t.shape),
      [
        [B, 4],
        [B, 2],
        [B, 2],
        [B, 2],
        [B, 2],
      ],
    );
    // initialState: the forward layer's states then the backward layer's.
    const zeros = () =>
      tensor([
        [0, 0],
        [0, 0],
      ]);
    const ones = tensor([
      [1, 1],
      [1, 1],
    ]);
    const started = bi.apply(x, {
      training: false,
      initialState: [zeros(), zeros(), ones, ones],
    }) as unknown as Tensor[];
    assertClose(started[1]!, f[1]!, 1e-6, 0);
    assert.ok(Math.abs(flat(started[3]!)[0]! - flat(b[1]!)[0]!) > 1e-4);
  });

  it('masks reach both directions: padded sequences give each sequence its own result', () => {
    manualSeed(13);
    const ids = input({ shape: [null] });
    const embedded = new Embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(ids);
    const model = new Model({
      inputs: ids,
      outputs: new Bidirectional({ layer: new GRU({ units: 2 }) }).apply(embedded),
    });
    const sequences = [
      [1, 2, 3],
      [4, 5],
      [2, 1, 2, 5],
    ];
    const padded = tensor(sequences.map((s) => [...s, ...new Array(4 - s.length).fill(0)]));
    const batch = (model.predict(padded) as Tensor).toArray() as number[][];
    sequences.forEach((s, i) => {
      const alone = (model.predict(tensor([s])) as Tensor).toArray() as number[][];
      assertClose(batch[i]!, alone[0]!, 1e-5, 1e-4);
    });
  });

  it('gradcheck through Bidirectional for x (with and without a mask) and the backward copy weights', () => {
    manualSeed(14);
    const bi = new Bidirectional({
      layer: new LSTM({ units: 2, returnSequences: true }),
      mergeMode: 'concat',
    });
    bi.apply(x);
    const mask = tensor([
      [1, 1, 1, 0],
      [1, 1, 0, 0],
    ]);
    for (const options of [{ training: true }, { training: true, mask }]) {
      const result = gradcheck((u) => bi.apply(u, options), [x.mul(0.7)]);
      assert.ok(result.ok, `worst error ${result.maxError}`);
    }
    const cell = (bi.backwardLayer as unknown as { cell: Layer }).cell;
    const names = ['kernel', 'recurrent_kernel', 'bias'];
    const own = cell.getWeight.bind(cell);
    const f = (...ws: Tensor[]): Tensor => {
      cell.getWeight = (name: string) => ws[names.indexOf(name)] ?? own(name);
      try {
        return bi.apply(x, { training: true, mask });
      } finally {
        delete (cell as { getWeight?: unknown }).getWeight;
      }
    };
    const result = gradcheck(
      f,
      names.map((n) => own(n).mul(1)),
    );
    assert.ok(result.ok, `worst error ${result.maxError}`);
  });

  it('config round trip; refuses a non-recurrent layer, a bad mergeMode, a backwardLayer going the same way', () => {
    const bi = new Bidirectional({
      layer: new GRU({ units: 3, returnSequences: true, name: 'g' }),
      mergeMode: 'ave',
      inputShape: [5, 2],
    });
    const config = JSON.parse(JSON.stringify(bi.getConfig()));
    const copy = layerFromConfig(config) as Bidirectional;
    assert.deepEqual(copy.getConfig(), bi.getConfig());
    assert.equal(copy.forwardLayer.name, 'forward_g');
    assert.equal(copy.backwardLayer.name, 'backward_g');
    assert.throws(
      () => new Bidirectional({ layer: new Dense({ units: 2 }) }),
      (e: Error) => e instanceof ArgumentError && /recurrent layer/.test(e.message),
    );
    assert.throws(
      () => new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'max' as never }),
      (e: Error) => e instanceof ArgumentError && /mergeMode/.test(e.message),
    );
    assert.throws(
      () => new Bidirectional({ layer: new GRU({ units: 2 }), backwardLayer: new GRU({ units: 2 }) }),
      (e: Error) => e instanceof ArgumentError && /backwardLayer/.test(e.message),
    );
    // An input shape declared on the wrapped layer is the wrapper's; stateful copies reset together.
    const declared = new Bidirectional({ layer: new LSTM({ units: 2, inputShape: [4, 3], stateful: true }) });
    assert.deepEqual(declared.declaredInputShape, [4, 3]);
    assert.deepEqual(new Sequential({ layers: [declared] }).outputShape, [4]);
    declared.resetStates();
    assert.throws(() => new Bidirectional({ layer: new GRU({ units: 2 }) }).resetStates(), /stateful/);
    // A given backward layer is used as is, and saved.
    const own = new Bidirectional({
      layer: new GRU({ units: 2 }),
      backwardLayer: new GRU({ units: 2, goBackwards: true, name: 'back' }),
    });
    assert.equal(own.backwardLayer.name, 'back');
    const again = layerFromConfig(JSON.parse(JSON.stringify(own.getConfig()))) as Bidirectional;
    assert.equal(again.backwardLayer.name, 'back');
  });
});

describeEachBackend('TimeDistributed', () => {
  before(makeX);
  it('applies the layer to every step with the same weights; the mask passes through', () => {
    manualSeed(20);
    const dense = new Dense({ units: 2, activation: 'tanh' });
    const td = new TimeDistributed({ layer: dense });
    const y = td.apply(x);
    assert.deepEqual(y.shape, [B, T, 2]);
    const steps = rows(x);
    const want = steps.map((seq) => seq.map((step) => flat(dense.apply(tensor([step])))));
    assertClose(y, want.flat(2), 1e-6, 1e-6);
    assert.deepEqual(td.computeOutputShape([null as unknown as number, F]), [null, 2]);
    assert.equal(td.weights[0]!.name, `${td.name}/${dense.name}/kernel`);
    const mask = tensor([
      [1, 0, 1, 1],
      [1, 1, 0, 0],
    ]);
    assert.equal(td.computeMask(x, mask), mask);
    assert.equal(td.outputActivation, 'tanh');
  });

  it('gradcheck for x and the kernel', () => {
    manualSeed(21);
    const dense = new Dense({ units: 2 });
    const td = new TimeDistributed({ layer: dense });
    td.apply(x);
    const own = dense.getWeight.bind(dense);
    const f = (u: Tensor, kernel: Tensor): Tensor => {
      dense.getWeight = (name: string) => (name === 'kernel' ? kernel : own(name));
      try {
        return td.apply(u, { training: true }).tanh();
      } finally {
        delete (dense as { getWeight?: unknown }).getWeight;
      }
    };
    const result = gradcheck(f, [x, own('kernel').mul(1)]);
    assert.ok(result.ok, `worst error ${result.maxError}`);
  });

  it('config round trip; a layer that gives a list is refused', () => {
    const td = new TimeDistributed({ layer: new Dense({ units: 3, name: 'd' }), inputShape: [4, 2] });
    const copy = layerFromConfig(JSON.parse(JSON.stringify(td.getConfig()))) as TimeDistributed;
    assert.deepEqual(copy.getConfig(), td.getConfig());
    assert.deepEqual(copy.declaredInputShape, [4, 2]);
    assert.throws(() => new TimeDistributed({ layer: 'dense' as never }), ArgumentError);
    const listing = new TimeDistributed({ layer: new LSTM({ units: 2, returnState: true }) });
    assert.throws(() => listing.apply(tensor([[[[1, 2]]]])), ArgumentError);
  });
});

describeEachBackend('wrappers in models: train with a masked loss, save and load', () => {
  it('Sequential: Embedding(maskZero) → Bidirectional(LSTM, sequences) → TimeDistributed(Dense softmax)', () => {
    manualSeed(30);
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 6, outputDim: 4, maskZero: true, inputLength: 4 }),
        new Bidirectional({ layer: new LSTM({ units: 3, returnSequences: true }) }),
        new TimeDistributed({ layer: new Dense({ units: 3, activation: 'softmax' }) }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const ids = tensor([
      [1, 2, 3, 0],
      [4, 5, 0, 0],
    ]);
    const labels = tensor([
      [0, 1, 2, 2],
      [1, 0, 2, 2],
    ]);
    const first = model.trainOnBatch(ids, labels).loss;
    for (let i = 0; i < 20; i++) model.trainOnBatch(ids, labels);
    assert.ok(model.evaluate(ids, labels).loss! < first);
    const copy = modelFromArtifacts<Sequential>(model.toArtifacts());
    assertClose(copy.predict(ids), model.predict(ids), 1e-6, 0);
    assert.deepEqual(
      copy.weights.map((w) => w.name),
      model.weights.map((w) => w.name),
    );
  });

  it('functional: input([null]) → Embedding → Bidirectional(GRU, sum) → Dense', () => {
    manualSeed(31);
    const ids = input({ shape: [null] });
    const e = new Embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(ids);
    const h = new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'sum' }).apply(e);
    const model = new Model({ inputs: ids, outputs: new Dense({ units: 1 }).apply(h) });
    const data = tensor([
      [1, 2, 0],
      [3, 0, 0],
    ]);
    const copy = modelFromArtifacts<Model>(model.toArtifacts());
    assertClose(copy.predict(data) as Tensor, model.predict(data) as Tensor, 1e-6, 0);
    assertClose(
      copy.predict(tensor([[3]])) as Tensor,
      flat(model.predict(data) as Tensor).slice(1),
      1e-5,
      1e-4,
    );
  });
});
