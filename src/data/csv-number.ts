/**
 * What counts as a number in a CSV cell. Only plain decimal notation: an optional sign, digits with
 * an optional decimal point, an optional exponent (`-1.5`, `.5`, `3.`, `2e-3`). JavaScript's
 * `Number()` would also accept `0x10`, `0b11`, `0o7`, `Infinity`, `''` (as 0) and inner newlines,
 * so a column of hex codes or a stray blank would silently become numbers. Spaces and tabs around
 * the value are allowed (`1, 2` files); anything else is text. `Infinity` and values that overflow
 * to it (`1e400`) are not numbers here: a model cannot scale them. `NaN` is one of the missing-value
 * spellings, not a number.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as a finite number, or null when it is not written as a plain decimal number. */
export function parseDecimal(cell: string): number | null {
  const s = trimBlanks(cell);
  if (!DECIMAL.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** Trim ASCII spaces and tabs only (not newlines or other Unicode spaces, which mean text). */
export function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * The shortest decimal spelling of a float32 value (0.1, not 0.10000000149011612): how a number kept
 * as float32 is named when it is shown or used as a category.
 */
export function formatFloat32(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}
