/**
 * Gradients as values instead of side effects on `.grad`:
 * - `gradients(ys, xs, options)` — PyTorch's `torch.autograd.grad`: the gradients of outputs with
 *   respect to chosen tensors, optionally recorded (`createGraph`) so they can be differentiated again;
 * - `grad(f)`, `grads(f)`, `valueAndGrad(f)`, `valueAndGrads(f)` — TF.js / JAX style transforms:
 *   `grad(f)(x)` is df/dx at x, and they nest: `grad(grad(f))(x)` is the second derivative.
 */
import { ArgumentError, GraphError, ShapeError } from '../errors.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { FREED_HELP, propagate, seedGradient } from './backward.js';
import { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';

export interface GradientsOptions {
  /**
   * The upstream gradient of each output (dL/dy), in the order of `ys`: needed for outputs that are
   * not scalars; a scalar output without one gets 1.
   */
  gradOutputs?: Tensor | ReadonlyArray<Tensor | undefined>;
  /** Record the gradient computation so the results can be differentiated again. Default false. */
  createGraph?: boolean;
  /** Keep the graph of `ys` for another backward pass. Default: the value of createGraph. */
  retainGraph?: boolean;
  /**
   * Give a zero gradient for an input the outputs do not depend on, instead of throwing (that
   * usually means a wrong input was passed). Default false.
   */
  allowUnused?: boolean;
}

/**
 * The gradients of `ys` (summed, each weighted by its gradOutput) with respect to each of `xs`,
 * without touching any `.grad`. Every x must have requiresGrad (a leaf) or be computed from one.
 */
export function gradients(ys: Tensor | readonly Tensor[], xs: Tensor, options?: GradientsOptions): Tensor;
export function gradients(
  ys: Tensor | readonly Tensor[],
  xs: readonly Tensor[],
  options?: GradientsOptions,
): Tensor[];
export function gradients(
  ys: Tensor | readonly Tensor[],
  xs: Tensor | readonly Tensor[],
  options: GradientsOptions = {},
): Tensor | Tensor[] {
  const outputs = ys instanceof Tensor ? [ys] : [...ys];
  const inputs = xs instanceof Tensor ? [xs] : [...xs];
  if (outputs.length === 0 || inputs.length === 0) {
    throw new ArgumentError(
      `gradients(): needs at least one output and one input, got ${outputs.length} and ${inputs.length}`,
    );
  }
  outputs.forEach((y, i) => {
    if (!(y instanceof Tensor)) throw new ArgumentError(`gradients(): output ${i} is not a Tensor`);
  });
  inputs.forEach((x, k) => {
    if (!(x instanceof Tensor)) throw new ArgumentError(`gradients(): input ${k} is not a Tensor`);
    if (!x.requiresGrad) {
      throw new GraphError(
        `gradients(): input ${k} (shape ${formatShape(x.shape)}) does not require a gradient: create it with ` +
          '{ requiresGrad: true } (or set x.requiresGrad = true) before computing the outputs from it.',
      );
    }
  });
  const seeds = upstreamGradients(outputs, options.gradOutputs);

  const roots: Tensor[] = [];
  const rootSeeds: Tensor[] = [];
  outputs.forEach((y, i) => {
    if (!y.requiresGrad) return; // a constant output contributes nothing
    if (y._freed) throw new GraphError(`gradients(): cannot differentiate output ${i}: ${FREED_HELP}`);
    roots.push(y);
    rootSeeds.push(seeds[i]!);
  });
  const found =
    roots.length === 0
      ? new Map<Tensor, Tensor>()
      : propagate(
          roots,
          rootSeeds,
          { createGraph: options.createGraph, retainGraph: options.retainGraph },
          new Set(inputs),
        );

  const result = inputs.map((x, k) => {
    const g = found.get(x);
    if (g !== undefined) return g;
    if (!options.allowUnused) {
      throw new GraphError(
        `gradients(): the outputs do not depend on input ${k} (shape ${formatShape(x.shape)}); ` +
          'pass { allowUnused: true } to get a zero gradient for it.',
      );
    }
    return noGrad(() => x.zerosLike());
  });
  return xs instanceof Tensor ? result[0]! : result;
}

function upstreamGradients(outputs: readonly Tensor[], given: GradientsOptions['gradOutputs']): Tensor[] {
  const list = given === undefined ? [] : given instanceof Tensor ? [given] : [...given];
  if (given !== undefined && list.length !== outputs.length) {
    throw new ArgumentError(
      `gradients(): gradOutputs has ${list.length} entries but there are ${outputs.length} outputs; give one per output`,
    );
  }
  return outputs.map((y, i) => {
    const g = list[i];
    if (g !== undefined && !shapesEqual(g.shape, y.shape)) {
      throw new ShapeError(
        `gradients(): gradOutputs[${i}] has shape ${formatShape(g.shape)} but output ${i} has shape ` +
          `${formatShape(y.shape)}; they must match`,
      );
    }
    return seedGradient('gradients()', y, g);
  });
}

/** A function of one tensor, and what `valueAndGrad` returns. */
export type TensorFunction = (x: Tensor) => Tensor;

/**
 * `grad(f)(x, dy?)` = df/dx at x (TF.js `tf.grad`): the gradient of f's output, weighted by `dy`
 * (default: ones of the output's shape, i.e. the gradient of its sum), with respect to x.
 *
 * The gradient computation is recorded whenever grad mode is on (as it is outside noGrad), so the
 * result can be differentiated again: `grad(grad(f))` is the second derivative, and a gradient
 * penalty built from it trains the weights f uses. Call it inside noGrad() for values only.
 */
export function grad(f: TensorFunction): (x: Tensor, dy?: Tensor) => Tensor {
  checkFunction('grad', f);
  return (x, dy) => evaluate('grad', (...xs) => f(xs[0]!), [x], dy).grads[0]!;
}

/** `grads(f)([a, b…], dy?)`: the gradients of f with respect to each of its tensor arguments. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[], dy?: Tensor) => Tensor[] {
  checkFunction('grads', f);
  return (xs, dy) => evaluate('grads', f, xs, dy).grads;
}

/** `valueAndGrad(f)(x, dy?)` = { value: f(x), grad: df/dx }, from one forward pass. */
export function valueAndGrad(f: TensorFunction): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkFunction('valueAndGrad', f);
  return (x, dy) => {
    const { value, grads: g } = evaluate('valueAndGrad', (...xs) => f(xs[0]!), [x], dy);
    return { value, grad: g[0]! };
  };
}

/** `valueAndGrads(f)([a, b…], dy?)` = { value, grads }. */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  checkFunction('valueAndGrads', f);
  return (xs, dy) => evaluate('valueAndGrads', f, xs, dy);
}

function checkFunction(name: string, f: unknown): void {
  if (typeof f !== 'function') throw new ArgumentError(`${name}(f): f must be a function, got ${typeof f}`);
}

function evaluate(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  dy: Tensor | undefined,
): { value: Tensor; grads: Tensor[] } {
  if (!Array.isArray(xs)) {
    throw new ArgumentError(`${name}(f): pass f's arguments as an array of tensors, e.g. ${name}(f)([a, b])`);
  }
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new ArgumentError(`${name}: argument ${i} is not a Tensor`);
  });
  const createGraph = isGradEnabled();
  // A tensor that already requires a gradient is used as it is, so an enclosing grad() (or a
  // training step) sees this gradient as a function of it; any other becomes a fresh leaf.
  const leaves = xs.map((x) => (x.requiresGrad ? x : new Tensor(x.storage, x.shape, x.backend, true)));
  const value = enableGrad(() => f(...leaves));
  if (!(value instanceof Tensor)) {
    throw new ArgumentError(
      `${name}(f): f must return a Tensor, got ${value === null ? 'null' : typeof value}`,
    );
  }
  const upstream = dy ?? noGrad(() => value.onesLike());
  const g = gradients([value], leaves, {
    gradOutputs: [upstream],
    createGraph,
    allowUnused: true,
  });
  return { value, grads: g };
}
