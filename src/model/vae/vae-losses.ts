/**
 * The two losses a VAE's training model is compiled with, so that fit() minimises −ELBO in nats
 * per image and logs it as `loss`:
 *
 *   bernoulliNegLogLikelihood   −log p(x|z) of a Bernoulli decoder: binary cross-entropy summed
 *                               over the pixels (not averaged, as binaryCrossentropy is), per image.
 *                               It fuses with a final sigmoid like binaryCrossentropy (logits in:
 *                               exact where a probability would round to 0 or 1).
 *   meanOfOutput                the batch mean of an output that is itself the loss (GaussianKL's
 *                               per-image KL); its targets are ignored.
 *
 * Their names are not in the loss registry, so a model compiled with them saves without its
 * training configuration only through VAE.save (which saves the uncompiled graph).
 */
import { binaryCrossentropy } from '../../losses/index.js';
import { EPSILON, type Loss, perSampleSum, sameShape } from '../../losses/loss.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A Loss object from its per-sample form (mean reduction), with the fields the engine reads. */
function lossObject(
  name: string,
  perSample: (y: Tensor, p: Tensor) => Tensor,
  fields: { fromLogits: boolean; fusesWith: Loss['fusesWith']; withLogits?: () => Loss } & Pick<
    Loss,
    'checkTargets'
  >,
): Loss {
  const loss = ((y: Tensor, p: Tensor) => perSample(y, p).mean()) as Loss;
  Object.defineProperties(loss, {
    name: { value: name },
    fromLogits: { value: fields.fromLogits },
    reduction: { value: 'mean' },
    fusesWith: { value: fields.fusesWith },
    perSample: { value: perSample },
    withLogits: { value: fields.withLogits ?? (() => loss) },
    ...(fields.checkTargets && { checkTargets: { value: fields.checkTargets } }),
  });
  return loss;
}

/**
 * Σ over pixels of binary cross-entropy, per image: −log p(x|z) in nats for a Bernoulli decoder.
 * From logits z it is Σ softplus(z) − x·z: softplus never overflows and its derivative is σ(z),
 * so the gradient σ(z) − x is exact everywhere (z = 0 included).
 */
export function bernoulliNegLogLikelihood(options: { fromLogits?: boolean } = {}): Loss {
  const fromLogits = options.fromLogits ?? false;
  const perSample = (y: Tensor, p: Tensor): Tensor => {
    sameShape('bernoulliNegLogLikelihood', y, p);
    if (fromLogits) return perSampleSum(p.softplus().sub(p.mul(y)));
    const q = p.clip(EPSILON, 1 - EPSILON);
    return perSampleSum(y.mul(q.log()).add(y.neg().add(1).mul(q.neg().add(1).log()))).neg();
  };
  return lossObject('bernoulliNegLogLikelihood', perSample, {
    fromLogits,
    fusesWith: 'sigmoid',
    withLogits: () => bernoulliNegLogLikelihood({ fromLogits: true }),
    checkTargets: binaryCrossentropy().checkTargets,
  });
}

/** The batch mean of the prediction itself (an output that is a per-sample loss); targets ignored. */
export function meanOfOutput(): Loss {
  return lossObject('meanOfOutput', (_y, p) => (p.ndim <= 1 ? p : p.reshape([p.shape[0]!, -1]).sum(1)), {
    fromLogits: false,
    fusesWith: null,
  });
}
