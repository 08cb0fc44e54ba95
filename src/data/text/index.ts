/** Text in: tokenisers (characters, words) with Keras' semantics, padding, JSON for saving. */
export { CharTokenizer, type CharTokenizerConfig } from './char-tokenizer.js';
export { type PadSequencesOptions, padSequences, padSequencesData } from './pad-sequences.js';
export { Tokenizer, type TokenizerConfig, type TokenizerJson, tokenizerFromJSON } from './tokenizer-json.js';
export { KERAS_FILTERS, WordTokenizer, type WordTokenizerConfig } from './word-tokenizer.js';
