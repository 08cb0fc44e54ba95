/**
 * Checks for options that users (and config files) hand to constructors, compile() and fit().
 * Every check throws an ArgumentError naming the component (`Dense 'dense_1'`, `Adam`, `fit()`),
 * the option, the bad value and what is allowed, so a typo or a wrong type is reported where it
 * was written instead of surfacing later as a TypeError or a NaN. These run once per constructor
 * or per fit/compile call, never per batch.
 */
import { ArgumentError } from '../errors.js';

export type Options = Record<string, unknown>;

/** Longest text of a bad value quoted in a message (a 1 MB string should not become the message). */
const QUOTE_LIMIT = 40;

/** A short, safe rendering of any value for an error message (never throws, never huge). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const text = value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value;
      return `'${text}' (a string)`;
    }
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'symbol':
      return `a symbol (${value.description ?? ''})`;
    case 'function':
      return 'a function';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor?.name ?? 'typed array'}`;
  const keys = Object.keys(value as object);
  const shown = keys.slice(0, 4).join(', ');
  return keys.length === 0 ? 'an empty object' : `an object { ${shown}${keys.length > 4 ? ', …' : ''} }`;
}

/** Lower case without separators: 'learning_rate', 'LearningRate' and 'learningRate' are one name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

/** Levenshtein distance; inputs are cut to 64 characters so a huge string costs nothing. */
export function editDistance(a: string, b: string): number {
  const s = a.slice(0, 64);
  const t = b.slice(0, 64);
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const substitution = previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[t.length]!;
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The candidate closest to `name` (ignoring case and '_'), if one is close enough to be a typo. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = normalizeName(name);
  // A third of the name (at least 2 edits) still reads as a typo; beyond that it is another word,
  // unless one name contains the other ('name' → 'className') or they share a stem ('reduce').
  const typo = Math.max(2, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const other = normalizeName(candidate);
    const d = editDistance(wanted, other);
    const related =
      d <= typo ||
      (wanted.length >= 3 && (other.includes(wanted) || wanted.includes(other))) ||
      commonPrefix(wanted, other) >= 5;
    if (related && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** " — did you mean 'epochs'?" or " (known: a, b, c)". */
export function suggestion(name: string, candidates: readonly string[], noun = 'known'): string {
  const near = nearestName(name, candidates);
  return near !== undefined ? ` — did you mean '${near}'?` : ` (${noun}: ${candidates.join(', ')})`;
}

/** True for values usable as an options bag: a non-null, non-array object. */
export function isOptionsObject(value: unknown): value is Options {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/**
 * The options object itself, checked: undefined gives {}; anything but an object is refused; every
 * own key must be in `known`. Keys in `unsupported` are refused with their reason (options Keras
 * has that backprop does not implement). `what` names the object in messages ('options', 'config').
 */
export function checkOptions(
  component: string,
  value: unknown,
  known: readonly string[],
  unsupported: Readonly<Record<string, string>> = {},
  what = 'options',
): Options {
  if (value === undefined) return {};
  if (!isOptionsObject(value)) {
    throw new ArgumentError(`${component}: ${what} must be an object, got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    if (Object.hasOwn(unsupported, key)) {
      throw new ArgumentError(`${component}: option '${key}' is not supported — ${unsupported[key]}`);
    }
    throw new ArgumentError(
      `${component}: unknown option '${key}'${suggestion(key, known, 'known options')}`,
    );
  }
  return value;
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** The bound itself is not allowed. */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

/** "a positive integer", "a number in [0, 1)", "a finite number ≥ 0"… */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'integer' : 'number';
  const { min, max } = rule;
  // "a finite …": NaN and ±Infinity are refused too, which "a number" would not say.
  if (min === 0 && rule.minExclusive && max === undefined) return `a positive ${kind}`;
  if (min !== undefined && max !== undefined) {
    const interval = `${rule.minExclusive ? '(' : '['}${min}, ${max}${rule.maxExclusive ? ')' : ']'}`;
    return rule.integer ? `an integer in ${interval}` : `in ${interval}`;
  }
  const a = rule.integer ? 'an integer' : 'a finite number';
  if (min !== undefined) return `${a} ${rule.minExclusive ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${a} ${rule.maxExclusive ? '<' : '≤'} ${max}`;
  return a;
}

/** True when `value` is a finite number satisfying `rule`. */
export function satisfies(value: unknown, rule: NumberRule): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isSafeInteger(value)) return false;
  const { min, max } = rule;
  if (min !== undefined && (rule.minExclusive ? !(value > min) : !(value >= min))) return false;
  if (max !== undefined && (rule.maxExclusive ? !(value < max) : !(value <= max))) return false;
  return true;
}

/** A number option: `fallback` when undefined, else checked against `rule`. */
export function numberOption(
  component: string,
  name: string,
  value: unknown,
  rule: NumberRule,
  fallback?: number,
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!satisfies(value, rule)) {
    throw new ArgumentError(
      `${component}: ${name} must be ${describeRule(rule)}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Like numberOption, but undefined stays undefined (an option that is off unless given). */
export function optionalNumber(
  component: string,
  name: string,
  value: unknown,
  rule: NumberRule,
): number | undefined {
  return value === undefined ? undefined : numberOption(component, name, value, rule);
}

export function booleanOption(component: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ArgumentError(`${component}: ${name} must be true or false, got ${describeValue(value)}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function enumOption<T extends string>(
  component: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const near = typeof value === 'string' ? nearestName(value, allowed) : undefined;
    throw new ArgumentError(
      `${component}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}` +
        (near !== undefined ? ` — did you mean '${near}'?` : ''),
    );
  }
  return value as T;
}

/** A non-empty string. */
export function stringOption(component: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ArgumentError(`${component}: ${name} must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Named things (optimisers, losses, metrics, activations…) looked up by own entries only, so
 * 'constructor' or '__proto__' are unknown names rather than Object.prototype's members. Names
 * match ignoring case and '_' ('categorical_crossentropy' is 'categoricalCrossentropy').
 */
export class NameRegistry<T> {
  private readonly byKey = new Map<string, T>();
  /** The names listed in messages (the canonical spellings, not every alias). */
  readonly names: readonly string[];

  constructor(
    readonly kind: string,
    entries: readonly (readonly [string, T])[],
    aliases: readonly (readonly [string, string])[] = [],
  ) {
    for (const [name, value] of entries) this.byKey.set(normalizeName(name), value);
    for (const [alias, target] of aliases) {
      const value = this.byKey.get(normalizeName(target));
      if (value === undefined)
        throw new Error(`NameRegistry(${kind}): alias '${alias}' of unknown '${target}'`);
      this.byKey.set(normalizeName(alias), value);
    }
    this.names = entries.map(([name]) => name);
  }

  has(name: string): boolean {
    return this.byKey.has(normalizeName(name));
  }

  /** The entry for `name`; `component` prefixes the error ('compile(): ' or 'Dense 'd': '). */
  get(name: unknown, component = ''): T {
    const prefix = component === '' ? '' : `${component}: `;
    if (typeof name !== 'string') {
      throw new ArgumentError(`${prefix}${this.kind} must be a name (string), got ${describeValue(name)}`);
    }
    const value = this.byKey.get(normalizeName(name));
    if (value === undefined) {
      const text = name.length > QUOTE_LIMIT ? `${name.slice(0, QUOTE_LIMIT)}…` : name;
      throw new ArgumentError(`${prefix}unknown ${this.kind} '${text}'${suggestion(name, this.names)}`);
    }
    return value;
  }
}

/**
 * Run `make` and prefix any ArgumentError it throws with `context` (the layer and option), so an
 * error from a nested spec (an initializer inside a Dense config) still says where it was written.
 */
export function withContext<T>(context: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ArgumentError) throw new ArgumentError(`${context}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * An entry of a foreign config (Keras') that backprop has no counterpart for, read only while it is
 * off: `off` says when it changes nothing, `why` is the refusal otherwise.
 */
export interface OffOnlyEntry {
  off: (value: unknown) => boolean;
  why: string;
}

/** Refuse `value` of `key` unless `entry` calls it off, naming the component, the key and why. */
export function requireOff(component: string, key: string, value: unknown, entry: OffOnlyEntry): void {
  if (!entry.off(value))
    throw new ArgumentError(
      `${component}: option '${key}' ${describeValue(value)} is not supported — ${entry.why}`,
    );
}

/** A window size, stride or dilation: one integer for both axes, or [height, width]. */
export function pairOption(
  component: string,
  name: string,
  value: unknown,
  rule: NumberRule,
  fallback?: [number, number] | number,
): [number, number] {
  const v = value === undefined ? fallback : value;
  if (typeof v === 'number' && satisfies(v, rule)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && satisfies(v[0], rule) && satisfies(v[1], rule)) {
    return [v[0], v[1]];
  }
  const shown = Array.isArray(v) && v.length <= 4 ? `[${v.map(describeValue).join(', ')}]` : describeValue(v);
  throw new ArgumentError(
    `${component}: ${name} must be ${describeRule(rule)} or a pair of them, got ${shown}`,
  );
}

/**
 * The class name and config of a serialised object: backprop's and TF.js's `{ className, config }`
 * or Keras' `{ class_name, config, module, registered_name }` (config may be left out). Other keys
 * are refused, with the nearest valid one. `config` is returned as written (undefined if absent).
 */
export function classSpec(component: string, spec: object): { className: unknown; config: unknown } {
  const keras = Object.hasOwn(spec, 'class_name');
  const o = checkOptions(
    component,
    spec,
    keras ? ['class_name', 'config', 'module', 'registered_name'] : ['className', 'config'],
  );
  return { className: keras ? o.class_name : o.className, config: o.config };
}
