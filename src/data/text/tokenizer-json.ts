/** A tokenizer back from JSON, whichever kind it is (Keras' `tokenizer_from_json`). */
import { ArgumentError } from '../../errors.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer, TokenizerJson } from './tokenizer.js';
import { WordTokenizer } from './word-tokenizer.js';

export { Tokenizer, type TokenizerConfig, type TokenizerJson } from './tokenizer.js';

export function tokenizerFromJSON(json: TokenizerJson | string): Tokenizer {
  let j: unknown = json;
  if (typeof json === 'string') {
    try {
      j = JSON.parse(json);
    } catch (e) {
      throw new ArgumentError(`tokenizerFromJSON(): not valid JSON (${(e as Error).message})`);
    }
  }
  const className = (j as { className?: unknown } | null)?.className;
  if (className === 'WordTokenizer') return WordTokenizer.fromJSON(j as TokenizerJson);
  if (className === 'CharTokenizer') return CharTokenizer.fromJSON(j as TokenizerJson);
  throw new ArgumentError(
    `tokenizerFromJSON(): className must be 'WordTokenizer' or 'CharTokenizer', got ${JSON.stringify(className) ?? 'none'}`,
  );
}
