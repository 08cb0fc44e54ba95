/** Optimisers by name, for `compile({ optimizer: 'adam' })` and for loading saved models. */
import { ArgumentError } from '../errors.js';
import { learningRateFromConfig, type Optimizer } from './optimizer.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD } from './rules.js';

export type OptimizerName = 'sgd' | 'momentum' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw';
export type OptimizerLike = OptimizerName | Optimizer;

const byName: Record<string, (config: Record<string, unknown>) => Optimizer> = {
  sgd: (c) => new SGD(c),
  // The tutorials' "Momentum": SGD with μ = 0.9.
  momentum: (c) => new SGD({ momentum: 0.9, ...c }),
  adagrad: (c) => new Adagrad(c),
  rmsprop: (c) => new RMSprop(c),
  adam: (c) => new Adam(c),
  adamw: (c) => new AdamW(c),
};

export function getOptimizer(
  spec: OptimizerLike | { className: string; config: Record<string, unknown> },
): Optimizer {
  if (typeof spec === 'object' && 'step' in spec) return spec;
  const className = typeof spec === 'string' ? spec : spec.className;
  const config =
    typeof spec === 'string'
      ? {}
      : { ...spec.config, learningRate: learningRateFromConfig(spec.config.learningRate) };
  const make = byName[className.toLowerCase()];
  if (!make)
    throw new ArgumentError(`unknown optimizer '${className}' (known: ${Object.keys(byName).join(', ')})`);
  return make(config);
}
