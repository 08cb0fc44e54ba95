/**
 * GaussianKL: the KL term of a variational autoencoder's ELBO as a layer. [μ, logVar] in (a
 * diagonal Gaussian q(z|x) = N(μ, exp(logVar))), per sample its divergence from the prior
 * p(z) = N(0, I) out, in nats, shape [batch, 1]:
 *
 *   KL(q ‖ p) = ½ Σⱼ (μⱼ² + exp(logVarⱼ) − 1 − logVarⱼ)
 *
 * in closed form (no sampling). Why a layer and not a penalty: as a model output it goes through
 * the training engine like any other — a loss that averages it over the batch (VAE uses
 * `meanOfOutput`), its own entry in the logs (`kl_loss`, `val_kl_loss`), validation and
 * evaluate() included — so a VAE trains with fit() and no loop of its own.
 */
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { ElementwiseMerge } from './merge/merge.js';
import type { ModuleConfig } from './module.js';

/** Per-sample KL(N(μ, exp(logVar)) ‖ N(0, I)), summed over every axis but the batch: [batch, 1]. */
export function gaussianKL(mean: Tensor, logVar: Tensor): Tensor {
  const perUnit = mean.square().add(logVar.exp()).sub(logVar).sub(1);
  const axes = perUnit.shape.slice(1).map((_, i) => i + 1);
  const batch = perUnit.shape[0]!;
  return (axes.length > 0 ? perUnit.sum(axes) : perUnit).mul(0.5).reshape([batch, 1]);
}

export class GaussianKL extends ElementwiseMerge {
  constructor(config: ModuleConfig = {}) {
    super(config, 'kl');
  }

  get className(): string {
    return 'GaussianKL';
  }

  protected override get inputCount(): number {
    return 2;
  }

  /** One number per sample: a masked sequence of codes is refused, not averaged silently. */
  override get supportsMasking(): boolean {
    return false;
  }

  protected override mergeShapes(shapes: Shape[]): Shape {
    super.mergeShapes(shapes);
    return [1];
  }

  protected override combine([mean, logVar]: Tensor[]): Tensor {
    return gaussianKL(mean!, logVar!);
  }
}
