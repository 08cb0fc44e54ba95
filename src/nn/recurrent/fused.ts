/**
 * The fast path of LSTM and GRU (and of RNN with an LSTMCell or GRUCell): the whole sequence in
 * one fused op (src/ops/rnn/: one matrix product for x·W over all steps, one gate kernel per step
 * each way, BPTT in O(T) memory) instead of a cell call per step. Taken when the layer computes exactly what the op does — default
 * activations (tanh, sigmoid), no mask (or one that keeps every step), no recurrent dropout while
 * training. Input dropout is one mask per sequence, so it is applied to x before (the same draws
 * the step loop makes). Otherwise null: step through the cell, which is also the reference
 * test/recurrent-fused.test.ts holds the fast path to (values and gradients).
 */
import { gruSequence } from '../../ops/rnn/gru-sequence.js';
import { lstmSequence } from '../../ops/rnn/lstm-sequence.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CallOptions } from '../module.js';
import type { GRUCell } from './gru-cell.js';
import type { LSTMCell } from './lstm-cell.js';
import type { SequenceResult } from './rnn.js';

/** Whether the op computes what the cell would, for this call. */
function fusable(cell: LSTMCell | GRUCell, mask: Tensor | null, options: CallOptions): boolean {
  return (
    (mask === null || everyStepKept(mask)) &&
    cell.activation === 'tanh' &&
    cell.recurrentActivation === 'sigmoid' &&
    !(options.training && cell.recurrentDropout > 0)
  );
}

/** A mask that skips nothing (a batch of full-length sequences) changes nothing. */
function everyStepKept(mask: Tensor): boolean {
  return mask.dataSync().every((v) => v !== 0);
}

/** x with the sequence's input dropout mask ([batch, features], the same at every step). */
function droppedInputs(cell: LSTMCell | GRUCell, x: Tensor, options: CallOptions): Tensor {
  cell.resetDropoutMask();
  const mask = cell.inputDropoutMask(x.shape[0]!, x.shape[2]!, x.backend, options);
  return mask === null ? x : x.mul(mask.reshape([x.shape[0]!, 1, x.shape[2]!]));
}

export interface FusedLayer {
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
}

export function fusedLSTM(
  layer: FusedLayer,
  cell: LSTMCell,
  x: Tensor,
  [h0, c0]: Tensor[],
  mask: Tensor | null,
  options: CallOptions,
): SequenceResult | null {
  if (!fusable(cell, mask, options)) return null;
  const { output, h, c } = lstmSequence(
    droppedInputs(cell, x, options),
    h0!,
    c0!,
    cell.getWeight('kernel'),
    cell.getWeight('recurrent_kernel'),
    cell.useBias ? cell.getWeight('bias') : null,
    { goBackwards: layer.goBackwards, returnSequences: layer.returnSequences },
  );
  return { output, states: [h, c] };
}

export function fusedGRU(
  layer: FusedLayer,
  cell: GRUCell,
  x: Tensor,
  [h0]: Tensor[],
  mask: Tensor | null,
  options: CallOptions,
): SequenceResult | null {
  if (!fusable(cell, mask, options)) return null;
  const { output, h } = gruSequence(
    droppedInputs(cell, x, options),
    h0!,
    cell.getWeight('kernel'),
    cell.getWeight('recurrent_kernel'),
    cell.useBias ? cell.getWeight('bias') : null,
    { resetAfter: cell.resetAfter, goBackwards: layer.goBackwards, returnSequences: layer.returnSequences },
  );
  return { output, states: [h] };
}
