/**
 * A deep belief net (Hinton, Osindero & Teh 2006): RBMs stacked so that each one's hidden units are
 * the next one's visible units, pre-trained greedily from the bottom (each RBM on the hidden
 * probabilities of the one below), then either
 *   - unrolled into a feed-forward net of sigmoid Dense layers that starts from the RBMs' weights
 *     and hidden biases, plus a fresh output layer, and fine-tuned with backprop (toSequential), or
 *   - sampled as a generative model: Gibbs sampling in the top RBM, then one pass down (generate).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { checkOptions, enumOption, numberOption } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import type { ActivationName } from '../../nn/activations.js';
import { Dense } from '../../nn/dense.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { Sequential } from '../sequential.js';
import { RBM, type VisibleType } from './rbm.js';
import type { RBMFitOptions, RBMHistory } from './rbm-fit.js';

export interface DBNConfig {
  /** Unit counts from the input up: [784, 500, 500, 2000] is Hinton et al.'s MNIST net. */
  layers: number[];
  /** Visible units of the bottom RBM (the ones above are always binary). Default 'bernoulli'. */
  visibleType?: VisibleType;
  /** Seed of the bottom RBM; RBM i gets seed + i. Default 42. */
  seed?: number;
  weightInitStd?: number;
}

export interface ToSequentialOptions {
  outputUnits: number;
  /** Default 'softmax'. */
  outputActivation?: ActivationName;
}

export class DBN {
  readonly layers: readonly number[];
  /** The stacked RBMs, bottom first. */
  readonly rbms: readonly RBM[];

  constructor(config: DBNConfig) {
    const c = 'DBN';
    const o = checkOptions(c, config, ['layers', 'visibleType', 'seed', 'weightInitStd']);
    const layers = o.layers;
    if (!Array.isArray(layers) || layers.length < 2) {
      throw new ArgumentError(
        `${c}: layers must be an array of at least 2 unit counts, got ${JSON.stringify(layers)}`,
      );
    }
    for (const [i, u] of layers.entries()) numberOption(c, `layers[${i}]`, u, { min: 1, integer: true });
    const visibleType = enumOption(c, 'visibleType', o.visibleType, ['bernoulli', 'gaussian'], 'bernoulli');
    const seed = numberOption(c, 'seed', o.seed, { integer: true }, 42);
    this.layers = [...(layers as number[])];
    this.rbms = this.layers.slice(1).map(
      (hiddenUnits, i) =>
        new RBM({
          visibleUnits: this.layers[i]!,
          hiddenUnits,
          visibleType: i === 0 ? visibleType : 'bernoulli',
          seed: seed + i,
          ...(o.weightInitStd !== undefined && { weightInitStd: o.weightInitStd as number }),
        }),
    );
  }

  /**
   * Greedy layer-wise pre-training: RBM 0 on x, RBM i on the hidden probabilities RBM i−1 gives for
   * its input. `options` apply to every RBM, or give one object per RBM. One history per RBM.
   */
  pretrain(x: Tensor, options: RBMFitOptions | RBMFitOptions[] = {}): RBMHistory[] {
    if (Array.isArray(options) && options.length !== this.rbms.length) {
      throw new ArgumentError(
        `DBN.pretrain(): ${options.length} option objects for ${this.rbms.length} RBMs`,
      );
    }
    const histories: RBMHistory[] = [];
    let input = x;
    this.rbms.forEach((rbm, i) => {
      const opts = Array.isArray(options) ? options[i]! : options;
      histories.push(rbm.fit(input, opts));
      if (i < this.rbms.length - 1) input = rbm.transform(input);
    });
    return histories;
  }

  /** The top hidden layer's probabilities for x (features for a classifier on top). */
  transform(x: Tensor): Tensor {
    let h = x;
    for (const rbm of this.rbms) h = rbm.transform(h);
    return h;
  }

  /**
   * A Sequential of Dense sigmoid layers with the RBMs' kernels and hidden biases, then a fresh
   * Dense output layer (`outputUnits`, `outputActivation`): compile() and fit() it to fine-tune.
   */
  toSequential(options: ToSequentialOptions): Sequential {
    const c = 'DBN.toSequential()';
    const o = checkOptions(c, options, ['outputUnits', 'outputActivation']);
    const outputUnits = numberOption(c, 'outputUnits', o.outputUnits, { min: 1, integer: true });
    const hidden = this.rbms.map(
      (rbm, i) =>
        new Dense({
          units: rbm.hiddenUnits,
          activation: 'sigmoid',
          ...(i === 0 && { inputShape: [this.layers[0]!] }),
        }),
    );
    const output = new Dense({
      units: outputUnits,
      activation: (o.outputActivation as ActivationName) ?? 'softmax',
    });
    const model = new Sequential({ layers: [...hidden, output] });
    if (!model.built) model.build([this.layers[0]!]);
    const values = model.getWeights();
    this.rbms.forEach((rbm, i) => {
      values[2 * i] = rbm.kernel;
      values[2 * i + 1] = rbm.hiddenBias;
    });
    model.setWeights(values);
    return model;
  }

  /**
   * `n` samples [n, layers[0]]: the top RBM's Gibbs chain runs `gibbsSteps`, then each RBM below
   * maps its hidden states down to visible probabilities (means). The chains start from random
   * binary states, or — with `from` [n, layers[0]] — from those inputs carried up the stack
   * (p(h | v) layer by layer): a chain that starts near the data mixes into digits far sooner.
   */
  generate(n: number, options: { gibbsSteps?: number; from?: Tensor } = {}): Tensor {
    const c = 'DBN.generate()';
    numberOption(c, 'n', n, { min: 1, integer: true });
    const o = checkOptions(c, options, ['gibbsSteps', 'from']);
    const steps = numberOption(c, 'gibbsSteps', o.gibbsSteps, { min: 0, integer: true }, 200);
    const top = this.rbms[this.rbms.length - 1]!;
    let start: Tensor | undefined;
    if (o.from !== undefined) {
      if (
        !(o.from instanceof Tensor) ||
        o.from.ndim !== 2 ||
        o.from.shape[0] !== n ||
        o.from.shape[1] !== this.layers[0]
      ) {
        throw new ShapeError(
          `${c}: from must be a tensor [${n}, ${this.layers[0]}], got ${o.from instanceof Tensor ? formatShape(o.from.shape) : typeof o.from}`,
        );
      }
      start = o.from as Tensor;
      for (const rbm of this.rbms.slice(0, -1)) start = rbm.transform(start);
    }
    return noGrad(() => {
      if (start === undefined) {
        const noise = new Float32Array(n * top.visibleUnits);
        for (let i = 0; i < noise.length; i++) noise[i] = top.rng.uniform() < 0.5 ? 1 : 0;
        start = new Tensor(top.backend.fromValues(noise), [n, top.visibleUnits], top.backend);
      }
      let v = top.gibbs(start, steps);
      for (let i = this.rbms.length - 2; i >= 0; i--) {
        const rbm = this.rbms[i]!;
        v = rbm.visibleProbs(v);
        // Binary units below the bottom are sampled on the way down, the bottom's probabilities kept.
        if (i > 0) v = rbm.sampleVisibleFrom(v);
      }
      // The top RBM is the only one for a 2-layer DBN: show its visible probabilities, not a sample.
      return this.rbms.length === 1 ? top.visibleProbs(top.sampleHidden(v)) : v;
    });
  }
}
