/**
 * Per-class true positive, false positive and false negative counts (weighted), accumulated over
 * batches: what precision, recall and F1 are computed from at the end of an epoch. Counts, not a
 * mean of batch values, because the precision of an epoch is not the mean of its batches'.
 */
import { ShapeError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { sampleWeights } from './sample-weights.js';

export interface DecisionOptions {
  /**
   * A prediction above it is positive. Default: 0.5 for a single output column; for several
   * columns, the argmax of each row is the one positive class (single-label classification) —
   * give a threshold to decide each column on its own instead (multi-label).
   */
  threshold?: number;
}

/** What the counts of one batch are read from: yes/no truth and decision per sample and class. */
interface Decisions {
  classes: number;
  samples: number;
  truth: Uint8Array;
  predicted: Uint8Array;
}

/**
 * Targets and predictions as per-class yes/no values. One prediction column (or a [batch] vector)
 * is binary: target > 0.5 is positive. Several columns take one-hot (or multi-label) targets shaped
 * like the predictions, or integer class labels ([batch] or [batch, 1]).
 */
export function decide(
  metric: string,
  yTrue: Tensor,
  yPred: Tensor,
  threshold: number | undefined,
): Decisions {
  const binary = yPred.ndim <= 1 || yPred.shape[yPred.ndim - 1] === 1;
  const classes = binary ? 1 : yPred.shape[yPred.ndim - 1]!;
  const samples = yPred.size / classes;
  const p = yPred.dataSync();
  const t = yTrue.dataSync();
  const predicted = new Uint8Array(yPred.size);
  const truth = new Uint8Array(yPred.size);
  if (binary || threshold !== undefined) {
    const cut = threshold ?? 0.5;
    for (let i = 0; i < p.length; i++) predicted[i] = p[i]! > cut ? 1 : 0;
  } else {
    for (let s = 0; s < samples; s++) {
      let best = s * classes;
      for (let c = best + 1; c < (s + 1) * classes; c++) if (p[c]! > p[best]!) best = c;
      predicted[best] = 1;
    }
  }
  if (yTrue.size === yPred.size) {
    for (let i = 0; i < t.length; i++) truth[i] = t[i]! > 0.5 ? 1 : 0;
  } else if (!binary && yTrue.size === samples) {
    for (let s = 0; s < samples; s++) {
      const label = t[s]!;
      if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
        throw new ShapeError(
          `${metric}: label ${label} of sample ${s} is not a class index in [0, ${classes})`,
        );
      }
      truth[s * classes + label] = 1;
    }
  } else {
    throw new ShapeError(
      `${metric}: targets of shape ${formatShape(yTrue.shape)} fit neither predictions of shape ` +
        `${formatShape(yPred.shape)} nor one integer label per sample`,
    );
  }
  return { classes, samples, truth, predicted };
}

export class ConfusionCounts {
  tp = new Float64Array(0);
  fp = new Float64Array(0);
  fn = new Float64Array(0);

  constructor(
    private readonly metric: string,
    private readonly threshold: number | undefined,
  ) {}

  get classes(): number {
    return this.tp.length;
  }

  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor | null): void {
    const d = decide(this.metric, yTrue, yPred, this.threshold);
    if (this.classes === 0) {
      this.tp = new Float64Array(d.classes);
      this.fp = new Float64Array(d.classes);
      this.fn = new Float64Array(d.classes);
    } else if (this.classes !== d.classes) {
      throw new ShapeError(
        `${this.metric}: predictions have ${d.classes} classes, earlier batches had ${this.classes}`,
      );
    }
    const w = sampleWeights(this.metric, sampleWeight, d.samples);
    for (let s = 0; s < d.samples; s++) {
      for (let c = 0; c < d.classes; c++) {
        const i = s * d.classes + c;
        if (d.predicted[i] && d.truth[i]) this.tp[c]! += w[s]!;
        else if (d.predicted[i]) this.fp[c]! += w[s]!;
        else if (d.truth[i]) this.fn[c]! += w[s]!;
      }
    }
  }

  reset(): void {
    this.tp.fill(0);
    this.fp.fill(0);
    this.fn.fill(0);
  }
}
