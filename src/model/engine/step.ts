/**
 * One batch through a model: the forward pass, each output's loss (fused with its final
 * activation where the loss can take logits), their weighted total with the weight penalties, and
 * the training step — backward, optimiser update — that fit() and trainOnBatch() share.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentError, TrainingError } from '../../errors.js';
import type { Loss } from '../../losses/index.js';
import { getActivation } from '../../nn/activations.js';
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
  /** Each output's predictions, activated. */
  predictions: Tensor[];
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
  const outs = model.forwardAll(xs, { training, logits: fused.map((f) => f !== null) });
  const activations = model.outputActivations();
  const losses = outs.map((out, i) => {
    const loss = fused[i] ?? compiled.losses[i]!;
    const w = weights?.[i] ?? null;
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
  const predictions = outs.map((out, i) =>
    fused[i] ? noGrad(() => getActivation(activations[i]!)(out)) : out,
  );
  return { total: total!, losses, predictions };
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
