/** Reading a CSV file from disk into a CsvTable. */
import { readFile } from 'node:fs/promises';
import { type CsvOptions, type CsvTable, parseCsv } from '../data/csv.js';
import { ArgumentError } from '../errors.js';

export async function readCsv(path: string, options?: CsvOptions): Promise<CsvTable> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ArgumentError(
      e.code === 'ENOENT' ? `no such CSV file: ${path}` : `cannot read ${path}: ${e.message}`,
    );
  });
  try {
    return parseCsv(text, options);
  } catch (e) {
    throw new ArgumentError(`${path}: ${(e as Error).message}`);
  }
}
