/**
 * VAE: a variational autoencoder (Kingma & Welling 2014) from an encoder x → [μ, logVar] and a
 * decoder z → Bernoulli means (a final sigmoid), trained by the ordinary engine.
 *
 * It owns no training loop. Its `model` is a functional Model
 *
 *   x → encoder → [μ, logVar] ─→ Sampling (z = μ + exp(½·logVar)·ε) → decoder → reconstruction
 *                             └→ GaussianKL (KL(q(z|x) ‖ N(0, I)) per image) → kl
 *
 * compiled with −log p(x|z) (binary cross-entropy summed over pixels, fused with the sigmoid) on
 * the reconstruction and the batch mean on kl, so fit()'s `loss` is −ELBO in nats per image and
 * progress, callbacks, validation, History and evaluate() are the engine's. The targets of kl are
 * ignored (zeros stand in for them).
 *
 * Saving: `save()` writes that graph in model format 2, uncompiled (its losses are not in the
 * registry); `VAE.load()` reads it back and finds the encoder, decoder and sampling layer by their
 * places in the graph. Sampling and GaussianKL are registered layers, so `loadModel()` also reads
 * the file as a plain Model.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import {
  booleanOption,
  checkOptions,
  describeValue,
  type NumberRule,
  numberOption,
  optionalNumber,
} from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { GaussianKL } from '../../nn/gaussian-kl.js';
import type { Module } from '../../nn/module.js';
import { Sampling } from '../../nn/sampling.js';
import { formatSymbolicShape, type SymbolicTensor } from '../../nn/symbolic-tensor.js';
import { concat } from '../../ops/layout.js';
import type { OptimizerLike } from '../../optim/index.js';
import { getRng, Rng } from '../../random/rng.js';
import { randn, zeros } from '../../tensor/create.js';
import { formatShape, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Logs } from '../callbacks.js';
import { stepScope } from '../engine/step-scope.js';
import type { FitArgs } from '../engine/train-batch.js';
import { input } from '../functional/input.js';
import { Model } from '../functional/model.js';
import type { History } from '../history.js';
import type { IOHandler } from '../io.js';
import { loadModel } from '../serialization.js';
import { encode, importanceSampledLogLikelihood, type LogLikelihoodOptions } from './log-likelihood.js';
import { bernoulliNegLogLikelihood, meanOfOutput } from './vae-losses.js';

export interface VAEConfig {
  /** x → [μ, logVar], each [batch, latent] (a functional Model with two outputs, say). */
  encoder: Module;
  /** z → the Bernoulli means of the pixels, shaped like x; best ending in a sigmoid (fused into the loss). */
  decoder: Module;
  /** Shape of one input (no batch axis); default: the encoder's input shape. */
  inputShape?: readonly number[];
  /** Seed of the Sampling layer's noise; default: the global RNG. */
  seed?: number;
  /** Name of the training model; default 'vae'. */
  name?: string;
}

/** −ELBO and its parts, in nats per image (averaged over images). */
export interface ElboResult {
  /** −ELBO = reconstruction + kl (single-sample estimate of the expectation over q(z|x)). */
  negativeElbo: number;
  /** −E_q[log p(x|z)]: binary cross-entropy summed over pixels. */
  reconstruction: number;
  /** KL(q(z|x) ‖ N(0, I)), in closed form. */
  kl: number;
}

/** The parts of an existing VAE graph (VAE.load). */
interface VAEParts {
  model: Model;
  encoder: Module;
  decoder: Module;
  sampling: Sampling;
}

export class VAE {
  /** The training model: x → [reconstruction, kl]. */
  readonly model: Model;
  readonly encoder: Module;
  readonly decoder: Module;
  readonly sampling: Sampling;
  /** One input's shape (no batch axis) and the number of latent units. */
  readonly inputShape: Shape;
  readonly latentDim: number;
  private evaluator: Model | undefined;

  constructor(config: VAEConfig) {
    const parts = (config as unknown as { [PARTS]?: VAEParts } | undefined)?.[PARTS] ?? buildGraph(config);
    this.model = parts.model;
    this.encoder = parts.encoder;
    this.decoder = parts.decoder;
    this.sampling = parts.sampling;
    this.inputShape = this.model.inputs[0]!.shape.slice(1) as Shape;
    this.latentDim = this.model.outputs[1]!.node.inputs[0]!.shape[1] as number;
  }

  /** The log keys of the two terms: `${decoder}_loss` (−log p(x|z)) and `${kl}_loss`. */
  get logKeys(): { reconstruction: string; kl: string } {
    const [reconstruction, kl] = this.model.outputNames;
    return { reconstruction: `${reconstruction}_loss`, kl: `${kl}_loss` };
  }

  /** Compile the training model: −ELBO in nats per image is what the optimiser minimises. */
  compile(args: { optimizer: OptimizerLike }): void {
    this.model.compile({ optimizer: args.optimizer, loss: vaeLosses() });
  }

  /**
   * Train on images x ([n, …inputShape], values in [0, 1]) with the engine's fit(). Logs: `loss`
   * (−ELBO), `logKeys.reconstruction` and `logKeys.kl` (nats per image), each with `val_` too.
   * `validationData` is the validation images alone (or give `validationSplit`).
   */
  fit(x: Tensor, args: Omit<FitArgs, 'validationData'> & { validationData?: Tensor } = {}): Promise<History> {
    this.checkImages(x, 'fit()');
    const { validationData, ...rest } = args;
    // The validation images alone: each is its own target.
    if (validationData !== undefined) this.checkImages(validationData, 'fit()', 'validationData');
    return this.model.fit(x, this.targets(x), {
      ...rest,
      ...(validationData && { validationData: [validationData, this.targets(validationData)] }),
    });
  }

  /** −ELBO and its two terms on images x, in nats per image (the engine's evaluate()). */
  elbo(x: Tensor, args: { batchSize?: number } = {}): ElboResult {
    // Its own compiled view of the same graph (same layers, same weights): elbo() works on an
    // uncompiled VAE and leaves the training model's compile state alone.
    this.checkImages(x, 'elbo()');
    const o = checkOptions('VAE.elbo()', args, ['batchSize']);
    const batchSize = optionalNumber('VAE.elbo()', 'batchSize', o.batchSize, POSITIVE_INTEGER);
    this.evaluator ??= compiledView(this.model, 'sgd');
    const logs: Logs = this.evaluator.evaluate(
      x,
      this.targets(x),
      batchSize === undefined ? {} : { batchSize },
    );
    const keys = this.logKeys;
    return { negativeElbo: logs.loss!, reconstruction: logs[keys.reconstruction]!, kl: logs[keys.kl]! };
  }

  /**
   * The importance-sampled estimate of log p(x), in nats per image averaged over x (a negative
   * number; −it ≤ −ELBO). See log-likelihood.ts.
   */
  async logLikelihood(x: Tensor, options: LogLikelihoodOptions = {}): Promise<number> {
    this.checkImages(x, 'logLikelihood()');
    const perImage = await importanceSampledLogLikelihood(this.encoder, this.decoder, x, options);
    let sum = 0;
    for (const v of perImage) sum += v;
    return sum / perImage.length;
  }

  /**
   * The decoder's means for the codes of x: decoded from μ (the most likely code), or from one
   * draw of q(z|x) with `{ sample: true }`.
   */
  reconstruct(x: Tensor, options: { sample?: boolean; batchSize?: number } = {}): Tensor {
    this.checkImages(x, 'reconstruct()');
    const o = checkOptions('VAE.reconstruct()', options, ['sample', 'batchSize']);
    const batchSize = optionalNumber('VAE.reconstruct()', 'batchSize', o.batchSize, POSITIVE_INTEGER);
    const sample = booleanOption('VAE.reconstruct()', 'sample', o.sample, false);
    return this.inBatches(x.shape[0]!, batchSize, (start, end) => {
      const images = x.slice(start, end);
      if (sample) return this.decode(this.sampling.apply(encode(this.encoder, images)));
      return this.decode(encode(this.encoder, images)[0]);
    });
  }

  /** n images decoded from codes drawn from the prior N(0, I) (their Bernoulli means). */
  sample(n: number, options: { seed?: number } = {}): Tensor {
    numberOption('VAE.sample()', 'n', n, POSITIVE_INTEGER);
    const o = checkOptions('VAE.sample()', options, ['seed']);
    const seed = optionalNumber('VAE.sample()', 'seed', o.seed, { integer: true });
    const rng = seed === undefined ? getRng() : new Rng(seed);
    return this.decodeCodes(randn([n, this.latentDim], { rng }));
  }

  /** The decoder's means for given codes z ([n, latent]): the latent manifold, interpolations. */
  decodeCodes(z: Tensor): Tensor {
    if (z.ndim !== 2 || z.shape[1] !== this.latentDim) {
      throw new ShapeError(
        `VAE.decodeCodes(): codes must be [n, ${this.latentDim}], got ${formatShape(z.shape)}`,
      );
    }
    checkValues(z, 'VAE.decodeCodes(): codes', 'finite numbers', Number.isFinite);
    return this.inBatches(z.shape[0]!, undefined, (start, end) => this.decode(z.slice(start, end)));
  }

  /** The encoder's means μ for images x: the codes to plot. */
  encodeMean(x: Tensor): Tensor {
    this.checkImages(x, 'encodeMean()');
    return this.inBatches(
      x.shape[0]!,
      undefined,
      (start, end) => encode(this.encoder, x.slice(start, end))[0],
    );
  }

  /** Save the graph (uncompiled) in model format 2: a folder or an IOHandler, as Model.save. */
  async save(target: string | IOHandler): Promise<void> {
    await new Model({ inputs: this.model.inputs, outputs: this.model.outputs, name: this.model.name }).save(
      target,
    );
  }

  /** A VAE saved by save() (or any Model of that graph), uncompiled: compile() it to train on. */
  static async load(source: string | IOHandler): Promise<VAE> {
    return VAE.fromModel(await loadModel<Model>(source));
  }

  /** The VAE of a Model shaped x → [decoder(Sampling(encoder(x))), GaussianKL(encoder(x))]. */
  static fromModel(model: Model): VAE {
    const [reconstruction, kl] = model.outputs;
    const decoderNode = reconstruction?.node;
    const samplingNode = decoderNode?.inputs[0]?.node;
    const encoderNode = samplingNode?.inputs[0]?.node;
    if (
      model.outputs.length !== 2 ||
      !(kl?.node.module instanceof GaussianKL) ||
      !(samplingNode?.module instanceof Sampling) ||
      !encoderNode
    ) {
      throw new ArgumentError(
        `VAE.fromModel(): model '${model.name}' is not a VAE graph (outputs [decoder(Sampling(encoder(x))), GaussianKL(encoder(x))])`,
      );
    }
    const parts: VAEParts = {
      model,
      encoder: encoderNode.module,
      decoder: decoderNode!.module,
      sampling: samplingNode.module,
    };
    return new VAE({ [PARTS]: parts } as unknown as VAEConfig);
  }

  private decode(z: Tensor): Tensor {
    const out = this.decoder.apply(z, { training: false });
    return Array.isArray(out) ? out[0]! : out;
  }

  /** fn over row ranges of at most batchSize (default 1000), in step scopes; the results concatenated. */
  private inBatches(n: number, batchSize = 1000, fn: (start: number, end: number) => Tensor): Tensor {
    const parts: Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) {
      parts.push(stepScope(() => noGrad(() => fn(start, Math.min(n, start + batchSize)))));
    }
    return parts.length === 1 ? parts[0]! : concat(parts, 0);
  }

  private targets(x: Tensor): Tensor[] {
    return [x, zeros([x.shape[0]!, 1])];
  }

  /** x is [n ≥ 1, …inputShape] and its values are pixel intensities: finite and in [0, 1]. */
  private checkImages(x: Tensor, method: string, what = 'x'): void {
    const want = this.inputShape;
    if (!(x instanceof Tensor)) {
      throw new ArgumentError(`VAE.${method}: ${what} must be a Tensor of images, got ${describeValue(x)}`);
    }
    if (x.ndim !== want.length + 1 || want.some((d, i) => d !== null && x.shape[i + 1] !== d)) {
      throw new ShapeError(
        `VAE.${method}: ${what} must be [n, ${want.join(', ')}], got ${formatShape(x.shape)}`,
      );
    }
    // The Bernoulli decoder's domain, as elbo()'s loss checks its targets: a NaN pixel would give
    // a NaN likelihood, a 3 a meaningless one.
    checkValues(x, `VAE.${method}: ${what}`, 'pixel values in [0, 1]', (v) => v >= 0 && v <= 1);
  }
}

const PARTS = Symbol('VAE parts');

const POSITIVE_INTEGER: NumberRule = { integer: true, min: 0, minExclusive: true };

/**
 * At least one row, and every value passing `ok`; else an ArgumentError naming `what`, the first
 * bad value and its place (row, and column or index within the row).
 */
function checkValues(t: Tensor, what: string, needs: string, ok: (v: number) => boolean): void {
  const rows = t.shape[0]!;
  if (rows < 1) throw new ArgumentError(`${what} must have at least one row, got ${formatShape(t.shape)}`);
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (ok(values[i]!)) continue;
    throw new ArgumentError(`${what} must hold ${needs}, but has ${values[i]} at ${position(i, t.shape)}`);
  }
}

/** "row 3, column 1" (2-D) or "row 3, index [4, 5]" for the flat index i of a tensor of `shape`. */
function position(i: number, shape: Shape): string {
  const index: number[] = [];
  let rest = i;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(rest % shape[axis]!);
    rest = Math.floor(rest / shape[axis]!);
  }
  const [row, ...within] = index;
  return within.length === 1 ? `row ${row}, column ${within[0]}` : `row ${row}, index [${within.join(', ')}]`;
}

/** −log p(x|z) on the reconstruction, the batch mean on kl: their sum is −ELBO per image. */
function vaeLosses() {
  return [bernoulliNegLogLikelihood(), meanOfOutput()];
}

/** Another Model over the same graph (same layers and weights), compiled with the VAE's losses. */
function compiledView(model: Model, optimizer: OptimizerLike): Model {
  const view = new Model({ inputs: model.inputs, outputs: model.outputs, name: model.name });
  view.compile({ optimizer, loss: vaeLosses() });
  return view;
}

/** x → encoder → [μ, logVar] → Sampling → decoder, and GaussianKL beside it, checked shape by shape. */
function buildGraph(config: VAEConfig): VAEParts {
  checkOptions('VAE', config, ['encoder', 'decoder', 'inputShape', 'seed', 'name'], {}, 'config');
  if (config === null || typeof config !== 'object' || !config.encoder || !config.decoder) {
    throw new ArgumentError('VAE: give { encoder, decoder } (modules: x → [mean, logVar], z → pixel means)');
  }
  const { encoder, decoder } = config;
  const shape = config.inputShape ?? (encoder.built ? (encoder.inputShape as Shape) : undefined);
  if (!shape || shape.some((d) => Array.isArray(d))) {
    throw new ArgumentError(
      `VAE: give inputShape (the encoder '${encoder.name}' has no single known input shape)`,
    );
  }
  const x = input({ shape: [...shape] as number[], name: 'image' });
  const codes = encoder.apply(x);
  if (!Array.isArray(codes) || codes.length !== 2) {
    throw new ArgumentError(`VAE: the encoder '${encoder.name}' must give two outputs [mean, logVar]`);
  }
  const [mean] = codes as SymbolicTensor[];
  if (mean!.shape.length !== 2 || mean!.shape[1] === null) {
    throw new ShapeError(
      `VAE: the encoder's mean must be [batch, latent], got ${formatSymbolicShape(mean!.shape)}`,
    );
  }
  const seed = optionalNumber('VAE', 'seed', config.seed, { integer: true });
  const sampling = new Sampling(seed === undefined ? {} : { seed });
  const z = sampling.apply(codes as SymbolicTensor[]);
  const kl = new GaussianKL({ name: 'kl' }).apply(codes as SymbolicTensor[]);
  const reconstruction = decoder.apply(z);
  if (Array.isArray(reconstruction) || reconstruction.shape.slice(1).join() !== shape.join()) {
    throw new ShapeError(
      `VAE: the decoder '${decoder.name}' must give one tensor shaped like the input [batch, ${shape.join(', ')}], ` +
        `got ${Array.isArray(reconstruction) ? `${reconstruction.length} tensors` : formatSymbolicShape(reconstruction.shape)}`,
    );
  }
  const model = new Model({ inputs: x, outputs: [reconstruction, kl], name: config.name ?? 'vae' });
  return { model, encoder, decoder, sampling };
}
