/**
 * Words: Keras' `Tokenizer` with its defaults — lower-case, every character of `filters` turned into
 * the `split` character, split on it, empty pieces dropped (Keras' `text_to_word_sequence`).
 *
 *   const t = new WordTokenizer({ numWords: 1000, oovToken: '<OOV>' }).fitOnTexts(trainTexts);
 *   const x = padSequences(t.textsToSequences(texts), { maxLen: 40 });   // → Embedding({ inputDim: t.vocabularySize, … })
 */
import { ArgumentError } from '../../errors.js';
import { Tokenizer, type TokenizerConfig, type TokenizerJson } from './tokenizer.js';

/** Keras' default filters: punctuation, tab and newline. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

export interface WordTokenizerConfig extends TokenizerConfig {
  /** Characters replaced by `split` before splitting (default: Keras' punctuation, tab, newline). */
  filters?: string;
  /** The separator between words (default ' '). */
  split?: string;
}

export class WordTokenizer extends Tokenizer {
  readonly filters: string;
  readonly split: string;
  private readonly filterSet: Set<string>;

  constructor(config: WordTokenizerConfig = {}) {
    super(config, { name: 'WordTokenizer', lower: true, options: ['filters', 'split'] });
    const { filters = KERAS_FILTERS, split = ' ' } = config;
    if (typeof filters !== 'string')
      throw new ArgumentError(`WordTokenizer: filters must be a string of characters, got ${typeof filters}`);
    if (typeof split !== 'string' || split === '')
      throw new ArgumentError(
        `WordTokenizer: split must be a non-empty string, got ${JSON.stringify(split)}`,
      );
    this.filters = filters;
    this.split = split;
    this.filterSet = new Set(filters);
  }

  get className(): string {
    return 'WordTokenizer';
  }

  protected tokenize(text: string): string[] {
    let cleaned = '';
    for (const c of text) cleaned += this.filterSet.has(c) ? this.split : c;
    return cleaned.split(this.split).filter((w) => w !== '');
  }

  protected detokenize(tokens: string[]): string {
    return tokens.join(' ');
  }

  protected extraConfig(): Record<string, unknown> {
    return { filters: this.filters, split: this.split };
  }

  static fromJSON(json: TokenizerJson | string): WordTokenizer {
    const j = parseJson(json, 'WordTokenizer');
    return new WordTokenizer(j.config as WordTokenizerConfig).restore(j);
  }
}

/** A tokenizer's JSON (object or string), checked to be of the expected class. */
export function parseJson(json: TokenizerJson | string, className: string): TokenizerJson {
  let j: unknown = json;
  if (typeof json === 'string') {
    try {
      j = JSON.parse(json);
    } catch (e) {
      throw new ArgumentError(`${className}.fromJSON(): not valid JSON (${(e as Error).message})`);
    }
  }
  const o = j as TokenizerJson | null;
  if (typeof o !== 'object' || o === null || typeof o.config !== 'object' || o.config === null)
    throw new ArgumentError(`${className}.fromJSON(): expects { className, config, vocabulary, counts, … }`);
  if (o.className !== className)
    throw new ArgumentError(
      `${className}.fromJSON(): this JSON is a ${String(o.className)}, not a ${className}`,
    );
  return o;
}
