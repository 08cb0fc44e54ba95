/**
 * A restricted Boltzmann machine: visible units v and hidden units h joined by W [visible, hidden],
 * with a visible bias b and a hidden bias c, and no links inside a layer — so each layer given the
 * other is a product of independent units and Gibbs sampling alternates two matmuls.
 *
 *   Bernoulli visible:  E(v, h) = −b·v − c·h − vᵀWh,    p(v=1 | h) = σ(b + Wh)
 *   Gaussian visible:   E(v, h) = ½‖v − b‖² − c·h − vᵀWh,  v | h ~ N(b + Wh, 1)
 *   hidden (both):      p(h=1 | v) = σ(c + vW)
 *
 * Everything here is plain tensor ops without a gradient graph (the learning rule is contrastive
 * divergence, not backprop; see rbm-fit.ts). Inputs are [batch, visibleUnits].
 */
import { noGrad } from '../../autograd/grad-mode.js';
import type { Backend } from '../../backend/backend.js';
import { getBackend } from '../../backend/registry.js';
import { checkOptions, enumOption, numberOption } from '../../config/options.js';
import { ArgumentError, ModelFormatError, ShapeError } from '../../errors.js';
import { Rng } from '../../random/rng.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { inStep, stepScope } from '../engine/step-scope.js';
import { fitRBM, type RBMFitOptions, type RBMHistory } from './rbm-fit.js';

export type VisibleType = 'bernoulli' | 'gaussian';

export interface RBMConfig {
  visibleUnits: number;
  hiddenUnits: number;
  /** 'bernoulli' (binary or [0, 1] data, default) or 'gaussian' (real-valued, standardised data). */
  visibleType?: VisibleType;
  /** Seed of the RBM's own generator (initial weights, sampling, shuffling). Default 42. */
  seed?: number;
  /** Standard deviation of the initial weights (Hinton's practical guide: 0.01). */
  weightInitStd?: number;
}

/** What toJSON() gives and fromJSON() takes: the config and the three weights as plain arrays. */
export interface RBMJson {
  className: 'RBM';
  config: { visibleUnits: number; hiddenUnits: number; visibleType: VisibleType };
  weights: { kernel: number[]; visibleBias: number[]; hiddenBias: number[] };
}

const RBM_OPTIONS = ['visibleUnits', 'hiddenUnits', 'visibleType', 'seed', 'weightInitStd'] as const;
const UNITS = { min: 0, minExclusive: true, integer: true };

export class RBM {
  readonly visibleUnits: number;
  readonly hiddenUnits: number;
  readonly visibleType: VisibleType;
  /** The generator every sampling method uses unless handed another. */
  readonly rng: Rng;
  /** The backend the weights live on (the active one when the RBM was made). */
  readonly backend: Backend;
  /** W, [visibleUnits, hiddenUnits]. Updated in place by fit(). */
  readonly kernel: Tensor;
  /** b, [visibleUnits]. */
  readonly visibleBias: Tensor;
  /** c, [hiddenUnits]. */
  readonly hiddenBias: Tensor;

  constructor(config: RBMConfig) {
    const c = 'RBM';
    const o = checkOptions(c, config, RBM_OPTIONS);
    this.visibleUnits = numberOption(c, 'visibleUnits', o.visibleUnits, UNITS);
    this.hiddenUnits = numberOption(c, 'hiddenUnits', o.hiddenUnits, UNITS);
    this.visibleType = enumOption(c, 'visibleType', o.visibleType, ['bernoulli', 'gaussian'], 'bernoulli');
    const seed = numberOption(c, 'seed', o.seed, { integer: true }, 42);
    const std = numberOption(c, 'weightInitStd', o.weightInitStd, { min: 0 }, 0.01);
    this.rng = new Rng(seed);
    this.backend = getBackend();
    const w = new Float32Array(this.visibleUnits * this.hiddenUnits);
    for (let i = 0; i < w.length; i++) w[i] = std * this.rng.normal();
    // Weights outlive any step scope the caller may be in: allocate them as persistent memory.
    this.kernel = this.persistentTensor(w, [this.visibleUnits, this.hiddenUnits]);
    this.visibleBias = this.persistentTensor(new Float32Array(this.visibleUnits), [this.visibleUnits]);
    this.hiddenBias = this.persistentTensor(new Float32Array(this.hiddenUnits), [this.hiddenUnits]);
  }

  /** A tensor on this RBM's backend that no step scope reclaims. */
  persistentTensor(values: Float32Array, shape: number[]): Tensor {
    const make = () => new Tensor(this.backend.fromValues(values), shape, this.backend);
    return this.backend.persistent ? this.backend.persistent(make) : make();
  }

  // ---- conditionals and sampling ----------------------------------------------------------------

  /** p(h = 1 | v) = σ(c + vW), [batch, hidden]. */
  hiddenProbs(v: Tensor): Tensor {
    return noGrad(() => this.hiddenInput(this.checkVisible(v, 'hiddenProbs')).sigmoid());
  }

  /** Bernoulli: p(v = 1 | h) = σ(b + Whᵀ); Gaussian: the mean b + Whᵀ (unit variance). */
  visibleProbs(h: Tensor): Tensor {
    return noGrad(() => {
      const hidden = this.checkBatch(h, this.hiddenUnits, 'visibleProbs', 'hidden');
      const mean = hidden.matmul(this.kernel.T).add(this.visibleBias);
      return this.visibleType === 'bernoulli' ? mean.sigmoid() : mean;
    });
  }

  /**
   * p(h = 1 | v) for a whole data set [rows, visible] → [rows, hidden]: the RBM's features, computed
   * in chunks of 512 rows (each in a step scope, so memory stays flat) into one tensor that
   * outlives any scope.
   */
  transform(x: Tensor): Tensor {
    const visible = this.checkVisible(x, 'transform');
    const rows = visible.shape[0]!;
    const out = new Float32Array(rows * this.hiddenUnits);
    const chunk = 512;
    for (let start = 0; start < rows; start += chunk) {
      const end = Math.min(rows, start + chunk);
      const values = inStep(this.backend, () =>
        this.hiddenProbs(visible.sliceAxis(0, start, end))
          .dataSync()
          .slice(),
      );
      out.set(values, start * this.hiddenUnits);
    }
    return this.persistentTensor(out, [rows, this.hiddenUnits]);
  }

  /** Binary hidden states drawn from p(h | v). */
  sampleHidden(v: Tensor, rng: Rng = this.rng): Tensor {
    return noGrad(() => bernoulli(this.hiddenProbs(v), rng));
  }

  /** Visible states drawn from p(v | h): binary (Bernoulli) or mean + N(0, 1) noise (Gaussian). */
  sampleVisible(h: Tensor, rng: Rng = this.rng): Tensor {
    return noGrad(() => this.sampleVisibleFrom(this.visibleProbs(h), rng));
  }

  /** Visible states drawn given their probabilities (Bernoulli) or means (Gaussian). */
  sampleVisibleFrom(probs: Tensor, rng: Rng = this.rng): Tensor {
    return this.visibleType === 'bernoulli' ? bernoulli(probs, rng) : probs.add(normalLike(probs, rng));
  }

  /** `steps` rounds of block Gibbs sampling v → h → v from `v`; the last visible sample. */
  gibbs(v: Tensor, steps = 1, rng: Rng = this.rng): Tensor {
    numberOption('RBM.gibbs()', 'steps', steps, { min: 0, integer: true });
    return noGrad(() => {
      let visible = this.checkVisible(v, 'gibbs');
      // Each step in its own scope (only its result is kept): a long chain runs in flat memory.
      for (let s = 0; s < steps; s++) {
        const current = visible;
        visible = stepScope(() => this.sampleVisible(this.sampleHidden(current, rng), rng), this.backend);
      }
      return visible;
    });
  }

  // ---- monitoring -------------------------------------------------------------------------------

  /**
   * F(v) = −log Σ_h e^−E(v,h), one value per sample ([batch]):
   * Bernoulli −b·v − Σ softplus(c + vW); Gaussian ½‖v − b‖² − Σ softplus(c + vW).
   */
  freeEnergy(v: Tensor): Tensor {
    return noGrad(() => {
      const visible = this.checkVisible(v, 'freeEnergy');
      const hiddenTerm = this.hiddenInput(visible).softplus().sum(1);
      const visibleTerm =
        this.visibleType === 'bernoulli'
          ? visible.matmul(this.visibleBias.reshape(this.visibleUnits, 1)).reshape(-1).neg()
          : visible.sub(this.visibleBias).square().sum(1).mul(0.5);
      return visibleTerm.sub(hiddenTerm);
    });
  }

  /** Mean squared difference between v and its mean-field reconstruction visibleProbs(hiddenProbs(v)). */
  reconstructionError(v: Tensor): number {
    return noGrad(() => {
      const visible = this.checkVisible(v, 'reconstructionError');
      return this.visibleProbs(this.hiddenProbs(visible)).sub(visible).square().mean().item();
    });
  }

  /**
   * Stochastic pseudo-log-likelihood per sample ([batch]), as scikit-learn's
   * BernoulliRBM.score_samples: one randomly chosen unit i of each sample is flipped (v → ṽ) and
   * visibleUnits · log σ(F(ṽ) − F(v)) estimates Σ_i log p(v_i | v_−i). Binary data only.
   */
  pseudoLikelihood(v: Tensor, rng: Rng = this.rng): Tensor {
    if (this.visibleType !== 'bernoulli') {
      throw new ArgumentError('RBM.pseudoLikelihood(): defined for binary (bernoulli) visible units only');
    }
    return noGrad(() => {
      const visible = this.checkVisible(v, 'pseudoLikelihood');
      const [rows] = visible.shape as [number, number];
      const flip = new Float32Array(rows * this.visibleUnits);
      for (let r = 0; r < rows; r++) flip[r * this.visibleUnits + rng.int(this.visibleUnits)] = 1;
      const mask = new Tensor(this.backend.fromValues(flip), visible.shape, this.backend);
      // v + mask·(1 − 2v) flips the chosen units (0 ↔ 1) and leaves the others.
      const flipped = visible.add(mask.mul(visible.mul(-2).add(1)));
      // log σ(x) = −softplus(−x), with x = F(ṽ) − F(v).
      const logSigma = this.freeEnergy(visible).sub(this.freeEnergy(flipped)).softplus().neg();
      return logSigma.mul(this.visibleUnits);
    });
  }

  // ---- training ---------------------------------------------------------------------------------

  /** Train by CD-k or persistent CD (see RBMFitOptions); one history entry per epoch. */
  fit(x: Tensor, options: RBMFitOptions = {}): RBMHistory {
    const v = this.checkVisible(x, 'fit');
    this.checkValues(v, 'fit', 'x');
    return fitRBM(this, v, options);
  }

  /**
   * Training data must be finite, and within [0, 1] for Bernoulli units (probabilities or binary
   * values): one NaN would turn every weight to NaN for good, and values outside [0, 1] give
   * an energy the model cannot represent — so name the first bad value rather than train on it.
   */
  checkValues(v: Tensor, method: string, what: string): void {
    const values = v.dataSync();
    const bernoulli = this.visibleType === 'bernoulli';
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (Number.isFinite(value) && (!bernoulli || (value >= 0 && value <= 1))) continue;
      const row = Math.floor(i / this.visibleUnits);
      const column = i % this.visibleUnits;
      throw new ArgumentError(
        `RBM.${method}(): ${what} has ${value} at row ${row}, column ${column}; ${bernoulli ? "Bernoulli visible units take values in [0, 1] (scale the data, or use visibleType: 'gaussian' for real values)" : 'values must be finite'}`,
      );
    }
  }

  // ---- weights ----------------------------------------------------------------------------------

  /** Copies of [kernel, visibleBias, hiddenBias]. */
  getWeights(): Tensor[] {
    return noGrad(() => [this.kernel.clone(), this.visibleBias.clone(), this.hiddenBias.clone()]);
  }

  /** Overwrite [kernel, visibleBias, hiddenBias] (shapes must match). */
  setWeights(values: readonly Tensor[]): void {
    const targets = [this.kernel, this.visibleBias, this.hiddenBias];
    const names = ['kernel', 'visibleBias', 'hiddenBias'];
    if (!Array.isArray(values) || values.length !== 3) {
      throw new ArgumentError(
        `RBM.setWeights(): expected [kernel, visibleBias, hiddenBias], got ${values?.length} values`,
      );
    }
    targets.forEach((t, i) => {
      const v = values[i]!;
      if (!(v instanceof Tensor) || v.shape.join() !== t.shape.join()) {
        throw new ShapeError(
          `RBM.setWeights(): ${names[i]} must have shape ${formatShape(t.shape)}, got ${v instanceof Tensor ? formatShape(v.shape) : typeof v}`,
        );
      }
    });
    for (const [i, t] of targets.entries())
      this.backend.copy(values[i]!.to(this.backend.name).storage, t.storage);
  }

  toJSON(): RBMJson {
    return {
      className: 'RBM',
      config: {
        visibleUnits: this.visibleUnits,
        hiddenUnits: this.hiddenUnits,
        visibleType: this.visibleType,
      },
      weights: {
        kernel: Array.from(this.kernel.dataSync()),
        visibleBias: Array.from(this.visibleBias.dataSync()),
        hiddenBias: Array.from(this.hiddenBias.dataSync()),
      },
    };
  }

  static fromJSON(json: RBMJson): RBM {
    if (json?.className !== 'RBM' || typeof json.config !== 'object' || typeof json.weights !== 'object') {
      throw new ModelFormatError('RBM.fromJSON(): not an RBM saved by toJSON()');
    }
    const rbm = new RBM({ ...json.config });
    const { kernel, visibleBias, hiddenBias } = json.weights;
    const arrays = [kernel, visibleBias, hiddenBias];
    const targets = [rbm.kernel, rbm.visibleBias, rbm.hiddenBias];
    targets.forEach((t, i) => {
      const a = arrays[i];
      if (!Array.isArray(a) || a.length !== t.size || !a.every(Number.isFinite)) {
        throw new ModelFormatError(`RBM.fromJSON(): weight ${i} must be ${t.size} finite numbers`);
      }
    });
    rbm.setWeights(
      targets.map(
        (t, i) => new Tensor(rbm.backend.fromValues(Float32Array.from(arrays[i]!)), t.shape, rbm.backend),
      ),
    );
    return rbm;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** c + vW, the hidden units' input. */
  private hiddenInput(v: Tensor): Tensor {
    return v.matmul(this.kernel).add(this.hiddenBias);
  }

  /** `v` checked as [batch, visibleUnits] and on this RBM's backend. */
  checkVisible(v: Tensor, method: string): Tensor {
    return this.checkBatch(v, this.visibleUnits, method, 'visible');
  }

  private checkBatch(t: Tensor, units: number, method: string, what: string): Tensor {
    if (!(t instanceof Tensor)) {
      throw new ArgumentError(
        `RBM.${method}(): expected a ${what} tensor [batch, ${units}], got ${typeof t}`,
      );
    }
    if (t.ndim !== 2 || t.shape[1] !== units) {
      throw new ShapeError(`RBM.${method}(): ${what} must be [batch, ${units}], got ${formatShape(t.shape)}`);
    }
    return t.backend === this.backend ? t : t.to(this.backend.name);
  }
}

/** 1 where a uniform draw falls below p, else 0. */
export function bernoulli(p: Tensor, rng: Rng): Tensor {
  const u = new Float32Array(p.size);
  rng.fillUniform(u);
  return p.gt(new Tensor(p.backend.fromValues(u), p.shape, p.backend));
}

/** Standard normal noise of `t`'s shape. */
function normalLike(t: Tensor, rng: Rng): Tensor {
  const z = new Float32Array(t.size);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  return new Tensor(t.backend.fromValues(z), t.shape, t.backend);
}
