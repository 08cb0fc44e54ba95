/**
 * How an element-wise op of one input is defined: its value for one number, and its derivative
 * written with ops beside it. That is the whole op — every backend runs it through its generic
 * per-element kernel (`unaryMap`, or a read/compute/upload round trip if it has none), and the
 * derivative, being made of recorded ops, can itself be differentiated (higher-order gradients).
 *
 * A backend may also have a named fused kernel for an op (`kernel`: backend.unary / unaryGrad):
 * the forward then takes it, and so does the backward whenever the gradient computation is not
 * being recorded (`!isGradEnabled()` inside the rule — the ordinary first-order training step).
 *
 *   export const sin = defineUnary({
 *     name: 'sin',
 *     scalar: Math.sin,
 *     derivative: (x, _y, g) => g.mul(x.cos()),
 *   });
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import type { UnaryOp } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { allocOutput } from './util.js';

/** f(v) for one value; p0/p1 are the op's parameters (leakyRelu's slope, clip's bounds…). */
export type ScalarFunction = (v: number, p0: number, p1: number) => number;

/**
 * dL/dx from x, y = f(x) and the upstream gradient g (use whichever of x or y makes f' cheapest),
 * written with Tensor ops so it is differentiable again.
 */
export type UnaryDerivative = (x: Tensor, y: Tensor, g: Tensor, p0: number, p1: number) => Tensor;

export interface UnaryDefinition {
  /** The op's name, for error messages and graph inspection. */
  name: string;
  scalar: ScalarFunction;
  /**
   * The derivative, or null for a piecewise-constant op (floor, sign…) whose gradient is zero
   * wherever it is defined.
   */
  derivative: UnaryDerivative | null;
  /** The backend kernel of the same function, when backends have a fused one (a fast path only). */
  kernel?: UnaryOp;
}

/** Define an element-wise op without parameters. */
export function defineUnary(def: UnaryDefinition): (x: Tensor) => Tensor {
  const op = defineParametricUnary(def);
  return (x) => op(x, 0, 0);
}

/**
 * Define an element-wise op with one or two numeric parameters, passed on as p0/p1 to the scalar
 * function, the derivative and the backend kernel. Wrap it to give the parameters names and defaults.
 */
export function defineParametricUnary(def: UnaryDefinition): (x: Tensor, p0: number, p1?: number) => Tensor {
  const { name, scalar, derivative, kernel } = def;
  return (x, p0, p1 = 0) => {
    const backend = x.backend;
    let out: Tensor;
    if (kernel !== undefined && backend.unary) {
      out = allocOutput(x.shape, backend);
      backend.unary(kernel, x.storage, out.storage, p0, p1);
    } else if (backend.unaryMap) {
      out = allocOutput(x.shape, backend);
      backend.unaryMap(x.storage, out.storage, scalar, p0, p1);
    } else {
      const values = backend.read(x.storage);
      for (let i = 0; i < values.length; i++) values[i] = scalar(values[i]!, p0, p1);
      out = new Tensor(backend.fromValues(values), x.shape, backend);
    }
    return record(name, out, [x], (g) => {
      if (derivative === null) return [noGrad(() => x.zerosLike())];
      if (kernel !== undefined && backend.unaryGrad && !isGradEnabled()) {
        const dx = allocOutput(x.shape, backend);
        backend.unaryGrad(kernel, x.storage, out.storage, g.storage, dx.storage, p0, p1);
        return [dx];
      }
      return [derivative(x, out, g, p0, p1)];
    });
  };
}
