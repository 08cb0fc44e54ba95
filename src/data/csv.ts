/**
 * CSV tables (RFC 4180: quoted fields, "" escapes, newlines inside quotes, CRLF), kept column by
 * column in typed storage (csv-column.ts) rather than as rows of strings: a float32 per numeric
 * cell, a code per text cell. Parsing is browser-safe; `readCsv` (Node) streams a file through the
 * same builder chunk by chunk. The delimiter (`,` `;` tab `|`) is detected unless given. Numbers are
 * plain decimals only (csv-number.ts); missing values — empty, NA, N/A, NaN, null, ? — are counted
 * per column.
 */
import { ArgumentError } from '../errors.js';
import { CsvColumn, type TextCell } from './csv-column.js';
import { trimBlanks } from './csv-number.js';
import { CsvRecordParser, describeInput } from './csv-stream.js';

export interface CsvOptions {
  /** One character; by default detected from the first lines among `,` `;` tab `|`. */
  delimiter?: string;
  /** Strings that mean "missing" (besides the empty field). Default NA, N/A, NaN, null, ?. */
  missing?: readonly string[];
}

export const DEFAULT_MISSING = ['NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'];

/** What a column holds: counts of numeric, text and missing cells, and the first text cells. */
export interface ColumnProfile {
  numeric: number;
  text: number;
  missing: number;
  /** Distinct text values (a lower bound when textOverflow). */
  distinctText: number;
  textOverflow: boolean;
  textSamples: readonly TextCell[];
}

export class CsvTable {
  readonly columns: readonly string[];
  /** The delimiter the file was read with. */
  readonly delimiter: string;
  private readonly data: readonly CsvColumn[];
  private readonly missingValues: ReadonlySet<string>;

  constructor(columns: readonly CsvColumn[], delimiter: string, missing: ReadonlySet<string>) {
    this.data = columns;
    this.columns = columns.map((c) => c.name);
    this.delimiter = delimiter;
    this.missingValues = missing;
  }

  get length(): number {
    return this.data[0]?.length ?? 0;
  }

  /** The rows as strings (numbers in their shortest float32 spelling) — for small tables. */
  get rows(): string[][] {
    return Array.from({ length: this.length }, (_, i) => this.data.map((c) => c.cell(i)));
  }

  /** The typed storage of a column. */
  get(name: string): CsvColumn {
    const i = this.columns.indexOf(name);
    if (i < 0) throw new ArgumentError(`CSV has no column '${name}' (columns: ${this.columns.join(', ')})`);
    return this.data[i]!;
  }

  isMissing(value: string): boolean {
    const t = trimBlanks(value);
    return t === '' || this.missingValues.has(t);
  }

  /** A column's cells as strings ('' when missing). */
  column(name: string): string[] {
    const c = this.get(name);
    return Array.from({ length: c.length }, (_, i) => c.cell(i));
  }

  /** A column as numbers; throws naming the row, line and value that is not one (or is missing). */
  numbers(name: string): Float64Array {
    const c = this.get(name);
    const out = new Float64Array(c.length);
    for (let row = 0; row < c.length; row++) {
      const v = c.value(row);
      if (Number.isNaN(v)) {
        if (c.isMissing(row))
          throw new ArgumentError(`CSV column '${name}': missing value at data row ${row + 1}`);
        const sample = c.textSamples.find((s) => s.row === row);
        throw new ArgumentError(
          `CSV column '${name}': ${sample ? `'${sample.value}'` : 'the cell'} at data row ${row + 1} is not a number${sample ? ` (line ${sample.line})` : ''}`,
        );
      }
      out[row] = v;
    }
    return out;
  }

  /** 'number' if every present value is a number (and there is one), else 'string'. */
  kind(name: string): 'number' | 'string' {
    const c = this.get(name);
    return c.text === 0 && c.numeric > 0 ? 'number' : 'string';
  }

  profile(name: string): ColumnProfile {
    const c = this.get(name);
    return {
      numeric: c.numeric,
      text: c.text,
      missing: c.missing,
      distinctText: c.texts.length,
      textOverflow: c.textOverflow,
      textSamples: c.textSamples,
    };
  }

  /** Missing values per column (only columns that have some). */
  missingCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.data) if (c.missing > 0) counts[c.name] = c.missing;
    return counts;
  }

  /** Rows where none of `columns` is missing (a copy; for small tables). */
  dropMissing(columns: readonly string[] = this.columns): CsvTable {
    const check = columns.map((c) => this.get(c));
    const builder = new CsvTableBuilder({ missing: [...this.missingValues] });
    builder.add([...this.columns], 1);
    for (let i = 0; i < this.length; i++)
      if (check.every((c) => !c.isMissing(i)))
        builder.add(
          this.data.map((c) => c.cell(i)),
          i + 2,
        );
    return builder.finish(this.delimiter);
  }

  /** Free the storage of every column (the table must not be used after). */
  release(): void {
    for (const c of this.data) c.release();
  }
}

/** Collects records (header first) into a CsvTable. */
export class CsvTableBuilder {
  private header: string[] | null = null;
  private columns: CsvColumn[] = [];
  private readonly missing: ReadonlySet<string>;

  constructor(options: Pick<CsvOptions, 'missing'> = {}) {
    this.missing = new Set(options.missing ?? DEFAULT_MISSING);
  }

  readonly add = (fields: string[], line: number): void => {
    if (this.header === null) {
      const header = fields.map((h) => trimBlanks(h));
      const dup = header.find((h, i) => header.indexOf(h) !== i);
      if (dup !== undefined) throw new ArgumentError(`column '${dup}' appears twice in the header`);
      this.header = header;
      this.columns = header.map((h) => new CsvColumn(h, this.missing));
      return;
    }
    if (fields.length !== this.columns.length) {
      const row = (this.columns[0]?.length ?? 0) + 1;
      throw new ArgumentError(
        `data row ${row} has ${fields.length} fields but the header has ${this.columns.length} (line ${line})`,
      );
    }
    for (let j = 0; j < fields.length; j++) this.columns[j]!.add(fields[j]!, line);
  };

  finish(delimiter: string): CsvTable {
    if (this.header === null) throw new ArgumentError('the file is empty');
    return new CsvTable(this.columns, delimiter, this.missing);
  }
}

/** The text of parseCsv's input; anything else would fail deep in the parser with a TypeError. */
function csvText(text: unknown): string {
  if (typeof text === 'string') return text;
  if (text instanceof Uint8Array) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      throw new ArgumentError(`text is not valid UTF-8 (a Uint8Array of ${text.length} bytes)`);
    }
  }
  throw new ArgumentError(`text must be a string or a Uint8Array of UTF-8 bytes, got ${describeInput(text)}`);
}

/** Parse CSV text (in memory): a string, or UTF-8 bytes (a Uint8Array, such as a Node Buffer). */
export function parseCsv(text: string | Uint8Array, options: CsvOptions = {}): CsvTable {
  try {
    const builder = new CsvTableBuilder(options);
    const parser = new CsvRecordParser(builder.add, options.delimiter);
    parser.push(csvText(text));
    parser.end();
    return builder.finish(parser.usedDelimiter!);
  } catch (e) {
    if (e instanceof ArgumentError) throw new ArgumentError(`parseCsv: ${e.message}`);
    throw e;
  }
}
