/**
 * ONNX export (issue 17), first slice: Dense, activations, Dropout, Flatten, Reshape and merge
 * layers in Sequential and functional models, run in ONNX Runtime (onnxruntime-web's wasm
 * backend, the reference) on random batches of 1 and 5 and compared with model.predict; the
 * graph's op types, names, opset and dynamic batch axis read back with decodeModel; layers with no
 * ONNX counterpart yet refused by name. One backend: ORT is the reference, not backprop's kernels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Activation,
  type ActivationName,
  Add,
  ArgumentError,
  Concatenate,
  Dense,
  Dropout,
  Flatten,
  input,
  Layer,
  LeakyReLU,
  Model,
  manualSeed,
  Reshape,
  RNN,
  Rng,
  Sequential,
  type Shape,
  Subtract,
  type Tensor,
  tensor,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { decodeModel } from '../src/interop/onnx/onnx-proto.js';
import { assertAgree, opTypes, randomBatch, runOrt } from './onnx-runtime.js';

const activations: ActivationName[] = [
  'relu',
  'sigmoid',
  'tanh',
  'softmax',
  'logSoftmax',
  'linear',
  'elu',
  'leakyRelu',
  'softplus',
  'hardSigmoid',
];

describe('toOnnx', () => {
  it('an MLP with each activation agrees with ONNX Runtime on batches of 1 and 5', async () => {
    manualSeed(17);
    const layers = [
      new Dense({
        units: 6,
        activation: 'relu',
        biasInitializer: 'randomNormal',
        inputShape: [4],
        name: 'first',
      }),
      ...activations.flatMap((a, i) => [
        new Dense({ units: 5 + (i % 3), activation: a, biasInitializer: 'randomNormal', name: `dense_${a}` }),
        new Activation({ activation: a, name: `act_${a}` }),
      ]),
      new Dropout({ rate: 0.5 }),
      new LeakyReLU({ alpha: 0.2, name: 'leaky' }),
      new Dense({ units: 3, useBias: false, name: 'head' }),
    ];
    const model = new Sequential({ layers });
    const bytes = toOnnx(model);
    const proto = decodeModel(bytes);
    assert.equal(proto.irVersion, 8);
    assert.equal(proto.producerName, 'backprop');
    assert.deepEqual(proto.opsetImport, [{ domain: '', version: 17 }]);
    const ops = opTypes(proto);
    for (const op of [
      'Gemm',
      'Relu',
      'Sigmoid',
      'Tanh',
      'Softmax',
      'LogSoftmax',
      'Elu',
      'Softplus',
      'HardSigmoid',
    ]) {
      assert.ok(ops.includes(op), `${op} missing from ${ops.join(', ')}`);
    }
    assert.equal(
      ops.filter((o) => o === 'LeakyRelu').length,
      3,
      'two leakyRelu activations and the LeakyReLU layer',
    );
    assert.equal(ops.filter((o) => o === 'Gemm').length, activations.length + 2, 'one Gemm per Dense');
    const graph = proto.graph!;
    assert.equal(graph.input![0]!.name, model.inputNames[0]);
    assert.equal(graph.output![0]!.name, 'head');
    assert.deepEqual(graph.input![0]!.type!.tensorType!.shape!.dim, [{ dimParam: 'N' }, { dimValue: 4 }]);
    assert.deepEqual(graph.output![0]!.type!.tensorType!.shape!.dim, [{ dimParam: 'N' }, { dimValue: 3 }]);

    const rng = new Rng(5);
    for (const batch of [1, 5]) {
      const x = randomBatch(rng, batch, [4]);
      const out = await runOrt(bytes, { [model.inputNames[0]!]: x });
      assertAgree(out.head!, model.predict(asTensor(x)), `batch ${batch}`, 1e-6);
    }
  });

  it('each activation, as a Dense option and as a layer, agrees with ONNX Runtime', async () => {
    // Small models, one per activation, so that a wrong constant (a slope, an axis) shows at
    // full size rather than damped by the layers after it.
    const rng = new Rng(11);
    for (const a of activations) {
      manualSeed(23);
      const asOption = new Sequential({
        layers: [
          new Dense({ units: 5, activation: a, biasInitializer: 'randomNormal', inputShape: [4], name: 'h' }),
        ],
      });
      const asLayer = new Sequential({
        layers: [
          new Dense({ units: 5, inputShape: [4], name: 'pre' }),
          new Activation({ activation: a, name: 'act' }),
          new Dropout({ rate: 0.3 }),
          new LeakyReLU({ alpha: 0.2, name: 'leaky' }),
        ],
      });
      for (const model of [asOption, asLayer]) {
        const bytes = toOnnx(model);
        const x = randomBatch(rng, 5, [4]);
        const out = await runOrt(bytes, { [model.inputNames[0]!]: x });
        assertAgree(
          out[model.outputNames[0]!]!,
          model.predict(asTensor(x)),
          `${a} in ${model.layers[0]!.name}`,
          1e-6,
        );
      }
    }
  });

  it('a functional model with two branches (Add, Subtract, Concatenate, Flatten, Reshape) agrees with ONNX Runtime', async () => {
    manualSeed(3);
    const x = input({ shape: [2, 3], name: 'image' });
    const flat = new Flatten({ name: 'flat' }).apply(x);
    const left = new Dense({
      units: 4,
      activation: 'tanh',
      biasInitializer: 'randomNormal',
      name: 'left',
    }).apply(flat);
    const right = new Dense({ units: 4, activation: 'elu', name: 'right' }).apply(flat);
    const sum = new Add({ name: 'sum' }).apply([left, right]);
    const diff = new Subtract({ name: 'diff' }).apply([left, right]);
    const joined = new Concatenate({ name: 'joined' }).apply([sum, diff]);
    const grid = new Reshape({ targetShape: [2, -1], name: 'grid' }).apply(joined);
    // A Dense on [batch, 2, 4] samples: MatMul + Add rather than Gemm.
    const perRow = new Dense({
      units: 3,
      activation: 'softmax',
      biasInitializer: 'randomNormal',
      name: 'per_row',
    }).apply(grid);
    const score = new Dense({ units: 1, name: 'score' }).apply(sum);
    const model = new Model({ inputs: x, outputs: [perRow, score] });
    const bytes = toOnnx(model);
    const proto = decodeModel(bytes);
    assert.deepEqual(opTypes(proto), [
      'Flatten',
      'Gemm',
      'Tanh',
      'Gemm',
      'Elu',
      'Sum',
      'Sub',
      'Concat',
      'Reshape',
      'MatMul',
      'Add',
      'Softmax',
      'Gemm',
    ]);
    assert.deepEqual(
      proto.graph!.output!.map((o) => o.name),
      ['per_row', 'score'],
    );
    assert.deepEqual(proto.graph!.output![0]!.type!.tensorType!.shape!.dim, [
      { dimParam: 'N' },
      { dimValue: 2 },
      { dimValue: 3 },
    ]);

    const rng = new Rng(9);
    for (const batch of [1, 5]) {
      const feed = randomBatch(rng, batch, [2, 3]);
      const out = await runOrt(bytes, { image: feed });
      const [wantRows, wantScore] = model.predict(asTensor(feed)) as Tensor[];
      assertAgree(out.per_row!, wantRows!, `per_row, batch ${batch}`, 1e-6);
      assertAgree(out.score!, wantScore!, `score, batch ${batch}`, 1e-6);
    }
  });

  it('an output that is also used inside the graph, or listed twice, keeps its name', async () => {
    manualSeed(4);
    const x = input({ shape: [3], name: 'x' });
    const hidden = new Dense({ units: 3, activation: 'sigmoid', name: 'hidden' }).apply(x);
    const y = new Dense({ units: 2, name: 'y' }).apply(hidden);
    const model = new Model({ inputs: x, outputs: [hidden, y, y] });
    const bytes = toOnnx(model);
    const names = decodeModel(bytes).graph!.output!.map((o) => o.name);
    assert.deepEqual(names, model.outputNames);
    const feed = randomBatch(new Rng(2), 5, [3]);
    const out = await runOrt(bytes, { x: feed });
    const want = model.predict(asTensor(feed)) as Tensor[];
    model.outputNames.forEach((name, i) => {
      assertAgree(out[name]!, want[i]!, name, 1e-6);
    });
  });

  it('refuses a layer it cannot export yet, naming it and its class', () => {
    // A layer class of the user's own has no converter.
    const custom = new Sequential({
      layers: [new Dense({ units: 2, inputShape: [3] }), new Doubler({ name: 'double' })],
    });
    assert.throws(
      () => toOnnx(custom),
      (e: unknown) =>
        e instanceof ArgumentError && /'double' \(Doubler\) is not exportable to ONNX yet/.test(e.message),
    );
    // An RNN whose cell is not one of the built-in ones has no ONNX op.
    const x = input({ shape: [4, 2], name: 'seq' });
    const cell = {
      stateSize: 2,
      call: (xt: Tensor, [h]: Tensor[]): [Tensor, Tensor[]] => {
        const next = h!.add(xt);
        return [next, [next]];
      },
    };
    const rnn = new RNN({ cell, name: 'memory' }).apply(x);
    const model = new Model({ inputs: x, outputs: new Dense({ units: 1 }).apply(rnn) });
    assert.throws(
      () => toOnnx(model),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /'memory' \(RNN\) runs the cell of a custom class, which has no ONNX op/.test(e.message),
    );
  });

  it('refuses an unknown or malformed option, naming it', () => {
    const model = new Sequential();
    model.add(new Dense({ units: 2, inputDim: 3 }));
    assert.throws(
      () => toOnnx(model, { batchDimensoin: 'B' } as never),
      /toOnnx\(\): unknown option 'batchDimensoin'/,
    );
    assert.throws(() => toOnnx(model, { graphName: '' }), /toOnnx\(\): graphName must be a non-empty string/);
    assert.equal(decodeModel(toOnnx(model, { graphName: 'g', batchDimension: 'B' })).graph!.name, 'g');
  });
});

/** A layer class of the user's own: 2·x. */
class Doubler extends Layer {
  constructor(config: { name?: string } = {}) {
    super(config, 'doubler');
  }
  get className(): string {
    return 'Doubler';
  }
  computeOutputShape(shape: Shape): Shape {
    return shape;
  }
  protected forward(x: Tensor): Tensor {
    return x.mul(2);
  }
  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

/** The feed as a backprop tensor for model.predict. */
function asTensor(feed: { data: Float32Array; dims: number[] }): Tensor {
  return tensor(feed.data, { shape: feed.dims });
}
