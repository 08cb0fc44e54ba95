/** The option checks every optimiser's constructor shares (the values are checked where they are read). */
import { checkOptions, type Options } from '../config/options.js';

/** The options every optimiser takes (the base class checks their values). */
export const OPTIMIZER_OPTIONS = ['learningRate', 'weightDecay', 'clipNorm', 'clipValue'] as const;

/** Keras options people carry over that backprop does not implement, with what to do instead. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  decay: 'use a learning-rate schedule (exponentialDecay, stepDecay, cosineDecay) as learningRate',
  amsgrad: 'AMSGrad is not implemented',
  centered: 'centered RMSprop is not implemented',
  globalClipnorm: "use clipNorm (backprop's clipNorm is already the global norm)",
  useEma: 'weight averaging (EMA) is not implemented',
};

/** The config object with every name checked: the shared options plus the rule's own. */
export function optimizerOptions(component: string, config: unknown, own: readonly string[]): Options {
  return checkOptions(component, config, [...OPTIMIZER_OPTIONS, ...own], UNSUPPORTED);
}

/** A decay factor β, ρ or μ: 1 would never forget (and divide by 1 − β^t = 0 in a bias correction). */
export const UNIT_INTERVAL = { min: 0, max: 1, maxExclusive: true } as const;
/** ε divides; 0 would turn a zero gradient's update into 0/0 = NaN. */
export const EPSILON = { min: 0, minExclusive: true } as const;
