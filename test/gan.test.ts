/** The GAN: LeakyReLU, the DCGAN builders, the alternating step (frozen discriminator), fit, generate. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  type ActivationLike,
  Adam,
  ArgumentError,
  Dense,
  dcganDiscriminator,
  dcganGenerator,
  Flatten,
  GAN,
  gradcheck,
  input,
  LeakyReLU,
  Model,
  manualSeed,
  randn,
  ShapeError,
  Tensor,
  tensor,
} from '../src/index.js';
import { layerFromConfig } from '../src/nn/registry.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

const TINY = {
  latentDim: 3,
  imageShape: [8, 8, 1] as const,
  generatorFilters: [4, 2] as const,
  discriminatorFilters: [2, 4] as const,
  dropout: 0,
};

function tinyGan(options: { classes?: number; seed?: number } = {}): GAN {
  manualSeed(options.seed ?? 5);
  const o = { ...TINY, classes: options.classes };
  return new GAN({
    generator: dcganGenerator(o),
    discriminator: dcganDiscriminator(o),
    latentDim: 3,
    classes: options.classes,
    generatorOptimizer: new Adam({ learningRate: 0.01, beta1: 0.5 }),
    discriminatorOptimizer: new Adam({ learningRate: 0.01, beta1: 0.5 }),
    seed: options.seed ?? 5,
  });
}

/** "Real" 8×8 images: a bright bar on the left, values in [0, 1]. */
function realImages(n: number): Tensor {
  const v = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) for (let r = 0; r < 8; r++) v[i * 64 + r * 8 + 1] = 1;
  return tensor(v, { shape: [n, 8, 8, 1] });
}

/** A one-layer discriminator of [8, 8, 1] images (any image shape) ending with `activation`. */
function denseDiscriminator(activation: ActivationLike, units = 1, shape: number[] = [8, 8, 1]): Model {
  const image = input({ shape, name: 'image' });
  const flat = new Flatten().apply(image);
  return new Model({ inputs: image, outputs: new Dense({ units, activation }).apply(flat), name: 'critic' });
}

const weightsOf = (m: Model) => m.weights.map((w) => Array.from(w.tensor.dataSync()));
const mean = (t: Tensor) => flat(t).reduce((a, b) => a + b, 0) / t.size;

describeEachBackend('LeakyReLU layer', () => {
  it('keeps x ≥ 0 and scales the rest by alpha; gradcheck; config round trip', () => {
    const layer = new LeakyReLU({ alpha: 0.2 });
    assertClose(layer.apply(tensor([[-2, -0.5, 0, 3]])) as Tensor, [[-0.4, -0.1, 0, 3]]);
    assert.equal(new LeakyReLU().alpha, 0.3); // Keras' default
    const result = gradcheck((x) => (layer.apply(x) as Tensor).tanh(), [tensor([[-1.3, -0.2, 0.4, 2.1]])]);
    assert.ok(result.ok, `worst error ${result.maxError}`);
    const copy = layerFromConfig(layer.getConfig()) as LeakyReLU;
    assert.equal(copy.alpha, 0.2);
    assert.throws(
      () => new LeakyReLU({ alpha: -1 }),
      (e: Error) => e instanceof ArgumentError && /alpha/.test(e.message),
    );
  });
});

describeEachBackend('DCGAN builders', () => {
  it('map noise to images in [0, 1] and images to a probability, conditional or not', () => {
    manualSeed(1);
    const g = dcganGenerator(TINY);
    const images = g.predict(randn([5, 3])) as Tensor;
    assert.deepEqual(images.shape, [5, 8, 8, 1]);
    assert.ok(flat(images).every((v) => v > 0 && v < 1));
    const d = dcganDiscriminator(TINY);
    const p = d.predict(images) as Tensor;
    assert.deepEqual(p.shape, [5, 1]);
    assert.ok(flat(p).every((v) => v > 0 && v < 1));

    const cg = dcganGenerator({ ...TINY, classes: 4, outputActivation: 'tanh' });
    const cd = dcganDiscriminator({ ...TINY, classes: 4 });
    assert.deepEqual(cg.inputNames, ['noise', 'generator_label']);
    const labels = tensor([[0], [3]]);
    const made = cg.predict([randn([2, 3]), labels]) as Tensor;
    assert.ok(flat(made).some((v) => v < 0)); // tanh: [−1, 1]
    assert.deepEqual((cd.predict([made, labels]) as Tensor).shape, [2, 1]);
    // The label changes the verdict: it is an input, not ignored.
    assert.notDeepEqual(
      flat(cd.predict([made, tensor([[1], [2]])] as Tensor[]) as Tensor),
      flat(cd.predict([made, labels]) as Tensor),
    );
  });

  it('refuse shapes and options they cannot build, naming them', () => {
    assert.throws(
      () => dcganGenerator({ imageShape: [30, 30, 1] }),
      (e: Error) => e instanceof ArgumentError && /divisible by 4.*30,30,1/.test(e.message),
    );
    assert.throws(
      () => dcganDiscriminator({ classes: 1 }),
      (e: Error) => e instanceof ArgumentError && /classes must be an integer ≥ 2, got 1/.test(e.message),
    );
    assert.throws(
      () => dcganGenerator({ latentDim: 0 }),
      (e: Error) => e instanceof ArgumentError && /dcganGenerator: latentDim/.test(e.message),
    );
    assert.throws(
      () => dcganDiscriminator({ dropout: 1 }),
      (e: Error) => e instanceof ArgumentError && /dropout/.test(e.message),
    );
  });
});

describeEachBackend('GAN', () => {
  it("the generator's step leaves the frozen discriminator alone and raises its verdict on the generated images", () => {
    const gan = tinyGan();
    gan.discriminator.trainOnBatch = () => ({ loss: 0 }); // only the generator's step runs
    const dBefore = weightsOf(gan.discriminator);
    const gBefore = weightsOf(gan.generator);
    const noise = randn([16, 3], { seed: 9 });
    const verdict = () => mean(gan.discriminator.predict(gan.generate(noise)) as Tensor);
    const before = verdict();
    for (let i = 0; i < 10; i++) gan.trainStep(realImages(8));
    assert.deepEqual(weightsOf(gan.discriminator), dBefore);
    assert.equal(gan.discriminator.trainable, true); // unfrozen again for its own step
    assert.ok(
      gan.discriminator.trainableWeights.every((w) => w.grad === null || flat(w.grad).every((g) => g === 0)),
    );
    assert.notDeepEqual(weightsOf(gan.generator), gBefore);
    assert.ok(verdict() > before + 0.01, `D(G(z)) ${before} → ${verdict()}`);
  });

  it("the discriminator's step teaches it real from generated (generator held still)", () => {
    const gan = tinyGan();
    gan.generatorOptimizer.step = () => {}; // the generator held still
    const first = gan.trainStep(realImages(8)).discriminatorLoss;
    let last = first;
    for (let i = 0; i < 30; i++) last = gan.trainStep(realImages(8)).discriminatorLoss;
    assert.ok(last < first * 0.5, `D loss ${first} → ${last}`);
    const real = mean(gan.discriminator.predict(realImages(4)) as Tensor);
    const fake = mean(gan.discriminator.predict(gan.generate(4)) as Tensor);
    assert.ok(real > 0.8 && fake < 0.2, `D(real) ${real}, D(fake) ${fake}`);
  });

  it('is reproducible from its seed, and generate() from fixed noise is deterministic', () => {
    const run = () => {
      const gan = tinyGan({ seed: 3 });
      const logs = [0, 1, 2].map(() => gan.trainStep(realImages(4)));
      return { logs, images: flat(gan.generate(randn([2, 3], { seed: 1 }))) };
    };
    assert.deepEqual(run(), run());
    const gan = tinyGan();
    const noise = randn([3, 3], { seed: 4 });
    assert.deepEqual(flat(gan.generate(noise)), flat(gan.generate(noise)));
  });

  it('fit: one step per batch, epoch logs with what onEpochEnd adds, stepsPerEpoch', async () => {
    const gan = tinyGan();
    const batches: number[] = [];
    const { history } = await gan.fit(realImages(20), {
      epochs: 2,
      batchSize: 6,
      onBatchEnd: (b, logs) => {
        assert.ok(Number.isFinite(logs.discriminatorLoss) && Number.isFinite(logs.generatorLoss));
        batches.push(b);
      },
      onEpochEnd: async (epoch, logs) => {
        logs.score = epoch * 10;
      },
    });
    assert.deepEqual(batches, [0, 1, 2, 3, 0, 1, 2, 3]); // 20 images: 3 full batches of 6, then 2
    assert.deepEqual(history.score, [0, 10]);
    assert.equal(history.discriminatorLoss!.length, 2);
    assert.equal(history.generatorLoss!.length, 2);
    let steps = 0;
    await gan.fit(realImages(20), { batchSize: 2, stepsPerEpoch: 4, onBatchEnd: () => steps++ });
    assert.equal(steps, 4);
  });

  it('fit: a smaller last batch as Keras, but not a 1-row one (batch norm); epoch losses weighted by rows', async () => {
    const gan = tinyGan();
    const sizes: number[] = [];
    const losses: number[][] = [];
    const trainStep = gan.trainStep.bind(gan);
    gan.trainStep = (real, labels) => {
      sizes.push(real.shape[0]!);
      const logs = trainStep(real, labels);
      losses.push([logs.discriminatorLoss, logs.generatorLoss]);
      return logs;
    };
    const { history } = await gan.fit(realImages(10), { batchSize: 4 });
    assert.deepEqual(sizes, [4, 4, 2]);
    const weighted = (k: number) => (4 * losses[0]![k]! + 4 * losses[1]![k]! + 2 * losses[2]![k]!) / 10;
    assertClose(history.discriminatorLoss!, [weighted(0)], 1e-6);
    assertClose(history.generatorLoss!, [weighted(1)], 1e-6);
    sizes.length = 0;
    await gan.fit(realImages(9), { batchSize: 4 });
    assert.deepEqual(sizes, [4, 4]); // the 1-image remainder is skipped
    sizes.length = 0;
    await gan.fit(realImages(5), { batchSize: 64 });
    assert.deepEqual(sizes, [5]); // fewer images than one batch: one smaller batch
    await assert.rejects(
      gan.fit(realImages(1)),
      (e: Error) => e instanceof ArgumentError && /GAN\.fit: 1 images, too few/.test(e.message),
    );
  });

  it('conditional: trains on labelled images, generates the classes asked for, checks the labels', async () => {
    const gan = tinyGan({ classes: 3 });
    const { history } = await gan.fit(realImages(6), { labels: [0, 1, 2, 0, 1, 2], batchSize: 3, epochs: 1 });
    assert.equal(history.generatorLoss!.length, 1);
    const noise = randn([2, 3], { seed: 2 });
    const a = flat(gan.generate(noise, [0, 0]));
    assert.deepEqual(gan.generate(noise, tensor([[0], [0]])).shape, [2, 8, 8, 1]);
    assert.notDeepEqual(flat(gan.generate(noise, [2, 2])), a); // the label steers the generator
    assert.throws(
      () => gan.generate(2, [0, 3]),
      (e: Error) => e instanceof ArgumentError && /label 3 at index 1/.test(e.message),
    );
    assert.throws(() => gan.generate(2, [0.5, 1]), ArgumentError);
    assert.throws(
      () => gan.generate(noise, [0]),
      (e: Error) => e instanceof ShapeError && /1 labels for 2/.test(e.message),
    );
    assert.throws(
      () => gan.trainStep(realImages(2)),
      (e: Error) => e instanceof ArgumentError && /needs the images' labels/.test(e.message),
    );
    await assert.rejects(
      gan.fit(realImages(6)),
      (e: Error) => e instanceof ArgumentError && /needs labels/.test(e.message),
    );
  });

  it('averageDecay: generates with a running average of the generator, (1 + t)/(10 + t) at first', () => {
    manualSeed(7);
    const gan = new GAN({
      generator: dcganGenerator(TINY),
      discriminator: dcganDiscriminator(TINY),
      latentDim: 3,
      averageDecay: 0.9,
      seed: 7,
    });
    const kernel = () => flat(gan.generator.getWeights()[0]!);
    gan.trainStep(realImages(4));
    const w1 = kernel();
    gan.trainStep(realImages(4));
    const w2 = kernel();
    gan.trainStep(realImages(4));
    const w3 = kernel();
    // t = 1: decay min(0.9, 2/11); t = 2: min(0.9, 3/12).
    const a2 = w1.map((v, i) => (2 / 11) * v + (9 / 11) * w2[i]!);
    const a3 = a2.map((v, i) => (3 / 12) * v + (9 / 12) * w3[i]!);
    const noise = randn([2, 3], { seed: 1 });
    const averaged = flat(gan.generate(noise));
    assert.deepEqual(kernel(), w3); // generate() put the trained weights back
    assert.notDeepEqual(flat(gan.generator.predict(noise) as Tensor), averaged);
    gan.applyAveragedWeights();
    assertClose(kernel(), a3, 1e-6, 1e-5);
    assertClose(gan.generator.predict(noise) as Tensor, averaged, 1e-6);
    assert.throws(
      () =>
        new GAN({
          generator: gan.generator,
          discriminator: gan.discriminator,
          latentDim: 3,
          averageDecay: 1,
        }),
      (e: Error) => e instanceof ArgumentError && /averageDecay must be in \(0, 1\), got 1/.test(e.message),
    );
  });

  it('refuses bad fit/trainStep arguments: stepsPerEpoch, images, labels of an unconditional GAN', async () => {
    const gan = tinyGan();
    for (const stepsPerEpoch of [0, 1.5, Number.NaN])
      await assert.rejects(
        gan.fit(realImages(4), { batchSize: 2, stepsPerEpoch }),
        (e: Error) =>
          e instanceof ArgumentError && /stepsPerEpoch must be a positive integer, got/.test(e.message),
      );
    const wrong = tensor(new Float32Array(4 * 64), { shape: [4, 64] });
    await assert.rejects(
      gan.fit(wrong, { batchSize: 2 }),
      (e: Error) =>
        e instanceof ShapeError && /GAN\.fit\(\): images .*\[null, 8, 8, 1\].*got \[4, 64\]/.test(e.message),
    );
    assert.throws(
      () => gan.trainStep(wrong),
      (e: Error) =>
        e instanceof ShapeError &&
        /GAN\.trainStep\(\): images .*\[null, 8, 8, 1\].*got \[4, 64\]/.test(e.message),
    );
    await assert.rejects(
      gan.fit([[1, 2]] as never),
      (e: Error) =>
        e instanceof ArgumentError && /GAN\.fit\(\): images must be a Tensor, got an array/.test(e.message),
    );
    assert.throws(
      () => gan.trainStep(null as never),
      (e: Error) =>
        e instanceof ArgumentError && /GAN\.trainStep\(\): images must be a Tensor, got null/.test(e.message),
    );
    await assert.rejects(
      gan.fit(realImages(4), { batchSize: 2, labels: [0, 1, 0, 1] }),
      (e: Error) =>
        e instanceof ArgumentError &&
        /GAN\.fit: labels given, but this GAN is not conditional/.test(e.message),
    );
    assert.throws(
      () => gan.trainStep(realImages(2), tensor([[0], [1]])),
      (e: Error) => e instanceof ArgumentError && /not conditional/.test(e.message),
    );
  });

  it('keeps the running average on the backend: no reads to the host per step', () => {
    // The same steps with and without averageDecay read the same number of values to the host.
    const reads = (averageDecay: number | undefined) => {
      manualSeed(3);
      const gan = new GAN({
        generator: dcganGenerator(TINY),
        discriminator: dcganDiscriminator(TINY),
        latentDim: 3,
        averageDecay,
        seed: 3,
      });
      gan.trainStep(realImages(4)); // the first step copies the weights
      const original = Tensor.prototype.dataSync;
      let count = 0;
      Tensor.prototype.dataSync = function (this: Tensor) {
        count++;
        return original.call(this);
      };
      try {
        gan.trainStep(realImages(4));
        gan.trainStep(realImages(4));
      } finally {
        Tensor.prototype.dataSync = original;
      }
      return count;
    };
    assert.equal(reads(0.99), reads(undefined));
  });

  it('refuses mismatched models and bad arguments, naming them', () => {
    const plain = tinyGan();
    assert.throws(
      () => plain.generate(2, [0, 1]),
      (e: Error) => e instanceof ArgumentError && /not conditional/.test(e.message),
    );
    assert.throws(
      () => plain.generate(randn([2, 5])),
      (e: Error) => e instanceof ShapeError && /\[n, 3\], got \[2,5\]/.test(e.message),
    );
    assert.throws(
      () => plain.generate(0),
      (e: Error) => e instanceof ArgumentError && /positive integer, got 0/.test(e.message),
    );
    manualSeed(1);
    assert.throws(
      () =>
        new GAN({
          generator: dcganGenerator(TINY),
          discriminator: dcganDiscriminator(TINY),
          latentDim: 3,
          classes: 10,
        }),
      (e: Error) => e instanceof ArgumentError && /generator must take two inputs/.test(e.message),
    );
    assert.throws(
      () =>
        new GAN({
          generator: dcganGenerator(TINY),
          discriminator: dcganDiscriminator(TINY),
          latentDim: 3,
          realLabel: 0.3,
        }),
      (e: Error) => e instanceof ArgumentError && /realLabel/.test(e.message),
    );
    assert.throws(
      () =>
        new GAN({
          generator: dcganGenerator(TINY),
          discriminator: dcganDiscriminator(TINY),
          latentDim: 3,
          seed: Number.NaN,
        }),
      (e: Error) => e instanceof ArgumentError && /GAN: seed must be an integer, got NaN/.test(e.message),
    );
  });

  it('refuses a discriminator without a sigmoid [n, 1] head, and models whose shapes do not meet', () => {
    manualSeed(2);
    const generator = dcganGenerator(TINY);
    for (const [discriminator, endsWith] of [
      [denseDiscriminator('linear'), "'linear' giving \\[null, 1\\]"],
      [denseDiscriminator('sigmoid', 2), "'sigmoid' giving \\[null, 2\\]"],
      [denseDiscriminator('tanh'), "'tanh'"],
    ] as const)
      assert.throws(
        () => new GAN({ generator, discriminator, latentDim: 3 }),
        (e: Error) =>
          e instanceof ArgumentError &&
          new RegExp(`discriminator 'critic' must end with a sigmoid .* it ends with ${endsWith}`).test(
            e.message,
          ),
      );
    // A linear head is refused, and a sigmoid one accepted: the check is on the head, not the model.
    assert.ok(new GAN({ generator, discriminator: denseDiscriminator('sigmoid'), latentDim: 3 }));
    assert.throws(
      () =>
        new GAN({ generator, discriminator: denseDiscriminator('sigmoid', 1, [28, 28, 1]), latentDim: 3 }),
      (e: Error) =>
        e instanceof ShapeError &&
        /makes \[null, 8, 8, 1\].*'critic' takes images of \[null, 28, 28, 1\]/.test(e.message),
    );
    assert.throws(
      () => new GAN({ generator, discriminator: denseDiscriminator('sigmoid'), latentDim: 5 }),
      (e: Error) => e instanceof ShapeError && /latentDim 5 .* noise input \[null, 3\]/.test(e.message),
    );
  });
});
