/**
 * ONNX activations with their opset-13+ attributes and defaults: Relu, LeakyRelu (alpha 0.01), Elu
 * (alpha 1), Sigmoid, Tanh, Softplus (log(exp(x) + 1)), HardSigmoid (max(0, min(1, alpha·x + beta)),
 * alpha 0.2, beta 0.5), Softmax and LogSoftmax (one axis, default −1, since opset 13).
 */
import type { OperatorTable } from '../op-types.js';
import { normalizeAxis, required } from './util.js';

export const activationOperators: OperatorTable = {
  Relu: { attributes: {}, run: (x, _a, _c, node) => [required(x, 0, node).relu()] },
  LeakyRelu: {
    attributes: { alpha: { type: 'float', default: 0.01 } },
    run: (x, a, _c, node) => [required(x, 0, node).leakyRelu(a.alpha as number)],
  },
  Elu: {
    attributes: { alpha: { type: 'float', default: 1.0 } },
    run: (x, a, _c, node) => [required(x, 0, node).elu(a.alpha as number)],
  },
  Sigmoid: { attributes: {}, run: (x, _a, _c, node) => [required(x, 0, node).sigmoid()] },
  Tanh: { attributes: {}, run: (x, _a, _c, node) => [required(x, 0, node).tanh()] },
  Softplus: { attributes: {}, run: (x, _a, _c, node) => [required(x, 0, node).softplus()] },
  HardSigmoid: {
    attributes: { alpha: { type: 'float', default: 0.2 }, beta: { type: 'float', default: 0.5 } },
    run: (x, a, _c, node) => [
      required(x, 0, node)
        .mul(a.alpha as number)
        .add(a.beta as number)
        .clip(0, 1),
    ],
  },
  Softmax: {
    attributes: { axis: { type: 'int', default: -1 } },
    run: (x, a, _c, node) => {
      const t = required(x, 0, node);
      return [t.softmax(normalizeAxis(a.axis as number, t.ndim, node))];
    },
  },
  LogSoftmax: {
    attributes: { axis: { type: 'int', default: -1 } },
    run: (x, a, _c, node) => {
      const t = required(x, 0, node);
      return [t.logSoftmax(normalizeAxis(a.axis as number, t.ndim, node))];
    },
  },
};
