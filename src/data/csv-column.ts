/**
 * One CSV column kept as typed storage while a file streams past: a float32 per cell (NaN when the
 * cell is missing or text) and, only once the column has met text, an Int32 text code per cell
 * (0 = not text). Storage grows in fixed blocks, so growing never copies and never over-allocates by
 * more than one block. Text values are kept once each in a dictionary; a column with more distinct
 * text values than MAX_TEXT_VALUES (a free-text or identifier column, useless as a feature) stops
 * keeping new ones and only counts them.
 */
import { ArgumentError } from '../errors.js';
import { formatFloat32, parseDecimal, trimBlanks } from './csv-number.js';

const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;
export const MAX_TEXT_VALUES = 1 << 16;
/** How many text cells of each column are remembered with their line, for error messages. */
const SAMPLES = 5;

export interface TextCell {
  /** 0-based data row. */
  row: number;
  /** File line the row starts on (the header is line 1). */
  line: number;
  value: string;
}

export class CsvColumn {
  private values: Float32Array[] = [];
  private codes: Int32Array[] | null = null;
  private dictionary = new Map<string, number>();
  /** Text values by code − 1. */
  readonly texts: string[] = [];
  length = 0;
  missing = 0;
  numeric = 0;
  text = 0;
  /** The column has more distinct text values than are kept. */
  textOverflow = false;
  readonly textSamples: TextCell[] = [];

  constructor(
    readonly name: string,
    private readonly missingValues: ReadonlySet<string>,
  ) {}

  add(raw: string, line: number): void {
    const row = this.length++;
    const b = row >>> BLOCK_BITS;
    if (b === this.values.length) {
      this.values.push(new Float32Array(BLOCK));
      this.codes?.push(new Int32Array(BLOCK));
    }
    const v = parseDecimal(raw);
    if (v !== null) {
      this.values[b]![row & MASK] = v;
      this.numeric++;
      return;
    }
    this.values[b]![row & MASK] = Number.NaN;
    const trimmed = trimBlanks(raw);
    if (trimmed === '' || this.missingValues.has(trimmed)) {
      this.missing++;
      return;
    }
    this.text++;
    if (this.textSamples.length < SAMPLES) this.textSamples.push({ row, line, value: raw });
    if (this.codes === null) this.codes = this.values.map(() => new Int32Array(BLOCK));
    let code = this.dictionary.get(raw);
    if (code === undefined) {
      if (this.texts.length >= MAX_TEXT_VALUES) {
        this.textOverflow = true;
        this.codes[b]![row & MASK] = -1; // text, its value not kept
        return;
      }
      // A copy: the cell may be a slice of a whole chunk of the file, which would stay alive with it.
      const own = JSON.parse(JSON.stringify(raw)) as string;
      this.texts.push(own);
      code = this.texts.length;
      this.dictionary.set(own, code);
    }
    this.codes[b]![row & MASK] = code;
  }

  /** The number in a row, or NaN when the cell is missing or text. */
  value(row: number): number {
    return this.values[row >>> BLOCK_BITS]![row & MASK]!;
  }

  /**
   * The text code of a row: a 1-based index into texts, 0 when the cell is a number or missing, −1
   * for text whose value was not kept (past MAX_TEXT_VALUES).
   */
  code(row: number): number {
    return this.codes === null ? 0 : this.codes[row >>> BLOCK_BITS]![row & MASK]!;
  }

  isMissing(row: number): boolean {
    return Number.isNaN(this.value(row)) && this.code(row) === 0;
  }

  /**
   * The cell as text: its own spelling for text, the shortest decimal for a number (kept as float32:
   * '3.50' reads back as '3.5'), '' when missing.
   */
  cell(row: number): string {
    const v = this.value(row);
    if (!Number.isNaN(v)) return formatFloat32(v);
    const code = this.code(row);
    if (code > 0) return this.texts[code - 1]!;
    if (code < 0)
      throw new ArgumentError(
        `CSV column '${this.name}' has more than ${MAX_TEXT_VALUES} distinct text values; they were counted, not kept`,
      );
    return '';
  }

  /** Hand the storage back (the table is done with this column). */
  release(): void {
    this.values = [];
    this.codes = null;
  }
}
