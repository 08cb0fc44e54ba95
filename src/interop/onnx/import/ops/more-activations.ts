/**
 * Activations PyTorch writes as single ONNX operators: Clip (ReLU6, Hardtanh; min and max are
 * optional inputs since opset 11), PRelu (a learned slope, broadcast to the input — a weight here),
 * Selu (gamma·elu_alpha(x) with the specification's constants), HardSwish (x·max(0, min(1, x/6 +
 * ½)), opset 14), Softsign (x / (1 + |x|)) and Gelu (opset 20: exact with erf, or the tanh
 * approximation).
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { OperatorTable } from '../op-types.js';
import { nodeError, required } from './util.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function scalarOf(
  t: Tensor | undefined,
  slot: number,
  node: Parameters<typeof nodeError>[0],
): Tensor | undefined {
  if (t !== undefined && t.shape.reduce((a, b) => a * b, 1) !== 1) {
    throw nodeError(node, `input ${slot} must be a scalar, got shape [${t.shape.join(', ')}]`);
  }
  return t;
}

export const moreActivationOperators: OperatorTable = {
  Clip: {
    attributes: {},
    // ReLU6's bounds are part of the formula: an initializer there is a frozen weight.
    frozenInputs: [1, 2],
    run: (inputs, _a, consts, node) => {
      const x = required(inputs, 0, node);
      const lo = consts[1]?.data[0];
      const hi = consts[2]?.data[0];
      if (lo !== undefined && hi !== undefined) return [x.clip(lo, hi)];
      let y = x;
      const min = scalarOf(inputs[1], 1, node);
      const max = scalarOf(inputs[2], 2, node);
      if (min !== undefined) y = y.maximum(min.reshape([]));
      if (max !== undefined) y = y.minimum(max.reshape([]));
      return [y];
    },
  },
  PRelu: {
    attributes: {},
    run: (inputs, _a, _c, node) => {
      const x = required(inputs, 0, node);
      const slope = required(inputs, 1, node);
      return [x.relu().add(x.minimum(0).mul(slope))];
    },
  },
  Selu: {
    // The specification's defaults are these float32 values.
    attributes: {
      alpha: { type: 'float', default: Math.fround(1.6732632423543772) },
      gamma: { type: 'float', default: Math.fround(1.0507009873554805) },
    },
    run: (inputs, attrs, _c, node) => [
      required(inputs, 0, node)
        .elu(attrs.alpha as number)
        .mul(attrs.gamma as number),
    ],
  },
  HardSwish: {
    attributes: {},
    sinceVersion: 14,
    run: (inputs, _a, _c, node) => {
      const x = required(inputs, 0, node);
      return [x.mul(x.div(6).add(0.5).clip(0, 1))];
    },
  },
  Softsign: {
    attributes: {},
    run: (inputs, _a, _c, node) => {
      const x = required(inputs, 0, node);
      return [x.div(x.abs().add(1))];
    },
  },
  Gelu: {
    attributes: { approximate: { type: 'string', default: 'none' } },
    sinceVersion: 20,
    run: (inputs, attrs, _c, node) => {
      const x = required(inputs, 0, node);
      if (attrs.approximate === 'none') return [x.mul(x.div(Math.SQRT2).erf().add(1)).mul(0.5)];
      if (attrs.approximate === 'tanh') {
        const inner = x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI);
        return [x.mul(inner.tanh().add(1)).mul(0.5)];
      }
      throw nodeError(node, `approximate '${attrs.approximate}' is not 'none' or 'tanh'`);
    },
  },
};
