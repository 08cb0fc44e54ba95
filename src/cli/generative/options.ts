/** The settings `backprop train mnist --model autoencoder|vae|gan|rbm|dbn` hands each generative trainer. */

export const GENERATIVE_KINDS = ['autoencoder', 'vae', 'gan', 'rbm', 'dbn'] as const;
export type GenerativeKind = (typeof GENERATIVE_KINDS)[number];

export function isGenerativeKind(model: string): model is GenerativeKind {
  return (GENERATIVE_KINDS as readonly string[]).includes(model);
}

export interface GenerativeMnistOptions {
  model: GenerativeKind;
  /** A kind's sub-model: autoencoder 'dense' | 'conv', gan 'dcgan' | 'conditional'. */
  variant?: string;
  epochs: number;
  batch: number;
  lr?: number;
  /** Code / latent size (autoencoder, VAE, GAN noise). */
  latent?: number;
  /** Standard deviation of the input noise of a denoising autoencoder (0: none). */
  noise?: number;
  seed: number;
  out: string;
  data?: string;
  limit?: number;
  binarize: boolean;
}

/** A kind's own defaults, used for every option the user did not type. */
export interface KindDefaults {
  epochs: number;
  batch: number;
  lr?: number;
  variant?: string;
  latent?: number;
  noise?: number;
}

/** The options a kind's defaults may fill in. */
export const DEFAULTABLE = ['epochs', 'batch', 'lr', 'variant', 'latent', 'noise'] as const;
