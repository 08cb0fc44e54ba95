/**
 * modelCheckpoint's filepath as Keras reads it: `filepath.format(epoch=epoch + 1, **logs)`, so
 * 'w-{epoch:02d}-{val_loss:.3f}' names each save by its epoch and its logged values. Python's
 * str.format rules: '{{' and '}}' are literal braces; a field is a name and an optional format
 * spec ([[fill]align][sign][#][0][width][,|_][.precision][type], type one of d f F e E g G % or
 * none). As in Keras the epoch is an integer and the logged values are floats ({loss:d} is
 * refused; {loss} prints like Python's repr, 1.0 as '1.0'). The template is parsed once, when the
 * callback is made; each save only fills it in.
 */
import { nearestName } from '../../config/options.js';
import { ArgumentError } from '../../errors.js';

interface FormatSpec {
  fill: string;
  align: '<' | '>' | '^' | '=';
  sign: '' | '+' | ' ';
  alternate: boolean;
  width: number;
  grouping: '' | ',' | '_';
  precision: number | undefined;
  type: '' | 'd' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%';
}

type Part = string | { key: string; field: string; spec: FormatSpec };

const SPEC = /^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([dfFeEgG%])?$/s;
const SPEC_HELP = '[[fill]align][sign][#][0][width][,][.precision][type], type one of d f F e E g G %';
/** toFixed and toExponential take at most 100 digits. */
const MAX_PRECISION = 100;

export class FilepathTemplate {
  private readonly parts: Part[];

  constructor(
    private readonly component: string,
    readonly template: string,
  ) {
    this.parts = this.parse();
  }

  /** True when the path has a field to fill in (else every save goes to the same path, as written). */
  get hasFields(): boolean {
    return this.parts.some((p) => typeof p !== 'string');
  }

  /** The path for the save after `epoch` (0-based: filled in 1-based, as Keras). */
  fill(epoch: number, logs: Readonly<Record<string, number>>): string {
    return this.parts
      .map((p) => {
        if (typeof p === 'string') return p;
        if (p.key === 'epoch') return formatValue(epoch + 1, true, p.spec, () => this.badSpec(p.field));
        const value = Object.hasOwn(logs, p.key) ? logs[p.key] : undefined;
        if (value === undefined) throw this.unknownKey(p, logs);
        return formatValue(value, false, p.spec, () => this.badSpec(p.field, `'${p.key}' is a float`));
      })
      .join('');
  }

  private parse(): Part[] {
    const t = this.template;
    const parts: Part[] = [];
    let text = '';
    for (let i = 0; i < t.length; i++) {
      const ch = t[i]!;
      if ((ch === '{' || ch === '}') && t[i + 1] === ch) {
        text += ch;
        i++;
      } else if (ch === '}') {
        throw this.error(`has a single '}' at character ${i + 1} (write '}}' for a literal brace)`);
      } else if (ch === '{') {
        const end = t.indexOf('}', i);
        if (end < 0)
          throw this.error(
            `has a '{' with no closing '}' at character ${i + 1} (write '{{' for a literal brace)`,
          );
        parts.push(text, this.field(t.slice(i, end + 1)));
        text = '';
        i = end;
      } else {
        text += ch;
      }
    }
    parts.push(text);
    return parts.filter((p) => p !== '');
  }

  /** One '{name:spec}' field. */
  private field(field: string): Part {
    const inner = field.slice(1, -1);
    const colon = inner.indexOf(':');
    const key = colon < 0 ? inner : inner.slice(0, colon);
    if (key === '' || /[{![.]/.test(key)) {
      throw this.error(
        `has the field '${field}': a field is a log name, e.g. {epoch:02d} or {val_loss:.4f} ` +
          '(no positional {}, conversions (!r), indexing or nested fields)',
      );
    }
    const spec = parseSpec(colon < 0 ? '' : inner.slice(colon + 1));
    if (spec === null) throw this.badSpec(field);
    return { key, field, spec };
  }

  private unknownKey(
    p: { key: string; field: string },
    logs: Readonly<Record<string, number>>,
  ): ArgumentError {
    const available = ['epoch', ...Object.keys(logs)];
    const near = nearestName(p.key, available);
    return this.error(
      `uses '${p.field}', but '${p.key}' is not in the training logs` +
        `${near === undefined ? '' : ` — did you mean '${near}'?`} (available: ${available.join(', ')})`,
    );
  }

  private badSpec(field: string, why = ''): ArgumentError {
    return this.error(
      `has the field '${field}' whose format spec is not supported${why === '' ? '' : ` (${why})`}; ` +
        `a spec is ${SPEC_HELP}`,
    );
  }

  private error(what: string): ArgumentError {
    return new ArgumentError(`${this.component}: filepath '${this.template}' ${what}`);
  }
}

function parseSpec(spec: string): FormatSpec | null {
  const m = SPEC.exec(spec);
  if (!m) return null;
  const [, fill, align, sign, alternate, zero, width, grouping, precision, type] = m;
  if (precision !== undefined && Number(precision) > MAX_PRECISION) return null;
  // Python: a '0' before the width, with no alignment given, pads with zeros after the sign.
  const zeroPad = zero !== undefined && align === undefined;
  return {
    fill: fill ?? (zeroPad ? '0' : ' '),
    align: (align ?? (zeroPad ? '=' : '>')) as FormatSpec['align'],
    sign: sign === '-' || sign === undefined ? '' : (sign as '+' | ' '),
    alternate: alternate !== undefined,
    width: width === undefined ? 0 : Number(width),
    grouping: (grouping ?? '') as FormatSpec['grouping'],
    precision: precision === undefined ? undefined : Number(precision),
    type: (type ?? '') as FormatSpec['type'],
  };
}

/** `value` as Python's format(value, spec) gives it, for an int (`integer`) or a float. */
function formatValue(value: number, integer: boolean, spec: FormatSpec, bad: () => Error): string {
  if (spec.type === 'd' && !integer) throw bad();
  const negative = value < 0 || Object.is(value, -0);
  let body = digits(Math.abs(value), integer, spec);
  if (spec.grouping !== '') body = group(body, spec.grouping);
  const sign = negative ? '-' : spec.sign;
  return pad(sign, body, spec);
}

/** The digits of |value| (no sign) for the spec's type and precision. */
function digits(a: number, integer: boolean, spec: FormatSpec): string {
  const upper = spec.type === 'F' || spec.type === 'E' || spec.type === 'G';
  if (!Number.isFinite(a)) return Number.isNaN(a) ? (upper ? 'NAN' : 'nan') : upper ? 'INF' : 'inf';
  const p = spec.precision;
  switch (spec.type) {
    case 'd':
      return BigInt(a).toString();
    case 'f':
    case 'F':
      return toFixed(a, p ?? 6);
    case 'e':
    case 'E':
      return exponential(a, p ?? 6, upper);
    case 'g':
    case 'G':
      return general(a, p ?? 6, spec.alternate, upper);
    case '%':
      return `${toFixed(a * 100, p ?? 6)}%`;
    default:
      if (integer && p === undefined) return BigInt(a).toString();
      if (p === undefined) return floatRepr(a);
      // No type with a precision: 'g', but exponential from one digit sooner, and a fixed-point
      // result keeps a digit after the point (Python: format(100.0, '.3') is '1e+02').
      return withPoint(general(a, p, spec.alternate, false, 1));
  }
}

/**
 * JS's toFixed and toExponential round an exact tie up (2.5 → '3'); Python rounds it to even
 * ('2'). With 30 more digits a tie shows as '5' then zeros: keep the cut-off digits when the
 * last kept one is even, else the rounded-up text (whose last digit is then even).
 */
const TIE_DIGITS = 30;

function toFixed(a: number, digits: number): string {
  const long = a.toFixed(Math.min(MAX_PRECISION, digits + TIE_DIGITS));
  const point = long.indexOf('.');
  const cut = point + 1 + digits;
  if (!/^50*$/.test(long.slice(cut))) return a.toFixed(digits);
  const kept = long.slice(0, digits === 0 ? point : cut);
  return Number(kept.at(-1)) % 2 === 0 ? kept : a.toFixed(digits);
}

function toExponential(a: number, digits: number): string {
  const long = a.toExponential(Math.min(MAX_PRECISION, digits + TIE_DIGITS));
  const e = long.indexOf('e');
  const cut = 2 + digits; // past 'd.' and the digits kept
  if (!/^50*$/.test(long.slice(cut, e))) return a.toExponential(digits);
  const kept = long.slice(0, digits === 0 ? 1 : cut);
  return Number(kept.at(-1)) % 2 === 0 ? kept + long.slice(e) : a.toExponential(digits);
}

/** '1.500e-05': Python's exponent has a sign and at least two digits. */
function exponential(a: number, precision: number, upper: boolean): string {
  const [mantissa, exp] = toExponential(a, precision).split('e') as [string, string];
  const e = Number(exp);
  return `${mantissa}${upper ? 'E' : 'e'}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/**
 * Python's 'g': fixed point when −4 ≤ exponent < precision (− `sooner`), else exponential; no
 * trailing zeros.
 */
function general(a: number, precision: number, alternate: boolean, upper: boolean, sooner = 0): string {
  const p = Math.max(1, precision);
  const exp = a === 0 ? 0 : Number(toExponential(a, p - 1).split('e')[1]);
  const text = exp >= -4 && exp < p - sooner ? toFixed(a, p - 1 - exp) : exponential(a, p - 1, upper);
  if (alternate) return text;
  const [mantissa, exponent = ''] = text.split(/(?=[eE])/) as [string, string?];
  return (mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa) + exponent;
}

/** Python's repr of a float: shortest digits, fixed point for 1e-4 ≤ a < 1e16 ('1.0', '0.0001', '1e-05'). */
function floatRepr(a: number): string {
  const [mantissa, exp] = a.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const ds = mantissa.replace('.', '');
  if (e < 0) return `0.${'0'.repeat(-e - 1)}${ds}`;
  const whole = ds.slice(0, e + 1).padEnd(e + 1, '0');
  return `${whole}.${ds.slice(e + 1) || '0'}`;
}

function withPoint(text: string): string {
  return /[.eEn]/.test(text) ? text : `${text}.0`;
}

/** Separators every three digits of the integer part (the leading run of digits). */
function group(body: string, separator: string): string {
  const m = /^\d+/.exec(body);
  if (!m) return body;
  const whole = m[0].replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  return whole + body.slice(m[0].length);
}

function pad(sign: string, body: string, spec: FormatSpec): string {
  const n = spec.width - sign.length - body.length;
  if (n <= 0) return sign + body;
  const fill = (k: number) => spec.fill.repeat(k);
  switch (spec.align) {
    case '<':
      return sign + body + fill(n);
    case '^':
      return fill(Math.floor(n / 2)) + sign + body + fill(n - Math.floor(n / 2));
    case '=':
      return sign + fill(n) + body;
    default:
      return fill(n) + sign + body;
  }
}
