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
  /** Mean over the epoch's batches of RBM.reconstructionError on each batch (before its update). */
  reconstructionError: number;
  /** Mean stochastic pseudo-log-likelihood of the training data (Bernoulli visible units only). */
  pseudoLikelihood?: number;
  /** Mean free energy of the validation data minus that of the training data (overfitting shows as growth). */
  freeEnergyGap?: number;
}

export type RBMHistory = RBMEpochLogs[];

export interface RBMFitOptions {
  /** Default 10. */
  epochs?: number;
  /** Default 10 (scikit-learn's BernoulliRBM). */
  batchSize?: number;
  /** Default 0.1 (scikit-learn's BernoulliRBM); Gaussian visible units want ~0.001–0.01. */
  learningRate?: number;
  /** Gibbs steps per update (CD-k). Default 1. */
  k?: number;
  /** Persistent CD: one chain per batch row, carried from batch to batch. Default false. */
  persistent?: boolean;
  /** Velocity decay in [0, 1). Default 0. */
  momentum?: number;
  /** L2 penalty on the weights (not the biases). Default 0. */
  weightDecay?: number;
  /** Shuffle the rows every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of a generator for this fit (sampling and shuffling). Default: the RBM's own generator. */
  seed?: number;
  /** Held-out data for the free-energy gap. */
  validation?: Tensor;
  /** Called after each epoch (0-based) with its logs. */
  onEpoch?: (epoch: number, logs: RBMEpochLogs) => void;
}

const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'learningRate',
  'k',
  'persistent',
  'momentum',
  'weightDecay',
  'shuffle',
  'seed',
  'validation',
  'onEpoch',
] as const;

const POSITIVE_INT = { min: 0, minExclusive: true, integer: true };

interface Resolved {
  epochs: number;
  batchSize: number;
  learningRate: number;
  k: number;
  persistent: boolean;
  momentum: number;
  weightDecay: number;
  shuffle: boolean;
  rng: Rng;
  validation?: Tensor;
  onEpoch?: (epoch: number, logs: RBMEpochLogs) => void;
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
  }
  return {
    epochs: numberOption(component, 'epochs', o.epochs, POSITIVE_INT, 10),
    batchSize: numberOption(component, 'batchSize', o.batchSize, POSITIVE_INT, 10),
    learningRate: numberOption(
      component,
      'learningRate',
      o.learningRate,
      { min: 0, minExclusive: true },
      0.1,
    ),
    k: numberOption(component, 'k', o.k, POSITIVE_INT, 1),
    persistent: booleanOption(component, 'persistent', o.persistent, false),
    momentum: numberOption(component, 'momentum', o.momentum, { min: 0, max: 1, maxExclusive: true }, 0),
    weightDecay: numberOption(component, 'weightDecay', o.weightDecay, { min: 0 }, 0),
    shuffle: booleanOption(component, 'shuffle', o.shuffle, true),
    rng: seed === undefined ? rbm.rng : new Rng(seed),
    ...(validation && { validation }),
    ...(o.onEpoch !== undefined && { onEpoch: o.onEpoch as Resolved['onEpoch'] }),
  };
}

/** What one update needs besides the batch: rates, generator, and the state kept across batches. */
export interface CDState {
  learningRate: number;
  k: number;
  momentum: number;
  weightDecay: number;
  rng: Rng;
  /** Velocities of [kernel, visibleBias, hiddenBias] (momentum > 0). */
  velocities?: Tensor[];
  /** Persistent chains' hidden states [chains, hidden] (PCD), updated in place. */
  chains?: Tensor;
}

/** The states one update used, for inspection (tests) and monitoring. */
export interface CDStats {
  /** p(h | v) on the batch: the data term's hidden side. */
  hiddenProbsData: Tensor;
  /** The visible end of the negative chain (sampled). */
  visibleModel: Tensor;
  /** p(h | visibleModel): the model term's hidden side. */
  hiddenProbsModel: Tensor;
}

/**
 * One contrastive-divergence update of `rbm` from the batch `v` [n, visible], in place:
 * grad = (vᵀ p(h|v) − ṽᵀ p(h|ṽ)) / n − weightDecay·W; velocity ← μ·velocity + lr·grad; W += velocity.
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
    for (let step = 0; step < state.k; step++) {
      visibleModel = rbm.sampleVisible(hidden, state.rng);
      hiddenProbsModel = rbm.hiddenProbs(visibleModel);
      hidden = bernoulli(hiddenProbsModel, state.rng);
    }
    if (chainRows) {
      const kept = n === chainRows.shape[0] ? hidden : concat([hidden, chainRows.sliceAxis(0, n)], 0);
      rbm.backend.copy(kept.storage, chainRows.storage);
    }
    const gradKernel = v.T.matmul(hiddenProbsData).sub(visibleModel.T.matmul(hiddenProbsModel)).div(n);
    const grads = [
      state.weightDecay > 0 ? gradKernel.sub(rbm.kernel.mul(state.weightDecay)) : gradKernel,
      v.sub(visibleModel).mean(0),
      hiddenProbsData.sub(hiddenProbsModel).mean(0),
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
    return { hiddenProbsData, visibleModel, hiddenProbsModel };
  });
}

/** RBM.fit(): epochs of shuffled batches, each one CD update in a step scope; logs per epoch. */
export function fitRBM(rbm: RBM, x: Tensor, options: RBMFitOptions): RBMHistory {
  const o = resolveFitOptions(rbm, options);
  const rows = x.shape[0]!;
  if (rows === 0) throw new ArgumentError('RBM.fit(): no training samples');
  const batchSize = Math.min(o.batchSize, rows);
  const state: CDState = {
    learningRate: o.learningRate,
    k: o.k,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    rng: o.rng,
  };
  if (o.momentum > 0) {
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
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = o.shuffle ? o.rng.permutation(rows) : Int32Array.from({ length: rows }, (_, i) => i);
    let errorSum = 0;
    for (let start = 0; start < rows; start += batchSize) {
      const end = Math.min(rows, start + batchSize);
      errorSum +=
        (end - start) *
        inStep(rbm.backend, () => {
          const batch = x.gather(order.subarray(start, end), 0);
          const error = rbm.reconstructionError(batch);
          contrastiveDivergence(rbm, batch, state);
          return error;
        });
    }
    const logs: RBMEpochLogs = { reconstructionError: errorSum / rows };
    if (rbm.visibleType === 'bernoulli') {
      logs.pseudoLikelihood = meanOverRows(rbm, x, batchSize, (b) => rbm.pseudoLikelihood(b, o.rng));
    }
    if (o.validation) {
      const freeEnergy = (b: Tensor) => rbm.freeEnergy(b);
      logs.freeEnergyGap =
        meanOverRows(rbm, o.validation, batchSize, freeEnergy) - meanOverRows(rbm, x, batchSize, freeEnergy);
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
