/**
 * Characters (Unicode code points, so an emoji is one token): Keras' `Tokenizer({ char_level: true })`
 * with what a character-level language model needs as defaults — case kept and nothing filtered,
 * so newlines, spaces and punctuation are tokens too; detokenize joins with nothing.
 *
 *   const chars = new CharTokenizer().fitOnTexts([text]);
 *   chars.textsToSequences(['Anna\n']);        // [[id('A'), id('n'), id('n'), id('a'), id('\n')]]
 */
import { ArgumentError } from '../../errors.js';
import { Tokenizer, type TokenizerConfig, type TokenizerJson } from './tokenizer.js';
import { parseJson } from './word-tokenizer.js';

export interface CharTokenizerConfig extends TokenizerConfig {
  /** Characters left out before counting (default none). */
  filters?: string;
}

export class CharTokenizer extends Tokenizer {
  readonly filters: string;
  private readonly filterSet: Set<string>;

  constructor(config: CharTokenizerConfig = {}) {
    super(config, { name: 'CharTokenizer', lower: false, options: ['filters'] });
    const { filters = '' } = config;
    if (typeof filters !== 'string')
      throw new ArgumentError(`CharTokenizer: filters must be a string of characters, got ${typeof filters}`);
    this.filters = filters;
    this.filterSet = new Set(filters);
  }

  get className(): string {
    return 'CharTokenizer';
  }

  protected tokenize(text: string): string[] {
    return Array.from(text).filter((c) => !this.filterSet.has(c));
  }

  protected detokenize(tokens: string[]): string {
    return tokens.join('');
  }

  protected extraConfig(): Record<string, unknown> {
    return { filters: this.filters };
  }

  static fromJSON(json: TokenizerJson | string): CharTokenizer {
    const j = parseJson(json, 'CharTokenizer');
    return new CharTokenizer(j.config as CharTokenizerConfig).restore(j);
  }
}
