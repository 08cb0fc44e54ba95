/**
 * Softmax cross-entropy in one op: loss = −Σ y·log softmax(z) along the last axis, one value per row.
 * Forward is one kernel pass (the row's log-sum-exp, the loss and the probabilities, kept for the
 * backward); backward is one more: dz = g·(softmax(z)·Σy − y), which for one-hot y is the familiar
 * softmax − y. Replaces logSoftmax → mul → sum → neg, four ops and their intermediates.
 */
import { noGrad } from '../autograd/grad-mode.js';
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
  const loss = allocOutput(logits.shape.slice(0, -1), backend);
  const probs = allocOutput(logits.shape, backend);
  backend.softmaxCrossEntropy(logits.storage, y.storage, rows, cols, loss.storage, probs.storage);
  return record('softmaxCrossEntropy', loss, [logits, y], (g) => {
    let dz: Tensor | null = null;
    if (logits.requiresGrad) {
      dz = allocOutput(logits.shape, backend);
      backend.softmaxCrossEntropyGrad(probs.storage, y.storage, g.storage, rows, cols, dz.storage);
    }
    // Soft labels that are themselves learned: d/dy = −log softmax(z), per row times g.
    const dy = y.requiresGrad
      ? noGrad(() =>
          logits
            .logSoftmax(-1)
            .neg()
            .mul(g.reshape([...g.shape, 1])),
        )
      : null;
    return [dz, dy];
  });
}
