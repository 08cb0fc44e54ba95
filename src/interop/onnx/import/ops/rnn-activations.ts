/**
 * The activation functions ONNX's recurrent operators (LSTM, GRU, RNN) name in their
 * `activations` attribute, with the `activation_alpha` / `activation_beta` values each takes and
 * the defaults of the ONNX operator of the same name. The values are consumed in the order of the
 * activations that take them (as ONNX Runtime reads them).
 */
import { where } from '../../../../ops/where.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { Attributes, NodeInfo } from '../op-types.js';
import { refuse } from './spatial.js';

export type Activation = (x: Tensor) => Tensor;

interface ActivationKind {
  /** Defaults of the parameters it takes, in order (alpha, then beta). */
  alpha?: number;
  beta?: number;
  make(alpha: number, beta: number): Activation;
}

const KINDS: Record<string, ActivationKind> = {
  sigmoid: { make: () => (x) => x.sigmoid() },
  tanh: { make: () => (x) => x.tanh() },
  relu: { make: () => (x) => x.relu() },
  softsign: { make: () => (x) => x.div(x.abs().add(1)) },
  softplus: { make: () => (x) => x.softplus() },
  leakyrelu: { alpha: 0.01, make: (a) => (x) => x.leakyRelu(a) },
  elu: { alpha: 1, make: (a) => (x) => x.elu(a) },
  thresholdedrelu: { alpha: 1, make: (a) => (x) => where(x.gt(a), x, 0) },
  hardsigmoid: { alpha: 0.2, beta: 0.5, make: (a, b) => (x) => x.mul(a).add(b).clip(0, 1) },
  affine: { alpha: 1, beta: 0, make: (a, b) => (x) => x.mul(a).add(b) },
  scaledtanh: { alpha: 1, beta: 1, make: (a, b) => (x) => x.mul(b).tanh().mul(a) },
};

const SUPPORTED =
  'Sigmoid, Tanh, Relu, LeakyRelu, ThresholdedRelu, Elu, Softsign, Softplus, HardSigmoid, Affine, ScaledTanh';

/**
 * The node's activations, `perDirection` of them for each of `directions`: the attribute's (with
 * their alpha/beta values) or the operator's defaults repeated for each direction.
 */
export function recurrentActivations(
  node: NodeInfo,
  attributes: Attributes,
  defaults: readonly string[],
  directions: number,
): Activation[][] {
  const names =
    (attributes.activations as string[] | undefined) ??
    Array.from({ length: directions }, () => defaults).flat();
  const want = defaults.length * directions;
  if (!Array.isArray(names) || names.length !== want || !names.every((n) => typeof n === 'string')) {
    refuse(
      node,
      `attribute activations must name ${want} functions (${defaults.length} per direction), got ${JSON.stringify(names)}`,
    );
  }
  const alphas = (attributes.activation_alpha as number[] | undefined) ?? [];
  const betas = (attributes.activation_beta as number[] | undefined) ?? [];
  let nextAlpha = 0;
  let nextBeta = 0;
  const functions = names.map((name) => {
    const kind = KINDS[name.toLowerCase()];
    if (kind === undefined) {
      refuse(node, `activation '${name}' is not supported (supported: ${SUPPORTED})`);
    }
    const alpha = kind.alpha === undefined ? 0 : (alphas[nextAlpha++] ?? kind.alpha);
    const beta = kind.beta === undefined ? 0 : (betas[nextBeta++] ?? kind.beta);
    return kind.make(alpha, beta);
  });
  return Array.from({ length: directions }, (_, d) =>
    functions.slice(d * defaults.length, (d + 1) * defaults.length),
  );
}
