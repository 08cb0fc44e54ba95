/**
 * denseVAE: the fully connected VAE of pytorch/examples (784-400-20, relu) generalised to any
 * hidden sizes — an encoder input → hidden… → [μ, logVar] (two linear heads) and a decoder
 * latent → hidden reversed… → input, sigmoid (Bernoulli means).
 */
import { checkOptions, describeValue, optionalNumber } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import type { ActivationName } from '../../nn/activations.js';
import { Dense } from '../../nn/dense.js';
import type { SymbolicTensor } from '../../nn/symbolic-tensor.js';
import { input } from '../functional/input.js';
import { Model } from '../functional/model.js';
import { Sequential } from '../sequential.js';
import { VAE } from './vae.js';

export interface DenseVAEOptions {
  /** Values per input (784 for MNIST). */
  inputDim: number;
  /** Hidden layer sizes of the encoder; the decoder mirrors them. Default [400]. */
  hidden?: readonly number[];
  /** Latent units. Default 20. */
  latent?: number;
  /** Hidden activation. Default 'relu'. */
  activation?: ActivationName;
  /** Seed of the Sampling layer's noise. */
  seed?: number;
}

export function denseVAE(options: DenseVAEOptions): VAE {
  const o: Partial<DenseVAEOptions> = checkOptions('denseVAE', options, [
    'inputDim',
    'hidden',
    'latent',
    'activation',
    'seed',
  ]);
  if (o.hidden !== undefined && !Array.isArray(o.hidden)) {
    throw new ArgumentError(`denseVAE: hidden must be a list of layer sizes, got ${describeValue(o.hidden)}`);
  }
  const hidden = o.hidden ?? [400];
  const latent = o.latent ?? 20;
  const activation = o.activation ?? 'relu';
  for (const [name, v] of [
    ['inputDim', o.inputDim],
    ['latent', latent],
    ...hidden.map((h) => ['hidden', h] as const),
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ArgumentError(`denseVAE: ${name} sizes must be positive integers, got ${v}`);
    }
  }
  const seed = optionalNumber('denseVAE', 'seed', o.seed, { integer: true });
  const inputDim = o.inputDim as number; // checked above
  const x = input({ shape: [inputDim], name: 'image' });
  let h: SymbolicTensor = x;
  hidden.forEach((units, i) => {
    h = new Dense({ units, activation, name: `encoder_hidden_${i + 1}` }).apply(h);
  });
  const mean = new Dense({ units: latent, name: 'mean' }).apply(h);
  const logVar = new Dense({ units: latent, name: 'log_var' }).apply(h);
  const encoder = new Model({ inputs: x, outputs: [mean, logVar], name: 'encoder' });
  const decoder = new Sequential({
    name: 'decoder',
    layers: [
      ...[...hidden].reverse().map(
        (units, i) =>
          new Dense({
            units,
            activation,
            name: `decoder_hidden_${i + 1}`,
            ...(i === 0 && { inputDim: latent }),
          }),
      ),
      new Dense({
        units: inputDim,
        activation: 'sigmoid',
        name: 'pixels',
        ...(hidden.length === 0 && { inputDim: latent }),
      }),
    ],
  });
  return new VAE({ encoder, decoder, ...(seed !== undefined && { seed }) });
}
