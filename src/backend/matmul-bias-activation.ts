/**
 * Backend.matmulBiasActivation as the kernels in turn: matmul into `out`, then biasActivation (for
 * 'softmax': the bias add, then softmax) in place on it — each kernel reads an element before
 * writing it. The TypeScript backend's whole implementation, and the wasm backend's for what its
 * fused path does not cover; the fused path must give these bits.
 */
import type { BackendWithFusedKernels, MatmulSpec, Storage, UnaryOp } from './backend.js';

export type KernelsInTurn = Pick<BackendWithFusedKernels, 'matmul' | 'biasActivation' | 'softmax'>;

export function matmulThenBiasActivation(
  kernels: KernelsInTurn,
  a: Storage,
  b: Storage,
  out: Storage,
  spec: MatmulSpec,
  bias: Storage,
  activation: UnaryOp | 'softmax' | null,
  p0 = 0,
): void {
  kernels.matmul(a, b, out, spec);
  if (out.length === 0) return;
  const softmax = activation === 'softmax';
  kernels.biasActivation(softmax ? null : activation, out, bias, out, spec.n, p0);
  if (softmax) kernels.softmax(out, out.length / spec.n, spec.n, 1, out, false);
}
