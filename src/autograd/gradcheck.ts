/**
 * Check autodiff against numerical differentiation, the way the tutorials check backprop with
 * `numerical_gradient`: nudge each input element by ±eps, measure the change of the output, and
 * compare (f(x+h) − f(x−h)) / 2h with the gradient backward() computed.
 *
 * A non-scalar output is reduced to L = Σ w·f(x) with fixed random weights w, which checks every
 * output's gradient at once (a wrong gradient for any output shows up in L unless w hides it, which
 * random w does with probability zero). L is summed in float64 to keep rounding out of the check.
 */
import { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  /** Perturbation size. Default 1e-3 (float32 values: smaller steps drown in rounding). */
  eps?: number;
  /** Largest acceptable error |analytic − numeric| / max(1, |analytic|, |numeric|). Default 1e-2. */
  tolerance?: number;
  /** Check at most this many elements per input, picked at random. Default: all of them. */
  maxElements?: number;
  /** Seed for the output weights and the element sample. Default 0. */
  seed?: number;
}

export interface GradcheckWorst {
  /** Which input (position in `inputs`). */
  input: number;
  /** Multi-index of the element within that input. */
  index: number[];
  analytic: number;
  numeric: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Worst error found, as defined for `tolerance`. */
  maxError: number;
  worst: GradcheckWorst | null;
  /** Number of elements compared. */
  checked: number;
}

export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = options.eps ?? 1e-3;
  const tolerance = options.tolerance ?? 1e-2;
  const rng = new Rng(options.seed ?? 0);

  // Work on private copies so the caller's tensors and their .grad stay untouched.
  const xs = inputs.map((t) => {
    const c = noGrad(() => t.clone());
    c.requiresGrad = true;
    return c;
  });
  const out = f(...xs);
  const weights = new Float64Array(out.size);
  for (let i = 0; i < weights.length; i++) weights[i] = 2 * rng.uniform() - 1;
  const w = noGrad(() => out.zerosLike());
  w.storage.view().set(weights);
  out.backward(w);

  const objective = (): number => {
    const y = noGrad(() => f(...xs)).storage.view();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += weights[i]! * y[i]!;
    return s;
  };

  let maxError = 0;
  let worst: GradcheckWorst | null = null;
  let checked = 0;
  xs.forEach((x, inputIndex) => {
    const analytic = x.grad ? x.grad.dataSync() : new Float32Array(x.size);
    // storage.view() is asked for at every access: running f allocates, and a backend whose memory
    // grows (WebAssembly) invalidates views taken before.
    const set = (j: number, v: number): number => {
      const values = x.storage.view();
      values[j] = v;
      return values[j]!; // the float32 actually stored, so h is exact
    };
    for (const j of pickElements(x.size, options.maxElements, rng)) {
      const original = x.storage.view()[j]!;
      const hi = set(j, original + eps);
      const fHi = objective();
      const lo = set(j, original - eps);
      const fLo = objective();
      set(j, original);
      const numeric = (fHi - fLo) / (hi - lo);
      const a = analytic[j]!;
      const error = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
      checked++;
      if (!(error <= maxError)) {
        maxError = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
        worst = { input: inputIndex, index: unravel(j, x.shape), analytic: a, numeric };
      }
    }
  });
  return { ok: maxError <= tolerance, maxError, worst, checked };
}

function pickElements(size: number, max: number | undefined, rng: Rng): Iterable<number> {
  if (max === undefined || max >= size) return Array.from({ length: size }, (_, i) => i);
  return Array.from(rng.permutation(size).subarray(0, max)).sort((a, b) => a - b);
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return index;
}
