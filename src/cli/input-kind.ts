/**
 * A model given the wrong kind of input should say so, not fail inside a parser: an image handed
 * to a CSV model would otherwise end in "parseCsv: data row 4 has 2 fields…".
 */
import { open } from 'node:fs/promises';
import { ArgumentError } from '../errors.js';
import { describeFileKind, type FileKind, sniffFileKind } from '../node/image.js';

export const MNIST_INPUTS = 'this is an MNIST model: give PNG, PGM or JPEG images';
export const CSV_INPUTS = 'this is a CSV model: give CSV files';

/** What a file is, from its first 4 KiB; undefined when it cannot be opened (the reader says why). */
async function kindOf(path: string): Promise<FileKind | undefined> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return undefined;
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return sniffFileKind(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/** Throws when a file meant for a CSV model is an image or other binary data. */
export async function assertCsvInput(path: string): Promise<void> {
  const kind = await kindOf(path);
  if (kind !== undefined && kind !== 'text')
    throw new ArgumentError(`${path} is ${describeFileKind(kind)}, not a CSV: ${CSV_INPUTS}`);
}
