/**
 * Keras' CSVLogger (Node only): one row per epoch — the epoch (0-based, as Keras writes it) and
 * every log value — in a CSV file that a spreadsheet or pandas reads while training runs. The
 * header is the first epoch's log keys, sorted; a key missing in a later epoch is written 'NA'.
 * Each row is appended and flushed to the file as the epoch ends, in one write, so a crash leaves
 * whole rows. With `append`, a run resumed into an existing file keeps that file's columns.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { booleanOption, checkOptions, describeValue, stringOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Callback, Logs } from '../model/callbacks.js';

export interface CsvLoggerOptions {
  /** Between fields. Default ','. */
  separator?: string;
  /** Add to an existing file (its header kept) instead of starting it afresh. Default false. */
  append?: boolean;
}

/** A field quoted as RFC 4180 asks when it holds the separator, a quote or a line break. */
function field(text: string, separator: string): string {
  return text.includes(separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The fields of one CSV line (quotes undone). */
function parseLine(line: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(separator, i)) {
      out.push(current);
      current = '';
      i += separator.length - 1;
    } else current += ch;
  }
  out.push(current);
  return out;
}

export class CsvLogger implements Callback {
  readonly path: string;
  readonly separator: string;
  readonly append: boolean;
  /** The log keys of the columns after 'epoch', fixed by the first row (or an appended file's header). */
  private keys: string[] | null = null;

  constructor(path: string, options: CsvLoggerOptions = {}) {
    const c = 'csvLogger';
    this.path = stringOption(c, 'path', path);
    const o = checkOptions(c, options, ['separator', 'append']);
    this.separator = o.separator === undefined ? ',' : stringOption(c, 'separator', o.separator);
    if (/["\r\n]/.test(this.separator)) {
      throw new ArgumentError(
        `csvLogger: separator must not hold a quote or a line break, got ${describeValue(this.separator)}`,
      );
    }
    this.append = booleanOption(c, 'append', o.append, false);
  }

  onTrainBegin(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.keys = null;
    if (this.append && existsSync(this.path)) {
      const header = readFileSync(this.path, 'utf8').split(/\r?\n/, 1)[0]!;
      if (header !== '') this.keys = parseLine(header, this.separator).slice(1);
      return;
    }
    writeFileSync(this.path, '');
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    let text = '';
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      text += this.line(['epoch', ...this.keys]);
    }
    text += this.line([
      String(epoch),
      ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k]))),
    ]);
    appendFileSync(this.path, text);
    // Past the OS cache too: the rows of finished epochs survive a machine crash, not only a process one.
    const fd = openSync(this.path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private line(fields: readonly string[]): string {
    return `${fields.map((f) => field(f, this.separator)).join(this.separator)}\n`;
  }
}

/** Log each epoch's values as a row of the CSV file at `path`. */
export const csvLogger = (path: string, options?: CsvLoggerOptions): CsvLogger =>
  new CsvLogger(path, options);
