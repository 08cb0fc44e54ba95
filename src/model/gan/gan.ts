/**
 * A generative adversarial network: a generator turning noise (and, conditional, a class label)
 * into images and a discriminator telling them from real ones, trained alternately, each with its
 * own optimiser (Adam, beta1 0.5, as DCGAN). Nothing here reaches below the public API:
 *
 *   1. the discriminator trains one batch with trainOnBatch: real images labelled `realLabel`
 *      (1, or 0.9 for one-sided label smoothing), the generator's images labelled 0;
 *   2. the generator trains one batch in a stepScope through the frozen discriminator
 *      (trainable = false: no gradient, no update), its loss the discriminator's cross-entropy
 *      against "real" — the non-saturating loss of Goodfellow et al., computed from the logits.
 *
 * Labels are integer class ids, [n, 1]; a conditional generator is asked for uniformly drawn
 * classes, so every class gets the same share of its training.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { checkOptions, describeValue, numberOption } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { binaryCrossentropy } from '../../losses/index.js';
import { formatSymbolicShape, type SymbolicShape, shapesCompatible } from '../../nn/symbolic-tensor.js';
import { gather } from '../../ops/indexing.js';
import { concat } from '../../ops/layout.js';
import { Adam } from '../../optim/adam.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { Rng } from '../../random/rng.js';
import { full, randn, tensor } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { stepScope } from '../engine/step-scope.js';
import type { Model } from '../functional/model.js';
import { TrainableModel } from '../trainable-model.js';

export interface GANConfig {
  /** noise [latentDim] (and a label [1] if conditional) → an image. */
  generator: Model;
  /**
   * an image (and a label [1] if conditional) → [n, 1], the probability "real": it must end with a
   * sigmoid, which both steps fuse into their cross-entropy (the generator's from the logits).
   */
  discriminator: Model;
  latentDim: number;
  /** Number of classes of a conditional GAN: both models then take a label as second input. */
  classes?: number;
  /** Default Adam({ learningRate: 2e-4, beta1: 0.5 }). */
  generatorOptimizer?: Optimizer;
  /** Default Adam({ learningRate: 2e-4, beta1: 0.5 }). */
  discriminatorOptimizer?: Optimizer;
  /** The discriminator's target for real images (default 1; 0.9 is one-sided label smoothing). */
  realLabel?: number;
  /** Seed for the noise, the generator's labels and the shuffling (default 1). */
  seed?: number;
  /**
   * Keep an exponential moving average of the generator's weights with this decay (e.g. 0.999;
   * default none) and generate with it: the average smooths out the generator's step-to-step
   * wandering, so its digits are cleaner than the last step's (Yazıcı et al. 2019; ProGAN,
   * BigGAN). Early on the decay is (1 + t)/(10 + t) when smaller, so the start is not overweighted.
   */
  averageDecay?: number;
}

const GAN_OPTIONS = [
  'generator',
  'discriminator',
  'latentDim',
  'classes',
  'generatorOptimizer',
  'discriminatorOptimizer',
  'realLabel',
  'seed',
  'averageDecay',
];

export interface GANStepLogs {
  discriminatorLoss: number;
  generatorLoss: number;
}

export interface GANFitArgs {
  /** Class ids of the images, [n] or [n, 1] (a conditional GAN needs them). */
  labels?: Tensor | ArrayLike<number>;
  epochs?: number;
  batchSize?: number;
  /** Stop each epoch after this many batches, a positive integer (default: one pass over the images). */
  stepsPerEpoch?: number;
  /** Called after each batch (0-based within the epoch) with its two losses. */
  onBatchEnd?: (batch: number, logs: GANStepLogs) => void;
  /**
   * Called after each epoch (0-based) with its mean losses; may be async (write a picture), and may
   * add numbers to `logs` (a quality score) for the history to record, as Keras callbacks do.
   */
  onEpochEnd?: (epoch: number, logs: Record<string, number>) => void | Promise<void>;
}

export class GAN {
  readonly generator: Model;
  readonly discriminator: Model;
  readonly latentDim: number;
  readonly classes: number | undefined;
  readonly generatorOptimizer: Optimizer;
  readonly realLabel: number;
  private readonly rng: Rng;
  readonly averageDecay: number | undefined;
  /**
   * The running average of every generator weight, in `generator.weights` order: tensors on the
   * weight's backend, updated in place with tensor ops (no read back to the host each step).
   */
  private average: Tensor[] | null = null;
  private averagedSteps = 0;
  private readonly loss = binaryCrossentropy({ fromLogits: true });

  constructor(config: GANConfig) {
    const { generator, discriminator, latentDim, classes } = checkOptions(
      'GAN',
      config,
      GAN_OPTIONS,
      {},
      'config',
    ) as unknown as GANConfig;
    for (const [name, model] of [
      ['generator', generator],
      ['discriminator', discriminator],
    ] as const) {
      if (!(model instanceof TrainableModel))
        throw new ArgumentError(`GAN: ${name} must be a model, got ${describeValue(model)}`);
    }
    if (!Number.isInteger(latentDim) || latentDim < 1)
      throw new ArgumentError(`GAN: latentDim must be a positive integer, got ${latentDim}`);
    if (classes !== undefined && (!Number.isInteger(classes) || classes < 2))
      throw new ArgumentError(`GAN: classes must be an integer ≥ 2, got ${classes}`);
    const inputs = classes === undefined ? 1 : 2;
    for (const [name, model] of [
      ['generator', generator],
      ['discriminator', discriminator],
    ] as const) {
      if (model.inputNames.length !== inputs)
        throw new ArgumentError(
          `GAN: the ${name} must take ${inputs === 1 ? 'one input' : 'two inputs (data and label)'}${classes === undefined ? '' : ` for ${classes} classes`}, it takes ${model.inputNames.length} (${model.inputNames.join(', ')})`,
        );
    }
    checkDiscriminatorHead(discriminator);
    checkShapesMatch(generator, discriminator, latentDim);
    this.realLabel = config.realLabel ?? 1;
    if (!(this.realLabel > 0.5 && this.realLabel <= 1))
      throw new ArgumentError(`GAN: realLabel must be in (0.5, 1], got ${this.realLabel}`);
    this.generator = generator;
    this.discriminator = discriminator;
    this.latentDim = latentDim;
    this.classes = classes;
    this.rng = new Rng(numberOption('GAN', 'seed', config.seed, { integer: true }, 1));
    this.averageDecay = config.averageDecay;
    if (this.averageDecay !== undefined && !(this.averageDecay > 0 && this.averageDecay < 1))
      throw new ArgumentError(`GAN: averageDecay must be in (0, 1), got ${this.averageDecay}`);
    this.generatorOptimizer = config.generatorOptimizer ?? new Adam({ learningRate: 2e-4, beta1: 0.5 });
    discriminator.compile({
      optimizer: config.discriminatorOptimizer ?? new Adam({ learningRate: 2e-4, beta1: 0.5 }),
      loss: 'binaryCrossentropy', // fused with the sigmoid: computed from the logits
    });
  }

  /** n noise vectors [n, latentDim] from the GAN's own generator of random numbers. */
  sampleNoise(n: number): Tensor {
    return randn([n, this.latentDim], { rng: this.rng });
  }

  /** n class ids drawn uniformly, [n, 1]. */
  sampleLabels(n: number): Tensor {
    const classes = this.requireClasses('sampleLabels');
    const ids = new Float32Array(n);
    for (let i = 0; i < n; i++) ids[i] = this.rng.nextUint32() % classes;
    return tensor(ids, { shape: [n, 1] });
  }

  /**
   * n images from fresh noise — or from the noise given ([n, latentDim], e.g. kept fixed to
   * compare epochs). A conditional GAN takes the classes wanted ([n] or [n, 1]; default uniform).
   */
  generate(n: number | Tensor, labels?: Tensor | ArrayLike<number>): Tensor {
    const noise = typeof n === 'number' ? this.sampleNoise(checkCount(n)) : n;
    if (noise.ndim !== 2 || noise.shape[1] !== this.latentDim)
      throw new ShapeError(`GAN.generate: noise must be [n, ${this.latentDim}], got [${noise.shape}]`);
    const count = noise.shape[0]!;
    if (this.classes === undefined) {
      if (labels !== undefined)
        throw new ArgumentError('GAN.generate: labels given, but this GAN is not conditional (no classes)');
      return this.withAverage(() => this.generator.predict(noise) as Tensor);
    }
    const ids = labels === undefined ? this.sampleLabels(count) : this.labelColumn(labels, 'generate');
    if (ids.shape[0] !== count)
      throw new ShapeError(`GAN.generate: ${ids.shape[0]} labels for ${count} noise vectors`);
    return this.withAverage(() => this.generator.predict([noise, ids]) as Tensor);
  }

  /** One step of each network on a batch of real images (and their labels, if conditional). */
  trainStep(real: Tensor, labels?: Tensor): GANStepLogs {
    this.checkImages(real, 'GAN.trainStep(): images');
    const n = real.shape[0]!;
    const conditional = this.classes !== undefined;
    if (conditional && labels === undefined)
      throw new ArgumentError(
        `GAN.trainStep: a conditional GAN (${this.classes} classes) needs the images' labels`,
      );
    if (!conditional && labels !== undefined)
      throw new ArgumentError('GAN.trainStep: labels given, but this GAN is not conditional (no classes)');
    // One step scope for the whole step: everything it allocates is reused by the next one.
    return stepScope(() => {
      const realIds = conditional ? this.labelColumn(labels!, 'trainStep') : undefined;
      if (realIds && realIds.shape[0] !== n)
        throw new ShapeError(`GAN.trainStep: ${realIds.shape[0]} labels for ${n} images`);

      // 1. The discriminator, on real images and on the generator's — made in training mode, as
      // in the generator's own step: batch norm's moving averages lag behind a generator that
      // changes every step, so predict()'s images are not the ones it is learning to make.
      const fakeIds = conditional ? this.sampleLabels(n) : undefined;
      const fakeNoise = this.sampleNoise(n);
      const fake = noGrad(
        () => this.generator.call(fakeIds ? [fakeNoise, fakeIds] : fakeNoise, { training: true }) as Tensor,
      );
      const images = concat([real, fake], 0);
      const targets = concat([full([n, 1], this.realLabel), full([n, 1], 0)], 0);
      const d = this.discriminator.trainOnBatch(
        conditional ? [images, concat([realIds!, fakeIds!], 0)] : images,
        targets,
      );

      // 2. The generator, through the frozen discriminator, towards "real".
      const noise = this.sampleNoise(n);
      const ids = conditional ? this.sampleLabels(n) : undefined;
      this.discriminator.trainable = false;
      try {
        const made = this.generator.call(ids ? [noise, ids] : noise, { training: true }) as Tensor;
        const logits = this.discriminator.call(ids ? [made, ids] : made, {
          training: true,
          logits: true,
        }) as Tensor;
        const loss = this.loss(full([n, 1], 1), logits);
        loss.backward();
        const weights = this.generator.trainableWeights;
        this.generatorOptimizer.step(weights);
        this.generatorOptimizer.zeroGrad(weights);
        this.updateAverage();
        return { discriminatorLoss: d.loss!, generatorLoss: loss.item() };
      } finally {
        this.discriminator.trainable = true;
      }
    });
  }

  /**
   * Alternate the two networks over `images` (the discriminator's input shape, e.g. [n, 28, 28, 1])
   * for some epochs, in a new shuffled order each epoch. Returns each epoch's logs: the losses
   * averaged over the epoch's images, as Keras' fit does.
   *
   * As in Keras, the last batch of an epoch is smaller when batchSize does not divide the images —
   * except a last batch of a single image, which is skipped: batch normalization's statistics over
   * one row are that row itself, so the generator's output would not depend on its noise (and
   * nothing would flow back through it) for that step.
   */
  async fit(images: Tensor, args: GANFitArgs = {}): Promise<{ history: Record<string, number[]> }> {
    const epochs = args.epochs ?? 1;
    const batchSize = args.batchSize ?? 64;
    checkCount(epochs, 'epochs');
    checkCount(batchSize, 'batchSize');
    if (args.stepsPerEpoch !== undefined) checkCount(args.stepsPerEpoch, 'stepsPerEpoch');
    this.checkImages(images, 'GAN.fit(): images');
    let labels: Tensor | undefined;
    const n = images.shape[0]!;
    if (this.classes !== undefined) {
      if (args.labels === undefined)
        throw new ArgumentError(`GAN.fit: a conditional GAN (${this.classes} classes) needs labels`);
      labels = this.labelColumn(args.labels, 'fit');
      if (labels.shape[0] !== n) throw new ShapeError(`GAN.fit: ${labels.shape[0]} labels for ${n} images`);
    } else if (args.labels !== undefined) {
      throw new ArgumentError('GAN.fit: labels given, but this GAN is not conditional (no classes)');
    }
    if (n < 2) throw new ArgumentError(`GAN.fit: ${n} images, too few to train on (at least 2)`);
    const remainder = n % batchSize;
    const batches = Math.floor(n / batchSize) + (remainder > 1 ? 1 : 0);
    const perEpoch = Math.min(batches, args.stepsPerEpoch ?? Number.POSITIVE_INFINITY);
    const history: Record<string, number[]> = {};
    const order = Array.from({ length: n }, (_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, this.rng);
      let dSum = 0;
      let gSum = 0;
      let seen = 0;
      for (let b = 0; b < perEpoch; b++) {
        const rows = order.slice(b * batchSize, (b + 1) * batchSize);
        const step = stepScope(() => this.trainStep(gather(images, rows), labels && gather(labels, rows)));
        dSum += step.discriminatorLoss * rows.length;
        gSum += step.generatorLoss * rows.length;
        seen += rows.length;
        args.onBatchEnd?.(b, step);
      }
      const logs: Record<string, number> = {
        discriminatorLoss: dSum / seen,
        generatorLoss: gSum / seen,
      };
      await args.onEpochEnd?.(epoch, logs);
      for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
    }
    return { history };
  }

  /**
   * Set the generator's weights to their running average for good (after training, before saving
   * it), when `averageDecay` is set; generate() already uses the average.
   */
  applyAveragedWeights(): void {
    if (this.average === null) return;
    this.generator.setWeights(this.average);
    this.average = null;
    this.averagedSteps = 0;
  }

  /** avg ← decay·avg + (1 − decay)·w for every generator weight, in place, as optimisers update. */
  private updateAverage(): void {
    if (this.averageDecay === undefined) return;
    const weights = this.generator.weights;
    if (this.average === null) {
      this.average = weights.map((w) => persistentCopy(w.tensor));
      return;
    }
    this.averagedSteps++;
    const t = this.averagedSteps;
    const decay = Math.min(this.averageDecay, (1 + t) / (10 + t));
    noGrad(() =>
      weights.forEach((w, i) => {
        const avg = this.average![i]!;
        const next = avg.mul(decay).add(w.tensor.detach().mul(1 - decay));
        avg.backend.copy(next.storage, avg.storage);
      }),
    );
  }

  /** Run fn with the averaged weights in the generator (if any), then put the trained ones back. */
  private withAverage<T>(fn: () => T): T {
    if (this.average === null) return fn();
    const trained = this.generator.getWeights();
    this.generator.setWeights(this.average);
    try {
      return fn();
    } finally {
      this.generator.setWeights(trained);
    }
  }

  /** Real images: a Tensor of the discriminator's image input shape (any batch size). */
  private checkImages(images: unknown, what: string): void {
    if (!(images instanceof Tensor))
      throw new ArgumentError(`${what} must be a Tensor, got ${describeValue(images)}`);
    const want = this.discriminator.inputs[0]!.shape;
    if (!shapesCompatible(want, images.shape))
      throw new ShapeError(
        `${what} must have the discriminator's image input shape ${formatSymbolicShape(want)}, got ${formatShape(images.shape)}`,
      );
  }

  private requireClasses(what: string): number {
    if (this.classes === undefined)
      throw new ArgumentError(`GAN.${what}: this GAN is not conditional (no classes)`);
    return this.classes;
  }

  /** Class ids as a [n, 1] tensor, each an integer in [0, classes). */
  private labelColumn(labels: Tensor | ArrayLike<number>, what: string): Tensor {
    const classes = this.requireClasses(what);
    const values = 'dataSync' in labels ? labels.dataSync() : Float32Array.from(labels);
    const shape = 'dataSync' in labels ? labels.shape : [values.length];
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1)))
      throw new ShapeError(`GAN.${what}: labels must be [n] or [n, 1] class ids, got [${shape}]`);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= classes)
        throw new ArgumentError(
          `GAN.${what}: label ${v} at index ${i} is not a class id in 0…${classes - 1}`,
        );
    }
    return tensor(values, { shape: [values.length, 1] });
  }
}

function checkCount(n: number, name = 'n'): number {
  if (!Number.isInteger(n) || n < 1)
    throw new ArgumentError(`GAN: ${name} must be a positive integer, got ${n}`);
  return n;
}

/**
 * The discriminator must end with a sigmoid giving [n, 1]: its own step (compiled with
 * binaryCrossentropy) and the generator's (called with logits: true) both take the sigmoid off and
 * fuse it into the loss. With a linear head the first would treat the scores as probabilities and
 * the second as logits — two different objectives, and no error.
 */
function checkDiscriminatorHead(discriminator: Model): void {
  const activations = discriminator.outputActivations();
  const shapes = discriminator.outputSampleShapes();
  const endsWith =
    activations.length === 1
      ? `'${activations[0]}' giving ${formatSymbolicShape([null, ...shapes[0]!])}`
      : `${activations.length} outputs`;
  if (activations.length !== 1 || activations[0] !== 'sigmoid' || !sameShape(shapes[0]!, [1]))
    throw new ArgumentError(
      `GAN: the discriminator '${discriminator.name}' must end with a sigmoid giving [null, 1] (the probability "real"), it ends with ${endsWith}`,
    );
}

/** The generator's images must fit the discriminator's image input, and its noise input latentDim. */
function checkShapesMatch(generator: Model, discriminator: Model, latentDim: number): void {
  const noise = generator.inputs[0]!.shape.slice(1);
  if (!sameShape(noise, [latentDim]))
    throw new ShapeError(
      `GAN: latentDim ${latentDim} does not match the generator's noise input ${formatSymbolicShape([null, ...noise])}`,
    );
  const made = generator.outputSampleShapes();
  const image = discriminator.inputs[0]!.shape.slice(1);
  if (made.length !== 1 || !sameShape(made[0]!, image))
    throw new ShapeError(
      `GAN: the generator '${generator.name}' makes ${made.map((s) => formatSymbolicShape([null, ...s])).join(', ')}, but the discriminator '${discriminator.name}' takes images of ${formatSymbolicShape([null, ...image])}`,
    );
}

function sameShape(a: SymbolicShape, b: SymbolicShape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A copy of `t` that outlives the step scope it is made in (the running average's storage). */
function persistentCopy(t: Tensor): Tensor {
  const backend = t.backend;
  const make = () => {
    const storage = backend.alloc(t.size);
    backend.copy(t.storage, storage);
    return new Tensor(storage, t.shape, backend);
  };
  return backend.persistent ? backend.persistent(make) : make();
}

/** Fisher–Yates with the GAN's own generator: a seeded, new order every epoch. */
function shuffle(order: number[], rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
}
