/**
 * The agreement figures of issue 17: how closely the other engines reproduce backprop's
 * predictions. One small model per layer kind toOnnx exports, plus the whole models (the MNIST MLP
 * and CNN of `train mnist`, the CLI's LSTM text classifier, a stacked GRU, a Bidirectional LSTM,
 * the DCGAN generator and discriminator, the VAE's encoder and decoder, a DBN's toSequential()),
 * each built with a fixed seed, its biases and normalisation statistics drawn at random too (so a
 * mix-up of them shows), and run on a seeded random batch of 8 by:
 *   - ONNX Runtime (onnxruntime-web, wasm, one thread) on toOnnx(model);
 *   - backprop again, on fromOnnx(toOnnx(model)) (the round trip: bit-identical or not);
 *   - TF.js (@tensorflow/tfjs, CPU backend) on toTfjs(model), where toTfjs takes the model;
 *   - backprop again, on fromKeras(toKeras(model)), where toKeras takes the model.
 * Each compared with model.predict over every output element: max |Δ| and the max relative Δ,
 * |Δ| / max(|y|, 1e-3), y being backprop's value. Then the operator coverage: the ONNX operators
 * fromOnnx imports, and those toOnnx emitted for these models.
 *
 *   npx tsx scripts/onnx-agreement.ts
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { buildCnn, buildMlp } from '../src/cli/build.js';
import { buildTextClassifier } from '../src/cli/text-models.js';
import { supportedOperators } from '../src/interop/onnx/import/ops/index.js';
import { decodeModel } from '../src/interop/onnx/onnx-proto.js';
import {
  Activation,
  Add,
  Average,
  AveragePooling2D,
  BatchNormalization,
  Bidirectional,
  Concatenate,
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  DBN,
  Dense,
  DepthwiseConv2D,
  Dropout,
  dcganDiscriminator,
  dcganGenerator,
  denseVAE,
  Embedding,
  Flatten,
  fromKeras,
  fromOnnx,
  GaussianDropout,
  GaussianKL,
  GaussianNoise,
  GlobalAveragePooling2D,
  GRU,
  GRUCell,
  getBackend,
  input,
  LayerNormalization,
  LeakyReLU,
  LSTM,
  LSTMCell,
  Masking,
  Maximum,
  MaxPooling2D,
  Minimum,
  Model,
  Multiply,
  manualSeed,
  Reshape,
  RNN,
  Rng,
  SeparableConv2D,
  Sequential,
  SimpleRNN,
  Subtract,
  type SymbolicTensor,
  type Tensor,
  TimeDistributed,
  tensor,
  toKeras,
  toOnnx,
  toTfjs,
  UpSampling2D,
  ZeroPadding2D,
} from '../src/node/index.js';

ort.env.wasm.numThreads = 1;
const BATCH = 8;

/** How one input's values are drawn: uniform in [−3, 3), pixels in [0, 1), integer ids in [0, n). */
type Draw = { kind: 'uniform' } | { kind: 'pixels' } | { kind: 'ids'; n: number } | { kind: 'padded' };
interface InputSpec {
  sample: readonly number[];
  draw?: Draw;
}
interface Case {
  name: string;
  build: () => Sequential | Model;
  inputs: readonly InputSpec[];
}

const seq = (config: ConstructorParameters<typeof Sequential>[0]) => new Sequential(config);

/** A functional model of one input through `body`. */
function functional(sample: number[], body: (x: SymbolicTensor) => SymbolicTensor | SymbolicTensor[]) {
  const x = input({ shape: sample, name: 'x' });
  return new Model({ inputs: x, outputs: body(x) });
}

const sym = (v: unknown) => v as SymbolicTensor;

/** One model per layer class toOnnx exports (EXPORTABLE_LAYERS), the layer doing the work. */
const layerCases: Case[] = [
  {
    name: 'Dense',
    build: () => seq({ layers: [new Dense({ units: 5, activation: 'tanh', inputShape: [6] })] }),
    inputs: [{ sample: [6] }],
  },
  {
    name: 'Activation (9 kinds)',
    build: () =>
      seq({
        layers: [
          new Dense({ units: 6, inputShape: [6] }),
          ...(
            [
              'relu',
              'sigmoid',
              'tanh',
              'elu',
              'leakyRelu',
              'softplus',
              'linear',
              'logSoftmax',
              'softmax',
            ] as const
          ).map((activation) => new Activation({ activation })),
        ],
      }),
    inputs: [{ sample: [6] }],
  },
  {
    // Apart: Keras 3 has no hardSigmoid of this formula, so toKeras refuses it.
    name: 'Activation hardSigmoid',
    build: () => seq({ layers: [new Dense({ units: 6, activation: 'hardSigmoid', inputShape: [6] })] }),
    inputs: [{ sample: [6] }],
  },
  {
    name: 'LeakyReLU',
    build: () => seq({ layers: [new Dense({ units: 5, inputShape: [4] }), new LeakyReLU({ alpha: 0.2 })] }),
    inputs: [{ sample: [4] }],
  },
  {
    name: 'Dropout, GaussianNoise, GaussianDropout',
    build: () =>
      seq({
        layers: [
          new Dense({ units: 5, inputShape: [4] }),
          new Dropout({ rate: 0.5 }),
          new GaussianNoise({ stddev: 0.3 }),
          new GaussianDropout({ rate: 0.3 }),
        ],
      }),
    inputs: [{ sample: [4] }],
  },
  {
    name: 'Flatten, Reshape',
    build: () =>
      seq({
        layers: [
          new Flatten({ inputShape: [3, 4] }),
          new Reshape({ targetShape: [2, 6] }),
          new Dense({ units: 2 }),
        ],
      }),
    inputs: [{ sample: [3, 4] }],
  },
  {
    name: 'Add, Multiply, Average, Maximum, Minimum, Concatenate',
    build: () =>
      functional([4], (x) => {
        const a = sym(new Dense({ units: 3, name: 'a' }).apply(x));
        const b = sym(new Dense({ units: 3, name: 'b' }).apply(x));
        const c = sym(new Dense({ units: 3, name: 'c' }).apply(x));
        const merged = [
          new Add().apply([a, b, c]),
          new Multiply().apply([a, b, c]),
          new Average().apply([a, b]),
          new Maximum().apply([a, b, c]),
          new Minimum().apply([a, b]),
        ].map(sym);
        return sym(new Concatenate({ axis: -1 }).apply(merged));
      }),
    inputs: [{ sample: [4] }],
  },
  {
    // Apart: TF.js has no Subtract layer, so toTfjs refuses it.
    name: 'Subtract',
    build: () =>
      functional([4], (x) =>
        sym(
          new Subtract().apply([
            sym(new Dense({ units: 3, name: 'a' }).apply(x)),
            sym(new Dense({ units: 3, name: 'b' }).apply(x)),
          ]),
        ),
      ),
    inputs: [{ sample: [4] }],
  },
  {
    name: 'Conv2D',
    build: () =>
      seq({
        layers: [
          new Conv2D({
            filters: 4,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'relu',
            inputShape: [9, 8, 3],
          }),
          new Conv2D({ filters: 3, kernelSize: 2, dilationRate: 2 }),
        ],
      }),
    inputs: [{ sample: [9, 8, 3] }],
  },
  {
    name: 'Conv2DTranspose',
    build: () =>
      seq({
        layers: [
          new Conv2DTranspose({
            filters: 3,
            kernelSize: 4,
            strides: 2,
            padding: 'same',
            inputShape: [4, 5, 2],
          }),
        ],
      }),
    inputs: [{ sample: [4, 5, 2] }],
  },
  {
    name: 'DepthwiseConv2D',
    build: () =>
      seq({
        layers: [
          new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [6, 5, 2] }),
        ],
      }),
    inputs: [{ sample: [6, 5, 2] }],
  },
  {
    name: 'SeparableConv2D',
    build: () =>
      seq({
        layers: [
          new SeparableConv2D({ filters: 3, kernelSize: 3, activation: 'sigmoid', inputShape: [6, 5, 2] }),
        ],
      }),
    inputs: [{ sample: [6, 5, 2] }],
  },
  {
    name: 'MaxPooling2D, AveragePooling2D',
    build: () =>
      seq({
        layers: [
          new MaxPooling2D({ poolSize: 2, padding: 'same', inputShape: [7, 6, 2] }),
          new AveragePooling2D({ poolSize: 2, strides: 1 }),
        ],
      }),
    inputs: [{ sample: [7, 6, 2] }],
  },
  {
    name: 'GlobalAveragePooling2D',
    build: () => seq({ layers: [new GlobalAveragePooling2D({ inputShape: [4, 3, 5] })] }),
    inputs: [{ sample: [4, 3, 5] }],
  },
  {
    name: 'BatchNormalization',
    build: () =>
      seq({
        layers: [
          new Conv2D({ filters: 3, kernelSize: 3, inputShape: [6, 5, 2] }),
          new BatchNormalization(),
          new Flatten(),
          new BatchNormalization(),
        ],
      }),
    inputs: [{ sample: [6, 5, 2] }],
  },
  {
    name: 'LayerNormalization',
    build: () => seq({ layers: [new LayerNormalization({ inputShape: [4, 5] })] }),
    inputs: [{ sample: [4, 5] }],
  },
  {
    name: 'UpSampling2D',
    build: () => seq({ layers: [new UpSampling2D({ size: [2, 3], inputShape: [3, 4, 2] })] }),
    inputs: [{ sample: [3, 4, 2] }],
  },
  {
    name: 'ZeroPadding2D',
    build: () =>
      seq({
        layers: [
          new ZeroPadding2D({ padding: [1, 2], inputShape: [3, 4, 2] }),
          new Conv2D({ filters: 2, kernelSize: 2 }),
        ],
      }),
    inputs: [{ sample: [3, 4, 2] }],
  },
  {
    name: 'Conv1D',
    build: () =>
      seq({
        layers: [
          new Conv1D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [7, 2] }),
        ],
      }),
    inputs: [{ sample: [7, 2] }],
  },
  {
    name: 'Embedding',
    build: () =>
      seq({ layers: [new Embedding({ inputDim: 11, outputDim: 4, inputShape: [5] }), new Flatten()] }),
    inputs: [{ sample: [5], draw: { kind: 'ids', n: 11 } }],
  },
  {
    name: 'SimpleRNN',
    build: () => seq({ layers: [new SimpleRNN({ units: 4, returnSequences: true, inputShape: [5, 3] })] }),
    inputs: [{ sample: [5, 3] }],
  },
  {
    name: 'LSTM',
    build: () => seq({ layers: [new LSTM({ units: 4, inputShape: [5, 3] })] }),
    inputs: [{ sample: [5, 3] }],
  },
  {
    name: 'GRU (resetAfter: true)',
    build: () => seq({ layers: [new GRU({ units: 4, returnSequences: true, inputShape: [5, 3] })] }),
    inputs: [{ sample: [5, 3] }],
  },
  {
    // Apart: TF.js' GRU has only resetAfter false.
    name: 'GRU (resetAfter: false, goBackwards)',
    build: () =>
      seq({ layers: [new GRU({ units: 3, resetAfter: false, goBackwards: true, inputShape: [5, 3] })] }),
    inputs: [{ sample: [5, 3] }],
  },
  {
    name: 'RNN (LSTMCell, GRUCell)',
    build: () =>
      seq({
        layers: [
          new RNN({ cell: new LSTMCell({ units: 3 }), returnSequences: true, inputShape: [5, 3] }),
          new RNN({ cell: new GRUCell({ units: 2 }) }),
        ],
      }),
    inputs: [{ sample: [5, 3] }],
  },
  {
    name: 'Masking',
    build: () => seq({ layers: [new Masking({ maskValue: 0, inputShape: [5, 3] }), new LSTM({ units: 3 })] }),
    inputs: [{ sample: [5, 3], draw: { kind: 'padded' } }],
  },
  {
    name: 'Bidirectional (GRU, resetAfter: false)',
    build: () =>
      seq({
        layers: [
          new Bidirectional({
            layer: new GRU({ units: 3, returnSequences: true, resetAfter: false }),
            inputShape: [5, 3],
          }),
        ],
      }),
    inputs: [{ sample: [5, 3] }],
  },
  {
    name: 'TimeDistributed (Dense)',
    build: () =>
      seq({
        layers: [
          new TimeDistributed({ layer: new Dense({ units: 2, activation: 'tanh' }), inputShape: [5, 3] }),
        ],
      }),
    inputs: [{ sample: [5, 3] }],
  },
  {
    name: 'Sequential inside a Model',
    build: () => {
      const inner = new Sequential({
        name: 'inner',
        layers: [new Dense({ units: 4, activation: 'relu', inputShape: [3] }), new Dense({ units: 2 })],
      });
      return functional([3], (x) => sym(inner.apply(x)));
    },
    inputs: [{ sample: [3] }],
  },
  {
    name: 'Model inside a Model',
    build: () => {
      const x = input({ shape: [3], name: 'inner_x' });
      const inner = new Model({
        inputs: x,
        outputs: new Dense({ units: 2, activation: 'sigmoid' }).apply(x),
        name: 'inner',
      });
      return functional([3], (y) => sym(new Dense({ units: 2 }).apply(sym(inner.apply(y)))));
    },
    inputs: [{ sample: [3] }],
  },
  {
    name: 'GaussianKL',
    build: () =>
      functional([4], (x) => {
        const mean = sym(new Dense({ units: 3, name: 'mean' }).apply(x));
        const logVar = sym(new Dense({ units: 3, name: 'log_var' }).apply(x));
        return sym(new GaussianKL({ name: 'kl' }).apply([mean, logVar]));
      }),
    inputs: [{ sample: [4] }],
  },
  {
    name: 'OnnxGraph (an imported .onnx)',
    build: () =>
      fromOnnx(
        toOnnx(
          seq({
            layers: [
              new Conv2D({
                filters: 3,
                kernelSize: 3,
                padding: 'same',
                activation: 'relu',
                inputShape: [6, 5, 2],
              }),
              new BatchNormalization(),
              new MaxPooling2D(),
              new Flatten(),
              new Dense({ units: 2, activation: 'softmax' }),
            ],
          }),
        ),
      ),
    inputs: [{ sample: [6, 5, 2] }],
  },
];

const small = { latentDim: 64, classes: 10 } as const;

/** The whole models the issue names, at the sizes the CLI trains them. */
const modelCases: Case[] = [
  {
    name: 'MNIST MLP 784-256-10',
    build: () =>
      buildMlp({ layers: [784, 256, 10], activation: 'relu', outputActivation: 'softmax', dropout: 0.2 }),
    inputs: [{ sample: [784], draw: { kind: 'pixels' } }],
  },
  {
    name: 'MNIST CNN (--model cnn)',
    build: () => buildCnn({ dropout: 0.4, outputActivation: 'softmax' }),
    inputs: [{ sample: [784], draw: { kind: 'pixels' } }],
  },
  {
    name: 'LSTM text classifier (train text)',
    build: () =>
      buildTextClassifier({
        kind: 'lstm',
        vocabularySize: 1000,
        maxLen: 40,
        embeddingDim: 32,
        units: 32,
        dropout: 0.5,
        classes: 4,
      }),
    inputs: [{ sample: [40], draw: { kind: 'ids', n: 1000 } }],
  },
  {
    name: 'stacked GRU (3 layers)',
    build: () =>
      seq({
        layers: [
          new GRU({ units: 16, returnSequences: true, inputShape: [12, 8] }),
          new GRU({ units: 16, returnSequences: true, resetAfter: false }),
          new GRU({ units: 8 }),
          new Dense({ units: 3, activation: 'softmax' }),
        ],
      }),
    inputs: [{ sample: [12, 8] }],
  },
  {
    name: 'Bidirectional LSTM classifier',
    build: () =>
      seq({
        layers: [
          new Embedding({ inputDim: 500, outputDim: 16, inputShape: [20] }),
          new Bidirectional({ layer: new LSTM({ units: 16, returnSequences: true }) }),
          new Bidirectional({ layer: new LSTM({ units: 8 }), mergeMode: 'sum' }),
          new Dense({ units: 2, activation: 'softmax' }),
        ],
      }),
    inputs: [{ sample: [20], draw: { kind: 'ids', n: 500 } }],
  },
  {
    name: 'DCGAN generator (conditional)',
    build: () => dcganGenerator(small),
    inputs: [{ sample: [64] }, { sample: [1], draw: { kind: 'ids', n: 10 } }],
  },
  {
    name: 'DCGAN discriminator (conditional)',
    build: () => dcganDiscriminator(small),
    inputs: [
      { sample: [28, 28, 1], draw: { kind: 'pixels' } },
      { sample: [1], draw: { kind: 'ids', n: 10 } },
    ],
  },
  {
    name: 'DCGAN generator (plain)',
    build: () => dcganGenerator({ latentDim: 64 }),
    inputs: [{ sample: [64] }],
  },
  {
    name: 'DCGAN discriminator (plain)',
    build: () => dcganDiscriminator({}),
    inputs: [{ sample: [28, 28, 1], draw: { kind: 'pixels' } }],
  },
  {
    name: 'VAE encoder 784-400-[μ, logVar] 32',
    build: () => denseVAE({ inputDim: 784, latent: 32, seed: 1 }).encoder as Model,
    inputs: [{ sample: [784], draw: { kind: 'pixels' } }],
  },
  {
    name: 'VAE decoder 32-400-784',
    build: () => denseVAE({ inputDim: 784, latent: 32, seed: 1 }).decoder as Sequential,
    inputs: [{ sample: [32] }],
  },
  {
    name: 'DBN 784-500-500-2000 toSequential',
    build: () => new DBN({ layers: [784, 500, 500, 2000], seed: 3 }).toSequential({ outputUnits: 10 }),
    inputs: [{ sample: [784], draw: { kind: 'pixels' } }],
  },
];

function draw(rng: Rng, spec: InputSpec): { data: Float32Array; dims: number[] } {
  const size = BATCH * spec.sample.reduce((a, b) => a * b, 1);
  const d = spec.draw ?? { kind: 'uniform' };
  const data = Float32Array.from({ length: size }, () => {
    const u = rng.uniform();
    if (d.kind === 'pixels') return u;
    if (d.kind === 'ids') return Math.min(Math.floor(u * d.n), d.n - 1);
    return u * 6 - 3;
  });
  if (d.kind === 'padded') {
    // Sequences [time, features]: sample i has its last i % time steps all zero (the mask value).
    const [time, features] = spec.sample as [number, number];
    for (let i = 0; i < BATCH; i++)
      for (let t = time - (i % time); t < time; t++)
        data.fill(0, (i * time + t) * features, (i * time + t + 1) * features);
  }
  return { data, dims: [BATCH, ...spec.sample] };
}

/** Biases, BN γ/β and moving statistics drawn too (their initial 0 and 1 would hide a mix-up). */
function randomiseNonKernels(model: Sequential | Model, rng: Rng): void {
  model.setWeights(
    model.weights.map((w) => {
      const name = w.name;
      if (!/(bias|beta|gamma|moving_mean|moving_variance)$/.test(name)) return w.tensor;
      const positive = /(gamma|moving_variance)$/.test(name);
      const values = Float32Array.from({ length: w.tensor.size }, () =>
        positive ? 0.5 + rng.uniform() : rng.uniform() - 0.5,
      );
      return tensor(values, { shape: [...w.tensor.shape] });
    }),
  );
}

const outputsOf = (y: Tensor | Tensor[]): Float32Array[] =>
  (Array.isArray(y) ? y : [y]).map((t) => Float32Array.from(t.dataSync()));

function predict(model: Sequential | Model, xs: { data: Float32Array; dims: number[] }[]): Float32Array[] {
  const ts = xs.map((x) => tensor(x.data, { shape: x.dims }));
  return outputsOf(model.predict((ts.length === 1 ? ts[0]! : ts) as never) as Tensor | Tensor[]);
}

interface Diff {
  maxAbs: number;
  maxRel: number;
  identical: boolean;
  /** Every |Δ| ≤ 1e-6 + 1e-5·|y|: the tests' agreement check (test/onnx-runtime.ts). */
  withinTolerance: boolean;
}

/**
 * Over every output element: max |Δ|, max |Δ| / max(|y|, 1e-3), whether all are bit-equal, and
 * whether all pass the tests' check.
 */
function compare(want: Float32Array[], got: ArrayLike<number>[]): Diff {
  if (want.length !== got.length) throw new Error(`${got.length} outputs, backprop has ${want.length}`);
  let maxAbs = 0;
  let maxRel = 0;
  let identical = true;
  let withinTolerance = true;
  want.forEach((w, k) => {
    const g = got[k]!;
    if (g.length !== w.length) throw new Error(`output ${k}: ${g.length} values, backprop has ${w.length}`);
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs(g[i]! - w[i]!);
      if (!(d <= Number.MAX_VALUE)) throw new Error(`output ${k} element ${i}: ${g[i]} vs ${w[i]}`);
      if (!Object.is(g[i], w[i])) identical = false;
      if (d > 1e-6 + 1e-5 * Math.abs(w[i]!)) withinTolerance = false;
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / Math.max(Math.abs(w[i]!), 1e-3));
    }
  });
  return { maxAbs, maxRel, identical, withinTolerance };
}

async function runOrt(
  bytes: Uint8Array,
  xs: { data: Float32Array; dims: number[] }[],
): Promise<Float32Array[]> {
  const graph = decodeModel(bytes).graph!;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const feeds = Object.fromEntries(
      graph.input!.map((v, i) => [v.name!, new ort.Tensor('float32', xs[i]!.data, xs[i]!.dims)]),
    );
    const out = await session.run(feeds);
    return graph.output!.map((v) => out[v.name!]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

async function runTfjs(model: Sequential | Model, xs: { data: Float32Array; dims: number[] }[]) {
  const { modelJson, weightData } = toTfjs(model);
  const loaded = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData,
    }),
  );
  try {
    const inputs = xs.map((x) => tf.tensor(x.data, x.dims));
    const y = loaded.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor | tf.Tensor[];
    const ys = Array.isArray(y) ? y : [y];
    const out = ys.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose([...inputs, ...ys]);
    return out;
  } finally {
    loaded.dispose();
  }
}

type Cell = Diff | { refused: string };
interface Row {
  name: string;
  params: number;
  ops: string[];
  ort: Cell;
  roundTrip: Cell;
  tfjs: Cell;
  keras: Cell;
}

async function attempt(run: () => Promise<Diff>): Promise<Cell> {
  try {
    return await run();
  } catch (e) {
    const message = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    // The list of layers Keras has, which the message appends, is the same every time.
    return { refused: message.replace(/ \(layers with one: [^)]*\)/, '') };
  }
}

async function measure(c: Case, seed: number): Promise<Row> {
  manualSeed(seed);
  const model = c.build();
  randomiseNonKernels(model, new Rng(1000 + seed));
  const rng = new Rng(seed);
  const xs = c.inputs.map((spec) => draw(rng, spec));
  const want = predict(model, xs);
  const bytes = toOnnx(model);
  const ops = decodeModel(bytes).graph!.node!.map((n) => n.opType!);
  return {
    name: c.name,
    params: model.countParams(),
    ops,
    ort: await attempt(async () => compare(want, await runOrt(bytes, xs))),
    roundTrip: await attempt(async () => compare(want, predict(fromOnnx(bytes), xs))),
    tfjs: await attempt(async () => compare(want, await runTfjs(model, xs))),
    keras: await attempt(async () => compare(want, predict(await fromKeras(toKeras(model)), xs))),
  };
}

const e = (v: number) => (v === 0 ? '0' : v.toExponential(1));

/** A cell of the table: "max |Δ| / max rel", "identical", or a footnote number for a refusal. */
function cellText(cell: Cell, notes: string[], showIdentical: boolean): string {
  if ('refused' in cell) {
    notes.push(cell.refused);
    return `refused [${notes.length}]`;
  }
  if (showIdentical && cell.identical) return 'identical';
  return `${e(cell.maxAbs)} / ${e(cell.maxRel)}${cell.withinTolerance ? '' : ' ✗'}`;
}

await tf.setBackend('cpu');
await tf.ready();
const started = performance.now();
const rows: Row[] = [];
for (const [i, c] of [...layerCases, ...modelCases].entries()) rows.push(await measure(c, 17_000 + i));

const notes: string[] = [];
const lines = [
  `Agreement with backprop's predict (backend '${getBackend().name}') on a seeded random batch of ${BATCH}; each cell is`,
  "max |Δ| / max relative Δ over every output element, relative Δ = |Δ| / max(|y|, 1e-3) with y backprop's",
  "value; 'identical' = every value bit-equal. ONNX Runtime: onnxruntime-web 1 thread wasm on toOnnx(model);",
  'fromOnnx: backprop on fromOnnx(toOnnx(model)); TF.js: @tensorflow/tfjs CPU backend on toTfjs(model);',
  'Keras: backprop on fromKeras(toKeras(model)). ✗ marks a model where some |Δ| > 1e-6 + 1e-5·|y|, the',
  "tests' agreement check (test/onnx-runtime.ts); 'refused [n]': the converter refused the model, note n.",
  '',
  '| model | params | ONNX nodes | ONNX Runtime | fromOnnx round trip | TF.js | Keras round trip |',
  '|---|---:|---:|---|---|---|---|',
];
for (const [i, r] of rows.entries()) {
  if (i === layerCases.length) lines.push('| **whole models** | | | | | | |');
  lines.push(
    `| ${r.name} | ${r.params.toLocaleString('en-US')} | ${r.ops.length} | ${cellText(r.ort, notes, false)} | ${cellText(r.roundTrip, notes, true)} | ${cellText(r.tfjs, notes, false)} | ${cellText(r.keras, notes, true)} |`,
  );
}
const diffs = (pick: (r: Row) => Cell) => rows.map(pick).filter((c): c is Diff => !('refused' in c));
const worst = (cells: Diff[]) =>
  `max |Δ| ${e(Math.max(...cells.map((c) => c.maxAbs)))}, max relative Δ ${e(Math.max(...cells.map((c) => c.maxRel)))}, ` +
  `${cells.filter((c) => c.withinTolerance).length} of ${cells.length} within 1e-6 + 1e-5·|y|`;
lines.push('');
lines.push(`Worst over ${rows.length} models — ONNX Runtime: ${worst(diffs((r) => r.ort))};`);
const round = diffs((r) => r.roundTrip);
lines.push(
  `fromOnnx round trip: ${round.filter((c) => c.identical).length} of ${round.length} bit-identical, ${worst(round)};`,
);
const keras = diffs((r) => r.keras);
lines.push(`TF.js: ${worst(diffs((r) => r.tfjs))};`);
lines.push(
  `Keras round trip: ${keras.filter((c) => c.identical).length} of ${keras.length} bit-identical, ${worst(keras)}.`,
);
if (notes.length > 0) {
  lines.push('', 'Refused:');
  notes.forEach((n, i) => {
    lines.push(`[${i + 1}] ${n}`);
  });
}

const imported = supportedOperators();
const emitted = [...new Set(rows.flatMap((r) => r.ops))].sort();
lines.push('', `ONNX operators fromOnnx imports (${imported.length}): ${imported.join(', ')}`);
lines.push(
  '',
  `ONNX operators toOnnx emitted for these ${rows.length} models (${emitted.length}): ${emitted.join(', ')}`,
);
const notImported = emitted.filter((op) => !imported.includes(op));
lines.push(
  '',
  notImported.length === 0
    ? 'Every operator toOnnx emits is one fromOnnx imports.'
    : `Emitted but not imported: ${notImported.join(', ')}`,
);
lines.push('', `(${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log(lines.join('\n'));
process.exit(0);
