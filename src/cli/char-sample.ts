/**
 * Text from a character model: feed the last seqLen characters (at first just the prime), read the distribution of the next one at the last position, sharpen or
 * flatten it by the temperature (p^(1/T), renormalised: T < 1 picks likely characters more often,
 * T > 1 less), draw one, append it, repeat. Several samples are drawn side by side as one batch.
 */
import type { Tokenizer } from '../data/text/tokenizer.js';
import { ArgumentError } from '../errors.js';
import { type Rng, type Tensor, tensor } from '../node/index.js';

/** What sampling needs of a model: ids [batch, time] → next-character probabilities [batch, time, vocabulary]. */
export interface CharModel {
  predict(x: Tensor): Tensor | Tensor[];
}

export interface SampleOptions {
  seqLen: number;
  /** Characters to generate after the prime. */
  length: number;
  temperature: number;
  /** Text the samples continue (at least one character). */
  prime: string;
  /** Samples drawn side by side. */
  count: number;
  rng: Rng;
}

/** The ids of the prime; a character the model has never seen is an error naming it. */
export function primeIds(tokenizer: Tokenizer, prime: string): number[] {
  const ids: number[] = [];
  for (const c of Array.from(prime)) {
    const id = tokenizer.wordIndex.get(c);
    if (id === undefined || (tokenizer.numWords !== null && id >= tokenizer.numWords))
      throw new ArgumentError(
        `--prime: ${JSON.stringify(c)} is not one of the ${tokenizer.vocabularySize - 1} characters the model knows`,
      );
    ids.push(id);
  }
  return ids;
}

/** `count` continuations of the prime (the generated characters only). */
export function sampleText(model: CharModel, tokenizer: Tokenizer, o: SampleOptions): string[] {
  if (!(o.temperature > 0))
    throw new ArgumentError(`--temperature must be a number > 0, got ${o.temperature}`);
  const prime = primeIds(tokenizer, o.prime);
  if (prime.length === 0) throw new ArgumentError('--prime must have at least one character');
  const contexts = Array.from({ length: o.count }, () => [...prime]);
  const generated: number[][] = Array.from({ length: o.count }, () => []);
  for (let step = 0; step < o.length; step++) {
    // The last seqLen characters (all of them while there are fewer): the longest context trained on.
    const t = Math.min(o.seqLen, contexts[0]!.length);
    const x = new Float32Array(o.count * t);
    contexts.forEach((ids, k) => {
      x.set(ids.slice(ids.length - t), k * t);
    });
    const out = model.predict(tensor(x, { shape: [o.count, t] }));
    const probs = (Array.isArray(out) ? out[0]! : out).dataSync();
    const v = probs.length / (o.count * t);
    contexts.forEach((ids, k) => {
      const row = probs.subarray((k * t + t - 1) * v, (k * t + t) * v);
      const id = draw(row, o.temperature, o.rng);
      ids.push(id);
      generated[k]!.push(id);
    });
  }
  return tokenizer.sequencesToTexts(generated);
}

/** One id drawn from probabilities ∝ p^(1/T), never the padding id 0. */
function draw(p: Float32Array, temperature: number, rng: Rng): number {
  // In logs, relative to the largest: a low temperature cannot underflow every weight to 0.
  const w = new Float64Array(p.length);
  let top = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < p.length; i++) {
    w[i] = Math.log(Math.max(p[i]!, 1e-30));
    top = Math.max(top, w[i]!);
  }
  let total = 0;
  for (let i = 1; i < p.length; i++) {
    w[i] = Math.exp((w[i]! - top) / temperature);
    total += w[i]!;
  }
  let u = rng.uniform() * total;
  for (let i = 1; i < p.length; i++) {
    u -= w[i]!;
    if (u <= 0) return i;
  }
  return p.length - 1;
}
