/**
 * ONNX matrix products: MatMul (NumPy matmul: 1-D operands promoted, leading axes broadcast) and
 * Gemm (Y = alpha·A'·B' + beta·C for 2-D A, B with optional transposes, C broadcast to the result;
 * alpha and beta default to 1, transA and transB to 0, and C is optional since opset 11). The
 * transposes go to the matmul kernel as flags, so neither operand is copied.
 */
import { matmulTransposed } from '../../../../ops/matmul.js';
import type { OperatorTable } from '../op-types.js';
import { nodeShapeError, required } from './util.js';

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

export const matrixOperators: OperatorTable = {
  MatMul: {
    attributes: {},
    run: (inputs, _a, _c, node) => {
      const a = required(inputs, 0, node);
      const b = required(inputs, 1, node);
      const k = a.shape[a.ndim - 1];
      const k2 = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
      if (a.ndim === 0 || b.ndim === 0 || k !== k2) {
        throw nodeShapeError(node, `cannot multiply ${shapeText(a.shape)} by ${shapeText(b.shape)}`);
      }
      return [a.matmul(b)];
    },
  },
  Gemm: {
    attributes: {
      alpha: { type: 'float', default: 1.0 },
      beta: { type: 'float', default: 1.0 },
      transA: { type: 'int', default: 0 },
      transB: { type: 'int', default: 0 },
    },
    run: (inputs, attrs, _c, node) => {
      const a = required(inputs, 0, node);
      const b = required(inputs, 1, node);
      const c = inputs[2];
      const transA = attrs.transA !== 0;
      const transB = attrs.transB !== 0;
      if (a.ndim !== 2 || b.ndim !== 2) {
        throw nodeShapeError(
          node,
          `A and B must be matrices, got ${shapeText(a.shape)} and ${shapeText(b.shape)}`,
        );
      }
      const k = transA ? a.shape[0] : a.shape[1];
      const k2 = transB ? b.shape[1] : b.shape[0];
      if (k !== k2) {
        throw nodeShapeError(
          node,
          `A ${shapeText(a.shape)}${transA ? 'ᵀ' : ''} and B ${shapeText(b.shape)}${transB ? 'ᵀ' : ''} are not aligned`,
        );
      }
      let y = matmulTransposed(a, b, transA, transB);
      const alpha = attrs.alpha as number;
      const beta = attrs.beta as number;
      if (alpha !== 1) y = y.mul(alpha);
      if (c !== undefined) y = y.add(beta === 1 ? c : c.mul(beta));
      return [y];
    },
  },
};
