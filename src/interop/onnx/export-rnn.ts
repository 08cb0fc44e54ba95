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
 * so Y is reversed along time. A mask (Embedding maskZero, Masking) is followed in
 * export-rnn-masked.ts: the op runs over the kept steps (sequence_lens).
 *
 * An RNN layer made with a built-in cell (SimpleRNNCell, LSTMCell, GRUCell) exports as the layer
 * of that cell does; Bidirectional (export-wrappers.ts) puts both directions in one op.
 */
import { ArgumentError } from '../../errors.js';
import type { ActivationName } from '../../nn/activations.js';
import type { GRUCell } from '../../nn/recurrent/gru-cell.js';
import type { LSTMCell } from '../../nn/recurrent/lstm-cell.js';
import type { RNN } from '../../nn/recurrent/rnn.js';
import type { SimpleRNNCell } from '../../nn/recurrent/simple-rnn-cell.js';
import type { SymbolicShape } from '../../nn/symbolic-tensor.js';
import type { LayerCall as Call } from './export-layers.js';
import type { OnnxGraphBuilder } from './graph-builder.js';
import { type AttributeProto, AttributeType } from './onnx-proto.js';

/** One entry of an ONNX recurrent op's `activations`, with its activation_alpha / activation_beta. */
export interface RecurrentActivation {
  op: string;
  alpha?: number;
  beta?: number;
}

/**
 * backprop's activations as the functions ONNX's recurrent ops take, with the parameters that make
 * them backprop's (nn/activations.ts): hardSigmoid is clip(0.2·x + 0.5, 0, 1), linear is x
 * (Affine 1·x + 0), elu and leakyRelu use backprop's default alpha. Softmax and logSoftmax are
 * not element-wise, so no recurrent op can take them.
 */
const RECURRENT_ACTIVATIONS: Partial<Record<ActivationName, RecurrentActivation>> = {
  sigmoid: { op: 'Sigmoid' },
  tanh: { op: 'Tanh' },
  relu: { op: 'Relu' },
  hardSigmoid: { op: 'HardSigmoid', alpha: 0.2, beta: 0.5 },
  linear: { op: 'Affine', alpha: 1, beta: 0 },
  elu: { op: 'Elu', alpha: 1 },
  leakyRelu: { op: 'LeakyRelu', alpha: 0.01 },
  softplus: { op: 'Softplus' },
};

/** The built-in cells and the ONNX op each becomes. */
const CELL_OPS: Record<string, 'LSTM' | 'GRU' | 'RNN'> = {
  LSTMCell: 'LSTM',
  GRUCell: 'GRU',
  SimpleRNNCell: 'RNN',
};

export function refuse(layer: RNN, why: string): never {
  throw new ArgumentError(`toOnnx: layer '${layer.name}' (${layer.className}) ${why}`);
}

function onnxActivation(layer: RNN, opType: string, option: string, name: string): RecurrentActivation {
  const op = Object.hasOwn(RECURRENT_ACTIVATIONS, name)
    ? RECURRENT_ACTIVATIONS[name as ActivationName]
    : undefined;
  if (op === undefined) {
    refuse(
      layer,
      `has ${option} '${name}', which the ONNX ${opType} op cannot express ` +
        `(exportable: ${Object.keys(RECURRENT_ACTIVATIONS).join(', ')})`,
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

/** How one layer maps onto its ONNX op. */
export interface RecurrentSpec {
  opType: 'LSTM' | 'GRU' | 'RNN';
  units: number;
  useBias: boolean;
  /** The Keras gate in each ONNX gate slot. */
  kerasGateOfSlot: readonly number[];
  /** ONNX's activations list, in the op's order (one direction's). */
  activations: RecurrentActivation[];
  /** B = [Wb, Rb] as ONNX's [2·gates·H] from the Keras bias (absent without useBias). */
  bias: (keras: ArrayLike<number>) => Float32Array;
  /** linear_before_reset for GRU. */
  linearBeforeReset?: number;
}

/** [Wb, zeros]: a Keras bias [gates·H] added once, with x·W. */
function inputBiasOnly(units: number, kerasGateOfSlot: readonly number[]) {
  return (keras: ArrayLike<number>) => {
    const both = new Float32Array(2 * kerasGateOfSlot.length * units);
    both.set(toOnnxGates(keras, 1, units, kerasGateOfSlot), 0);
    return both;
  };
}

function lstmSpec(layer: RNN, cell: LSTMCell): RecurrentSpec {
  const slots = [0, 3, 1, 2]; // ONNX i, o, f, c ← Keras i, f, c, o
  const act = onnxActivation(layer, 'LSTM', 'activation', cell.activation);
  return {
    opType: 'LSTM',
    units: cell.units,
    useBias: cell.useBias,
    kerasGateOfSlot: slots,
    // f (gates), g (cell input), h (cell output): Keras uses `activation` for both g and h.
    activations: [onnxActivation(layer, 'LSTM', 'recurrentActivation', cell.recurrentActivation), act, act],
    bias: inputBiasOnly(cell.units, slots),
  };
}

function gruSpec(layer: RNN, cell: GRUCell): RecurrentSpec {
  const slots = [0, 1, 2]; // z, r, h in both
  return {
    opType: 'GRU',
    units: cell.units,
    useBias: cell.useBias,
    kerasGateOfSlot: slots,
    activations: [
      onnxActivation(layer, 'GRU', 'recurrentActivation', cell.recurrentActivation),
      onnxActivation(layer, 'GRU', 'activation', cell.activation),
    ],
    // resetAfter's bias is [2, 3H]: row 0 goes with x·W, row 1 with h·U — ONNX's Wb and Rb.
    bias: cell.resetAfter ? (keras) => Float32Array.from(keras) : inputBiasOnly(cell.units, slots),
    linearBeforeReset: cell.resetAfter ? 1 : 0,
  };
}

function simpleRnnSpec(layer: RNN, cell: SimpleRNNCell): RecurrentSpec {
  return {
    opType: 'RNN',
    units: cell.units,
    useBias: cell.useBias,
    kerasGateOfSlot: [0],
    activations: [onnxActivation(layer, 'RNN', 'activation', cell.activation)],
    bias: inputBiasOnly(cell.units, [0]),
  };
}

/**
 * The ONNX op for a recurrent layer (SimpleRNN, LSTM, GRU, or RNN with one of their cells), after
 * refusing what that op cannot run: carried states, returned states, a cell of the user's own.
 */
export function recurrentSpec(layer: RNN): RecurrentSpec {
  if (layer.returnState) refuse(layer, 'has returnState: true, which toOnnx cannot export yet');
  if (layer.stateful) refuse(layer, 'is stateful, which toOnnx cannot export (states carried across calls)');
  const cellClass = (layer.cell as { className?: unknown }).className;
  const op =
    typeof cellClass === 'string' && Object.hasOwn(CELL_OPS, cellClass) ? CELL_OPS[cellClass] : undefined;
  if (op === undefined) {
    refuse(
      layer,
      `runs the cell ${typeof cellClass === 'string' ? cellClass : 'of a custom class'}, which has no ONNX op ` +
        `(exportable cells: ${Object.keys(CELL_OPS).join(', ')})`,
    );
  }
  if (op === 'LSTM') return lstmSpec(layer, layer.cell as LSTMCell);
  if (op === 'GRU') return gruSpec(layer, layer.cell as GRUCell);
  return simpleRnnSpec(layer, layer.cell as SimpleRNNCell);
}

/** One direction's W [gates·H, in], R [gates·H, H] and B [2·gates·H] (null without a bias). */
function directionWeights(layer: RNN, spec: RecurrentSpec) {
  const kernel = layer.getWeight('kernel');
  const features = kernel.shape[0]!;
  return {
    features,
    W: toOnnxGates(kernel.dataSync(), features, spec.units, spec.kerasGateOfSlot),
    R: toOnnxGates(
      layer.getWeight('recurrent_kernel').dataSync(),
      spec.units,
      spec.units,
      spec.kerasGateOfSlot,
    ),
    B: spec.useBias ? spec.bias(layer.getWeight('bias').dataSync()) : null,
  };
}

/** Whether two layers can share one bidirectional ONNX op (the same op, units, activations, bias). */
export function sameOp(a: RecurrentSpec, b: RecurrentSpec): boolean {
  return (
    a.opType === b.opType &&
    a.units === b.units &&
    a.useBias === b.useBias &&
    a.linearBeforeReset === b.linearBeforeReset &&
    JSON.stringify(a.activations) === JSON.stringify(b.activations)
  );
}

/**
 * The ONNX op over time-first X [time, batch, in] for one direction ('forward' or 'reverse', one
 * layer) or both ('bidirectional': the forward layer's weights, then the backward one's); its Y
 * [time, dirs, batch, H] and Y_h [dirs, batch, H].
 */
export function recurrentOp(
  b: OnnxGraphBuilder,
  name: string,
  x: string,
  layers: readonly RNN[],
  spec: RecurrentSpec,
  direction: 'forward' | 'reverse' | 'bidirectional',
  sequenceLengths?: string,
): { y: string; yH: string } {
  const gates = spec.kerasGateOfSlot.length;
  const units = spec.units;
  const dirs = layers.map((layer) => directionWeights(layer, spec));
  const features = dirs[0]!.features;
  const join = (parts: Float32Array[]) => {
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  };
  const n = dirs.length;
  const inputs = [
    x,
    b.addFloatInitializer(`${name}/W`, [n, gates * units, features], join(dirs.map((d) => d.W))),
    b.addFloatInitializer(`${name}/R`, [n, gates * units, units], join(dirs.map((d) => d.R))),
  ];
  // B is optional; sequence_lens comes after it ('' for a missing B).
  if (spec.useBias) {
    inputs.push(b.addFloatInitializer(`${name}/B`, [n, 2 * gates * units], join(dirs.map((d) => d.B!))));
  } else if (sequenceLengths !== undefined) {
    inputs.push('');
  }
  if (sequenceLengths !== undefined) inputs.push(sequenceLengths);
  const extra: AttributeProto[] =
    spec.linearBeforeReset === undefined
      ? []
      : [{ name: 'linear_before_reset', type: AttributeType.INT, i: spec.linearBeforeReset }];
  // One node with two outputs (Y, Y_h); addNode makes single-output nodes, so it is pushed here.
  const encode = (s: string) => new TextEncoder().encode(s);
  const y = b.uniqueName(`${name}/Y`);
  const yH = b.uniqueName(`${name}/Y_h`);
  const activations =
    direction === 'bidirectional' ? [...spec.activations, ...spec.activations] : spec.activations;
  b.nodes.push({
    input: inputs,
    output: [y, yH],
    name: b.uniqueName(`${name}/${spec.opType.toLowerCase()}`),
    opType: spec.opType,
    attribute: [
      { name: 'hidden_size', type: AttributeType.INT, i: units },
      { name: 'direction', type: AttributeType.STRING, s: encode(direction) },
      { name: 'activations', type: AttributeType.STRINGS, strings: activations.map((a) => encode(a.op)) },
      ...activationParameters(activations),
      ...extra,
    ],
  });
  return { y, yH };
}

/**
 * activation_alpha / activation_beta: the parameters of the activations that take them, in order
 * (ONNX Runtime hands each function the next value of each list it takes; none when all default).
 */
function activationParameters(activations: readonly RecurrentActivation[]): AttributeProto[] {
  const alphas = activations.flatMap((a) => (a.alpha === undefined ? [] : [a.alpha]));
  const betas = activations.flatMap((a) => (a.beta === undefined ? [] : [a.beta]));
  const out: AttributeProto[] = [];
  if (alphas.length > 0) out.push({ name: 'activation_alpha', type: AttributeType.FLOATS, floats: alphas });
  if (betas.length > 0) out.push({ name: 'activation_beta', type: AttributeType.FLOATS, floats: betas });
  return out;
}

/** [batch, time, …] ↔ [time, batch, …]. */
export function swapBatchAndTime(b: OnnxGraphBuilder, x: string, name: string, rank = 3): string {
  const perm = [1, 0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
  return b.addNode('Transpose', [x], name, { perm: { ints: perm } });
}

/** x with `axis` reversed (a Slice with step −1). */
export function reverseAxis(b: OnnxGraphBuilder, x: string, axis: number, name: string): string {
  return b.addNode(
    'Slice',
    [
      x,
      b.addInt64Initializer(`${name}/starts`, [-1]),
      b.addInt64Initializer(`${name}/ends`, [Number.MIN_SAFE_INTEGER]),
      b.addInt64Initializer(`${name}/axes`, [axis]),
      b.addInt64Initializer(`${name}/steps`, [-1]),
    ],
    name,
  );
}

/** A built-in recurrent layer (or RNN with a built-in cell): [batch, time, in] → [batch, time, H] or [batch, H]. */
export function recurrent(b: OnnxGraphBuilder, layer: RNN, call: Call): string {
  const spec = recurrentSpec(layer);
  checkSequences(layer, call.shapes[0]!);
  const x = swapBatchAndTime(b, call.inputs[0]!, `${layer.name}/time_first`);
  const { y, yH } = recurrentOp(b, layer.name, x, [layer], spec, layer.goBackwards ? 'reverse' : 'forward');
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
  // Keras returns the steps in the order they ran: reverse the time axis.
  if (layer.goBackwards) seq = reverseAxis(b, seq, 0, `${layer.name}/reversed`);
  return swapBatchAndTime(b, seq, layer.name);
}

/** Refuse an input that is not [batch, time, features], naming the layer. */
export function checkSequences(layer: RNN, shape: SymbolicShape): void {
  if (shape.length !== 3) {
    refuse(layer, `needs sequences [batch, time, features], got [${shape.map((d) => d ?? '?').join(', ')}]`);
  }
}
