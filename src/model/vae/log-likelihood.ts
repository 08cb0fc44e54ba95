/**
 * log p(x) of a VAE, estimated by importance sampling with q(z|x) as the proposal (Burda et al.
 * 2016, "IWAE", the usual way VAE papers report a test log-likelihood):
 *
 *   log p(x) ≈ log (1/K) Σₖ p(x|zₖ)·p(z)/q(zₖ|x),   zₖ ~ q(z|x) = N(μ, exp(logVar)), k = 1…K
 *
 * Its expectation is a lower bound on log p(x) that rises with K to it (K = 1 is the ELBO), so
 * −estimate ≤ −ELBO. Per draw, with z = μ + σ·ε:
 *
 *   log p(x|z)            −Σ BCE(x, decoder(z)) over pixels (Bernoulli decoder)
 *   log p(z) − log q(z|x) −½ Σⱼ (zⱼ² − εⱼ² − logVarⱼ)    (the ½·log 2π terms cancel)
 *
 * The per-draw terms come from tensor ops (float32: a sum of 784 pixels ~100 nats is good to
 * ~1e-3); the log-mean-exp over K draws and the average over images run in float64 on the host,
 * where cancellation between terms of ~−100 nats would cost float32 its digits.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { checkOptions, numberOption, optionalNumber } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import { getRng, Rng } from '../../random/rng.js';
import { formatShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { stepScope, yieldToEventLoop } from '../engine/step-scope.js';
import { bernoulliNegLogLikelihood } from './vae-losses.js';

export interface LogLikelihoodOptions {
  /** Importance samples K per image (default 100; Burda et al. report K = 5000). */
  samples?: number;
  /** Latent draws (images × K) per pass through the decoder; default 4096. */
  batchSize?: number;
  /** Seed for the draws; default: the global RNG. */
  seed?: number;
}

/** −log p(x|z) per row of x, from the decoder's logits when it ends in a sigmoid (exact), else its probabilities. */
export function decoderNegLogLikelihood(decoder: Module, z: Tensor, x: Tensor): Tensor {
  const logits = decoder.outputActivation === 'sigmoid';
  const out = decoder.apply(z, { training: false, skipActivation: logits });
  if (Array.isArray(out)) throw new ArgumentError(`VAE: decoder '${decoder.name}' must give one tensor`);
  return bernoulliNegLogLikelihood({ fromLogits: logits }).perSample!(x.reshape(out.shape), out);
}

/** log (1/K) Σ exp(wₖ), in float64, stable for any magnitude. */
export function logMeanExp(values: ArrayLike<number>, start = 0, count = values.length): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < count; k++) max = Math.max(max, values[start + k]!);
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (let k = 0; k < count; k++) sum += Math.exp(values[start + k]! - max);
  return max + Math.log(sum / count);
}

/** The estimate for every image of x ([n, …]): log p̂(x) in nats, one per image, in float64. */
export async function importanceSampledLogLikelihood(
  encoder: Module,
  decoder: Module,
  x: Tensor,
  options: LogLikelihoodOptions = {},
): Promise<Float64Array> {
  const c = 'VAE.logLikelihood()';
  const o = checkOptions(c, options, ['samples', 'batchSize', 'seed']);
  const positiveInteger = { integer: true, min: 0, minExclusive: true };
  const K = numberOption(c, 'samples', o.samples, positiveInteger, 100);
  const rowsPerPass = numberOption(c, 'batchSize', o.batchSize, positiveInteger, 4096);
  const seed = optionalNumber(c, 'seed', o.seed, { integer: true });
  if (x.ndim < 2 || x.shape[0]! < 1) {
    throw new ShapeError(`${c}: x must be [images ≥ 1, …], got ${formatShape(x.shape)}`);
  }
  const rng = seed === undefined ? getRng() : new Rng(seed);
  const n = x.shape[0]!;
  const imagesPerPass = Math.max(1, Math.floor(rowsPerPass / K));
  const out = new Float64Array(n);
  for (let start = 0; start < n; start += imagesPerPass) {
    const count = Math.min(imagesPerPass, n - start);
    const logWeights = stepScope(() =>
      noGrad(() => {
        const images = x.slice(start, start + count);
        const [mean, logVar] = encode(encoder, images);
        // Row r = image ⌊r/K⌋, draw r mod K.
        const rows = new Int32Array(count * K);
        for (let r = 0; r < rows.length; r++) rows[r] = Math.floor(r / K);
        const m = mean.gather(rows);
        const lv = logVar.gather(rows);
        const eps = normals(m, rng);
        const z = m.add(lv.mul(0.5).exp().mul(eps));
        const logPxGivenZ = decoderNegLogLikelihood(decoder, z, images.gather(rows)).neg();
        const priorOverPosterior = z.square().sub(eps.square()).sub(lv).sum(1).mul(-0.5);
        return Float64Array.from(logPxGivenZ.add(priorOverPosterior).dataSync());
      }),
    );
    for (let i = 0; i < count; i++) out[start + i] = logMeanExp(logWeights, i * K, K);
    await yieldToEventLoop();
  }
  return out;
}

/** The encoder's [μ, logVar] for a batch, each [batch, latent]. */
export function encode(encoder: Module, x: Tensor): [Tensor, Tensor] {
  const out = encoder.apply(x, { training: false });
  if (!Array.isArray(out) || out.length !== 2) {
    throw new ArgumentError(`VAE: encoder '${encoder.name}' must give [mean, logVar]`);
  }
  return [out[0]!, out[1]!];
}

/** Standard normal draws shaped like `like`. */
function normals(like: Tensor, rng: Rng): Tensor {
  const values = new Float32Array(like.size);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return new Tensor(like.backend.fromValues(values), like.shape, like.backend);
}
