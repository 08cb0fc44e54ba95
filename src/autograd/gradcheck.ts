/**
 * Check autodiff against numerical differentiation, the way the tutorials check backprop with
 * `numerical_gradient`: nudge each input element by ±eps, measure the change of the output, and
 * compare (f(x+h) − f(x−h)) / 2h with the gradient backward() computed.
 *
 * A non-scalar output is reduced to L = Σ w·f(x) with fixed random weights w, which checks every
 * output's gradient at once (a wrong gradient for any output shows up in L unless w hides it, which
 * random w does with probability zero). L is summed in float64 to keep rounding out of the check.
 *
 * `gradgradcheck` does the same one order up: it differentiates v·∂L/∂x (a fixed random projection
 * v of the first-order gradient) numerically and compares with the double backward, i.e. the
 * Hessian-vector product. Its numerical side runs in float64 (see backend/ts/float64.ts for why).
 */
import type { Backend, Storage } from '../backend/backend.js';
import { backendByName, withBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from './functional.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  /**
   * Perturbation size. Default 1e-3 for gradcheck (float32 values: smaller steps drown in rounding),
   * 1e-5 for gradgradcheck's float64 reference.
   */
  eps?: number;
  /**
   * Largest acceptable error |analytic − numeric| / max(1, |analytic|, |numeric|). Default 1e-2 for
   * gradcheck; for gradgradcheck 1e-3 (float32 analytic side) or 1e-6 (inputs on 'ts64').
   */
  tolerance?: number;
  /** Check at most this many elements per input, picked at random. Default: all of them. */
  maxElements?: number;
  /** Seed for the output weights, the projection and the element sample. Default 0. */
  seed?: number;
}

export interface GradgradcheckOptions extends GradcheckOptions {
  /**
   * Compute the numerical reference in float64 on the 'ts64' checking backend (default true); the
   * tensors f reads besides its inputs (a layer's weights) are copied there for the duration and
   * restored bit for bit. With false it runs on the inputs' backend, in its precision (then raise
   * eps and tolerance).
   */
  float64?: boolean;
}

export interface GradcheckWorst {
  /**
   * Which input (position in `inputs`). For gradgradcheck, `inputs.length` stands for the upstream
   * gradient (the output weights w), with respect to which the first derivative is also checked.
   */
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

type TensorFn = (...inputs: Tensor[]) => Tensor;

export function gradcheck(
  f: TensorFn,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = options.eps ?? 1e-3;
  const rng = new Rng(options.seed ?? 0);

  // Work on private copies so the caller's tensors and their .grad stay untouched.
  const xs = inputs.map((t) => leafCopy(t, t.backend));
  const out = f(...xs);
  const weights = randomWeights(out.size, rng);
  const w = new Tensor(out.backend.fromValues(weights), out.shape, out.backend);
  out.backward(w);
  const analytic = xs.map((x) => (x.grad ? x.grad.dataSync() : new Float32Array(x.size)));

  const objective = (args: Tensor[]): number => dot(weights, noGrad(() => f(...args)).dataSync());
  return compare(
    xs,
    analytic,
    (args) => objective(args),
    eps,
    options.tolerance ?? 1e-2,
    options.maxElements,
    rng,
  );
}

/**
 * Second-order check: with L = Σ w·f(x) (random w) and a random projection v of the gradient,
 * compares the analytic ∂/∂x (v·∂L/∂x) — a double backward through the rules recorded with
 * createGraph — with central differences of v·∂L/∂x, and likewise its derivative with respect to
 * w (which checks that each rule is differentiable in its upstream gradient). The analytic side
 * runs on the inputs' backend; the numerical one in float64 unless `float64: false` — with the
 * tensors f closes over (a layer's weights, on wasm say) copied to 'ts64' for the check and put
 * back, untouched, after it.
 */
export function gradgradcheck(
  f: TensorFn,
  inputs: readonly Tensor[],
  options: GradgradcheckOptions = {},
): GradcheckResult {
  if (inputs.length === 0) throw new ArgumentError('gradgradcheck: needs at least one input tensor');
  const rng = new Rng(options.seed ?? 0);
  const backend = inputs[0]!.backend;
  const reference = options.float64 === false ? backend : float64Reference();
  const eps = options.eps ?? (reference.name === 'ts64' ? 1e-5 : 1e-2);
  const tolerance = options.tolerance ?? (backend.name === 'ts64' ? 1e-6 : 1e-3);

  // Analytic, on the inputs' backend: H·v for each input, and the mixed derivative for w.
  const xs = inputs.map((t) => leafCopy(t, backend));
  const projections = xs.map((x) => randomWeights(x.size, rng));
  let captured: Tensor[] = [];
  const { w, analytic } = withBackend(backend, () => {
    const out = f(...xs);
    if (reference !== backend) captured = capturedLeaves(out, xs);
    const w = leafCopy(
      new Tensor(backend.fromValues(randomWeights(out.size, rng)), out.shape, backend),
      backend,
    );
    const firstOrder = gradients([out], xs, { gradOutputs: [w], createGraph: true, allowUnused: true });
    let projected = firstOrder[0]!.mul(constant(projections[0]!, xs[0]!)).sum();
    for (let k = 1; k < xs.length; k++) {
      projected = projected.add(firstOrder[k]!.mul(constant(projections[k]!, xs[k]!)).sum());
    }
    const second = gradients(projected, [...xs, w], { allowUnused: true });
    return { w, analytic: second.map((g) => g.dataSync()) };
  });

  // Numerical: v·∂L/∂x at perturbed points, in the reference precision (first order only: the
  // rules' fast paths run there, so they are checked against the composed ones as well).
  const refInputs = [...xs, w].map((t) => new Tensor(reference.fromValues(t.dataSync()), t.shape, reference));
  const phi = (args: Tensor[]): number =>
    withBackend(reference, () => {
      const params = args.slice(0, -1).map((a) => leafCopy(a, reference));
      const y = f(...params);
      const gs = gradients([y], params, { gradOutputs: [args[args.length - 1]!], allowUnused: true });
      let total = 0;
      gs.forEach((g, k) => {
        total += dot(projections[k]!, g.dataSync());
      });
      return total;
    });
  // The tensors f closes over (a layer's weights) join the reference precision for the duration.
  return withTensorsOn(captured, reference, () =>
    compare(refInputs, analytic, phi, eps, tolerance, options.maxElements, rng),
  );
}

/**
 * The leaves of out's graph other than the inputs: what f reads besides its arguments — a layer's
 * weights, a constant made outside f. Walked right after f, before anything frees the graph.
 */
function capturedLeaves(out: Tensor, inputs: readonly Tensor[]): Tensor[] {
  const skip = new Set<Tensor>(inputs);
  const seen = new Set<Tensor>();
  const leaves: Tensor[] = [];
  const stack = [out];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t._node !== null) stack.push(...t._node.inputs);
    else if (!skip.has(t)) leaves.push(t);
  }
  return leaves;
}

/**
 * Run `body` with each tensor of another backend than `backend` pointing at a copy of its values
 * there, then point each back at its own storage, which nothing wrote to: the caller's weights
 * come back bit for bit, on their own backend, whatever `body` did or threw. (torch's gradgradcheck
 * asks the caller to convert a module to double first; a closure's weights cannot be reached to
 * be converted, and the float32 alternative is a far weaker check.)
 */
function withTensorsOn<T>(tensors: readonly Tensor[], backend: Backend, body: () => T): T {
  const moved = tensors.filter((t) => t.backend !== backend);
  const saved = moved.map((t) => ({ storage: t.storage, backend: t.backend }));
  try {
    for (const t of moved) repoint(t, backend.fromValues(t.dataSync()), backend);
    return body();
  } finally {
    for (let i = 0; i < moved.length; i++) repoint(moved[i]!, saved[i]!.storage, saved[i]!.backend);
  }
}

/** Make `t` a view of `storage` on `backend` (same shape): only gradgradcheck's swap above does this. */
function repoint(t: Tensor, storage: Storage, backend: Backend): void {
  const fields = t as { storage: Storage; backend: Backend };
  fields.storage = storage;
  fields.backend = backend;
}

function float64Reference(): Backend {
  try {
    return backendByName('ts64');
  } catch {
    throw new ArgumentError(
      "gradgradcheck: the float64 checking backend 'ts64' is not registered (import the library from " +
        "'backprop-js', which registers it), or pass { float64: false }",
    );
  }
}

/**
 * For each input element (or a random sample of maxElements), perturb it by ±eps in a fresh copy,
 * evaluate the objective on the perturbed arguments and compare the central difference with the
 * analytic value.
 */
function compare(
  args: readonly Tensor[],
  analytic: readonly ArrayLike<number>[],
  objective: (args: Tensor[]) => number,
  eps: number,
  tolerance: number,
  maxElements: number | undefined,
  rng: Rng,
): GradcheckResult {
  let maxError = 0;
  let worst: GradcheckWorst | null = null;
  let checked = 0;
  args.forEach((x, inputIndex) => {
    const values = x.dataSync(); // typed like the backend's storage, so rounding matches it
    const at = (j: number, value: number): [Tensor[], number] => {
      const copy = values.slice();
      copy[j] = value;
      const perturbed = [...args];
      perturbed[inputIndex] = new Tensor(x.backend.fromValues(copy), x.shape, x.backend);
      return [perturbed, copy[j]!]; // the value actually stored, so h is exact
    };
    for (const j of pickElements(x.size, maxElements, rng)) {
      const original = values[j]!;
      const [hiArgs, hi] = at(j, original + eps);
      const [loArgs, lo] = at(j, original - eps);
      const numeric = (objective(hiArgs) - objective(loArgs)) / (hi - lo);
      const a = analytic[inputIndex]![j]!;
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

/** Values shaped like `like`, on its backend, that need no gradient. */
function constant(values: Float64Array, like: Tensor): Tensor {
  return new Tensor(like.backend.fromValues(values), like.shape, like.backend);
}

/** A copy of t's values on `backend`, as a fresh leaf that requires a gradient. */
function leafCopy(t: Tensor, backend: Backend): Tensor {
  return new Tensor(backend.fromValues(t.dataSync()), t.shape, backend, true);
}

function randomWeights(n: number, rng: Rng): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 2 * rng.uniform() - 1;
  return w;
}

/** Σ a·b in float64. */
function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
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
