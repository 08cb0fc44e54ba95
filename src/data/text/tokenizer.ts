/**
 * What the word and character tokenisers share, after Keras' `Tokenizer`
 * (keras/preprocessing/text.py): count tokens over the texts, number them by frequency (most
 * frequent → 1, ties in the order first seen; 0 is left for padding), turn texts into id
 * sequences and back. `numWords` keeps only ids below it (Keras' `num_words`, which counts the
 * padding id: numWords 1000 keeps 999 tokens); with an `oovToken` (id 1) every other token maps to
 * it, without one it is dropped. A subclass says only how a text splits into tokens and how tokens
 * join back (tokenize / detokenize).
 *
 * Browser-safe: plain strings and numbers in, plain arrays out; JSON out and in for saving with a
 * model (toJSON / tokenizerFromJSON).
 */
import { checkOptions } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';

export interface TokenizerConfig {
  /** Keep only the ids below this (the numWords − 1 most frequent tokens); null keeps all. */
  numWords?: number | null;
  /** The token every unknown (or dropped) token becomes, with id 1; null drops them. */
  oovToken?: string | null;
  /** Lower-case texts before splitting them. */
  lower?: boolean;
}

/** A tokenizer as JSON: its config, the vocabulary in id order and the counts behind it. */
export interface TokenizerJson {
  className: string;
  config: Record<string, unknown>;
  /** Texts fitted on. */
  documentCount: number;
  /** vocabulary[i] has id i + 1 (the OOV token first, when there is one). */
  vocabulary: string[];
  /** [token, occurrences, texts containing it], in the order first seen (breaks frequency ties). */
  counts: [string, number, number][];
}

export abstract class Tokenizer {
  readonly numWords: number | null;
  readonly oovToken: string | null;
  readonly lower: boolean;
  /** Texts fitted on so far. */
  documentCount = 0;
  /** Occurrences of each token, in the order first seen. */
  readonly wordCounts = new Map<string, number>();
  /** How many texts each token occurs in. */
  readonly wordDocs = new Map<string, number>();
  /** token → id (1, 2, … by frequency; every token seen, numWords or not, as in Keras). */
  wordIndex = new Map<string, number>();
  /** id → token. */
  indexWord = new Map<number, string>();

  abstract get className(): string;
  /** A text (already lower-cased when `lower`) as its tokens. */
  protected abstract tokenize(text: string): string[];
  /** Tokens back into a text. */
  protected abstract detokenize(tokens: string[]): string;
  protected abstract extraConfig(): Record<string, unknown>;

  constructor(
    config: TokenizerConfig,
    defaults: { name: string; lower: boolean; options: readonly string[] },
  ) {
    checkOptions(defaults.name, config, ['numWords', 'oovToken', 'lower', ...defaults.options], {
      charLevel: 'use CharTokenizer for characters, WordTokenizer for words',
      analyzer: 'give filters and split, or tokenize the texts yourself',
    });
    const { numWords = null, oovToken = null, lower = defaults.lower } = config;
    if (numWords !== null && !(Number.isInteger(numWords) && numWords >= 1))
      throw new ArgumentError(
        `${defaults.name}: numWords must be an integer ≥ 1 (or null for all), got ${String(numWords)}`,
      );
    if (oovToken !== null && (typeof oovToken !== 'string' || oovToken === ''))
      throw new ArgumentError(
        `${defaults.name}: oovToken must be a non-empty string (or null), got ${JSON.stringify(oovToken)}`,
      );
    if (typeof lower !== 'boolean')
      throw new ArgumentError(`${defaults.name}: lower must be true or false, got ${String(lower)}`);
    this.numWords = numWords;
    this.oovToken = oovToken;
    this.lower = lower;
  }

  /** The tokens of one text, as the tokenizer sees them (after lower-casing and filtering). */
  textToTokens(text: string): string[] {
    return this.tokenize(this.lower ? text.toLowerCase() : text);
  }

  /** Count the tokens of `texts` and renumber the vocabulary; may be called again with more texts. */
  fitOnTexts(texts: readonly string[]): this {
    checkTexts(texts, `${this.className}.fitOnTexts()`);
    for (const text of texts) {
      this.documentCount++;
      const tokens = this.textToTokens(text);
      for (const t of tokens) this.wordCounts.set(t, (this.wordCounts.get(t) ?? 0) + 1);
      for (const t of new Set(tokens)) this.wordDocs.set(t, (this.wordDocs.get(t) ?? 0) + 1);
    }
    this.renumber();
    return this;
  }

  /** Each text as token ids (unknown tokens → the OOV id, or left out without an OOV token). */
  textsToSequences(texts: readonly string[]): number[][] {
    checkTexts(texts, `${this.className}.textsToSequences()`);
    this.assertFitted('textsToSequences');
    const oov = this.oovToken === null ? null : this.wordIndex.get(this.oovToken)!;
    return texts.map((text) => {
      const ids: number[] = [];
      for (const t of this.textToTokens(text)) {
        const id = this.wordIndex.get(t);
        if (id !== undefined && (this.numWords === null || id < this.numWords)) ids.push(id);
        else if (oov !== null) ids.push(oov);
      }
      return ids;
    });
  }

  /**
   * Id sequences back to texts. Ids that are not tokens (or at/after numWords) become the OOV token,
   * or are left out without one; 0 is padding and always left out (Keras would write the OOV token
   * for it).
   */
  sequencesToTexts(sequences: readonly (readonly number[])[]): string[] {
    if (!Array.isArray(sequences))
      throw new ArgumentError(`${this.className}.sequencesToTexts(): expects a list of id lists`);
    this.assertFitted('sequencesToTexts');
    return sequences.map((seq, i) => {
      if (!Array.isArray(seq) && !ArrayBuffer.isView(seq))
        throw new ArgumentError(
          `${this.className}.sequencesToTexts(): sequences[${i}] is ${describe(seq)}, not a list of ids`,
        );
      const tokens: string[] = [];
      Array.from(seq as ArrayLike<number>).forEach((id, j) => {
        if (!Number.isInteger(id) || id < 0)
          throw new ArgumentError(
            `${this.className}.sequencesToTexts(): sequences[${i}][${j}] is ${describe(id)}, not an id (an integer ≥ 0)`,
          );
        if (id === 0) return;
        const token = this.indexWord.get(id);
        if (token !== undefined && (this.numWords === null || id < this.numWords)) tokens.push(token);
        else if (this.oovToken !== null) tokens.push(this.oovToken);
      });
      return this.detokenize(tokens);
    });
  }

  /**
   * How many ids the sequences use, padding included: the `inputDim` an Embedding over them needs
   * (min(numWords, tokens + 1)).
   */
  get vocabularySize(): number {
    const all = this.wordIndex.size + 1;
    return this.numWords === null ? all : Math.min(this.numWords, all);
  }

  toJSON(): TokenizerJson {
    return {
      className: this.className,
      config: { numWords: this.numWords, oovToken: this.oovToken, lower: this.lower, ...this.extraConfig() },
      documentCount: this.documentCount,
      vocabulary: [...this.wordIndex.keys()],
      counts: [...this.wordCounts].map(([t, n]) => [t, n, this.wordDocs.get(t) ?? 0]),
    };
  }

  /** Fill a new tokenizer from JSON written by toJSON (checked: a hand-edited file fails clearly). */
  protected restore(json: TokenizerJson): this {
    const where = `${this.className}.fromJSON()`;
    if (!Number.isInteger(json.documentCount) || json.documentCount < 0)
      throw new ArgumentError(`${where}: documentCount must be an integer ≥ 0`);
    if (!Array.isArray(json.vocabulary) || !Array.isArray(json.counts))
      throw new ArgumentError(`${where}: vocabulary and counts must be lists`);
    this.documentCount = json.documentCount;
    json.counts.forEach((entry, i) => {
      const [t, n, docs] = Array.isArray(entry) ? entry : [];
      if (typeof t !== 'string' || !Number.isInteger(n) || !Number.isInteger(docs))
        throw new ArgumentError(`${where}: counts[${i}] must be [token, count, texts]`);
      this.wordCounts.set(t, n!);
      this.wordDocs.set(t, docs!);
    });
    json.vocabulary.forEach((t, i) => {
      if (typeof t !== 'string' || this.wordIndex.has(t))
        throw new ArgumentError(
          `${where}: vocabulary[${i}] must be a token not listed before, got ${describe(t)}`,
        );
      this.wordIndex.set(t, i + 1);
      this.indexWord.set(i + 1, t);
    });
    if (this.oovToken !== null && this.wordIndex.get(this.oovToken) !== 1)
      throw new ArgumentError(`${where}: the OOV token '${this.oovToken}' must come first in the vocabulary`);
    return this;
  }

  private renumber(): void {
    // Array.prototype.sort is stable: equal counts keep the order first seen, as Keras' sort does.
    const sorted = [...this.wordCounts]
      .filter(([t]) => t !== this.oovToken)
      .sort((a, b) => b[1] - a[1])
      .map(([t]) => t);
    const vocabulary = this.oovToken === null ? sorted : [this.oovToken, ...sorted];
    this.wordIndex = new Map(vocabulary.map((t, i) => [t, i + 1]));
    this.indexWord = new Map(vocabulary.map((t, i) => [i + 1, t]));
  }

  private assertFitted(method: string): void {
    if (this.documentCount === 0 && this.wordIndex.size === 0)
      throw new ArgumentError(`${this.className}.${method}(): call fitOnTexts() first`);
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'number') return String(v);
  return Array.isArray(v) ? 'a list' : `a ${typeof v}`;
}

/** Every text a string; otherwise an error naming the first that is not, by index. */
export function checkTexts(texts: readonly unknown[], where: string): void {
  if (!Array.isArray(texts))
    throw new ArgumentError(
      `${where}: expects a list of strings, got ${typeof texts === 'string' ? 'one string (wrap it in a list)' : describe(texts)}`,
    );
  texts.forEach((t, i) => {
    if (typeof t !== 'string')
      throw new ArgumentError(`${where}: texts[${i}] is ${describe(t)}, not a string`);
  });
}
