/**
 * Reading a CSV file from disk into a CsvTable, streamed: the file is read in 1 MB chunks, each
 * record is parsed as it arrives and its cells go straight into the columns' typed storage, so memory
 * follows the table's typed size, not the file's text (a 1 GB file is never a 1 GB string).
 */
import { createReadStream } from 'node:fs';
import { type CsvOptions, type CsvTable, CsvTableBuilder } from '../data/csv.js';
import { CsvRecordParser } from '../data/csv-stream.js';
import { ArgumentError } from '../errors.js';

const CHUNK = 1 << 20;

export async function readCsv(path: string, options: CsvOptions = {}): Promise<CsvTable> {
  const builder = new CsvTableBuilder(options);
  let parser: CsvRecordParser;
  try {
    parser = new CsvRecordParser(builder.add, options.delimiter);
  } catch (e) {
    throw new ArgumentError(`${path}: ${(e as Error).message}`);
  }
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK });
  try {
    for await (const chunk of stream) parser.push(chunk as string);
    parser.end();
    return builder.finish(parser.usedDelimiter!);
  } catch (e) {
    stream.destroy();
    const err = e as NodeJS.ErrnoException;
    if (err instanceof ArgumentError) throw new ArgumentError(`${path}: ${err.message}`);
    if (err.code === 'ENOENT') throw new ArgumentError(`no such CSV file: ${path}`);
    if (err.code === 'EISDIR') throw new ArgumentError(`${path} is a folder, not a CSV file`);
    throw new ArgumentError(`cannot read ${path}: ${err.message}`);
  }
}
