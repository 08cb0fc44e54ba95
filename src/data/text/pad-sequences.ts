/**
 * Keras' `pad_sequences`: id lists of different lengths → one [n, maxLen] tensor, ready for an
 * Embedding. Longer lists are cut (`truncating` 'pre' drops their start, keeping the most recent
 * ids; 'post' their end); shorter ones are filled with `value` (0, the padding id an Embedding with
 * `maskZero` masks) before ('pre') or after ('post') them.
 */
import { checkOptions } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';
import { tensor } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { describe } from './tokenizer.js';

export interface PadSequencesOptions {
  /** Length of every row (default: the longest sequence). */
  maxLen?: number;
  /** Where padding goes: 'pre' (default, as Keras) or 'post'. */
  padding?: 'pre' | 'post';
  /** Which end of a longer sequence is cut: 'pre' (default, as Keras) or 'post'. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  value?: number;
}

const WHERE = 'padSequences()';

function side(name: string, v: unknown): 'pre' | 'post' {
  if (v !== 'pre' && v !== 'post')
    throw new ArgumentError(`${WHERE}: ${name} must be 'pre' or 'post', got ${describe(v)}`);
  return v;
}

/** The padded rows as one float32 array, row-major [sequences.length, maxLen]. */
export function padSequencesData(
  sequences: readonly ArrayLike<number>[],
  options: PadSequencesOptions = {},
): { data: Float32Array; shape: [number, number] } {
  checkOptions(WHERE, options, ['maxLen', 'padding', 'truncating', 'value'], {
    dtype: 'values are float32, as every tensor',
  });
  if (!Array.isArray(sequences))
    throw new ArgumentError(
      `${WHERE}: expects a list of sequences (lists of numbers), got ${describe(sequences)}`,
    );
  const padding = side('padding', options.padding ?? 'pre');
  const truncating = side('truncating', options.truncating ?? 'pre');
  const value = options.value ?? 0;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ArgumentError(`${WHERE}: value must be a finite number, got ${describe(value)}`);
  sequences.forEach((item, i) => {
    if (!Array.isArray(item) && !ArrayBuffer.isView(item))
      throw new ArgumentError(`${WHERE}: sequences[${i}] is ${describe(item)}, not a list of numbers`);
    const s = item as ArrayLike<unknown>;
    for (let j = 0; j < s.length; j++)
      if (typeof s[j] !== 'number' || !Number.isFinite(s[j]))
        throw new ArgumentError(`${WHERE}: sequences[${i}][${j}] is ${describe(s[j])}, not a finite number`);
  });
  if (options.maxLen !== undefined && !(Number.isInteger(options.maxLen) && options.maxLen >= 1))
    throw new ArgumentError(`${WHERE}: maxLen must be an integer ≥ 1, got ${describe(options.maxLen)}`);
  const maxLen = options.maxLen ?? sequences.reduce((m, s) => Math.max(m, s.length), 0);
  const data = new Float32Array(sequences.length * maxLen).fill(value);
  sequences.forEach((s, i) => {
    const kept = Math.min(s.length, maxLen);
    const from = truncating === 'pre' ? s.length - kept : 0;
    const to = i * maxLen + (padding === 'pre' ? maxLen - kept : 0);
    for (let j = 0; j < kept; j++) data[to + j] = s[from + j]!;
  });
  return { data, shape: [sequences.length, maxLen] };
}

/** The padded sequences as a [sequences.length, maxLen] tensor. */
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  options: PadSequencesOptions = {},
): Tensor {
  const { data, shape } = padSequencesData(sequences, options);
  return tensor(data, { shape });
}
