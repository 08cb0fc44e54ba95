/**
 * `backprop train mnist --model autoencoder|vae|gan|rbm|dbn`: one module per kind
 * (./<kind>.ts, loaded on demand: each pulls in its own models and report code), each with its own
 * defaults for the options the user did not type.
 */
import { ArgumentError } from '../../errors.js';
import {
  DEFAULTABLE,
  type GenerativeKind,
  type GenerativeMnistOptions,
  type KindDefaults,
} from './options.js';

interface Trainer {
  defaults: KindDefaults;
  train(o: GenerativeMnistOptions): Promise<Record<string, number>>;
}

const TRAINERS: Record<GenerativeKind, () => Promise<Trainer>> = {
  autoencoder: () => import('./autoencoder.js'),
  vae: () => import('./vae.js'),
  gan: () => import('./gan.js'),
  rbm: () => import('./rbm.js'),
  dbn: () => import('./dbn.js'),
};

/** Which kinds read each kind-specific option (the rest read none of them). */
const KIND_OPTIONS: Record<'variant' | 'latent' | 'noise', readonly GenerativeKind[]> = {
  variant: ['autoencoder', 'gan'],
  latent: ['autoencoder', 'vae', 'gan', 'rbm'],
  noise: ['autoencoder'],
};

/** The options of `train mnist` that the generative kinds read; the rest are for the classifiers. */
const GENERATIVE_OPTIONS = new Set([...DEFAULTABLE, 'model', 'seed', 'out', 'data', 'limit', 'binarize']);

/**
 * The settings a generative run trains with: what the user typed (`explicit` names those options),
 * the kind's defaults for the rest. A classifier option typed for a generative kind is refused
 * rather than silently ignored.
 */
export async function generativeSettings(
  given: Record<string, unknown> & { model: GenerativeKind },
  explicit: readonly string[],
): Promise<GenerativeMnistOptions> {
  const misplaced = explicit.filter((key) => !GENERATIVE_OPTIONS.has(key) && key !== 'resume');
  if (misplaced.length > 0)
    throw new ArgumentError(
      `train mnist --model ${given.model}: ${misplaced.map(flag).join(', ')} ${misplaced.length > 1 ? 'apply' : 'applies'} only to --model mlp, cnn and rnn`,
    );
  for (const [key, kinds] of Object.entries(KIND_OPTIONS))
    if (explicit.includes(key) && !kinds.includes(given.model))
      throw new ArgumentError(
        `train mnist --model ${given.model}: --${key} applies only to --model ${kinds.join(', ')}`,
      );
  const { defaults } = await TRAINERS[given.model]();
  const settings: Record<string, unknown> = {};
  for (const key of GENERATIVE_OPTIONS) if (given[key] !== undefined) settings[key] = given[key];
  for (const key of DEFAULTABLE) {
    if (explicit.includes(key)) continue;
    if (defaults[key] === undefined) delete settings[key];
    else settings[key] = defaults[key];
  }
  return settings as unknown as GenerativeMnistOptions;
}

export async function trainGenerative(o: GenerativeMnistOptions): Promise<Record<string, number>> {
  const trainer = await TRAINERS[o.model]();
  return trainer.train(o);
}

/** 'binarize' → '--binarize', 'outputActivation' → '--output-activation'. */
function flag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
