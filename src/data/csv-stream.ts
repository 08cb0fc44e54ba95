/**
 * An incremental CSV tokenizer (RFC 4180: quoted fields, "" escapes, line breaks inside quotes, LF,
 * CRLF or CR line ends, a leading BOM). Text is pushed in chunks of any size — a chunk may end in the
 * middle of a field, a quote pair or a CRLF — and each complete record is handed on as soon as it is
 * read, with the file line it starts on, so a large file never has to be held in memory whole.
 * Blank lines are skipped. The delimiter is given or detected from the first lines.
 */
import { describeValue } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { detectDelimiter } from './delimiter.js';

export type RecordSink = (fields: string[], line: number) => void;

/** How much text to gather before guessing the delimiter (or the whole file, if shorter). */
const DETECTION_SAMPLE = 64 * 1024;

/** A value given where CSV text was expected, for a message: 'the number 42', 'null', 'an array…'. */
export function describeInput(v: unknown): string {
  return typeof v === 'number' || typeof v === 'boolean' ? `the ${typeof v} ${v}` : describeValue(v);
}

export class CsvRecordParser {
  private delimiter: string | undefined;
  private delimiterCode = -1;
  private buffer = '';
  private line = 1;
  private started = false;
  private ended = false;

  constructor(
    private readonly onRecord: RecordSink,
    delimiter?: string,
  ) {
    if (delimiter !== undefined) this.setDelimiter(delimiter);
  }

  /** The delimiter in use (known once enough text has been pushed, or given). */
  get usedDelimiter(): string | undefined {
    return this.delimiter;
  }

  private setDelimiter(d: string): void {
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r')
      throw new ArgumentError(
        `CSV delimiter must be one character other than a quote or a line break, got ${JSON.stringify(d)}`,
      );
    this.delimiter = d;
    this.delimiterCode = d.charCodeAt(0);
  }

  push(chunk: string): void {
    if (this.ended) throw new ArgumentError('CsvRecordParser: push() after end()');
    if (typeof chunk !== 'string')
      throw new ArgumentError(`CsvRecordParser: push() takes text (a string), got ${describeInput(chunk)}`);
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.buffer = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    if (this.delimiter === undefined) {
      if (this.buffer.length < DETECTION_SAMPLE) return;
      this.setDelimiter(detectDelimiter(this.buffer.slice(0, DETECTION_SAMPLE)));
    }
    this.consume(false);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.delimiter === undefined) this.setDelimiter(detectDelimiter(this.buffer, true));
    this.consume(true);
  }

  /** Emit every complete record in the buffer; keep the unfinished tail for the next chunk. */
  private consume(final: boolean): void {
    const s = this.buffer;
    const n = s.length;
    const d = this.delimiterCode;
    let start = 0; // where the record being read begins
    outer: while (start < n) {
      const fields: string[] = [];
      let p = start;
      let lines = 0; // line breaks inside quoted fields of this record
      for (;;) {
        let value: string;
        if (s.charCodeAt(p) === 34) {
          // A quoted field: find the closing quote that is not part of a "" pair.
          let q = p + 1;
          let escaped = false;
          for (;;) {
            q = s.indexOf('"', q);
            if (q < 0 || (q === n - 1 && !final)) {
              if (final) this.unclosed(start, p);
              break outer; // wait for more text
            }
            if (s.charCodeAt(q + 1) === 34) {
              escaped = true;
              q += 2;
              continue;
            }
            break;
          }
          value = s.slice(p + 1, q);
          lines += countLineBreaks(value);
          if (escaped) value = value.replaceAll('""', '"');
          p = q + 1;
          // Text after the closing quote (`"ab"c`) is kept, literally, as part of the field.
          const rest = p;
          while (p < n) {
            const c = s.charCodeAt(p);
            if (c === d || c === 10 || c === 13) break;
            p++;
          }
          if (p > rest) value += s.slice(rest, p);
        } else {
          const from = p;
          while (p < n) {
            const c = s.charCodeAt(p);
            if (c === d || c === 10 || c === 13) break;
            p++;
          }
          value = s.slice(from, p);
        }
        fields.push(value);
        if (p >= n) {
          if (!final) break outer;
          this.emit(fields, lines);
          start = n;
          break;
        }
        const c = s.charCodeAt(p);
        if (c === d) {
          p++;
          if (p >= n && !final) break outer;
          if (p >= n) {
            fields.push('');
            this.emit(fields, lines);
            start = n;
            break;
          }
          continue;
        }
        // A line break ends the record; a CR at the end of a chunk may be the first half of a CRLF.
        if (c === 13) {
          if (p + 1 >= n && !final) break outer;
          p += s.charCodeAt(p + 1) === 10 ? 2 : 1;
        } else p++;
        this.emit(fields, lines);
        start = p;
        break;
      }
    }
    this.buffer = start >= n ? '' : s.slice(start);
  }

  private emit(fields: string[], innerLines: number): void {
    const line = this.line;
    this.line += innerLines + 1;
    if (fields.length === 1 && fields[0] === '') return; // a blank line
    this.onRecord(fields, line);
  }

  private unclosed(recordStart: number, quoteAt: number): never {
    const before = countLineBreaks(this.buffer.slice(recordStart, quoteAt));
    throw new ArgumentError(`a quoted field opened on line ${this.line + before} is never closed`);
  }
}

/** Line breaks in a text: LF, CRLF and lone CR each count once. */
function countLineBreaks(s: string): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) k++;
    else if (c === 13) {
      k++;
      if (s.charCodeAt(i + 1) === 10) i++;
    }
  }
  return k;
}
