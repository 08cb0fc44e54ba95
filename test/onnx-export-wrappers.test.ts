/**
 * ONNX export of the wrapper layers (issue 17): Bidirectional around LSTM, GRU and SimpleRNN with
 * every mergeMode and returnSequences both ways (one 'bidirectional' op, or two ops when the
 * copies differ), TimeDistributed (Dense on rank 3; Conv2D and Flatten folded into the batch,
 * with a known and an unknown time axis), Masking, RNN with a built-in cell, and Sequential and
 * functional models used as layers inside a model (their nodes inlined, names prefixed). Each is
 * run in ONNX Runtime (onnxruntime-web's wasm backend, the reference) on random batches and
 * compared with model.predict to 1e-5 relative + 1e-6 absolute. One backend: ORT is the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Add,
  ArgumentError,
  Bidirectional,
  Conv2D,
  Dense,
  Embedding,
  Flatten,
  GRU,
  GRUCell,
  input,
  type Layer,
  LSTM,
  LSTMCell,
  Masking,
  Model,
  type Module,
  manualSeed,
  RNN,
  Rng,
  Sequential,
  SimpleRNN,
  type SymbolicTensor,
  type Tensor,
  TimeDistributed,
  tensor,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { decodeModel, type ModelProto } from '../src/interop/onnx/onnx-proto.js';
import { assertAgree, opTypes, randomBatch, runOrt } from './onnx-runtime.js';

const TIME = 4;
const FEATURES = 3;

/**
 * Export, run in ORT on batches of 1 and 3 (each input's sample shape in `samples`, unknown sizes
 * given there), compare every output with predict; the decoded graph.
 */
async function check(
  model: Sequential | Model,
  what: string,
  seed: number,
  samples: readonly (readonly number[])[] = [(model as Sequential).inputShape],
  transform: (x: Float32Array) => Float32Array = (x) => x,
): Promise<ModelProto> {
  const bytes = toOnnx(model);
  const rng = new Rng(seed);
  for (const batch of [1, 3]) {
    const feeds = samples.map((s) => {
      const r = randomBatch(rng, batch, s);
      return { data: transform(r.data), dims: r.dims };
    });
    const out = await runOrt(bytes, Object.fromEntries(model.inputNames.map((n, i) => [n, feeds[i]!])));
    const xs = feeds.map((f) => tensor(f.data, { shape: f.dims }));
    const want = model.predict(xs.length === 1 ? xs[0]! : xs) as Tensor | Tensor[];
    const wants = Array.isArray(want) ? want : [want];
    model.outputNames.forEach((name, i) => {
      assertAgree(out[name]!, wants[i]!, `${what}, ${name}, batch ${batch}`, 1e-6);
    });
  }
  return decodeModel(bytes);
}

const recurrentLayers = {
  LSTM: (o: Record<string, unknown>) => new LSTM({ units: 3, unitForgetBias: false, ...o }),
  GRU: (o: Record<string, unknown>) => new GRU({ units: 3, ...o }),
  SimpleRNN: (o: Record<string, unknown>) => new SimpleRNN({ units: 3, ...o }),
} as const;

describe('toOnnx, wrappers', () => {
  it('Bidirectional LSTM / GRU / SimpleRNN, every mergeMode, returnSequences both ways: one bidirectional op', async () => {
    let seed = 0;
    for (const [kind, make] of Object.entries(recurrentLayers)) {
      for (const mergeMode of ['concat', 'sum', 'ave', 'mul'] as const) {
        for (const returnSequences of [false, true]) {
          manualSeed(400 + seed);
          const model = new Sequential({
            layers: [
              new Bidirectional({
                layer: make({ biasInitializer: 'randomNormal', returnSequences }),
                mergeMode,
                inputShape: [TIME, FEATURES],
                name: 'bi',
              }),
            ],
          });
          const what = `Bidirectional(${kind}) ${mergeMode} returnSequences ${returnSequences}`;
          const proto = await check(model, what, seed++);
          const op = proto.graph!.node!.filter((n) => n.opType === (kind === 'SimpleRNN' ? 'RNN' : kind));
          assert.equal(op.length, 1, what);
          const direction = op[0]!.attribute!.find((a) => a.name === 'direction')!.s!;
          assert.equal(new TextDecoder().decode(direction), 'bidirectional', what);
        }
      }
    }
  });

  it('Bidirectional with mergeMode null gives both directions as two outputs of a functional model', async () => {
    for (const [i, returnSequences] of [false, true].entries()) {
      manualSeed(430 + i);
      const x = input({ shape: [TIME, FEATURES], name: 'x' });
      const [forward, backward] = new Bidirectional({
        layer: new GRU({ units: 2, biasInitializer: 'randomNormal', returnSequences }),
        mergeMode: null,
        name: 'bi',
      }).apply(x) as unknown as SymbolicTensor[];
      const model = new Model({ inputs: x, outputs: [forward!, backward!] });
      await check(model, `mergeMode null, returnSequences ${returnSequences}`, i, [[TIME, FEATURES]]);
    }
  });

  it('Bidirectional with returnState, or around a recurrent layer it cannot export, is refused by name', () => {
    const x = input({ shape: [TIME, FEATURES] });
    const outputs = new Bidirectional({
      layer: new LSTM({ units: 2, returnState: true }),
      name: 'bi',
    }).apply(x) as unknown as SymbolicTensor[];
    assert.throws(
      () => toOnnx(new Model({ inputs: x, outputs })),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /'bi' \(Bidirectional\) wraps LSTM with returnState: true/.test(e.message),
    );
    const softmax = new Sequential({
      layers: [
        new Bidirectional({
          layer: new SimpleRNN({ units: 2, activation: 'softmax', name: 'rnn' }),
          inputShape: [TIME, FEATURES],
        }),
      ],
    });
    assert.throws(() => toOnnx(softmax), /'forward_rnn' \(SimpleRNN\) has activation 'softmax'/);
  });

  it('a multi-output layer beside a layer named like its numbered outputs: unique names, each output its value', async () => {
    // The numbered outputs of a multi-output layer (bi_1, bi_2) would meet another layer named
    // bi_1 (once refused here): Model.outputNames skips the taken number, so every graph output
    // has a name of its own and ORT gives each its value.
    manualSeed(470);
    const x = input({ shape: [TIME, FEATURES] });
    const [a, b] = new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: null, name: 'bi' }).apply(
      x,
    ) as unknown as SymbolicTensor[];
    const c = new Dense({ units: 2, name: 'bi_1' }).apply(x);
    const model = new Model({ inputs: x, outputs: [a!, b!, c] });
    assert.deepEqual(model.outputNames, ['bi_2', 'bi_3', 'bi_1']);
    const proto = await check(model, 'numbered outputs beside bi_1', 470, [[TIME, FEATURES]]);
    assert.deepEqual(
      proto.graph!.output!.map((o) => o.name),
      ['bi_2', 'bi_3', 'bi_1'],
    );
  });

  it('Bidirectional whose copies differ (a given backwardLayer, or goBackwards on the layer) uses two ops', async () => {
    const cases: [string, () => Bidirectional][] = [
      [
        'backwardLayer with another activation',
        () =>
          new Bidirectional({
            layer: new LSTM({ units: 3, biasInitializer: 'randomNormal', returnSequences: true }),
            backwardLayer: new LSTM({
              units: 3,
              activation: 'relu',
              goBackwards: true,
              returnSequences: true,
            }),
            mergeMode: 'concat',
            inputShape: [TIME, FEATURES],
          }),
      ],
      [
        'layer with goBackwards',
        () =>
          new Bidirectional({
            layer: new SimpleRNN({ units: 3, goBackwards: true, returnSequences: true }),
            mergeMode: 'sum',
            inputShape: [TIME, FEATURES],
          }),
      ],
      [
        'layer with goBackwards, last step only',
        () =>
          new Bidirectional({
            layer: new GRU({ units: 3, goBackwards: true, resetAfter: false }),
            mergeMode: 'ave',
            inputShape: [TIME, FEATURES],
          }),
      ],
    ];
    for (const [i, [what, make]] of cases.entries()) {
      manualSeed(440 + i);
      const model = new Sequential({ layers: [make(), new Dense({ units: 2 })] });
      const ops = opTypes(await check(model, what, 10 + i));
      assert.equal(
        ops.filter((o) => ['LSTM', 'GRU', 'RNN'].includes(o)).length,
        2,
        `${what}: ${ops.join(', ')}`,
      );
    }
  });

  it('RNN with a built-in cell exports as the layer of that cell', async () => {
    for (const [i, cell] of [
      new LSTMCell({ units: 3 }),
      new GRUCell({ units: 2, resetAfter: false }),
    ].entries()) {
      manualSeed(450 + i);
      const model = new Sequential({
        layers: [new RNN({ cell, returnSequences: i === 0, inputShape: [TIME, FEATURES] }), new Flatten()],
      });
      const ops = opTypes(await check(model, `RNN(${cell.className})`, 20 + i));
      assert.ok(ops.includes(i === 0 ? 'LSTM' : 'GRU'), ops.join(', '));
    }
  });

  it('TimeDistributed(Dense) is a MatMul on the sequence; Conv2D and Flatten are folded into the batch', async () => {
    manualSeed(460);
    const dense = new Sequential({
      layers: [
        new TimeDistributed({
          layer: new Dense({ units: 2, activation: 'tanh', biasInitializer: 'randomNormal' }),
          inputShape: [TIME, FEATURES],
        }),
      ],
    });
    const denseOps = opTypes(await check(dense, 'TimeDistributed(Dense)', 30));
    assert.deepEqual(denseOps, ['MatMul', 'Add', 'Tanh']);

    manualSeed(461);
    const conv = new Sequential({
      layers: [
        new TimeDistributed({
          layer: new Conv2D({
            filters: 2,
            kernelSize: 2,
            biasInitializer: 'randomNormal',
            activation: 'relu',
          }),
          inputShape: [3, 5, 4, 2],
        }),
        new TimeDistributed({ layer: new Flatten() }),
        new LSTM({ units: 2 }),
      ],
    });
    const proto = await check(conv, 'TimeDistributed(Conv2D) → TimeDistributed(Flatten) → LSTM', 31);
    const reshape = proto.graph!.node!.find((n) => n.opType === 'Reshape')!;
    const target = proto.graph!.initializer!.find((t) => t.name === reshape.input![1])!;
    assert.deepEqual(target.int64Data!.map(Number), [-1, 5, 4, 2], 'the batch stays on axis 0');
  });

  it('TimeDistributed on sequences of unknown length reads the shapes from the values', async () => {
    manualSeed(470);
    const x = input({ shape: [null, 6], name: 'x' });
    const y = new TimeDistributed({ layer: new Flatten() }).apply(
      new TimeDistributed({ layer: new Dense({ units: 4 }) }).apply(x),
    );
    const z = new TimeDistributed({ layer: new Dense({ units: 3, activation: 'relu' }) }).apply(y);
    const model = new Model({ inputs: x, outputs: z });
    for (const time of [2, 5]) await check(model, `unknown time, ${time} steps`, time, [[time, 6]]);
  });

  it('Masking exports its values; a mask merged from two inputs is refused', async () => {
    manualSeed(480);
    const model = new Sequential({
      layers: [new Masking({ maskValue: 0.5, inputShape: [TIME, 2, 2] }), new Dense({ units: 2 })],
    });
    // Round to halves so that whole steps equal the mask value now and then.
    const halves = (x: Float32Array) =>
      x.map((v, i) => (Math.floor(i / 4) % 3 === 1 ? 0.5 : Math.round(v * 2) / 2));
    await check(model, 'Masking → Dense', 40, [[TIME, 2, 2]], halves);
    // A mask combined from two masked inputs (by a merge layer) is not followed.
    const a = input({ shape: [TIME, FEATURES] });
    const b = input({ shape: [TIME, FEATURES] });
    const sum = new Add().apply([new Masking().apply(a), new Masking().apply(b)]);
    const merged = new Model({ inputs: [a, b], outputs: new GRU({ units: 2, name: 'gru' }).apply(sum) });
    assert.throws(() => toOnnx(merged), /'gru' \(GRU\) reads a mask .* combined from several inputs/);
  });

  it('a masked recurrent layer runs over the kept steps, as predict does (last output and sequences)', async () => {
    // Rows padded at the end, at the start, with holes, and wholly: every shape of mask.
    const rows = [
      [3, 1, 4, 0, 0, 0],
      [0, 0, 5, 9, 2, 6],
      [5, 0, 3, 0, 0, 5],
      [0, 0, 0, 0, 0, 0],
      [8, 9, 7, 9, 3, 2],
    ];
    const ids = Float32Array.from(rows.flat());
    const cases: [string, () => Module[]][] = [
      ['LSTM', () => [new LSTM({ units: 3, biasInitializer: 'randomNormal', unitForgetBias: false })]],
      ['LSTM goBackwards', () => [new LSTM({ units: 3, goBackwards: true, useBias: false })]],
      ['GRU', () => [new GRU({ units: 2, biasInitializer: 'randomNormal' })]],
      ['GRU resetAfter false', () => [new GRU({ units: 2, resetAfter: false, goBackwards: true })]],
      ['SimpleRNN', () => [new SimpleRNN({ units: 3, biasInitializer: 'randomNormal', activation: 'relu' })]],
      // Sequence outputs: a skipped step repeats the previous output (zeros before the first kept).
      ['LSTM sequence', () => [new LSTM({ units: 2, returnSequences: true }), new Dense({ units: 2 })]],
      [
        'GRU backwards sequence',
        () => [new GRU({ units: 2, returnSequences: true, goBackwards: true }), new Dense({ units: 2 })],
      ],
      [
        'stacked: SimpleRNN sequence → LSTM backwards',
        () => [
          new SimpleRNN({ units: 3, returnSequences: true, biasInitializer: 'randomNormal' }),
          new LSTM({ units: 2, goBackwards: true }),
        ],
      ],
      [
        'Bidirectional LSTM concat sequence → Bidirectional GRU ave',
        () => [
          new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }) }),
          new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'ave' }),
        ],
      ],
      [
        'stacked: GRU backwards sequence → GRU sequence',
        () => [
          new GRU({ units: 2, returnSequences: true, goBackwards: true }),
          new GRU({ units: 2, returnSequences: true }),
          new Dense({ units: 2 }),
        ],
      ],
    ];
    for (const [i, [what, make]] of cases.entries()) {
      manualSeed(600 + i);
      const model = new Sequential({
        layers: [
          new Embedding({ inputDim: 10, outputDim: 3, maskZero: true, inputShape: [6] }),
          new Dense({ units: 3, activation: 'tanh' }),
          ...(make() as Layer[]),
          new Dense({ units: 2, activation: 'softmax' }),
        ],
      });
      const bytes = toOnnx(model);
      const out = await runOrt(bytes, { [model.inputNames[0]!]: { data: ids, dims: [rows.length, 6] } });
      const want = model.predict(tensor(ids, { shape: [rows.length, 6] })) as Tensor;
      assertAgree(out[model.outputNames[0]!]!, want, `Embedding(maskZero) → ${what}`, 1e-6);
    }
    // Masking's mask too, over vectors.
    manualSeed(610);
    const series = new Sequential({
      layers: [
        new Masking({ maskValue: 0, inputShape: [TIME, 2] }),
        // A second Masking zeroes its own steps too and combines the two masks.
        new Masking({ maskValue: 1 }),
        new LSTM({ units: 2, returnSequences: true }),
        new LSTM({ units: 2 }),
      ],
    });
    const data = Float32Array.from([1, 2, 0, 0, 1, 1, 3, -1, 0, 0, 0.5, 0, 0, 0.5, 1, 1]);
    const out = await runOrt(toOnnx(series), { [series.inputNames[0]!]: { data, dims: [2, TIME, 2] } });
    assertAgree(
      out[series.outputNames[0]!]!,
      series.predict(tensor(data, { shape: [2, TIME, 2] })) as Tensor,
      'Masking → LSTM',
      1e-6,
    );
  });

  it('Sequential and functional models used as layers are inlined, their names prefixed', async () => {
    manualSeed(490);
    const block = new Sequential({
      name: 'block',
      layers: [
        new Dense({ units: 4, activation: 'relu', inputShape: [3], name: 'hidden' }),
        new Dense({ units: 3, name: 'out' }),
      ],
    });
    const a = input({ shape: [3] });
    const b = input({ shape: [3] });
    const pair = new Model({
      inputs: [a, b],
      outputs: [
        new Dense({ units: 2, name: 'left' }).apply(a),
        new Dense({ units: 2, name: 'left_b' }).apply(b),
      ],
      name: 'pair',
    });
    const x = input({ shape: [3], name: 'x' });
    const h = block.apply(x) as SymbolicTensor;
    const [p, q] = pair.apply([h, x]) as unknown as SymbolicTensor[];
    const model = new Model({ inputs: x, outputs: [p!, q!], name: 'outer' });
    const proto = await check(model, 'nested models', 50, [[3]]);
    const names = proto.graph!.initializer!.map((t) => t.name);
    assert.ok(names.includes('block/hidden/kernel'), names.join(', '));
    assert.ok(names.includes('pair/left/kernel'), names.join(', '));

    // A sub-model called twice: its nodes inlined twice, their names kept apart.
    manualSeed(491);
    const inner = () =>
      new Sequential({ layers: [new Dense({ units: 3, inputShape: [3], activation: 'tanh' })] });
    const shared = inner();
    const y = input({ shape: [3], name: 'y' });
    const twice = new Model({
      inputs: y,
      outputs: shared.apply(shared.apply(y) as SymbolicTensor) as SymbolicTensor,
    });
    await check(twice, 'a sub-model called twice', 52, [[3]]);
  });
});
