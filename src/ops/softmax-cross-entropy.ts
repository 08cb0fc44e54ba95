/**
 * Softmax cross-entropy in one op: loss = −Σ y·log softmax(z) along the last axis, one value per row.
 * Forward is one kernel pass (the row's log-sum-exp, the loss and the probabilities p, kept for the
 * backward); a backend without that kernel gets the same from logSoftmax, mul and sum. Replaces
 * logSoftmax → mul → sum → neg, four ops and their intermediates.
 *
 * Backward, with ops (so it differentiates again; softmax recomputed as a recorded op then):
 *   dz = g·(p·Σy − y)   — for one-hot y the familiar p − y
 *   dy = −g·log softmax(z)   (soft labels that are themselves learned)
 * and the backend's fused softmaxCrossEntropyGrad for dz in a first-order pass.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/graph.js';
import { ShapeError } from '../errors.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { allocOutput, asTensor } from './util.js';

export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const y = asTensor(labels, logits, 'softmaxCrossEntropy');
  if (logits.ndim === 0 || !shapesEqual(logits.shape, y.shape)) {
    throw new ShapeError(
      `softmaxCrossEntropy: logits ${formatShape(logits.shape)} and labels ${formatShape(y.shape)} must have the same shape, classes last`,
    );
  }
  const cols = logits.shape[logits.ndim - 1]!;
  const rows = cols === 0 ? 0 : logits.size / cols;
  const backend = logits.backend;
  let loss: Tensor;
  let probs: Tensor | null = null;
  if (backend.softmaxCrossEntropy) {
    loss = allocOutput(logits.shape.slice(0, -1), backend);
    probs = allocOutput(logits.shape, backend);
    backend.softmaxCrossEntropy(logits.storage, y.storage, rows, cols, loss.storage, probs.storage);
  } else {
    loss = noGrad(() => y.mul(logits.logSoftmax(-1)).sum(-1).neg());
  }
  return record('softmaxCrossEntropy', loss, [logits, y], (g) => {
    let dz: Tensor | null = null;
    if (logits.requiresGrad) {
      if (probs !== null && backend.softmaxCrossEntropyGrad && !isGradEnabled()) {
        dz = allocOutput(logits.shape, backend);
        backend.softmaxCrossEntropyGrad(probs.storage, y.storage, g.storage, rows, cols, dz.storage);
      } else {
        dz = g.reshape([...g.shape, 1]).mul(logits.softmax(-1).mul(y.sum(-1, true)).sub(y));
      }
    }
    const dy = y.requiresGrad
      ? logits
          .logSoftmax(-1)
          .neg()
          .mul(g.reshape([...g.shape, 1]))
      : null;
    return [dz, dy];
  });
}
