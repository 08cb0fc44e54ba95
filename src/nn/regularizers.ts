/** Weight penalties added to the training loss: L1 (Σ|w|), L2 (Σw²), or both. */
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export interface Regularizer {
  readonly className: 'l1l2';
  readonly config: { l1: number; l2: number };
  /** The penalty for one weight tensor (a scalar, recorded so it is differentiated). */
  penalty(w: Tensor): Tensor;
}

export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  const l1 = options.l1 ?? 0;
  const l2 = options.l2 ?? 0;
  if (!(l1 >= 0 && l2 >= 0))
    throw new ArgumentError(`regularizer: l1 and l2 must be ≥ 0 (got l1=${l1}, l2=${l2})`);
  return {
    className: 'l1l2',
    config: { l1, l2 },
    penalty(w) {
      let p: Tensor | null = null;
      if (l1 > 0) p = w.abs().sum().mul(l1);
      if (l2 > 0) {
        const q = w.square().sum().mul(l2);
        p = p ? p.add(q) : q;
      }
      return p ?? w.sum().mul(0);
    },
  };
}

/** L2 penalty l2·Σw² (Keras default factor 0.01). */
export const l2 = (factor = 0.01): Regularizer => l1l2({ l2: factor });
/** L1 penalty l1·Σ|w| (Keras default factor 0.01). */
export const l1 = (factor = 0.01): Regularizer => l1l2({ l1: factor });

export type RegularizerLike = 'l1' | 'l2' | 'l1l2' | Regularizer;

export function getRegularizer(
  spec: RegularizerLike | { className: string; config: { l1?: number; l2?: number } },
): Regularizer {
  if (spec === 'l1') return l1();
  if (spec === 'l2') return l2();
  if (spec === 'l1l2') return l1l2({ l1: 0.01, l2: 0.01 });
  if (typeof spec === 'object' && 'penalty' in spec) return spec;
  if (typeof spec === 'object' && spec.className === 'l1l2') return l1l2(spec.config);
  throw new ArgumentError(
    `unknown regularizer ${JSON.stringify(spec)} (use 'l1', 'l2', 'l1l2' or l2(factor))`,
  );
}

export function serializeRegularizer(r: Regularizer): {
  className: string;
  config: { l1: number; l2: number };
} {
  return { className: r.className, config: { ...r.config } };
}
