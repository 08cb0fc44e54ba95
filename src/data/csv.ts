/**
 * CSV tables (RFC 4180: quoted fields, "" escapes, newlines inside quotes, CRLF). Parsing is
 * browser-safe; column kinds are inferred (a column is numeric when every present value parses
 * as a number) and missing values — empty, NA, NaN, null — are counted per column.
 */
import { ArgumentError } from '../errors.js';

export interface CsvOptions {
  delimiter?: string;
  /** Strings that mean "missing" (besides the empty field). Default NA, N/A, NaN, null, ?. */
  missing?: readonly string[];
}

const DEFAULT_MISSING = ['NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'];

export class CsvTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  private readonly missingValues: Set<string>;

  constructor(columns: string[], rows: string[][], missing: readonly string[] = DEFAULT_MISSING) {
    this.columns = columns;
    this.rows = rows;
    this.missingValues = new Set(missing);
  }

  get length(): number {
    return this.rows.length;
  }

  private index(name: string): number {
    const i = this.columns.indexOf(name);
    if (i < 0) throw new ArgumentError(`CSV has no column '${name}' (columns: ${this.columns.join(', ')})`);
    return i;
  }

  isMissing(value: string): boolean {
    return value.trim() === '' || this.missingValues.has(value.trim());
  }

  /** The raw strings of a column. */
  column(name: string): string[] {
    const i = this.index(name);
    return this.rows.map((r) => r[i]!);
  }

  /** A column as numbers; throws naming the row and value that is not one (or is missing). */
  numbers(name: string): Float64Array {
    const i = this.index(name);
    const out = new Float64Array(this.rows.length);
    this.rows.forEach((r, row) => {
      const raw = r[i]!;
      if (this.isMissing(raw)) {
        throw new ArgumentError(`CSV column '${name}': missing value at data row ${row + 1}`);
      }
      const v = Number(raw.trim());
      if (!Number.isFinite(v)) {
        throw new ArgumentError(`CSV column '${name}': '${raw}' at data row ${row + 1} is not a number`);
      }
      out[row] = v;
    });
    return out;
  }

  /** 'number' if every present value parses as a finite number, else 'string'. */
  kind(name: string): 'number' | 'string' {
    const i = this.index(name);
    let seen = false;
    for (const r of this.rows) {
      const raw = r[i]!;
      if (this.isMissing(raw)) continue;
      seen = true;
      if (!Number.isFinite(Number(raw.trim()))) return 'string';
    }
    return seen ? 'number' : 'string';
  }

  /** Missing values per column (only columns that have some). */
  missingCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    this.columns.forEach((name, i) => {
      const n = this.rows.reduce((c, r) => c + (this.isMissing(r[i]!) ? 1 : 0), 0);
      if (n > 0) counts[name] = n;
    });
    return counts;
  }

  /** Rows where none of `columns` is missing. */
  dropMissing(columns: readonly string[] = this.columns): CsvTable {
    const idx = columns.map((c) => this.index(c));
    const kept = this.rows.filter((r) => idx.every((i) => !this.isMissing(r[i]!)));
    return new CsvTable(
      [...this.columns],
      kept.map((r) => [...r]),
      [...this.missingValues],
    );
  }
}

export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"')
    throw new ArgumentError('parseCsv: delimiter must be one character, not "');
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let line = 1;
  let quoteStartLine = 0;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // strip a BOM
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      inQuotes = true;
      quoteStartLine = line;
    } else if (c === delimiter) {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      line++;
    } else {
      field += c;
    }
  }
  if (inQuotes)
    throw new ArgumentError(`parseCsv: a quoted field opened on line ${quoteStartLine} is never closed`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const nonEmpty = records.filter((r) => !(r.length === 1 && r[0] === ''));
  if (nonEmpty.length === 0) throw new ArgumentError('parseCsv: the file is empty');
  const header = nonEmpty[0]!.map((h) => h.trim());
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new ArgumentError(`parseCsv: column '${dup}' appears twice in the header`);
  const rows = nonEmpty.slice(1);
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new ArgumentError(
        `parseCsv: data row ${i + 1} has ${r.length} fields but the header has ${header.length}`,
      );
    }
  });
  return new CsvTable(header, rows, options.missing ?? DEFAULT_MISSING);
}
