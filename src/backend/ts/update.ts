/**
 * The fused optimiser kernels over whole buffers: one loop each, no allocation (see UpdateRule).
 * Each is the fast path of an update the optimiser also writes with tensor ops (src/optim); the
 * tests hold the two to the same numbers.
 */
import type { UpdateRule } from '../backend.js';

export function updateKernel(
  rule: UpdateRule,
  w: Float32Array,
  g: Float32Array,
  state: Float32Array[],
): void {
  const n = w.length;
  switch (rule.kind) {
    case 'sgd': {
      const { lr } = rule;
      for (let i = 0; i < n; i++) w[i]! -= lr * g[i]!;
      return;
    }
    case 'momentum': {
      const { lr, momentum: mu, nesterov } = rule;
      const v = state[0]!;
      for (let i = 0; i < n; i++) {
        const vi = mu * v[i]! - lr * g[i]!;
        v[i] = vi;
        w[i]! += nesterov ? mu * vi - lr * g[i]! : vi;
      }
      return;
    }
    case 'adagrad': {
      const { lr, epsilon } = rule;
      const h = state[0]!;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        h[i]! += gi * gi;
        w[i]! -= (lr * gi) / (Math.sqrt(h[i]!) + epsilon);
      }
      return;
    }
    case 'rmsprop': {
      const { lr, rho, epsilon } = rule;
      const v = state[0]!;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        v[i] = rho * v[i]! + (1 - rho) * gi * gi;
        w[i]! -= (lr * gi) / (Math.sqrt(v[i]!) + epsilon);
      }
      return;
    }
    case 'adam': {
      const { stepSize: a, beta1: b1, beta2: b2, epsilonHat } = rule;
      const m = state[0]!;
      const v = state[1]!;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        w[i]! -= (a * m[i]!) / (Math.sqrt(v[i]!) + epsilonHat);
      }
      return;
    }
    default: {
      // A rule kind added to UpdateRule without a case here fails to compile.
      const _exhaustive: never = rule;
      throw new Error(`update: no kernel for ${JSON.stringify(_exhaustive)}`);
    }
  }
}
