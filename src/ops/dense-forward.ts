/**
 * f(x·W + b) for a Dense layer's forward when no gradient is recorded (predict, evaluate): one
 * backend call (matmulBiasActivation), which may apply the bias and activation to each block of rows
 * right after its product — with the same bits as matmul, then biasActivation (or the bias add and
 * softmax), which is what it composes when a gradient is wanted or the backend lacks the call.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { biasActivation, type FusableActivation, P0 } from './bias-activation.js';
import { allocOutput } from './util.js';

export type DenseActivation = FusableActivation | 'softmax';

export function denseForward(x: Tensor, kernel: Tensor, bias: Tensor, activation: DenseActivation): Tensor {
  const backend = x.backend;
  const m = x.shape[0]!;
  const k = x.shape[1]!;
  const n = kernel.shape[1]!;
  const plain =
    !backend.matmulBiasActivation ||
    (isGradEnabled() && (x.requiresGrad || kernel.requiresGrad || bias.requiresGrad)) ||
    x.ndim !== 2 ||
    kernel.ndim !== 2 ||
    bias.ndim !== 1 ||
    kernel.shape[0] !== k ||
    bias.shape[0] !== n ||
    kernel.backend !== backend ||
    bias.backend !== backend;
  if (plain) {
    // The ops in turn (and their errors for mismatched operands).
    const z = x.matmul(kernel);
    return activation === 'softmax' ? z.add(bias).softmax(-1) : biasActivation(z, bias, activation);
  }
  const out = allocOutput([m, n], backend);
  const spec = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: m * k, bBatchStride: k * n };
  const op = activation === 'linear' ? null : activation;
  const p0 = activation === 'softmax' ? 0 : (P0[activation] ?? 0);
  backend.matmulBiasActivation!(x.storage, kernel.storage, out.storage, spec, bias.storage, op, p0);
  return out;
}
