/**
 * Element-wise kernels of one input, and their derivatives: fast paths of the named ops in
 * ops/math.ts and ops/activations.ts (the ops define themselves; these only make them faster). One
 * loop per op (a table of functions, each with its loop inside) so the per-element work carries no
 * call or switch. Any other element-wise op runs through unaryMapKernel.
 */
import type { UnaryOp } from '../backend.js';

type UnaryLoop = (x: Float32Array, out: Float32Array, n: number, p0: number, p1: number) => void;
type GradLoop = (
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  out: Float32Array,
  n: number,
  p0: number,
  p1: number,
) => void;

/** The generic loop for element-wise ops without a named kernel (one call per element). */
export function unaryMapKernel(
  x: Float32Array,
  out: Float32Array,
  fn: (v: number, p0: number, p1: number) => number,
  p0: number,
  p1: number,
): void {
  for (let i = 0; i < out.length; i++) out[i] = fn(x[i]!, p0, p1);
}

export const unaryLoops: Record<UnaryOp, UnaryLoop> = {
  neg: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = -x[i]!;
  },
  exp: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!);
  },
  log: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!);
  },
  sqrt: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!);
  },
  abs: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!);
  },
  sign: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sign(x[i]!);
  },
  square: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = x[i]! * x[i]!;
  },
  // exp(-x) overflows to Infinity for x < -88 in float32 terms, and 1/(1+Infinity) is a clean 0.
  sigmoid: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = 1 / (1 + Math.exp(-x[i]!));
  },
  tanh: (x, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!);
  },
  // Written as `v < 0 ? … : v` so NaN passes through (NaN < 0 is false) instead of becoming 0:
  // a NaN input must surface in the loss, not vanish inside the network.
  relu: (x, o, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v < 0 ? 0 : v;
    }
  },
  // The slope as float32, as the wasm kernel and ONNX's LeakyRelu hold it, so both backends (and an
  // exported model) give the same bits.
  leakyRelu: (x, o, n, alpha) => {
    const a = Math.fround(alpha);
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v < 0 ? a * v : v;
    }
  },
  elu: (x, o, n, alpha) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v < 0 ? alpha * Math.expm1(v) : v;
    }
  },
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows.
  softplus: (x, o, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
  },
  clip: (x, o, n, lo, hi) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v < lo ? lo : v > hi ? hi : v; // NaN passes through
    }
  },
};

/** dL/dx = dy · f'(x), written with whichever of x or y = f(x) makes f' cheapest. */
export const unaryGradLoops: Record<UnaryOp, GradLoop> = {
  neg: (_x, _y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = -g[i]!;
  },
  exp: (_x, y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = g[i]! * y[i]!;
  },
  log: (x, _y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = g[i]! / x[i]!;
  },
  sqrt: (_x, y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = (0.5 * g[i]!) / y[i]!;
  },
  abs: (x, _y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = g[i]! * Math.sign(x[i]!);
  },
  sign: (_x, _y, _g, o, n) => {
    o.fill(0, 0, n);
  },
  square: (x, _y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = 2 * g[i]! * x[i]!;
  },
  sigmoid: (_x, y, g, o, n) => {
    for (let i = 0; i < n; i++) {
      const s = y[i]!;
      o[i] = g[i]! * s * (1 - s);
    }
  },
  tanh: (_x, y, g, o, n) => {
    for (let i = 0; i < n; i++) {
      const t = y[i]!;
      o[i] = g[i]! * (1 - t * t);
    }
  },
  relu: (x, _y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = x[i]! > 0 ? g[i]! : 0;
  },
  leakyRelu: (x, _y, g, o, n, alpha) => {
    const a = Math.fround(alpha);
    for (let i = 0; i < n; i++) o[i] = x[i]! > 0 ? g[i]! : a * g[i]!;
  },
  // For x ≤ 0, d/dx α(eˣ−1) = αeˣ = y + α.
  elu: (x, y, g, o, n, alpha) => {
    for (let i = 0; i < n; i++) o[i] = x[i]! > 0 ? g[i]! : g[i]! * (y[i]! + alpha);
  },
  softplus: (x, _y, g, o, n) => {
    for (let i = 0; i < n; i++) o[i] = g[i]! / (1 + Math.exp(-x[i]!));
  },
  clip: (x, _y, g, o, n, lo, hi) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = v >= lo && v <= hi ? g[i]! : 0;
    }
  },
};
