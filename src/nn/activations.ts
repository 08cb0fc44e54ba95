/** Activation functions by name, as layers and configs refer to them ('relu', 'softmax', …). */
import { NameRegistry } from '../config/options.js';
import type { CamelOrSnake } from '../config/spellings.js';
import type { Tensor } from '../tensor/tensor.js';

export type ActivationName =
  | 'linear'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'softplus'
  | 'softmax'
  | 'logSoftmax';

/**
 * What layers take as `activation`: a name as backprop or Keras spell it ('leakyRelu',
 * 'leaky_relu'), or 'none' (linear) — a misspelt one does not compile.
 */
export type ActivationLike = CamelOrSnake<ActivationName> | 'none';

const table: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  sigmoid: (x) => x.sigmoid(),
  // Keras 2 / TF.js (TF.js's default recurrentActivation): clip(0.2·x + 0.5, 0, 1).
  hardSigmoid: (x) => x.mul(0.2).add(0.5).clip(0, 1),
  tanh: (x) => x.tanh(),
  relu: (x) => x.relu(),
  leakyRelu: (x) => x.leakyRelu(),
  elu: (x) => x.elu(),
  softplus: (x) => x.softplus(),
  softmax: (x) => x.softmax(-1),
  logSoftmax: (x) => x.logSoftmax(-1),
};

/** Own entries only ('constructor' is not an activation); case and '_' are ignored ('leaky_relu', 'ReLU'). */
const names = new NameRegistry<ActivationName>(
  'activation',
  (Object.keys(table) as ActivationName[]).map((n) => [n, n] as const),
  [['none', 'linear']],
);

/** Canonical name for an activation; throws listing the valid names. `component` prefixes the error. */
export function activationName(name: unknown, component = ''): ActivationName {
  if (name === null || name === undefined) return 'linear';
  return names.get(name, component);
}

/** Any string is taken here and checked at run time; layer configs take only the spellings in ActivationLike. */
export function getActivation(
  name: ActivationLike | (string & {}) | null | undefined,
): (x: Tensor) => Tensor {
  return table[activationName(name)];
}
