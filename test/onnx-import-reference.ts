/**
 * Float64 references of the ONNX specification's formulas for the image, normalization, padding
 * and recurrent operators — plain loops over NCHW (or [seq, batch, ·]) arrays, written from the
 * spec's text and not from the importer's code, for test/onnx-import-ops*.test.ts.
 */

export interface Arr {
  dims: number[];
  data: Float64Array | Float32Array | number[];
}

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** 1-D [N, C, L] as 2-D [N, C, 1, L]; per-axis lists for the 2-D loops. */
function as2d(a: Arr): { dims: [number, number, number, number]; data: Arr['data'] } {
  const d = a.dims;
  return {
    dims: (d.length === 3 ? [d[0], d[1], 1, d[2]] : d) as [number, number, number, number],
    data: a.data,
  };
}
const axes2 = (v: readonly number[], trivial: number) => (v.length === 1 ? [trivial, v[0]!] : [...v]);

export interface WindowRef {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

/** Conv: y[n, m, o] = B[m] + Σ_{c in m's group, k} x[n, c, o·s − pb + k·d] · W[m, c, k]. */
export function refConv(x: Arr, w: Arr, b: number[] | undefined, o: WindowRef & { group: number }): Arr {
  const rank = x.dims.length - 2;
  const X = as2d(x);
  const Wt = as2d(w);
  const [N, C, H, Wd] = X.dims;
  const [M, Cg, kH, kW] = Wt.dims;
  const [sH, sW] = axes2(o.strides, 1);
  const [dH, dW] = axes2(o.dilations, 1);
  const [pH, pW] = axes2(o.padsBegin, 0);
  const [eH, eW] = axes2(o.padsEnd, 0);
  const oH = Math.floor((H + pH! + eH! - (kH - 1) * dH! - 1) / sH!) + 1;
  const oW = Math.floor((Wd + pW! + eW! - (kW - 1) * dW! - 1) / sW!) + 1;
  const Mg = M / o.group;
  const out = new Float64Array(N * M * oH * oW);
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++)
      for (let y = 0; y < oH; y++)
        for (let xo = 0; xo < oW; xo++) {
          let s = b?.[m] ?? 0;
          const g = Math.floor(m / Mg);
          for (let c = 0; c < Cg; c++)
            for (let ky = 0; ky < kH; ky++)
              for (let kx = 0; kx < kW; kx++) {
                const iy = y * sH! - pH! + ky * dH!;
                const ix = xo * sW! - pW! + kx * dW!;
                if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
                s +=
                  X.data[((n * C + g * Cg + c) * H + iy) * Wd + ix]! *
                  Wt.data[((m * Cg + c) * kH + ky) * kW + kx]!;
              }
          out[((n * M + m) * oH + y) * oW + xo] = s;
        }
  return { dims: rank === 1 ? [N, M, oW] : [N, M, oH, oW], data: out };
}

/** ConvTranspose: y[n, m, i·s − pb + k·d] += x[n, c, i] · W[c, m − group offset, k], then B[m]. */
export function refConvTranspose(
  x: Arr,
  w: Arr,
  b: number[] | undefined,
  o: WindowRef & { group: number; outSizes: number[] },
): Arr {
  const rank = x.dims.length - 2;
  const X = as2d(x);
  const Wt = as2d(w);
  const [N, C, H, Wd] = X.dims;
  const [, Mg, kH, kW] = Wt.dims;
  const M = Mg * o.group;
  const Cg = C / o.group;
  const [sH, sW] = axes2(o.strides, 1);
  const [dH, dW] = axes2(o.dilations, 1);
  const [pH, pW] = axes2(o.padsBegin, 0);
  const [oH, oW] = axes2(o.outSizes, 1);
  const out = new Float64Array(N * M * oH! * oW!);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let iy = 0; iy < H; iy++)
        for (let ix = 0; ix < Wd; ix++)
          for (let m = 0; m < Mg; m++)
            for (let ky = 0; ky < kH; ky++)
              for (let kx = 0; kx < kW; kx++) {
                const y = iy * sH! - pH! + ky * dH!;
                const xo = ix * sW! - pW! + kx * dW!;
                if (y < 0 || y >= oH! || xo < 0 || xo >= oW!) continue;
                const mo = Math.floor(c / Cg) * Mg + m;
                out[((n * M + mo) * oH! + y) * oW! + xo]! +=
                  X.data[((n * C + c) * H + iy) * Wd + ix]! * Wt.data[((c * Mg + m) * kH + ky) * kW + kx]!;
              }
  if (b) for (let i = 0; i < out.length; i++) out[i]! += b[Math.floor(i / (oH! * oW!)) % M]!;
  return { dims: rank === 1 ? [N, M, oW!] : [N, M, oH!, oW!], data: out };
}

/**
 * MaxPool / AveragePool over windows at o·s − pb + k·d. Max over the cells inside the image;
 * average over them divided by their count, or (countIncludePad) by the count of cells inside the
 * padded image [−pb, size + pe).
 */
export function refPool(
  kind: 'max' | 'average',
  x: Arr,
  o: WindowRef & { outSizes: number[]; countIncludePad?: boolean },
): Arr {
  const rank = x.dims.length - 2;
  const X = as2d(x);
  const [N, C, H, Wd] = X.dims;
  const [kH, kW] = axes2(o.kernel, 1);
  const [sH, sW] = axes2(o.strides, 1);
  const [dH, dW] = axes2(o.dilations, 1);
  const [pH, pW] = axes2(o.padsBegin, 0);
  const [eH, eW] = axes2(o.padsEnd, 0);
  const [oH, oW] = axes2(o.outSizes, 1);
  const out = new Float64Array(N * C * oH! * oW!);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < oH!; y++)
        for (let xo = 0; xo < oW!; xo++) {
          let best = -Infinity;
          let sum = 0;
          let count = 0;
          let padded = 0;
          for (let ky = 0; ky < kH!; ky++)
            for (let kx = 0; kx < kW!; kx++) {
              const iy = y * sH! - pH! + ky * dH!;
              const ix = xo * sW! - pW! + kx * dW!;
              if (iy >= -pH! && iy < H + eH! && ix >= -pW! && ix < Wd + eW!) padded++;
              if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
              const v = X.data[((n * C + c) * H + iy) * Wd + ix]!;
              best = Math.max(best, v);
              sum += v;
              count++;
            }
          out[((n * C + c) * oH! + y) * oW! + xo] =
            kind === 'max' ? best : sum / (o.countIncludePad ? padded : count);
        }
  return { dims: rank === 1 ? [N, C, oW!] : [N, C, oH!, oW!], data: out };
}

/** Pad: out[i] = x[i − begin] inside, else the constant, the nearest border cell (edge) or the mirror (reflect). */
export function refPad(x: Arr, begin: number[], end: number[], mode: string, value: number): Arr {
  const dims = x.dims.map((d, i) => d + begin[i]! + end[i]!);
  const out = new Float64Array(size(dims));
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let a = dims.length - 1; a >= 0; a--) {
      idx[a] = rem % dims[a]!;
      rem = Math.floor(rem / dims[a]!);
    }
    let src = 0;
    let inside = true;
    for (let a = 0; a < dims.length; a++) {
      const n = x.dims[a]!;
      let i = idx[a]! - begin[a]!;
      if (i < 0 || i >= n) {
        if (mode === 'constant') inside = false;
        else if (mode === 'edge') i = i < 0 ? 0 : n - 1;
        else i = i < 0 ? -i : 2 * (n - 1) - i;
      }
      src = src * n + i;
    }
    out[o] = inside ? x.data[src]! : value;
  }
  return { dims, data: out };
}

export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** A float64 activation by ONNX name with its alpha and beta. */
export function refActivation(name: string, alpha: number, beta: number): (v: number) => number {
  switch (name) {
    case 'Sigmoid':
      return sigmoid;
    case 'Tanh':
      return Math.tanh;
    case 'Relu':
      return (v) => Math.max(v, 0);
    case 'LeakyRelu':
      return (v) => (v >= 0 ? v : alpha * v);
    case 'Elu':
      return (v) => (v >= 0 ? v : alpha * (Math.exp(v) - 1));
    case 'ThresholdedRelu':
      return (v) => (v > alpha ? v : 0);
    case 'HardSigmoid':
      return (v) => Math.max(0, Math.min(1, alpha * v + beta));
    case 'Softsign':
      return (v) => v / (1 + Math.abs(v));
    case 'Softplus':
      return (v) => Math.log(1 + Math.exp(v));
    case 'Affine':
      return (v) => alpha * v + beta;
    case 'ScaledTanh':
      return (v) => alpha * Math.tanh(beta * v);
    default:
      throw new Error(`no reference for ${name}`);
  }
}

export interface RecurrentRef {
  kind: 'LSTM' | 'GRU' | 'RNN';
  /** X [seq, batch, input] (time-first). */
  x: Arr;
  w: Arr;
  r: Arr;
  b?: Arr;
  /** [dirs, batch, H] */
  h0?: Arr;
  c0?: Arr;
  p?: Arr;
  seqLens?: number[];
  direction: 'forward' | 'reverse' | 'bidirectional';
  /** Per direction, f, g (, h). */
  activations: ((v: number) => number)[][];
  clip?: number;
  inputForget?: boolean;
  linearBeforeReset?: boolean;
}

/** Y [seq, dirs, batch, H], Y_h and Y_c [dirs, batch, H], by the spec's equations, time-first. */
export function refRecurrent(o: RecurrentRef): { y: Arr; yh: Arr; yc: Arr } {
  const gates = { LSTM: 4, GRU: 3, RNN: 1 }[o.kind];
  const [T, Bn, I] = o.x.dims as [number, number, number];
  const dirs = o.direction === 'bidirectional' ? 2 : 1;
  const Hs = o.w.dims[1]! / gates;
  const y = new Float64Array(T * dirs * Bn * Hs);
  const yh = new Float64Array(dirs * Bn * Hs);
  const yc = new Float64Array(dirs * Bn * Hs);
  const clip = (v: number) => (o.clip === undefined ? v : Math.max(-o.clip, Math.min(o.clip, v)));
  for (let d = 0; d < dirs; d++) {
    const reverse = o.direction === 'reverse' || d === 1;
    const [f, g, hAct] = o.activations[d]!;
    const W = (gate: number, j: number, k: number) =>
      Number(o.w.data[(d * gates * Hs + gate * Hs + j) * I + k]);
    const R = (gate: number, j: number, k: number) =>
      Number(o.r.data[(d * gates * Hs + gate * Hs + j) * Hs + k]);
    const Wb = (gate: number, j: number) => Number(o.b?.data[d * 2 * gates * Hs + gate * Hs + j] ?? 0);
    const Rb = (gate: number, j: number) =>
      Number(o.b?.data[d * 2 * gates * Hs + (gates + gate) * Hs + j] ?? 0);
    const P = (gate: number, j: number) => Number(o.p?.data[d * 3 * Hs + gate * Hs + j] ?? 0);
    for (let bt = 0; bt < Bn; bt++) {
      let h = Array.from({ length: Hs }, (_, j) => Number(o.h0?.data[(d * Bn + bt) * Hs + j] ?? 0));
      let c = Array.from({ length: Hs }, (_, j) => Number(o.c0?.data[(d * Bn + bt) * Hs + j] ?? 0));
      const len = o.seqLens?.[bt] ?? T;
      for (let s = 0; s < len; s++) {
        const t = reverse ? len - 1 - s : s;
        const xt = (k: number) => Number(o.x.data[(t * Bn + bt) * I + k]);
        const pre = (gate: number, j: number, hv: number[]) => {
          let v = Wb(gate, j) + Rb(gate, j);
          for (let k = 0; k < I; k++) v += xt(k) * W(gate, j, k);
          for (let k = 0; k < Hs; k++) v += hv[k]! * R(gate, j, k);
          return v;
        };
        const hNew = new Array<number>(Hs);
        const cNew = new Array<number>(Hs);
        for (let j = 0; j < Hs; j++) {
          if (o.kind === 'RNN') hNew[j] = f!(clip(pre(0, j, h)));
          else if (o.kind === 'LSTM') {
            // gates i, o, f, c; peepholes i, o, f.
            const i = f!(clip(pre(0, j, h) + P(0, j) * c[j]!));
            const fg = o.inputForget ? 1 - i : f!(clip(pre(2, j, h) + P(2, j) * c[j]!));
            const cc = g!(clip(pre(3, j, h)));
            cNew[j] = fg * c[j]! + i * cc;
            const ot = f!(clip(pre(1, j, h) + P(1, j) * cNew[j]!));
            hNew[j] = ot * hAct!(cNew[j]!);
          } else {
            // gates z, r, h.
            const z = f!(clip(pre(0, j, h)));
            let cand = Wb(2, j);
            for (let k = 0; k < I; k++) cand += xt(k) * W(2, j, k);
            if (o.linearBeforeReset) {
              let hr = Rb(2, j);
              for (let k = 0; k < Hs; k++) hr += h[k]! * R(2, j, k);
              const r = (jj: number) => f!(clip(pre(1, jj, h)));
              cand += r(j) * hr;
            } else {
              cand += Rb(2, j);
              for (let k = 0; k < Hs; k++) cand += f!(clip(pre(1, k, h))) * h[k]! * R(2, j, k);
            }
            const ht = g!(clip(cand));
            hNew[j] = (1 - z) * ht + z * h[j]!;
          }
        }
        h = hNew;
        if (o.kind === 'LSTM') c = cNew;
        for (let j = 0; j < Hs; j++) y[((t * dirs + d) * Bn + bt) * Hs + j] = h[j]!;
      }
      for (let j = 0; j < Hs; j++) {
        yh[(d * Bn + bt) * Hs + j] = h[j]!;
        yc[(d * Bn + bt) * Hs + j] = c[j]!;
      }
    }
  }
  return {
    y: { dims: [T, dirs, Bn, Hs], data: y },
    yh: { dims: [dirs, Bn, Hs], data: yh },
    yc: { dims: [dirs, Bn, Hs], data: yc },
  };
}
