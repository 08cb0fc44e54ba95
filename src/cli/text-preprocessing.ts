/**
 * What a text model folder keeps beside model.json (preprocessing.json), so `predict`, `eval` and
 * `sample` turn new text into ids exactly as training did: the tokenizer (vocabulary and counts),
 * the padding and, for classifiers, the class names.
 */
import type { CsvTable } from '../data/csv.js';
import { padSequencesData } from '../data/text/pad-sequences.js';
import type { Tokenizer, TokenizerJson } from '../data/text/tokenizer.js';
import { ArgumentError } from '../errors.js';
import { tensor } from '../node/index.js';
import type { Tensor } from '../tensor/tensor.js';

/** `train text`: a classifier of one text column. */
export interface TextPreprocessing {
  kind: 'text';
  /** The column the texts are read from. */
  textColumn: string;
  target: string;
  /** Class names in output order. */
  classes: string[];
  tokenizer: TokenizerJson;
  /** Every text becomes maxLen ids: cut and padded at the start (Keras' 'pre'). */
  maxLen: number;
  padding: 'pre' | 'post';
  truncating: 'pre' | 'post';
}

/** `train chars`: a character language model. */
export interface CharPreprocessing {
  kind: 'chars';
  tokenizer: TokenizerJson;
  /** Characters the model reads at a time (its input length). */
  seqLen: number;
  /** What it was trained on (a file, or the name lists). */
  source: string;
  /** The character a sample starts after when no --prime is given ('\n' for line-based texts). */
  start: string;
}

/** The texts of a column, one per row ('' for a missing cell). */
export function columnTexts(table: CsvTable, column: string): string[] {
  const c = table.get(column); // throws naming the columns if absent
  if (c.textOverflow)
    throw new ArgumentError(
      `column '${column}' has more than 65,536 distinct texts, more than a table keeps: split the file into smaller ones`,
    );
  return Array.from({ length: c.length }, (_, i) => c.cell(i));
}

/** Texts → the [n, maxLen] ids tensor the classifier reads. */
export function encodeTexts(tokenizer: Tokenizer, texts: readonly string[], prep: TextPreprocessing): Tensor {
  const { data, shape } = padSequencesData(tokenizer.textsToSequences(texts), {
    maxLen: prep.maxLen,
    padding: prep.padding,
    truncating: prep.truncating,
  });
  return tensor(data, { shape });
}

/** The length that covers `share` of the texts (in tokens), at least 1 and at most `cap`. */
export function coveringLength(sequences: readonly number[][], share: number, cap: number): number {
  const lengths = sequences.map((s) => s.length).sort((a, b) => a - b);
  const at = lengths[Math.min(lengths.length - 1, Math.ceil(share * lengths.length) - 1)] ?? 1;
  return Math.max(1, Math.min(cap, at));
}
