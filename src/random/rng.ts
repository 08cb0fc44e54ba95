/**
 * A seedable random number generator that gives the same numbers on every platform.
 *
 * Why not Math.random: it cannot be seeded. Why not Math.log/Math.cos for normals: the ECMAScript
 * spec lets engines approximate them differently, so two browsers could draw different weights from
 * the same seed. Everything here uses only integer ops and correctly-rounded float ops (+ − × ÷ √),
 * which IEEE 754 makes identical everywhere.
 */

import { ArgumentError } from '../errors.js';

/** What Rng.getState() returns: plain JSON. */
export interface RngState {
  s: number[];
  spare: number | null;
}

/** xoshiro128** (Blackman & Vigna): 128-bit state, 32-bit output, passes BigCrush. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 42) {
    this.seed(seed);
  }

  /** Reset the state from a seed (any finite number; non-integers are truncated). */
  seed(seed: number): void {
    // splitmix32 spreads the seed over the state so nearby seeds give unrelated streams.
    let x = Math.trunc(seed) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
  }

  /**
   * The generator's whole state (for checkpoints): four 32-bit words and the pending normal, so
   * `setState(getState())` continues the exact same stream.
   */
  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  setState(state: RngState): void {
    const { s, spare } = state;
    if (
      !Array.isArray(s) ||
      s.length !== 4 ||
      !s.every((w) => Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 32)
    )
      throw new ArgumentError(`Rng.setState(): s must be four 32-bit integers, got ${JSON.stringify(s)}`);
    if (spare !== null && !Number.isFinite(spare))
      throw new ArgumentError(`Rng.setState(): spare must be a finite number or null, got ${spare}`);
    if (s.every((w) => w === 0)) throw new ArgumentError('Rng.setState(): an all-zero state never changes');
    [this.s0, this.s1, this.s2, this.s3] = s.map((w) => w | 0) as [number, number, number, number];
    this.spare = spare;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), with 24 random bits so the value is exact in float32. */
  uniform(): number {
    return (this.nextUint32() >>> 8) * 2 ** -24;
  }

  /**
   * Fill `out` with uniform() draws — the same values, in the same order, as calling uniform()
   * out.length times — with the state in locals: several times faster for the large buffers that
   * sampling (e.g. an RBM's binary units) needs.
   */
  fillUniform(out: Float32Array | Float64Array): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = (result >>> 8) * 2 ** -24;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * out[i] = uniform() < p ? value : 0 — the same draws, in the same order, as uniform() — in bulk
   * (a dropout mask: a million draws a batch for a wide layer): fillUniform's draws are exact in
   * float32 (24 bits), then one pass picks, indexed by the comparison rather than branching on it
   * (a random branch mispredicts).
   */
  fillBernoulli(out: Float32Array, p: number, value: number): void {
    this.fillUniform(out);
    const pick = Float32Array.of(0, value);
    for (let i = 0; i < out.length; i++) out[i] = pick[+(out[i]! < p)]!;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal, by Marsaglia's polar method (with a deterministic log). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * detLog(s)) / s);
        this.spare = v * f;
        return u * f;
      }
    }
  }

  /**
   * Fisher–Yates shuffle of 0…n-1: j = int(i + 1) for i from n − 1 down, the same draws as int()
   * gives, taken in bulk by fillUniform (fit() draws 60,000 per epoch on MNIST).
   */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    const u = new Float32Array(Math.max(0, n - 1));
    this.fillUniform(u);
    for (let i = n - 1, d = 0; i > 0; i--, d++) {
      const j = Math.floor(u[d]! * (i + 1));
      const v = p[i]!;
      p[i] = p[j]!;
      p[j] = v;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LN2 = Math.LN2;
const SQRT2 = Math.SQRT2;

/** Natural log from + − × ÷ only: x = m·2^e with m in [√½, √2), ln m = 2·atanh((m−1)/(m+1)). */
export function detLog(x: number): number {
  if (!(x > 0) || x === Number.POSITIVE_INFINITY) return Number.NaN;
  let e = 0;
  let m = x;
  while (m >= SQRT2) {
    m /= 2;
    e++;
  }
  while (m < SQRT2 / 2) {
    m *= 2;
    e--;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  // |t| ≤ 0.1716, so terms up to t^23 bring the error below 1e-17.
  let term = t;
  let sum = 0;
  for (let k = 1; k <= 23; k += 2) {
    sum += term / k;
    term *= t2;
  }
  return e * LN2 + 2 * sum;
}

let globalRng = new Rng(42);

/** The generator that creation functions and initialisers use when not given one. */
export function getRng(): Rng {
  return globalRng;
}

/** Seed the global generator: after `manualSeed(s)` a program draws the same numbers every run. */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}
