/** Weight penalties added to the training loss: L1 (Σ|w|), L2 (Σw²), or both. */
import {
  checkOptions,
  classSpec,
  describeValue,
  isOptionsObject,
  numberOption,
  type Options,
} from '../config/options.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export interface Regularizer {
  readonly className: 'l1l2';
  readonly config: { l1: number; l2: number };
  /** The penalty for one weight tensor (a scalar, recorded so it is differentiated). */
  penalty(w: Tensor): Tensor;
}

const FACTOR = { min: 0 } as const;

export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  const o = checkOptions('l1l2', options, ['l1', 'l2']);
  const l1 = numberOption('l1l2', 'l1', o.l1, FACTOR, 0);
  const l2 = numberOption('l1l2', 'l2', o.l2, FACTOR, 0);
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

/**
 * A regularizer from 'l1' | 'l2' | 'l1l2' (Keras' 0.01 factors), an object made by l1()/l2()/l1l2(),
 * or a saved { className, config } — Keras' { class_name: 'L2', config: { l2 } } forms too.
 */
export function getRegularizer(
  spec: RegularizerLike | { className: string; config?: { l1?: number; l2?: number } },
): Regularizer {
  if (spec === 'l1') return l1();
  if (spec === 'l2') return l2();
  if (spec === 'l1l2') return l1l2({ l1: 0.01, l2: 0.01 });
  if (!isOptionsObject(spec)) {
    throw new ArgumentError(
      `unknown regularizer ${describeValue(spec)} (use 'l1', 'l2', 'l1l2', l2(factor) or l1l2({ l1, l2 }))`,
    );
  }
  if (typeof (spec as Options).penalty === 'function') return spec as Regularizer;
  const { className, config: given } = classSpec('regularizer spec', spec);
  const config = given ?? {};
  const kind = typeof className === 'string' ? className.toLowerCase().replace(/_/g, '') : className;
  // Keras' L1 / L2 classes keep one factor; its L1L2 both. All are l1l2 here.
  if (kind === 'l1l2') return l1l2(config as never);
  if (kind === 'l1') return l1l2({ l1: (checkOptions('L1', config, ['l1']).l1 ?? 0.01) as number });
  if (kind === 'l2') return l1l2({ l2: (checkOptions('L2', config, ['l2']).l2 ?? 0.01) as number });
  throw new ArgumentError(`unknown regularizer class ${describeValue(className)} (known: l1l2, l1, l2)`);
}

export function serializeRegularizer(r: Regularizer): {
  className: string;
  config: { l1: number; l2: number };
} {
  return { className: r.className, config: { ...r.config } };
}
