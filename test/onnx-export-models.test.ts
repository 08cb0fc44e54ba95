/**
 * ONNX export of whole models (issue 17): the DCGAN generator and discriminator (plain and
 * conditional), the VAE's encoder and decoder (the full VAE refused at Sampling, naming it), a
 * GaussianKL output, a DBN's toSequential() network, an LSTM text classifier, a stacked GRU, and
 * the MNIST MLP and CNN — tiny sizes, seeded random weights, run in ONNX Runtime (onnxruntime-web's
 * wasm backend, the reference) and compared with predict to 1e-5 relative + 1e-6 absolute. And the
 * coverage check: every registered layer class is exportable or refused with its own reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildCnn, buildMlp } from '../src/cli/build.js';
import {
  ArgumentError,
  BatchNormalization,
  Bidirectional,
  Conv2D,
  DBN,
  Dense,
  dcganDiscriminator,
  dcganGenerator,
  denseVAE,
  Embedding,
  Flatten,
  fromOnnx,
  GaussianKL,
  GRU,
  input,
  LSTM,
  MaxPooling2D,
  Model,
  manualSeed,
  Rng,
  Sampling,
  Sequential,
  type Tensor,
  tensor,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { EXPORTABLE_LAYERS, exportLayerCall, REFUSED_LAYERS } from '../src/interop/onnx/export-layers.js';
import { OnnxGraphBuilder } from '../src/interop/onnx/graph-builder.js';
import { decodeModel, type ModelProto } from '../src/interop/onnx/onnx-proto.js';
import type { Module } from '../src/nn/module.js';
import { registeredLayerClasses } from '../src/nn/registry.js';
import { onnxModel } from './onnx-graphs.js';
import { assertAgree, opTypes, randomBatch, runOrt } from './onnx-runtime.js';

type Sampler = (rng: Rng, batch: number, sample: readonly number[]) => { data: Float32Array; dims: number[] };

/** Integer ids in [0, n) shaped [batch, ...sample], as float32 (backprop's inputs). */
const ids =
  (n: number): Sampler =>
  (rng, batch, sample) => {
    const r = randomBatch(rng, batch, sample);
    return { data: r.data.map(() => Math.min(Math.floor(rng.uniform() * n), n - 1)), dims: r.dims };
  };

/**
 * Export, run in ORT on batches of 1 and 3 (each input's sample shape and how its values are
 * drawn), compare every output with predict; the decoded graph.
 */
async function check(
  model: Sequential | Model,
  what: string,
  seed: number,
  inputs: readonly [readonly number[], Sampler?][],
): Promise<ModelProto> {
  const bytes = toOnnx(model);
  // The graph's inputs and outputs in the model's order: the model's names, or an imported ONNX
  // graph's own names (toOnnx keeps a file's names).
  const graph = decodeModel(bytes).graph!;
  const inputNames = graph.input!.map((v) => v.name!);
  const outputNames = graph.output!.map((v) => v.name!);
  assert.equal(outputNames.length, model.outputNames.length);
  const rng = new Rng(seed);
  for (const batch of [1, 3]) {
    const feeds = inputs.map(([sample, draw]) => (draw ?? randomBatch)(rng, batch, sample));
    const out = await runOrt(bytes, Object.fromEntries(inputNames.map((n, i) => [n, feeds[i]!])));
    const xs = feeds.map((f) => tensor(f.data, { shape: f.dims }));
    const want = model.predict(xs.length === 1 ? xs[0]! : xs) as Tensor | Tensor[];
    const wants = Array.isArray(want) ? want : [want];
    outputNames.forEach((name, i) => {
      assertAgree(out[name]!, wants[i]!, `${what}, ${name}, batch ${batch}`, 1e-6);
    });
  }
  return decodeModel(bytes);
}

/** Give every BatchNormalization moving statistics other than 0 and 1, so that a mix-up shows. */
function randomiseStatistics(model: Model, seed: number): void {
  const rng = new Rng(seed);
  const names = model.weights.map((w) => w.name);
  model.setWeights(
    model.getWeights().map((w, i) => {
      const name = names[i]!;
      if (!/_bn\/(moving_mean|moving_variance|gamma|beta)$/.test(name)) return w;
      const positive = name.endsWith('moving_variance');
      const values = Float32Array.from(w.dataSync(), () =>
        positive ? 0.5 + rng.uniform() * 2 : rng.uniform() * 2 - 1,
      );
      return tensor(values, { shape: w.shape });
    }),
  );
}

const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('toOnnx, whole models', () => {
  it('the DCGAN generator and discriminator agree with ONNX Runtime, one transpose pair per image run', async () => {
    const small = {
      latentDim: 5,
      imageShape: [8, 8, 1],
      generatorFilters: [4, 3],
      discriminatorFilters: [3, 4],
      kernelSize: 3,
    } as const;
    manualSeed(500);
    const generator = dcganGenerator(small);
    randomiseStatistics(generator, 1);
    const gen = await check(generator, 'DCGAN generator', 1, [[[5]]]);
    assert.equal(count(opTypes(gen), 'Transpose'), 2, opTypes(gen).join(', '));
    assert.ok(opTypes(gen).includes('ConvTranspose') && opTypes(gen).includes('Resize'));
    manualSeed(501);
    const disc = await check(dcganDiscriminator(small), 'DCGAN discriminator', 2, [[[8, 8, 1]]]);
    assert.equal(count(opTypes(disc), 'Transpose'), 2, opTypes(disc).join(', '));

    // Conditional: a label input [1] (an integer class id) next to the noise or the image.
    const conditional = { ...small, classes: 3, labelEmbedding: 2 };
    manualSeed(502);
    const cgen = dcganGenerator(conditional);
    randomiseStatistics(cgen, 2);
    await check(cgen, 'conditional generator', 3, [[[5]], [[1], ids(3)]]);
    manualSeed(503);
    await check(dcganDiscriminator(conditional), 'conditional discriminator', 4, [
      [[8, 8, 1]],
      [[1], ids(3)],
    ]);
  });

  it("the VAE's encoder and decoder export; the full VAE is refused at Sampling, which names the way out", async () => {
    manualSeed(510);
    const vae = denseVAE({ inputDim: 6, hidden: [5], latent: 2 });
    await check(vae.encoder as Model, 'VAE encoder [μ, logVar]', 5, [[[6]]]);
    await check(vae.decoder as Sequential, 'VAE decoder', 6, [[[2]]]);
    assert.throws(
      () => toOnnx(vae.model),
      (e: unknown) =>
        e instanceof ArgumentError &&
        /\(Sampling\) draws new random noise in predict too/.test(e.message) &&
        /vae\.decoder/.test(e.message) &&
        /vae\.encoder/.test(e.message),
    );
  });

  it('GaussianKL (deterministic: the KL term in closed form) agrees with ONNX Runtime', async () => {
    const x = input({ shape: [4], name: 'x' });
    const mean = new Dense({ units: 3, name: 'mean' }).apply(x);
    const logVar = new Dense({ units: 3, name: 'log_var' }).apply(x);
    const kl = new GaussianKL({ name: 'kl' }).apply([mean, logVar]);
    manualSeed(520);
    await check(new Model({ inputs: x, outputs: kl }), 'GaussianKL', 7, [[[4]]]);
    const z = new Sampling({ name: 'z', seed: 1 }).apply([mean, logVar]);
    assert.throws(() => toOnnx(new Model({ inputs: x, outputs: z })), /layer 'z' \(Sampling\)/);
  });

  it("a DBN's toSequential() network exports as a Sequential", async () => {
    const dbn = new DBN({ layers: [6, 5, 4], seed: 3, weightInitStd: 0.5 });
    const model = dbn.toSequential({ outputUnits: 3 });
    const proto = await check(model, 'DBN.toSequential()', 8, [[[6]]]);
    assert.deepEqual(opTypes(proto), ['Gemm', 'Sigmoid', 'Gemm', 'Sigmoid', 'Gemm', 'Softmax']);
  });

  it('an LSTM text classifier (Embedding → LSTM → Dense) and a stacked GRU agree with ONNX Runtime', async () => {
    // As in examples/sequence-classification.ts: padding id 0 masked (maskZero) or not.
    for (const [k, maskZero] of [false, true].entries()) {
      manualSeed(530 + 10 * k);
      const classifier = new Sequential({
        layers: [
          new Embedding({ inputDim: 4, outputDim: 4, inputShape: [6], maskZero }),
          new LSTM({ units: 5, biasInitializer: 'randomNormal' }),
          new Dense({ units: 3, activation: 'softmax' }),
        ],
      });
      // Ids from a vocabulary of 4: about one step in four is padding.
      await check(classifier, `LSTM text classifier, maskZero ${maskZero}`, 9 + k, [[[6], ids(4)]]);
    }
    manualSeed(531);
    const stacked = new Sequential({
      layers: [
        new GRU({ units: 4, returnSequences: true, inputShape: [5, 3], biasInitializer: 'randomNormal' }),
        new GRU({ units: 3, returnSequences: true, resetAfter: false }),
        new GRU({ units: 2 }),
        new Dense({ units: 1 }),
      ],
    });
    const proto = await check(stacked, 'stacked GRU', 10, [[[5, 3]]]);
    assert.equal(count(opTypes(proto), 'GRU'), 3);
  });

  it('the MNIST MLP and CNN (train mnist) agree with ONNX Runtime', async () => {
    manualSeed(540);
    const mlp = buildMlp({
      layers: [784, 16, 10],
      activation: 'relu',
      outputActivation: 'softmax',
      dropout: 0.2,
    });
    await check(mlp, 'MNIST MLP', 11, [[[784]]]);
    manualSeed(541);
    const cnn = buildCnn({ dropout: 0.25, outputActivation: 'softmax' });
    const proto = await check(cnn, 'MNIST CNN', 12, [[[784]]]);
    assert.equal(count(opTypes(proto), 'Transpose'), 2);
  });
});

describe('toOnnx, imported models', () => {
  it('an imported ONNX model with changed (fine-tuned) weights exports again and agrees', async () => {
    manualSeed(550);
    const cnn = new Sequential({
      layers: [
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [6, 5, 2], activation: 'relu' }),
        new BatchNormalization({ movingMeanInitializer: 'randomNormal' }),
        new MaxPooling2D(),
        new Flatten(),
        new Dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const rnn = new Sequential({
      layers: [
        new Bidirectional({ layer: new GRU({ units: 2, returnSequences: true }), inputShape: [4, 3] }),
        new LSTM({ units: 2, goBackwards: true }),
      ],
    });
    for (const [i, model] of [cnn, rnn].entries()) {
      const first = toOnnx(model);
      const imported = fromOnnx(first);
      // As fine-tuning would: every weight moves (variances stay positive).
      imported.setWeights(imported.getWeights().map((w) => w.mul(1.25)));
      const proto = await check(imported, `imported model ${i}, weights changed`, 60 + i, [
        [[...model.inputShape]],
      ]);
      assert.deepEqual(opTypes(proto), opTypes(decodeModel(first)));
    }
  });
});

describe('toOnnx, imported models: names', () => {
  it("toOnnx(fromOnnx(bytes)) keeps the file's input and output names, and ONNX Runtime runs both alike", async () => {
    // Names a layer may not have ('/', ':') and two outputs: the model's own are 'x_0', 'onnx_graph_1'…
    const bytes = onnxModel({
      inputs: [
        { name: 'x/0', shape: ['N', 3] },
        { name: 'y', shape: ['N', 3] },
      ],
      outputs: [{ name: 'out/relu' }, { name: 'prod' }],
      nodes: [
        { opType: 'Add', inputs: ['x/0', 'y'], outputs: ['sum:0'] },
        { opType: 'Relu', inputs: ['sum:0'], outputs: ['out/relu'] },
        { opType: 'Mul', inputs: ['x/0', 'y'], outputs: ['prod'] },
      ],
    });
    const again = toOnnx(fromOnnx(bytes));
    const graph = decodeModel(again).graph!;
    assert.deepEqual(
      graph.input?.map((v) => v.name),
      ['x/0', 'y'],
    );
    assert.deepEqual(
      graph.output?.map((v) => v.name),
      ['out/relu', 'prod'],
    );
    const rng = new Rng(7);
    const feeds = { 'x/0': randomBatch(rng, 2, [3]), y: randomBatch(rng, 2, [3]) };
    const [want, got] = [await runOrt(bytes, feeds), await runOrt(again, feeds)];
    for (const name of ['out/relu', 'prod']) assert.deepEqual([...got[name]!.data], [...want[name]!.data]);
    // A PyTorch export: 'input' in, 'output' out, as torch.onnx.export named them.
    const cnn = decodeModel(toOnnx(fromOnnx(new Uint8Array(readFileSync('test/fixtures/onnx/cnn.onnx')))))
      .graph!;
    assert.deepEqual([cnn.input?.[0]?.name, cnn.output?.[0]?.name], ['input', 'output']);
  });
});

describe('toOnnx, coverage', () => {
  it('every registered layer class is exportable or refused with a reason of its own', () => {
    const exportable = new Set(EXPORTABLE_LAYERS);
    for (const className of registeredLayerClasses()) {
      const refused = REFUSED_LAYERS[className];
      assert.ok(
        exportable.has(className) !== (refused !== undefined),
        `${className}: ${exportable.has(className) ? 'both exportable and refused' : 'neither exportable nor refused'}`,
      );
      if (refused !== undefined) assert.ok(refused.length > 20, `${className}: a reason, not a word`);
    }
    // The list names only classes that exist.
    const known = new Set(registeredLayerClasses());
    for (const className of EXPORTABLE_LAYERS)
      assert.ok(known.has(className), `${className} is not registered`);
  });

  it('each refused class is refused with its reason, naming the layer', () => {
    for (const [className, reason] of Object.entries(REFUSED_LAYERS)) {
      // Only the class name and the layer's name decide: a stand-in with those two is enough.
      const layer = { name: 'refused', className } as unknown as Module;
      assert.throws(
        () =>
          exportLayerCall(new OnnxGraphBuilder(), layer, {
            inputs: ['x', 'y'],
            shapes: [
              [null, 2],
              [null, 2],
            ],
          }),
        (e: unknown) =>
          e instanceof ArgumentError && e.message === `toOnnx: layer 'refused' (${className}) ${reason}`,
        className,
      );
    }
  });
});
