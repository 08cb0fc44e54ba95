/**
 * ONNX converters for the recurrent layers LSTM, GRU and SimpleRNN (opset 17's LSTM, GRU and RNN
 * ops). Keras keeps sequences batch-first [batch, time, features] and stacks the gates along the
 * last axis of kernel [in, gates·H] and recurrentKernel [H, gates·H]; ONNX's ops want time-first
 * X [time, batch, in] and W [dirs, gates·H, in], R [dirs, gates·H, H] (each gate's matrix
 * transposed), B [dirs, 2·gates·H] (input bias Wb, then recurrent bias Rb).
 *
 * - LSTM: Keras gates i, f, c, o; ONNX i, o, f, c. Keras has one bias, so Rb is zeros.
 * - GRU: both z, r, h. resetAfter (Keras 2) is ONNX's linear_before_reset = 1, with Keras' two bias
 *   rows as Wb and Rb; resetAfter false is linear_before_reset = 0 with Rb zeros.
 * - SimpleRNN: ONNX's RNN op, one gate.
 *
 * The input and output are transposed rather than using `layout = 1`: ONNX Runtime's CPU
 * recurrent ops refuse batch-first layout. goBackwards is direction 'reverse'; ONNX then gives Y in
 * the input's time order while Keras returns the sequence in the order it ran (last step first),
 * so Y is reversed along time. Masks cannot reach here (no masking layer is exportable).
 */
import { ArgumentError } from '../../errors.js';
import type { GRU, LSTM, SimpleRNN } from '../../nn/recurrent/layers.js';
import type { SymbolicShape } from '../../nn/symbolic-tensor.js';
import type { OnnxGraphBuilder } from './graph-builder.js';
import { type AttributeProto, AttributeType } from './onnx-proto.js';

/** What a converter gets (as in export-layers.ts): the inputs' value names and shapes. */
interface Call {
  inputs: readonly string[];
  shapes: readonly SymbolicShape[];
}

type RecurrentLayer = LSTM | GRU | SimpleRNN;

/** backprop's activation names that ONNX's recurrent ops take without parameters. */
const RECURRENT_ACTIVATIONS: Record<string, string> = { sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'Relu' };

function refuse(layer: RecurrentLayer, why: string): never {
  throw new ArgumentError(`toOnnx: layer '${layer.name}' (${layer.className}) ${why}`);
}

function onnxActivation(layer: RecurrentLayer, option: string, name: string): string {
  const op = RECURRENT_ACTIVATIONS[name];
  if (op === undefined) {
    refuse(
      layer,
      `has ${option} '${name}', which the ONNX ${layer.className === 'SimpleRNN' ? 'RNN' : layer.className} op ` +
        `cannot express (exportable: ${Object.keys(RECURRENT_ACTIVATIONS).join(', ')})`,
    );
  }
  return op;
}

/**
 * Keras' [rows, gates·H] matrix as ONNX's [gates·H, rows]: each gate's block transposed and moved
 * to its ONNX slot (`kerasGateOfSlot[slot]` is the Keras gate that goes there).
 */
function toOnnxGates(
  keras: ArrayLike<number>,
  rows: number,
  units: number,
  kerasGateOfSlot: readonly number[],
): Float32Array {
  const gates = kerasGateOfSlot.length;
  const out = new Float32Array(rows * gates * units);
  for (let slot = 0; slot < gates; slot++) {
    const gate = kerasGateOfSlot[slot]!;
    for (let u = 0; u < units; u++) {
      for (let r = 0; r < rows; r++) {
        out[(slot * units + u) * rows + r] = keras[r * gates * units + gate * units + u]!;
      }
    }
  }
  return out;
}

/** How one layer class maps onto its ONNX op. */
interface RecurrentSpec {
  opType: 'LSTM' | 'GRU' | 'RNN';
  /** The Keras gate in each ONNX gate slot. */
  kerasGateOfSlot: readonly number[];
  /** ONNX's activations list, in the op's order. */
  activations: string[];
  /** B = [Wb, Rb] as ONNX's [2·gates·H] from the Keras bias (absent without useBias). */
  bias: (keras: ArrayLike<number>) => Float32Array;
  extraAttributes?: AttributeProto[];
}

/** [Wb, zeros]: a Keras bias [gates·H] added once, with x·W. */
function inputBiasOnly(units: number, kerasGateOfSlot: readonly number[]) {
  return (keras: ArrayLike<number>) => {
    const both = new Float32Array(2 * kerasGateOfSlot.length * units);
    both.set(toOnnxGates(keras, 1, units, kerasGateOfSlot), 0);
    return both;
  };
}

function lstmSpec(layer: LSTM): RecurrentSpec {
  const { units, recurrentActivation, activation } = layer.cell;
  const slots = [0, 3, 1, 2]; // ONNX i, o, f, c ← Keras i, f, c, o
  const act = onnxActivation(layer, 'activation', activation);
  return {
    opType: 'LSTM',
    kerasGateOfSlot: slots,
    // f (gates), g (cell input), h (cell output): Keras uses `activation` for both g and h.
    activations: [onnxActivation(layer, 'recurrentActivation', recurrentActivation), act, act],
    bias: inputBiasOnly(units, slots),
  };
}

function gruSpec(layer: GRU): RecurrentSpec {
  const { units, recurrentActivation, activation, resetAfter } = layer.cell;
  const slots = [0, 1, 2]; // z, r, h in both
  return {
    opType: 'GRU',
    kerasGateOfSlot: slots,
    activations: [
      onnxActivation(layer, 'recurrentActivation', recurrentActivation),
      onnxActivation(layer, 'activation', activation),
    ],
    // resetAfter's bias is [2, 3H]: row 0 goes with x·W, row 1 with h·U — ONNX's Wb and Rb.
    bias: resetAfter ? (keras) => Float32Array.from(keras) : inputBiasOnly(units, slots),
    extraAttributes: [{ name: 'linear_before_reset', type: AttributeType.INT, i: resetAfter ? 1 : 0 }],
  };
}

function simpleRnnSpec(layer: SimpleRNN): RecurrentSpec {
  return {
    opType: 'RNN',
    kerasGateOfSlot: [0],
    activations: [onnxActivation(layer, 'activation', layer.cell.activation)],
    bias: inputBiasOnly(layer.cell.units, [0]),
  };
}

export const lstm = (b: OnnxGraphBuilder, layer: LSTM, call: Call): string =>
  recurrent(b, layer, call, lstmSpec(layer));
export const gru = (b: OnnxGraphBuilder, layer: GRU, call: Call): string =>
  recurrent(b, layer, call, gruSpec(layer));
export const simpleRnn = (b: OnnxGraphBuilder, layer: SimpleRNN, call: Call): string =>
  recurrent(b, layer, call, simpleRnnSpec(layer));

/** [batch, time, in] → [batch, time, H] with returnSequences, else [batch, H]. */
function recurrent(b: OnnxGraphBuilder, layer: RecurrentLayer, call: Call, spec: RecurrentSpec): string {
  if (layer.returnState) refuse(layer, 'has returnState: true, which toOnnx cannot export yet');
  if (layer.stateful) refuse(layer, 'is stateful, which toOnnx cannot export (states carried across calls)');
  const shape = call.shapes[0]!;
  if (shape.length !== 3) {
    refuse(layer, `needs sequences [batch, time, features], got [${shape.map((d) => d ?? '?').join(', ')}]`);
  }
  const units = layer.cell.units;
  const gates = spec.kerasGateOfSlot.length;
  const kernel = layer.getWeight('kernel');
  const features = kernel.shape[0]!;
  const inputs = [
    b.addNode('Transpose', [call.inputs[0]!], `${layer.name}/time_first`, { perm: { ints: [1, 0, 2] } }),
    b.addFloatInitializer(
      `${layer.name}/W`,
      [1, gates * units, features],
      toOnnxGates(kernel.dataSync(), features, units, spec.kerasGateOfSlot),
    ),
    b.addFloatInitializer(
      `${layer.name}/R`,
      [1, gates * units, units],
      toOnnxGates(layer.getWeight('recurrent_kernel').dataSync(), units, units, spec.kerasGateOfSlot),
    ),
  ];
  if (layer.cell.useBias) {
    const bias = spec.bias(layer.getWeight('bias').dataSync());
    inputs.push(b.addFloatInitializer(`${layer.name}/B`, [1, 2 * gates * units], bias));
  }

  // One node with two outputs (Y, Y_h); addNode makes single-output nodes, so it is pushed here.
  const encode = (s: string) => new TextEncoder().encode(s);
  const y = b.uniqueName(`${layer.name}/Y`);
  const yH = b.uniqueName(`${layer.name}/Y_h`);
  b.nodes.push({
    input: inputs,
    output: [y, yH],
    name: b.uniqueName(`${layer.name}/${spec.opType.toLowerCase()}`),
    opType: spec.opType,
    attribute: [
      { name: 'hidden_size', type: AttributeType.INT, i: units },
      { name: 'direction', type: AttributeType.STRING, s: encode(layer.goBackwards ? 'reverse' : 'forward') },
      { name: 'activations', type: AttributeType.STRINGS, strings: spec.activations.map(encode) },
      ...(spec.extraAttributes ?? []),
    ],
  });

  if (!layer.returnSequences) {
    // Y_h [dirs = 1, batch, H] → [batch, H].
    return b.addNode('Squeeze', [yH, b.addInt64Initializer(`${layer.name}/dirs_axis`, [0])], layer.name);
  }
  // Y [time, dirs = 1, batch, H] → [time, batch, H] → [batch, time, H].
  let seq = b.addNode(
    'Squeeze',
    [y, b.addInt64Initializer(`${layer.name}/dirs_axis`, [1])],
    `${layer.name}/squeezed`,
  );
  if (layer.goBackwards) {
    // Keras returns the steps in the order they ran: reverse the time axis.
    seq = b.addNode(
      'Slice',
      [
        seq,
        b.addInt64Initializer(`${layer.name}/starts`, [-1]),
        b.addInt64Initializer(`${layer.name}/ends`, [Number.MIN_SAFE_INTEGER]),
        b.addInt64Initializer(`${layer.name}/axes`, [0]),
        b.addInt64Initializer(`${layer.name}/steps`, [-1]),
      ],
      `${layer.name}/reversed`,
    );
  }
  return b.addNode('Transpose', [seq], layer.name, { perm: { ints: [1, 0, 2] } });
}
