/**
 * Training an RBM by contrastive divergence (Hinton 2002) or persistent CD (Tieleman 2008):
 *
 *   ΔW ∝ ⟨v hᵀ⟩data − ⟨v hᵀ⟩model,   Δb ∝ ⟨v⟩data − ⟨v⟩model,   Δc ∝ ⟨h⟩data − ⟨h⟩model
 *
 * with the data term from p(h | v) on the batch and the model term from k Gibbs steps started at
 * the batch's hidden samples (CD-k) or at chains kept from the previous batch (PCD). Hidden
 * probabilities stand in for hidden states in both terms (less noise, same expectation), as in
 * Hinton's practical guide. Each batch runs in the backend's step scope, so memory stays flat; the
 * weights, velocities and persistent chains are allocated outside it and updated in place.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { booleanOption, checkOptions, numberOption } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { concat } from '../../ops/layout.js';
import { Rng } from '../../random/rng.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { inStep } from '../engine/step-scope.js';
import { bernoulli, type RBM } from './rbm.js';

export interface RBMEpochLogs {
  /**
   * Mean over the epoch's batches of the squared difference between each batch (before its
   * update) and its reconstruction: with CD-k the first Gibbs step's visible probabilities, as in
   * Hinton's code; with PCD (whose chains do not start at the batch) the mean-field
   * RBM.reconstructionError.
   */
  reconstructionError: number;
  /** Mean stochastic pseudo-log-likelihood of the monitored training rows (Bernoulli visible units only). */
  pseudoLikelihood?: number;
  /** Mean free energy of the monitored validation rows minus that of the monitored training rows (overfitting shows as growth). */
  freeEnergyGap?: number;
  /** The learning rate and momentum this epoch used (they may follow a schedule). */
  learningRate: number;
  momentum: number;
  /** Mean hidden activation p(h | v) over the epoch's batches (what sparsityTarget steers). */
  hiddenActivation: number;
}

/** A value per epoch (0-based): a constant, or a function of the epoch such as a decay. */
export type EpochValue = number | ((epoch: number) => number);

export type RBMHistory = RBMEpochLogs[];

export interface RBMFitOptions {
  /** Default 10. */
  epochs?: number;
  /** Default 10 (scikit-learn's BernoulliRBM). */
  batchSize?: number;
  /**
   * Default 0.1 (scikit-learn's BernoulliRBM); Gaussian visible units want ~0.001–0.01. A function
   * of the epoch gives a schedule, e.g. `(e) => 0.1 / (1 + e / 5)`.
   */
  learningRate?: EpochValue;
  /** Gibbs steps per update (CD-k). Default 1. */
  k?: number;
  /** Persistent CD: one chain per batch row, carried from batch to batch. Default false. */
  persistent?: boolean;
  /**
   * Sample the negative phase's visible states (true, default, as scikit-learn) or keep their
   * probabilities / means (false, as Hinton's 2006 code: less noise in the update). Hidden states
   * driving the chain are always sampled.
   */
  sampleVisible?: boolean;
  /**
   * Velocity decay in [0, 1). Default 0. A function of the epoch gives a schedule: Hinton's guide
   * starts at 0.5 and switches to 0.9 after a few epochs, `(e) => (e < 5 ? 0.5 : 0.9)`.
   */
  momentum?: EpochValue;
  /** L2 penalty on the weights (not the biases). Default 0. */
  weightDecay?: number;
  /** Shuffle the rows every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of a generator for this fit (sampling and shuffling). Default: the RBM's own generator. */
  seed?: number;
  /** Held-out data for the free-energy gap. */
  validation?: Tensor;
  /**
   * Rows the per-epoch pseudo-likelihood and free-energy gap are computed on (the first ones of
   * the training and validation data). Default 10,000: enough for smooth curves, a few percent of
   * an epoch's work.
   */
  monitorSamples?: number;
  /**
   * Sparsity (Lee et al. 2008; Hinton's guide §11): the mean activation each hidden unit should
   * have, e.g. 0.05. Each update adds sparsityCost · (target − q) to the hidden biases, q being a
   * running (decay 0.9) mean of the unit's p(h | v) over batches. Off unless given.
   */
  sparsityTarget?: number;
  /** Weight of the sparsity term. Default 0.1 when sparsityTarget is given. */
  sparsityCost?: number;
  /** Called after each epoch (0-based) with its logs. */
  onEpoch?: (epoch: number, logs: RBMEpochLogs) => void;
}

const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'learningRate',
  'k',
  'persistent',
  'sampleVisible',
  'momentum',
  'weightDecay',
  'shuffle',
  'seed',
  'validation',
  'monitorSamples',
  'sparsityTarget',
  'sparsityCost',
  'onEpoch',
] as const;

const POSITIVE_INT = { min: 0, minExclusive: true, integer: true };

interface Resolved {
  epochs: number;
  batchSize: number;
  learningRate: (epoch: number) => number;
  k: number;
  persistent: boolean;
  sampleVisible: boolean;
  momentum: (epoch: number) => number;
  weightDecay: number;
  shuffle: boolean;
  rng: Rng;
  validation?: Tensor;
  monitorSamples: number;
  sparsityTarget?: number;
  sparsityCost: number;
  onEpoch?: (epoch: number, logs: RBMEpochLogs) => void;
}

/**
 * A constant or per-epoch option as a function of the epoch; a function's value is checked when
 * it is used (an ArgumentError naming the option and the epoch).
 */
function epochOption(
  component: string,
  name: string,
  value: unknown,
  rule: Parameters<typeof numberOption>[3],
  fallback: number,
): (epoch: number) => number {
  if (typeof value === 'function') {
    return (epoch) =>
      numberOption(component, `${name}(${epoch})`, (value as (e: number) => unknown)(epoch), rule);
  }
  const constant = numberOption(component, name, value, rule, fallback);
  return () => constant;
}

/** The fit options checked, with defaults (an ArgumentError naming the option otherwise). */
export function resolveFitOptions(rbm: RBM, options: RBMFitOptions, component = 'RBM.fit()'): Resolved {
  const o = checkOptions(component, options, FIT_OPTIONS);
  const seed = o.seed === undefined ? undefined : numberOption(component, 'seed', o.seed, { integer: true });
  if (o.onEpoch !== undefined && typeof o.onEpoch !== 'function') {
    throw new ArgumentError(`${component}: onEpoch must be a function, got ${typeof o.onEpoch}`);
  }
  let validation: Tensor | undefined;
  if (o.validation !== undefined) {
    if (!(o.validation instanceof Tensor)) {
      throw new ArgumentError(`${component}: validation must be a tensor [samples, ${rbm.visibleUnits}]`);
    }
    validation = rbm.checkVisible(o.validation, 'fit');
    rbm.checkValues(validation, 'fit', 'validation');
  }
  if (o.sparsityCost !== undefined && o.sparsityTarget === undefined) {
    throw new ArgumentError(
      `${component}: sparsityCost needs sparsityTarget (the mean activation to pull towards)`,
    );
  }
  return {
    epochs: numberOption(component, 'epochs', o.epochs, POSITIVE_INT, 10),
    batchSize: numberOption(component, 'batchSize', o.batchSize, POSITIVE_INT, 10),
    learningRate: epochOption(component, 'learningRate', o.learningRate, { min: 0, minExclusive: true }, 0.1),
    k: numberOption(component, 'k', o.k, POSITIVE_INT, 1),
    persistent: booleanOption(component, 'persistent', o.persistent, false),
    sampleVisible: booleanOption(component, 'sampleVisible', o.sampleVisible, true),
    momentum: epochOption(component, 'momentum', o.momentum, { min: 0, max: 1, maxExclusive: true }, 0),
    weightDecay: numberOption(component, 'weightDecay', o.weightDecay, { min: 0 }, 0),
    shuffle: booleanOption(component, 'shuffle', o.shuffle, true),
    rng: seed === undefined ? rbm.rng : new Rng(seed),
    ...(validation && { validation }),
    monitorSamples: numberOption(component, 'monitorSamples', o.monitorSamples, POSITIVE_INT, 10000),
    ...(o.sparsityTarget !== undefined && {
      sparsityTarget: numberOption(component, 'sparsityTarget', o.sparsityTarget, {
        min: 0,
        max: 1,
        minExclusive: true,
        maxExclusive: true,
      }),
    }),
    sparsityCost: numberOption(component, 'sparsityCost', o.sparsityCost, { min: 0 }, 0.1),
    ...(o.onEpoch !== undefined && { onEpoch: o.onEpoch as Resolved['onEpoch'] }),
  };
}

/** What one update needs besides the batch: rates, generator, and the state kept across batches. */
export interface CDState {
  learningRate: number;
  k: number;
  /** false: the negative phase keeps visible probabilities instead of samples. Default true. */
  sampleVisible?: boolean;
  momentum: number;
  weightDecay: number;
  rng: Rng;
  /** Velocities of [kernel, visibleBias, hiddenBias] (momentum > 0). */
  velocities?: Tensor[];
  /** Persistent chains' hidden states [chains, hidden] (PCD), updated in place. */
  chains?: Tensor;
  /** Sparsity: the target mean activation, its cost, and the running mean q [hidden] (updated in place). */
  sparsityTarget?: number;
  sparsityCost?: number;
  hiddenMean?: Tensor;
}

/** The states one update used, for inspection (tests) and monitoring. */
export interface CDStats {
  /** p(h | v) on the batch: the data term's hidden side. */
  hiddenProbsData: Tensor;
  /** The visible end of the negative chain (sampled). */
  visibleModel: Tensor;
  /** p(h | visibleModel): the model term's hidden side. */
  hiddenProbsModel: Tensor;
  /**
   * Mean squared difference between v and its reconstruction before the update: the first Gibbs
   * step's visible probabilities (CD-k), or visibleProbs(hiddenProbsData) (PCD).
   */
  reconstructionError: Tensor;
}

/**
 * One contrastive-divergence update of `rbm` from the batch `v` [n, visible], in place:
 * grad = (vᵀ p(h|v) − ṽᵀ p(h|ṽ)) / n − weightDecay·W; velocity ← μ·velocity + lr·grad; W += velocity.
 * With a sparsity target p the hidden biases' gradient gains sparsityCost · (p − q).
 */
export function contrastiveDivergence(rbm: RBM, v: Tensor, state: CDState): CDStats {
  return noGrad(() => {
    const n = v.shape[0]!;
    const hiddenProbsData = rbm.hiddenProbs(v);
    const chainRows = state.chains;
    if (chainRows && chainRows.shape[0]! < n) {
      throw new ShapeError(`RBM: ${chainRows.shape[0]} persistent chains for a batch of ${n}`);
    }
    let hidden =
      chainRows === undefined
        ? bernoulli(hiddenProbsData, state.rng)
        : n === chainRows.shape[0]
          ? chainRows
          : chainRows.sliceAxis(0, 0, n);
    let visibleModel = v;
    let hiddenProbsModel = hiddenProbsData;
    let reconstruction: Tensor | undefined;
    for (let step = 0; step < state.k; step++) {
      const probs = rbm.visibleProbs(hidden);
      // A CD chain's first step starts at the batch: its visible probabilities are the reconstruction.
      if (step === 0 && chainRows === undefined) reconstruction = probs;
      visibleModel = state.sampleVisible === false ? probs : rbm.sampleVisibleFrom(probs, state.rng);
      hiddenProbsModel = rbm.hiddenProbs(visibleModel);
      hidden = bernoulli(hiddenProbsModel, state.rng);
    }
    if (chainRows) {
      const kept = n === chainRows.shape[0] ? hidden : concat([hidden, chainRows.sliceAxis(0, n)], 0);
      rbm.backend.copy(kept.storage, chainRows.storage);
    }
    // Measured before the weights move; PCD pays one matmul for it.
    const reconstructionError = (reconstruction ?? rbm.visibleProbs(hiddenProbsData)).sub(v).square().mean();
    const gradKernel = v.T.matmul(hiddenProbsData).sub(visibleModel.T.matmul(hiddenProbsModel)).div(n);
    let gradHiddenBias = hiddenProbsData.sub(hiddenProbsModel).mean(0);
    if (state.sparsityTarget !== undefined && state.hiddenMean) {
      const q = state.hiddenMean.mul(0.9).add(hiddenProbsData.mean(0).mul(0.1));
      rbm.backend.copy(q.storage, state.hiddenMean.storage);
      gradHiddenBias = gradHiddenBias.add(
        q
          .neg()
          .add(state.sparsityTarget)
          .mul(state.sparsityCost ?? 0.1),
      );
    }
    const grads = [
      state.weightDecay > 0 ? gradKernel.sub(rbm.kernel.mul(state.weightDecay)) : gradKernel,
      v.sub(visibleModel).mean(0),
      gradHiddenBias,
    ];
    const params = [rbm.kernel, rbm.visibleBias, rbm.hiddenBias];
    params.forEach((p, i) => {
      let step = grads[i]!.mul(state.learningRate);
      const velocity = state.velocities?.[i];
      if (velocity) {
        step = velocity.mul(state.momentum).add(step);
        rbm.backend.copy(step.storage, velocity.storage);
      }
      rbm.backend.copy(p.add(step).storage, p.storage);
    });
    return { hiddenProbsData, visibleModel, hiddenProbsModel, reconstructionError };
  });
}

/** RBM.fit(): epochs of shuffled batches, each one CD update in a step scope; logs per epoch. */
export function fitRBM(rbm: RBM, x: Tensor, options: RBMFitOptions): RBMHistory {
  const o = resolveFitOptions(rbm, options);
  const rows = x.shape[0]!;
  if (rows === 0) throw new ArgumentError('RBM.fit(): no training samples');
  const batchSize = Math.min(o.batchSize, rows);
  const state: CDState = {
    learningRate: o.learningRate(0),
    k: o.k,
    sampleVisible: o.sampleVisible,
    momentum: o.momentum(0),
    weightDecay: o.weightDecay,
    rng: o.rng,
  };
  if (o.sparsityTarget !== undefined) {
    state.sparsityTarget = o.sparsityTarget;
    state.sparsityCost = o.sparsityCost;
    // q starts at the target, so the first batches are not pushed by an arbitrary start.
    state.hiddenMean = rbm.persistentTensor(new Float32Array(rbm.hiddenUnits).fill(o.sparsityTarget), [
      rbm.hiddenUnits,
    ]);
  }
  // Velocities exist whenever momentum may be used (a schedule may start at 0).
  if (typeof options.momentum === 'function' || state.momentum > 0) {
    state.velocities = [rbm.kernel, rbm.visibleBias, rbm.hiddenBias].map((p) =>
      rbm.persistentTensor(new Float32Array(p.size), [...p.shape]),
    );
  }
  // scikit-learn starts its chains at all-zero hidden states.
  if (o.persistent)
    state.chains = rbm.persistentTensor(new Float32Array(batchSize * rbm.hiddenUnits), [
      batchSize,
      rbm.hiddenUnits,
    ]);
  const history: RBMHistory = [];
  const monitored = rows <= o.monitorSamples ? x : x.sliceAxis(0, 0, o.monitorSamples);
  const heldOut =
    o.validation && o.validation.shape[0]! > o.monitorSamples
      ? o.validation.sliceAxis(0, 0, o.monitorSamples)
      : o.validation;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    state.learningRate = o.learningRate(epoch);
    state.momentum = o.momentum(epoch);
    const order = o.shuffle ? o.rng.permutation(rows) : Int32Array.from({ length: rows }, (_, i) => i);
    let errorSum = 0;
    let activationSum = 0;
    for (let start = 0; start < rows; start += batchSize) {
      const end = Math.min(rows, start + batchSize);
      const [error, activation] = inStep(rbm.backend, () => {
        const batch = x.gather(order.subarray(start, end), 0);
        const stats = contrastiveDivergence(rbm, batch, state);
        return [stats.reconstructionError.item(), stats.hiddenProbsData.mean().item()];
      });
      errorSum += (end - start) * error!;
      activationSum += (end - start) * activation!;
    }
    const logs: RBMEpochLogs = {
      reconstructionError: errorSum / rows,
      learningRate: state.learningRate,
      momentum: state.momentum,
      hiddenActivation: activationSum / rows,
    };
    if (rbm.visibleType === 'bernoulli') {
      logs.pseudoLikelihood = meanOverRows(rbm, monitored, batchSize, (b) => rbm.pseudoLikelihood(b, o.rng));
    }
    if (heldOut) {
      const freeEnergy = (b: Tensor) => rbm.freeEnergy(b);
      logs.freeEnergyGap =
        meanOverRows(rbm, heldOut, batchSize, freeEnergy) -
        meanOverRows(rbm, monitored, batchSize, freeEnergy);
    }
    history.push(logs);
    o.onEpoch?.(epoch, logs);
  }
  return history;
}

/** Mean over all rows of a per-row statistic, computed in chunks of at least 256 rows, each in a step. */
export function meanOverRows(rbm: RBM, x: Tensor, chunk: number, perRow: (batch: Tensor) => Tensor): number {
  const rows = x.shape[0]!;
  if (rows === 0) throw new ShapeError(`RBM: no rows in ${formatShape(x.shape)}`);
  const size = Math.max(chunk, 256);
  let sum = 0;
  for (let start = 0; start < rows; start += size) {
    const end = Math.min(rows, start + size);
    sum += inStep(rbm.backend, () =>
      noGrad(() =>
        perRow(x.sliceAxis(0, start, end))
          .sum()
          .item(),
      ),
    );
  }
  return sum / rows;
}
