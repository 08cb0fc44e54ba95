/**
 * One batch through a model: the forward pass, each output's loss (fused with its final
 * activation where the loss can take logits), their weighted total with the weight penalties, and
 * the training step — backward, optimiser update — that fit() and trainOnBatch() share.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentError, ShapeError, TrainingError } from '../../errors.js';
import type { Loss } from '../../losses/index.js';
import { getActivation } from '../../nn/activations.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Logs } from '../callbacks.js';
import type { Compiled } from './compile.js';
import type { EngineModel } from './contract.js';

/** Per output, the loss on logits when its final activation can be fused into it, else null. */
export function fusedLosses(model: EngineModel, compiled: Compiled): (Loss | null)[] {
  const activations = model.outputActivations();
  return compiled.losses.map((loss, i) =>
    loss.fromLogits || loss.fusesWith === null || activations[i] !== loss.fusesWith
      ? null
      : loss.withLogits(),
  );
}

export interface BatchResult {
  /** The total minimised: Σ lossWeightᵢ·lossᵢ + weight penalties (recorded when grad is on). */
  total: Tensor;
  /** Each output's loss (scalars). */
  losses: Tensor[];
  /**
   * Each output's predictions, activated — computed on the first call only: a fused output's
   * activation is skipped when nothing reads it (a model trained without metrics).
   */
  predictions: () => Tensor[];
  /** Each output's mask (null where none): its metrics count only the real steps. */
  masks: (Tensor | null)[];
}

/** Forward and losses for a batch; records the graph if enabled. */
export function forwardAndLoss(
  model: EngineModel,
  compiled: Compiled,
  fused: readonly (Loss | null)[],
  xs: readonly Tensor[],
  ys: readonly Tensor[],
  weights: readonly (Tensor | null)[] | null,
  training: boolean,
): BatchResult {
  const forwardOptions = { training, logits: fused.map((f) => f !== null) };
  const { outputs: outs, masks } = model.forwardWithMasks
    ? model.forwardWithMasks(xs, forwardOptions)
    : { outputs: model.forwardAll(xs, forwardOptions), masks: [] };
  const activations = model.outputActivations();
  const losses = outs.map((out, i) => {
    const loss = fused[i] ?? compiled.losses[i]!;
    const w = weights?.[i] ?? null;
    const mask = masks[i] ?? null;
    if (mask !== null) return maskedLoss(loss, ys[i]!, out, mask, w, model.outputNames[i]!);
    if (w === null) return loss(ys[i]!, out);
    if (!loss.perSample) {
      throw new ArgumentError(
        `sampleWeight/classWeight: the loss of output '${model.outputNames[i]}' gives no per-sample values; use a built-in loss`,
      );
    }
    const weighted = loss.perSample(ys[i]!, out).mul(w);
    return loss.reduction === 'sum' ? weighted.sum() : weighted.mean();
  });
  let total: Tensor | null = null;
  losses.forEach((l, i) => {
    const lw = compiled.lossWeights[i]!;
    const term = lw === 1 ? l : l.mul(lw);
    total = total === null ? term : total.add(term);
  });
  const penalty = model.regularizationLoss();
  if (penalty) total = total!.add(penalty);
  let activated: Tensor[] | null = null;
  return {
    total: total!,
    losses,
    // A method, not an arrow property: tsx would name the arrow at run time, every step.
    predictions() {
      activated ??= outs.map((out, i) =>
        fused[i] ? noGrad(() => getActivation(activations[i]!)(out)) : out,
      );
      return activated;
    },
    masks: outs.map((_, i) => masks[i] ?? null),
  };
}

/**
 * The loss of a masked output (a sequence [batch, time, …] with a [batch, time] mask): the loss
 * of each (sample, step) pair, weighted by the mask (and the sample's weight), summed and divided
 * by the number of real steps — Keras' average over the unmasked pairs only. Reduction 'sum'
 * keeps the sum.
 */
export function maskedLoss(
  loss: Loss,
  y: Tensor,
  p: Tensor,
  mask: Tensor,
  weight: Tensor | null,
  output: string,
): Tensor {
  if (!loss.perSample) {
    throw new ArgumentError(
      `output '${output}' carries a mask (from Embedding({ maskZero }) or Masking), so its loss is averaged over the ` +
        'real steps; that needs a built-in loss (a custom function gives no per-step values)',
    );
  }
  const rows = maskedRows(mask, y, p, output);
  const perStep = loss.perSample(rows.y, rows.p);
  let w = mask.reshape([rows.count]);
  if (weight !== null) {
    // A sample's weight applies to each of its steps.
    const stepsPerSample = rows.count / weight.shape[0]!;
    w = w.mul(
      weight.reshape([weight.shape[0]!, 1]).expand([weight.shape[0]!, stepsPerSample]).reshape([rows.count]),
    );
  }
  const sum = perStep.mul(w).sum();
  if (loss.reduction === 'sum') return sum;
  const real = noGrad(() => mask.sum().item());
  return sum.div(Math.max(1, real));
}

/**
 * A masked output and its targets as rows, one per masked position: the mask's shape must be the
 * output's leading axes ([batch, time] of [batch, time, classes]), and the targets' too.
 */
export function maskedRows(
  mask: Tensor,
  y: Tensor,
  p: Tensor,
  output: string,
): { y: Tensor; p: Tensor; count: number } {
  const k = mask.ndim;
  const lead = (t: Tensor) => t.ndim >= k && mask.shape.every((d, a) => t.shape[a] === d);
  if (!lead(p) || !lead(y)) {
    throw new ShapeError(
      `output '${output}': its mask ${formatShape(mask.shape)} does not fit the output ${formatShape(p.shape)} ` +
        `and targets ${formatShape(y.shape)} (a mask covers the leading [batch, time] axes of both)`,
    );
  }
  const count = mask.size;
  return {
    y: y.reshape([count, ...y.shape.slice(k)]),
    p: p.reshape([count, ...p.shape.slice(k)]),
    count,
  };
}

/** The log entries of a batch: 'loss' (the total), and per output its loss when there are several. */
export function lossLogs(model: EngineModel, result: BatchResult, logs: Logs): number {
  const value = result.total.item();
  logs.loss = value;
  if (result.losses.length > 1) {
    result.losses.forEach((l, i) => {
      logs[`${model.outputNames[i]}_loss`] = l.item();
    });
  }
  return value;
}

/** A non-finite loss in `component` ('fit()') `at` a position ('epoch 1, batch 2/2'): what to try. */
export function nonFiniteLoss(value: number, component: string, at: string): TrainingError {
  return new TrainingError(
    `${component}: the loss became ${value}${at ? ` at ${at}` : ''}. ` +
      'Lower the learning rate, scale the inputs, or check the data for NaN/Infinity.',
  );
}

/**
 * Backward from the total and one optimiser update of the trainable weights, then clear their
 * gradients. `skip` (a non-finite loss with terminateOnNaN) leaves the weights as they were.
 */
export function applyGradients(model: EngineModel, compiled: Compiled, total: Tensor, skip = false): void {
  const params = model.trainableWeights;
  if (skip) return;
  if (params.length === 0) return;
  total.backward();
  compiled.optimizer.step(params);
  compiled.optimizer.zeroGrad(params);
}
