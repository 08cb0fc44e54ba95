/**
 * ONNX element-wise arithmetic: Add, Sub, Mul, Div, Pow (two inputs, multidirectional — NumPy —
 * broadcasting, which backprop's element-wise ops implement), Equal (1/0 as float32), the variadic Sum, Mean, Max, Min,
 * and the unary Neg, Abs, Sqrt, Exp, Log, Erf, Reciprocal, Floor, Ceil. Gradients are the tensor
 * ops' own.
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { OnnxOperator, OperatorTable } from '../op-types.js';
import { foldPairs, required } from './util.js';

function binary(f: (a: Tensor, b: Tensor) => Tensor): OnnxOperator {
  return {
    attributes: {},
    run: (inputs, _a, _c, node) => [f(required(inputs, 0, node), required(inputs, 1, node))],
  };
}

function variadic(
  f: (a: Tensor, b: Tensor) => Tensor,
  after?: (y: Tensor, n: number) => Tensor,
): OnnxOperator {
  return {
    attributes: {},
    run: (inputs, _a, _c, node) => {
      const y = foldPairs(inputs, node, f);
      return [after ? after(y, inputs.filter((x) => x !== undefined).length) : y];
    },
  };
}

function unary(f: (x: Tensor) => Tensor): OnnxOperator {
  return { attributes: {}, run: (inputs, _a, _c, node) => [f(required(inputs, 0, node))] };
}

export const elementwiseOperators: OperatorTable = {
  Add: binary((a, b) => a.add(b)),
  Sub: binary((a, b) => a.sub(b)),
  Mul: binary((a, b) => a.mul(b)),
  // Integers are float32 values here, so an integer Div is exact only when it divides evenly;
  // the importer's constant folding truncates integer quotients as ONNX does (see from-onnx.ts).
  Div: binary((a, b) => a.div(b)),
  // The exponent is a constant of the formula (x² in a LayerNorm PyTorch spelled out), never learned:
  // training it would also meet log(x) of negative x.
  Pow: { ...binary((a, b) => a.pow(b)), frozenInputs: [1] },
  // A boolean result: 1 where equal, else 0 (no gradient).
  Equal: binary((a, b) => a.eq(b)),
  Sum: variadic((a, b) => a.add(b)),
  Mean: variadic(
    (a, b) => a.add(b),
    (y, n) => (n === 1 ? y : y.div(n)),
  ),
  Max: variadic((a, b) => a.maximum(b)),
  Min: variadic((a, b) => a.minimum(b)),
  Neg: unary((x) => x.neg()),
  Abs: unary((x) => x.abs()),
  Sqrt: unary((x) => x.sqrt()),
  Exp: unary((x) => x.exp()),
  Log: unary((x) => x.log()),
  Erf: unary((x) => x.erf()),
  Reciprocal: unary((x) => x.reciprocal()),
  Floor: unary((x) => x.floor()),
  Ceil: unary((x) => x.ceil()),
};
