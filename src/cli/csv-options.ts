/** The `train csv` / `eval` / `predict` options about reading a CSV, and the training defaults. */
import type { CsvTable } from '../data/csv.js';
import { ArgumentError } from '../errors.js';
import { readCsv } from '../node/csv.js';
import { BAD_VALUE_POLICIES, type BadValuePolicy } from './tabular.js';

/**
 * Defaults chosen on scikit-learn's small tables (bench/tabular, mean of 10 splits each): a wide
 * hidden layer and early stopping on the validation loss, with an epoch cap high enough that it
 * rarely binds. Dropout 0.3 and L2 weight decay 0.03 keep that wide layer from fitting noise on a
 * few hundred rows (diabetes R² 0.442 → 0.458, the classifiers unchanged within a test row or two).
 */
export const CSV_DEFAULTS = {
  hidden: [64],
  batch: 32,
  epochs: 1000,
  patience: 40,
  dropout: 0.3,
  weightDecay: 0.03,
};

const NAMED: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };

/** `--delimiter`: one character, or tab / \t / comma / semicolon / pipe (a shell cannot easily pass a tab). */
export function delimiterOption(value: string): string {
  const d = NAMED[value.toLowerCase()] ?? value;
  if (d.length !== 1 || d === '"' || d === '\n' || d === '\r')
    throw new ArgumentError(
      `--delimiter must be one character (or tab, comma, semicolon, pipe), not a quote or line break; got '${value}'`,
    );
  return d;
}

export function badValuesOption(value: string): BadValuePolicy {
  if (!(BAD_VALUE_POLICIES as readonly string[]).includes(value))
    throw new ArgumentError(`--bad-values must be ${BAD_VALUE_POLICIES.join(' or ')}, got '${value}'`);
  return value as BadValuePolicy;
}

/** Read a CSV the commands were given, with `--delimiter` if set (detected otherwise). */
export function readCsvFile(file: string, delimiter: string | undefined): Promise<CsvTable> {
  return readCsv(file, delimiter === undefined ? {} : { delimiter });
}
