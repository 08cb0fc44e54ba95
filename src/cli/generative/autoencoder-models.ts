/**
 * The autoencoders `backprop train mnist --model autoencoder` trains, built with the functional
 * API as three models that share their layers:
 *
 *   encoder       784 → code
 *   decoder       code → 784 (sigmoid: pixel intensities, for a binary cross-entropy loss)
 *   autoencoder   784 → GaussianNoise → encoder → decoder, trained with the image as its own target
 *
 * The noise layer sits in front of the encoder and is active only in training (fit), so the
 * autoencoder learns to give back the clean digit from a corrupted one (a denoising autoencoder),
 * while evaluate/predict, and the encoder alone, see the input as it is.
 *
 * 'dense': 784 → 256 → 64 → code → 64 → 256 → 784. 'conv': images 28×28 → two strided 3×3
 * convolutions (14×14×32, 7×7×64) → dense code → 7×7×64 → two strided 3×3 transposed
 * convolutions back to 28×28. Both take and give flat rows of 784 pixels (the conv model reshapes
 * inside), so data, losses and pictures are the same for both.
 */
import { ArgumentError } from '../../errors.js';
import { input } from '../../model/functional/input.js';
import { Model } from '../../model/functional/model.js';
import { Conv2D } from '../../nn/conv2d.js';
import { Conv2DTranspose } from '../../nn/conv2d-transpose.js';
import { Dense } from '../../nn/dense.js';
import { Flatten } from '../../nn/flatten.js';
import { GaussianNoise } from '../../nn/gaussian-noise.js';
import { l2 } from '../../nn/regularizers.js';
import { Reshape } from '../../nn/reshape.js';
import type { SymbolicTensor } from '../../nn/symbolic-tensor.js';

export type AutoencoderVariant = 'dense' | 'conv';
export const VARIANTS: readonly AutoencoderVariant[] = ['dense', 'conv'];

export interface AutoencoderSpec {
  variant: AutoencoderVariant;
  /** Size of the code (the bottleneck). */
  latent: number;
  /** Standard deviation of the training-time input noise; 0 for a plain autoencoder. */
  noise: number;
  /** Seed of the noise layer (its own generator, so a run repeats). */
  seed: number;
  /** Prefix of the layer names, to tell two autoencoders apart in one report. */
  name: string;
}

export interface Autoencoder {
  autoencoder: Model;
  encoder: Model;
  decoder: Model;
  /** The encoder's first layer (a Dense for 'dense': its kernel columns are the filters). */
  firstLayer: Dense | Conv2D;
}

const SIDE = 28;
/** Feature maps of the conv variant at 14×14 and at 7×7. */
const F1 = 32;
const F2 = 64;
/**
 * L2 penalty on a dense first layer's kernel: the weights of pixels that are blank in every digit
 * (the border) get no gradient from the data and would keep their random start; this small
 * penalty takes them to 0 — Adam steps on it at full size — so the filters show what the units
 * look at. Its share of the loss is ~1 nat per image; the reports give the cross-entropy without it.
 */
const FILTER_L2 = 1e-4;
const PIXELS = SIDE * SIDE;

export function buildAutoencoder(spec: AutoencoderSpec): Autoencoder {
  const { variant, latent, noise, name } = spec;
  if (!VARIANTS.includes(variant))
    throw new ArgumentError(`autoencoder: --variant must be dense or conv, got '${variant}'`);
  if (!Number.isInteger(latent) || latent < 1)
    throw new ArgumentError(`autoencoder: --latent must be a positive integer, got ${latent}`);
  if (!(noise >= 0)) throw new ArgumentError(`autoencoder: --noise must be ≥ 0, got ${noise}`);

  const image = input({ shape: [PIXELS], name: `${name}_image` });
  let firstLayer: Dense | Conv2D;
  let h: SymbolicTensor;
  if (variant === 'dense') {
    firstLayer = new Dense({
      units: 256,
      activation: 'relu',
      name: `${name}_enc1`,
      kernelRegularizer: l2(FILTER_L2),
    });
    h = firstLayer.apply(image);
    h = new Dense({ units: 64, activation: 'relu', name: `${name}_enc2` }).apply(h);
  } else {
    firstLayer = new Conv2D({
      filters: F1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: `${name}_enc1`,
    });
    h = new Reshape({ targetShape: [SIDE, SIDE, 1], name: `${name}_to_image` }).apply(image);
    h = firstLayer.apply(h); // 14×14×32
    h = new Conv2D({
      filters: F2,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: `${name}_enc2`,
    }).apply(h); // 7×7×64
    h = new Flatten({ name: `${name}_flatten` }).apply(h);
  }
  // A linear code: no activation to clip it, so a 2-D code spreads over the plane.
  const code = new Dense({ units: latent, name: `${name}_code` }).apply(h);
  const encoder = new Model({ inputs: image, outputs: code, name: `${name}_encoder` });

  const codeIn = input({ shape: [latent], name: `${name}_code_in` });
  let g: SymbolicTensor;
  if (variant === 'dense') {
    g = new Dense({ units: 64, activation: 'relu', name: `${name}_dec1` }).apply(codeIn);
    g = new Dense({ units: 256, activation: 'relu', name: `${name}_dec2` }).apply(g);
    g = new Dense({ units: PIXELS, activation: 'sigmoid', name: `${name}_pixels` }).apply(g);
  } else {
    g = new Dense({ units: 7 * 7 * F2, activation: 'relu', name: `${name}_dec1` }).apply(codeIn);
    g = new Reshape({ targetShape: [7, 7, F2], name: `${name}_to_maps` }).apply(g);
    g = new Conv2DTranspose({
      filters: F1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: `${name}_dec2`,
    }).apply(g); // 14×14×32
    g = new Conv2DTranspose({
      filters: 1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'sigmoid',
      name: `${name}_pixels`,
    }).apply(g); // 28×28×1
    g = new Reshape({ targetShape: [PIXELS], name: `${name}_to_rows` }).apply(g);
  }
  const decoder = new Model({ inputs: codeIn, outputs: g, name: `${name}_decoder` });

  const corrupted =
    noise > 0
      ? new GaussianNoise({ stddev: noise, seed: spec.seed, name: `${name}_noise` }).apply(image)
      : image;
  const autoencoder = new Model({
    inputs: image,
    outputs: decoder.apply(encoder.apply(corrupted)) as SymbolicTensor,
    name,
  });
  return { autoencoder, encoder, decoder, firstLayer };
}
