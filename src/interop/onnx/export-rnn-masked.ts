/**
 * SimpleRNN, LSTM, GRU and RNN layers reading a mask (from Embedding({ maskZero }) or Masking):
 * backprop (as Keras) skips a masked step, keeping the states and repeating the previous output
 * (zeros before the first kept step) — the same as running over the kept steps alone, in order.
 * So the kept steps are moved to the front (a stable sort), the ONNX op gets each sequence's
 * length (sequence_lens), and a sequence output is put back in place.
 */
import type { RNN } from '../../nn/recurrent/rnn.js';
import type { LayerCall as Call } from './export-layers.js';
import {
  checkSequences,
  recurrentOp,
  recurrentSpec,
  refuse,
  reverseAxis,
  swapBatchAndTime,
} from './export-rnn.js';
import type { OnnxGraphBuilder } from './graph-builder.js';
import { AttributeType, DataType } from './onnx-proto.js';

/**
 * The layer over the kept steps of `mask` ([batch, time], 1 keep, 0 skip); a row with no kept step
 * gives zeros, as backprop's does.
 */
export function maskedRecurrent(b: OnnxGraphBuilder, layer: RNN, call: Call, mask: string): string {
  const spec = recurrentSpec(layer);
  const shape = call.shapes[0]!;
  checkSequences(layer, shape);
  // Keras' zero_output_for_mask (zeros at skipped steps) is not built here: refused, not dropped.
  if (layer.zeroOutputForMask)
    refuse(layer, 'has zeroOutputForMask: true and reads a mask, which toOnnx does not export');
  const direction = layer.goBackwards ? 'reverse' : 'forward';
  const time = shape[1];
  if (typeof time !== 'number')
    refuse(layer, 'reads a mask over sequences of unknown length, which toOnnx cannot export');
  const kept = keptStepsFirst(b, layer.name, call.inputs[0]!, mask, time);
  const x = swapBatchAndTime(b, kept.x, `${layer.name}/time_first`);
  const { y, yH } = recurrentOp(b, layer.name, x, [layer], spec, direction, kept.lengths);
  if (layer.returnSequences) return maskedSequence(b, layer, y, mask, kept.count);
  const last = b.addNode(
    'Squeeze',
    [yH, b.addInt64Initializer(`${layer.name}/dirs_axis`, [0])],
    `${layer.name}/last`,
  );
  return zeroedWhere(b, last, kept.any, layer.name);
}

/**
 * value · keep (keep 0 or 1), plus +0: a negative value times 0 is −0, and backprop's skipped
 * outputs are +0 (zeros), which −0 + 0 gives while every other value is unchanged by it.
 */
function zeroedWhere(b: OnnxGraphBuilder, value: string, keep: string, name: string): string {
  const kept = b.addNode('Mul', [value, keep], `${name}/kept`);
  return b.addNode('Add', [kept, b.addFloatInitializer(`${name}/plus_zero`, [], [0])], name);
}

/**
 * x [batch, time, F] with each row's kept steps first, in their order (TopK on the key
 * (1 − mask)·time + t, smallest first: the keys are distinct, so the order is exact); the
 * sequence_lens [batch] (int32, at least 1: ONNX Runtime wants a step to run) and `any` [batch, 1]
 * (0 for a row with no kept step, whose output is then zeros).
 */
function keptStepsFirst(b: OnnxGraphBuilder, name: string, x: string, mask: string, time: number) {
  const key = b.addNode(
    'Add',
    [
      b.addNode(
        'Mul',
        [
          b.addNode('Sub', [b.addFloatInitializer(`${name}/one`, [], [1]), mask], `${name}/skipped`),
          b.addFloatInitializer(`${name}/time`, [], [time]),
        ],
        `${name}/skipped_last`,
      ),
      b.addFloatInitializer(
        `${name}/steps`,
        [time],
        Array.from({ length: time }, (_, t) => t),
      ),
    ],
    `${name}/order_key`,
  );
  const sorted = b.uniqueName(`${name}/sorted_keys`);
  const order = b.uniqueName(`${name}/order`);
  b.nodes.push({
    input: [key, b.addInt64Initializer(`${name}/k`, [time])],
    output: [sorted, order],
    name: b.uniqueName(`${name}/topk`),
    opType: 'TopK',
    attribute: [
      { name: 'axis', type: AttributeType.INT, i: 1 },
      { name: 'largest', type: AttributeType.INT, i: 0 },
      { name: 'sorted', type: AttributeType.INT, i: 1 },
    ],
  });
  const index = b.addNode(
    'Expand',
    [
      b.addNode('Unsqueeze', [order, b.addInt64Initializer(`${name}/feature_axis`, [2])], `${name}/order_3d`),
      b.addNode('Shape', [x], `${name}/x_shape`),
    ],
    `${name}/gather_index`,
  );
  const compacted = b.addNode('GatherElements', [x, index], `${name}/kept_first`, { axis: { int: 1 } });
  const count = b.addNode(
    'ReduceSum',
    [mask, b.addInt64Initializer(`${name}/time_axis`, [1])],
    `${name}/kept_count`,
    {
      keepdims: { int: 0 },
    },
  );
  const one = b.addFloatInitializer(`${name}/one_step`, [], [1]);
  const lengths = b.addNode(
    'Cast',
    [b.addNode('Max', [count, one], `${name}/at_least_one`)],
    `${name}/lengths`,
    {
      to: { int: DataType.INT32 },
    },
  );
  const any = b.addNode(
    'Unsqueeze',
    [b.addNode('Min', [count, one], `${name}/any_kept`), b.addInt64Initializer(`${name}/unit_axis`, [1])],
    `${name}/any`,
  );
  return { x: compacted, lengths, any, count };
}

/**
 * The masked sequence output in backprop's (Keras') form from ONNX's Y over the kept steps: at each
 * step of the run, the output after the kept steps run so far (c of them) — a skipped step repeats
 * the previous output, zeros before the first kept one. Forwards that is Y[c − 1]; backwards ONNX
 * gives Y in the input's order, Y[j] after the kept steps from the last down to j, so it is
 * Y[count − c], with c counted from the end and the result in run order (last step first).
 */
function maskedSequence(b: OnnxGraphBuilder, layer: RNN, y: string, mask: string, count: string): string {
  const name = layer.name;
  const squeezed = b.addNode(
    'Squeeze',
    [y, b.addInt64Initializer(`${name}/dirs_axis`, [1])],
    `${name}/squeezed`,
  );
  const compact = swapBatchAndTime(b, squeezed, `${name}/kept_outputs`);
  const axis = b.addInt64Initializer(`${name}/cumsum_axis`, [1], []);
  let ran = b.addNode('CumSum', [mask, axis], `${name}/kept_so_far`, {
    reverse: { int: layer.goBackwards ? 1 : 0 },
  });
  if (layer.goBackwards) ran = reverseAxis(b, ran, 1, `${name}/kept_so_far_run_order`);
  const where = layer.goBackwards
    ? b.addNode(
        'Sub',
        [
          b.addNode(
            'Unsqueeze',
            [count, b.addInt64Initializer(`${name}/count_axis`, [1])],
            `${name}/count_2d`,
          ),
          ran,
        ],
        `${name}/output_step`,
      )
    : b.addNode('Sub', [ran, b.addFloatInitializer(`${name}/one_less`, [], [1])], `${name}/output_step`);
  const index = b.addNode(
    'Cast',
    [
      b.addNode(
        'Max',
        [where, b.addFloatInitializer(`${name}/first`, [], [0])],
        `${name}/output_step_clamped`,
      ),
    ],
    `${name}/output_index`,
    { to: { int: DataType.INT64 } },
  );
  const gathered = b.addNode(
    'GatherElements',
    [
      compact,
      b.addNode(
        'Expand',
        [
          b.addNode(
            'Unsqueeze',
            [index, b.addInt64Initializer(`${name}/unit_axis_2`, [2])],
            `${name}/output_index_3d`,
          ),
          b.addNode('Shape', [compact], `${name}/outputs_shape`),
        ],
        `${name}/output_gather_index`,
      ),
    ],
    `${name}/outputs_in_run_order`,
    { axis: { int: 1 } },
  );
  const started = b.addNode(
    'Unsqueeze',
    [
      b.addNode('Min', [ran, b.addFloatInitializer(`${name}/started_one`, [], [1])], `${name}/started`),
      b.addInt64Initializer(`${name}/started_axis`, [2]),
    ],
    `${name}/started_3d`,
  );
  return zeroedWhere(b, gathered, started, name);
}
