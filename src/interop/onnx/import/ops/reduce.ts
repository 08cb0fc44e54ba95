/**
 * ONNX reductions ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd: keepdims (default 1) and the axes —
 * an attribute until opset 17 for Mean/Max/Min (an input from 18; ReduceSum's became an input in
 * 13). No axes reduces every axis, unless noop_with_empty_axes (opset 18+, or ReduceSum's 13+) is
 * 1, which makes the node an identity.
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { AttributeSpec, OnnxOperator, OperatorTable } from '../op-types.js';
import { constInts, normalizeAxes, required } from './util.js';

function reduction(
  axesInputSince: number,
  f: (x: Tensor, axes: number[], keep: boolean) => Tensor,
): OnnxOperator {
  const withInput: Record<string, AttributeSpec> = {
    keepdims: { type: 'int', default: 1 },
    noop_with_empty_axes: { type: 'int', default: 0 },
  };
  const withAttribute: Record<string, AttributeSpec> = {
    axes: { type: 'ints', optional: true },
    keepdims: { type: 'int', default: 1 },
  };
  return {
    attributes: withInput,
    attributesAt: (opset) => (opset >= axesInputSince ? withInput : withAttribute),
    constInputs: [1],
    run: (inputs, attrs, consts, node) => {
      const x = required(inputs, 0, node);
      const given =
        node.opset >= axesInputSince
          ? inputs[1] === undefined && consts[1] === undefined
            ? []
            : constInts(consts[1], 1, node)
          : ((attrs.axes as number[] | undefined) ?? []);
      if (given.length === 0 && attrs.noop_with_empty_axes === 1) return [x];
      const axes = given.length === 0 ? x.shape.map((_, i) => i) : normalizeAxes(given, x.ndim, node);
      return [f(x, axes, attrs.keepdims !== 0)];
    },
  };
}

/** The product over `axes` (no product kernel: multiply the slices along each axis in turn). */
function product(x: Tensor, axes: number[], keep: boolean): Tensor {
  let y = x;
  for (const a of axes) {
    const slices = y.split(y.shape[a]!, a);
    y = slices.slice(1).reduce((acc, s) => acc.mul(s), slices[0]!);
  }
  return keep ? y : y.reshape(y.shape.filter((_, i) => !axes.includes(i)));
}

export const reduceOperators: OperatorTable = {
  ReduceMean: reduction(18, (x, axes, keep) => x.mean(axes, keep)),
  ReduceSum: reduction(13, (x, axes, keep) => x.sum(axes, keep)),
  ReduceMax: reduction(18, (x, axes, keep) => x.max(axes, keep)),
  ReduceMin: reduction(18, (x, axes, keep) => x.min(axes, keep)),
  ReduceProd: reduction(18, product),
};
