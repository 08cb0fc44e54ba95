/** The optimiser updates on the wasm backend: one kernel call per parameter buffer. */
import type { Storage, UpdateRule } from '../backend.js';
import { updateKernel } from '../ts/update.js';
import type { WasmContext } from './context.js';

export function createUpdate(
  ctx: WasmContext,
): (rule: UpdateRule, w: Storage, g: Storage, state: readonly Storage[]) => void {
  const update = (rule: UpdateRule, w: Storage, g: Storage, state: readonly Storage[]): void => {
    if (!ctx.isWasm(w) || !ctx.isWasm(g) || !state.every((s) => ctx.isWasm(s))) {
      // e.g. a gradient copy made on another backend: the TypeScript loops on views
      updateKernel(
        rule,
        w.view(),
        g.view(),
        state.map((s) => s.view()),
      );
      return;
    }
    const n = w.length;
    const [s0, s1] = state.map((s) => ctx.ptr(s));
    switch (rule.kind) {
      case 'sgd':
        ctx.kernels.sgd(ctx.ptr(w), ctx.ptr(g), n, rule.lr);
        break;
      case 'momentum':
        ctx.kernels.momentum(ctx.ptr(w), ctx.ptr(g), s0!, n, rule.lr, rule.momentum, rule.nesterov ? 1 : 0);
        break;
      case 'adagrad':
        ctx.kernels.adagrad(ctx.ptr(w), ctx.ptr(g), s0!, n, rule.lr, rule.epsilon);
        break;
      case 'rmsprop':
        ctx.kernels.rmsprop(ctx.ptr(w), ctx.ptr(g), s0!, n, rule.lr, rule.rho, 1 - rule.rho, rule.epsilon);
        break;
      case 'adam':
        ctx.kernels.adam(
          ctx.ptr(w),
          ctx.ptr(g),
          s0!,
          s1!,
          n,
          rule.stepSize,
          rule.beta1,
          rule.beta2,
          1 - rule.beta1,
          1 - rule.beta2,
          rule.epsilonHat,
        );
        break;
      default: {
        // A rule kind added to UpdateRule without a case here fails to compile.
        const _exhaustive: never = rule;
        throw new Error(`update: no wasm kernel for ${JSON.stringify(_exhaustive)}`);
      }
    }
  };

  return update;
}
