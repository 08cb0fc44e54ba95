/**
 * Masks in the ONNX export: Masking's values, and the masks (from Embedding({ maskZero }) or
 * Masking) followed from value to value into the recurrent layers that read them.
 */
import { ArgumentError } from '../../errors.js';
import type { Embedding } from '../../nn/embedding.js';
import type { Masking } from '../../nn/masking.js';
import type { Module } from '../../nn/module.js';
import type { RNN } from '../../nn/recurrent/rnn.js';
import type { Bidirectional } from '../../nn/wrappers/bidirectional.js';
import type { LayerCall } from './export-layers.js';
import { maskedRecurrent } from './export-rnn-masked.js';
import { bidirectional } from './export-wrappers.js';
import type { OnnxGraphBuilder } from './graph-builder.js';
import { DataType } from './onnx-proto.js';

/**
 * Masks (from Embedding({ maskZero }) or Masking) change outputs only where a layer consumes them —
 * the recurrent layers; the layers that pass them on (Dense, Dropout, LayerNormalization…) compute
 * the same with or without. So each graph remembers, per value, the ONNX value holding its mask
 * ([batch, time], 1 keep, 0 skip; null where it cannot be followed, as after a merge of masked
 * inputs), and a recurrent layer (or both copies of a Bidirectional) runs over the kept steps
 * (export-rnn-masked.ts).
 */
export const MASK_CONSUMERS = new Set(['LSTM', 'GRU', 'SimpleRNN', 'RNN', 'Bidirectional']);
const graphMasks = new WeakMap<OnnxGraphBuilder, Map<string, string | null>>();

export function masksOf(b: OnnxGraphBuilder): Map<string, string | null> {
  let masks = graphMasks.get(b);
  if (!masks) {
    masks = new Map();
    graphMasks.set(b, masks);
  }
  return masks;
}

function refuseMask(layer: Module, why: string): never {
  throw new ArgumentError(
    `toOnnx: layer '${layer.name}' (${layer.className}) reads a mask (from Embedding({ maskZero: true }) ` +
      `or Masking) ${why}; export the model without the mask (no maskZero, no Masking before it)`,
  );
}

/** A recurrent layer (or Bidirectional) whose input carries a mask: it runs over the kept steps. */
export function consumeMask(
  b: OnnxGraphBuilder,
  layer: Module,
  call: LayerCall,
  mask: string | null,
): string | string[] {
  if (mask === null) refuseMask(layer, 'combined from several inputs, which the ONNX export cannot follow');
  if (layer.className === 'Bidirectional') return bidirectional(b, layer as Bidirectional, call, mask);
  return maskedRecurrent(b, layer as RNN, call, mask);
}

/** The mask value that `layer`'s output carries, given its inputs' (undefined: none). */
export function outputMask(
  b: OnnxGraphBuilder,
  layer: Module,
  call: LayerCall,
  inputMasks: readonly (string | null | undefined)[],
): string | null | undefined {
  const given = inputMasks.find((m) => m !== undefined);
  if (layer.className === 'Embedding' && (layer as Embedding).maskZero) {
    // ids ≠ 0, for ids [batch, time]; other ranks give no [batch, time] mask to follow.
    if (call.shapes[0]!.length !== 2) return null;
    const zero = b.addFloatInitializer(`${layer.name}/zero`, [], [0]);
    const isPad = b.addNode('Equal', [call.inputs[0]!, zero], `${layer.name}/is_padding`);
    const padding = b.addNode('Cast', [isPad], `${layer.name}/padding`, { to: { int: DataType.FLOAT } });
    return b.addNode(
      'Sub',
      [b.addFloatInitializer(`${layer.name}/one`, [], [1]), padding],
      `${layer.name}/mask`,
    );
  }
  if (layer.className === 'Masking') {
    const keep = maskingKeep(b, layer as Masking, call.inputs[0]!, call.shapes[0]!.length, 0, 'mask');
    if (given === undefined) return keep;
    return given === null ? null : b.addNode('Mul', [keep, given], `${layer.name}/combined_mask`);
  }
  if (given === undefined || !layer.supportsMasking) return undefined;
  // A recurrent layer's sequence output keeps the mask; its last output has none (as Keras).
  if (MASK_CONSUMERS.has(layer.className)) {
    const rnn = (layer.className === 'Bidirectional' ? (layer as Bidirectional).forwardLayer : layer) as RNN;
    return rnn.returnSequences ? given : undefined;
  }
  // One masked input passes its mask on; several would be combined, which is not followed here.
  return inputMasks.length === 1 ? given : null;
}

/**
 * Masking: x · keep, keep = 0 where every feature of a step equals maskValue, as backprop computes
 * it (Equal, then the minimum over the features). The mask goes on as a value of its own
 * (outputMask), for a recurrent layer to read.
 */
export function masking(b: OnnxGraphBuilder, layer: Masking, { inputs, shapes }: LayerCall): string {
  const rank = shapes[0]!.length;
  if (rank < 3) {
    throw new ArgumentError(
      `toOnnx: layer '${layer.name}' (Masking) needs [batch, time, features…], got rank ${rank}`,
    );
  }
  let keep = maskingKeep(b, layer, inputs[0]!, rank, 1, 'keep');
  // A mask given to it zeroes those steps too (backprop multiplies the two).
  const given = masksOf(b).get(inputs[0]!);
  if (given === null) refuseMask(layer, 'combined from several inputs, which the ONNX export cannot follow');
  if (given !== undefined) {
    const shape = b.addInt64Initializer(`${layer.name}/mask_shape`, [
      0,
      0,
      ...Array.from({ length: rank - 2 }, () => 1),
    ]);
    keep = b.addNode(
      'Mul',
      [keep, b.addNode('Reshape', [given, shape], `${layer.name}/given_mask`)],
      `${layer.name}/both`,
    );
  }
  return b.addNode('Mul', [inputs[0]!, keep], layer.name);
}

/** 1 − (every feature of the step equals maskValue): [batch, time] (keepdims 0) or [batch, time, 1…]. */
function maskingKeep(
  b: OnnxGraphBuilder,
  layer: Masking,
  x: string,
  rank: number,
  keepdims: 0 | 1,
  what: string,
): string {
  const value = b.addFloatInitializer(`${layer.name}/mask_value`, [], [layer.maskValue]);
  const equal = b.addNode('Equal', [x, value], `${layer.name}/equal`);
  const padded = b.addNode(
    'ReduceMin',
    [b.addNode('Cast', [equal], `${layer.name}/equal_float`, { to: { int: DataType.FLOAT } })],
    `${layer.name}/padded`,
    { axes: { ints: Array.from({ length: rank - 2 }, (_, i) => i + 2) }, keepdims: { int: keepdims } },
  );
  return b.addNode(
    'Sub',
    [b.addFloatInitializer(`${layer.name}/one`, [], [1]), padded],
    `${layer.name}/${what}`,
  );
}
