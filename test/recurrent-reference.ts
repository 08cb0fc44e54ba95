/**
 * A float64 reference of Keras' recurrent equations, written as plain loops (nothing from the
 * library), for the recurrent layer tests. Weights are in Keras' layout: kernel [F, G·U] and
 * recurrent [U, G·U] row-major, bias [G·U] (GRU resetAfter: [2, 3·U]); gates LSTM i, f, c, o and
 * GRU z, r, h.
 */
export type Kind = 'simple' | 'lstm' | 'gru' | 'gru-v1';

export interface RefWeights {
  kernel: number[];
  recurrent: number[];
  bias: number[] | null;
}

export interface RefOptions {
  units: number;
  goBackwards?: boolean;
  /** [batch][time] of 0/1. */
  mask?: number[][];
  /** Initial states per sample: [state][batch][units]. */
  initial?: number[][][];
  /** The gates' activation: Keras' default sigmoid, or TF.js's default hardSigmoid. */
  gate?: 'sigmoid' | 'hardSigmoid';
}

const logistic = (v: number): number => 1 / (1 + Math.exp(-v));
const hardSigmoid = (v: number): number => Math.min(1, Math.max(0, 0.2 * v + 0.5));

/** x·M for a row vector x [n] and M [n, m] row-major. */
function vecMat(x: readonly number[], m: readonly number[], cols: number): number[] {
  const out = new Array<number>(cols).fill(0);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < cols; j++) out[j]! += x[i]! * m[i * cols + j]!;
  return out;
}

/**
 * Run the sequence. x: [batch][time][features]. Returns the per-step outputs in processing order
 * (reversed time when goBackwards, as Keras returns them) and the final states.
 */
export function reference(
  kind: Kind,
  w: RefWeights,
  x: number[][][],
  o: RefOptions,
): { sequence: number[][][]; last: number[][]; states: number[][][] } {
  const u = o.units;
  const sigmoid = o.gate === 'hardSigmoid' ? hardSigmoid : logistic;
  const g = kind === 'lstm' ? 4 : kind === 'simple' ? 1 : 3;
  const nStates = kind === 'lstm' ? 2 : 1;
  const sequence: number[][][] = [];
  const finals: number[][][] = Array.from({ length: nStates }, () => []);
  for (let b = 0; b < x.length; b++) {
    let h = o.initial ? [...o.initial[0]![b]!] : new Array<number>(u).fill(0);
    let c = o.initial && nStates === 2 ? [...o.initial[1]![b]!] : new Array<number>(u).fill(0);
    let previous = new Array<number>(u).fill(0);
    const seq: number[][] = [];
    const time = x[b]!.length;
    for (let s = 0; s < time; s++) {
      const t = o.goBackwards ? time - 1 - s : s;
      const xt = x[b]![t]!;
      let nextH: number[];
      let nextC = c;
      const zx = vecMat(xt, w.kernel, g * u);
      if (kind === 'gru') {
        const zh = vecMat(h, w.recurrent, g * u);
        if (w.bias) {
          for (let j = 0; j < g * u; j++) {
            zx[j]! += w.bias[j]!;
            zh[j]! += w.bias[g * u + j]!;
          }
        }
        nextH = [];
        for (let j = 0; j < u; j++) {
          const z = sigmoid(zx[j]! + zh[j]!);
          const r = sigmoid(zx[u + j]! + zh[u + j]!);
          const hh = Math.tanh(zx[2 * u + j]! + r * zh[2 * u + j]!);
          nextH.push(z * h[j]! + (1 - z) * hh);
        }
      } else {
        if (w.bias) for (let j = 0; j < g * u; j++) zx[j]! += w.bias[j]!;
        if (kind === 'gru-v1') {
          const zh = vecMat(h, w.recurrent, g * u); // only the z and r columns are used from this
          const r = Array.from({ length: u }, (_, j) => sigmoid(zx[u + j]! + zh[u + j]!));
          const rh = h.map((v, j) => v * r[j]!);
          const rec = vecMat(rh, w.recurrent, g * u);
          nextH = [];
          for (let j = 0; j < u; j++) {
            const z = sigmoid(zx[j]! + zh[j]!);
            const hh = Math.tanh(zx[2 * u + j]! + rec[2 * u + j]!);
            nextH.push(z * h[j]! + (1 - z) * hh);
          }
        } else {
          const zh = vecMat(h, w.recurrent, g * u);
          const z = zx.map((v, j) => v + zh[j]!);
          if (kind === 'simple') nextH = z.map(Math.tanh);
          else {
            nextH = [];
            nextC = [];
            for (let j = 0; j < u; j++) {
              const i = sigmoid(z[j]!);
              const f = sigmoid(z[u + j]!);
              const cc = f * c[j]! + i * Math.tanh(z[2 * u + j]!);
              const oo = sigmoid(z[3 * u + j]!);
              nextC.push(cc);
              nextH.push(oo * Math.tanh(cc));
            }
          }
        }
      }
      const keep = o.mask ? o.mask[b]![t] !== 0 : true;
      if (keep) {
        h = nextH;
        c = nextC;
        previous = nextH;
      }
      seq.push(previous);
    }
    sequence.push(seq);
    finals[0]!.push(h);
    if (nStates === 2) finals[1]!.push(c);
  }
  return { sequence, last: sequence.map((s) => s[s.length - 1]!), states: finals };
}

/** A small deterministic generator (mulberry32) for test data, independent of the library. */
export function numbers(seed: number, n: number, scale = 1): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale);
  }
  return out;
}
