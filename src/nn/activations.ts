/** Activation functions by name, as layers and configs refer to them ('relu', 'softmax', …). */
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export type ActivationName =
  | 'linear'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'softplus'
  | 'softmax'
  | 'logSoftmax';

const table: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  sigmoid: (x) => x.sigmoid(),
  tanh: (x) => x.tanh(),
  relu: (x) => x.relu(),
  leakyRelu: (x) => x.leakyRelu(),
  elu: (x) => x.elu(),
  softplus: (x) => x.softplus(),
  softmax: (x) => x.softmax(-1),
  logSoftmax: (x) => x.logSoftmax(-1),
};

/** Keras spellings accepted as well. */
const aliases: Record<string, ActivationName> = {
  leaky_relu: 'leakyRelu',
  log_softmax: 'logSoftmax',
  none: 'linear',
};

/** Canonical name for an activation; throws listing the valid names. */
export function activationName(name: string | null | undefined): ActivationName {
  if (name === null || name === undefined) return 'linear';
  const canonical = aliases[name] ?? name;
  if (!(canonical in table)) {
    throw new ArgumentError(`unknown activation '${name}' (known: ${Object.keys(table).join(', ')})`);
  }
  return canonical as ActivationName;
}

export function getActivation(name: string | null | undefined): (x: Tensor) => Tensor {
  return table[activationName(name)];
}
