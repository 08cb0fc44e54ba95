/** Variational autoencoders: the VAE class, its two losses and the importance-sampled log-likelihood. */

export { type DenseVAEOptions, denseVAE } from './dense-vae.js';
export {
  decoderNegLogLikelihood,
  importanceSampledLogLikelihood,
  type LogLikelihoodOptions,
  logMeanExp,
} from './log-likelihood.js';
export { type ElboResult, VAE, type VAEConfig } from './vae.js';
export { bernoulliNegLogLikelihood, meanOfOutput } from './vae-losses.js';
