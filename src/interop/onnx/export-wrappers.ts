/**
 * ONNX converters for the layers that hold other layers: Bidirectional (one ONNX recurrent op with
 * direction 'bidirectional' when both copies share their settings, else one op each), and
 * TimeDistributed (the steps folded into the batch around the wrapped layer's nodes); and the
 * replay of a Sequential's or functional Model's layers, used for the exported model itself and
 * for a model called as a layer inside another (its nodes inlined, their names under the model's).
 *
 * The converters that emit a layer's nodes come in as `exportCall` (export-layers.ts), so this
 * file does not import it back.
 */
import { ArgumentError } from '../../errors.js';
import type { Model } from '../../model/functional/model.js';
import type { Sequential } from '../../model/sequential.js';
import type { Module } from '../../nn/module.js';
import type { RNN } from '../../nn/recurrent/rnn.js';
import type { SymbolicShape, SymbolicTensor } from '../../nn/symbolic-tensor.js';
import type { Bidirectional } from '../../nn/wrappers/bidirectional.js';
import type { TimeDistributed } from '../../nn/wrappers/time-distributed.js';
import type { LayerCall as Call } from './export-layers.js';
import {
  recurrent,
  recurrentOp,
  recurrentSpec,
  reverseAxis,
  sameOp,
  swapBatchAndTime,
} from './export-rnn.js';
import { maskedRecurrent } from './export-rnn-masked.js';
import type { OnnxGraphBuilder } from './graph-builder.js';

/** Emit one layer call's nodes; its output values. */
export type ExportCall = (b: OnnxGraphBuilder, layer: Module, call: Call) => readonly string[];

const formatShape = (shape: SymbolicShape) => `[${shape.map((d) => d ?? '?').join(', ')}]`;

function refuse(layer: Module, why: string): never {
  throw new ArgumentError(`toOnnx: layer '${layer.name}' (${layer.className}) ${why}`);
}

/** The single output of a layer call that must give one. */
function single(layer: Module, outputs: readonly string[]): string {
  if (outputs.length !== 1) refuse(layer, `gives ${outputs.length} outputs where one is needed`);
  return outputs[0]!;
}

// ---- models -------------------------------------------------------------------------------

/** A Sequential's layers one after the other from `input`; the last value and its shape. */
export function replaySequential(
  b: OnnxGraphBuilder,
  model: Sequential,
  input: string,
  inputShape: SymbolicShape,
  exportCall: ExportCall,
): { value: string; shape: SymbolicShape } {
  let value = input;
  let shape = inputShape;
  for (const layer of model.layers) {
    value = single(layer, exportCall(b, layer, { inputs: [value], shapes: [shape] }));
    shape = [null, ...layer.computeOutputShape(shape.slice(1) as number[])];
  }
  return { value, shape };
}

/** A functional Model's nodes in the order they run, its inputs bound to `inputs`; its output values. */
export function replayFunctional(
  b: OnnxGraphBuilder,
  model: Model,
  inputs: readonly string[],
  exportCall: ExportCall,
): string[] {
  const values = new Map<SymbolicTensor, string>();
  model.inputs.forEach((t, i) => {
    values.set(t, inputs[i]!);
  });
  for (const node of model.nodes) {
    const layer = node.module;
    if (node.outputs.length !== 1 && !MULTI_OUTPUT.has(layer.className)) {
      throw new ArgumentError(
        `toOnnx: layer '${layer.name}' (${layer.className}) gives ${node.outputs.length} outputs, ` +
          'which is not exportable to ONNX yet',
      );
    }
    const outs = exportCall(b, layer, {
      inputs: node.inputs.map((t) => values.get(t)!),
      shapes: node.inputs.map((t) => t.shape),
    });
    if (outs.length !== node.outputs.length) {
      refuse(layer, `gives ${node.outputs.length} outputs but its export made ${outs.length}`);
    }
    node.outputs.forEach((t, i) => {
      values.set(t, outs[i]!);
    });
  }
  return model.outputs.map((t) => values.get(t)!);
}

/** The recurrent layer classes (export-rnn.ts). */
const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'RNN']);

/** Layer classes whose converters give several outputs. */
const MULTI_OUTPUT = new Set(['Bidirectional', 'Model', 'OnnxGraph']);

/** A Sequential called as a layer: its layers inlined, named `model/layer`. */
export function nestedSequential(
  b: OnnxGraphBuilder,
  model: Sequential,
  call: Call,
  exportCall: ExportCall,
): string {
  if (!model.built) refuse(model, 'is not built (call build() or give its first layer an inputShape)');
  return b.inScope(
    model.name,
    () => replaySequential(b, model, call.inputs[0]!, call.shapes[0]!, exportCall).value,
  );
}

/** A functional Model called as a layer: its nodes inlined, named `model/layer`. */
export function nestedModel(b: OnnxGraphBuilder, model: Model, call: Call, exportCall: ExportCall): string[] {
  return b.inScope(model.name, () => replayFunctional(b, model, call.inputs, exportCall));
}

// ---- Bidirectional ---------------------------------------------------------------------------

/**
 * Bidirectional: Keras' forward copy and its backward copy (goBackwards, its sequence put back in
 * time order), merged by mergeMode ('concat' on the features, 'sum', 'mul', 'ave', or null: both).
 * ONNX's direction 'bidirectional' computes exactly that pair — its reverse direction gives Y in
 * the input's time order and Y_h after the first step — so one op serves when the copies have the
 * same op and settings and the forward copy runs forwards; otherwise — or with a `mask`, each
 * copy then running over its kept steps — each copy is its own op.
 */
export function bidirectional(
  b: OnnxGraphBuilder,
  layer: Bidirectional,
  call: Call,
  mask?: string,
): string[] {
  // By class name, as every converter matches (and a value import of the layers here would close
  // an import cycle through the registry).
  const [forward, backward] = [layer.forwardLayer, layer.backwardLayer] as unknown as [RNN, RNN];
  for (const copy of [forward, backward]) {
    if (!RECURRENT.has(copy.className)) {
      refuse(layer, `wraps ${copy.className}, which is not a recurrent layer toOnnx can export`);
    }
  }
  if (forward.returnState) {
    refuse(layer, `wraps ${forward.className} with returnState: true, which toOnnx cannot export yet`);
  }
  const shape = call.shapes[0]!;
  if (shape.length !== 3) refuse(layer, `needs sequences [batch, time, features], got ${formatShape(shape)}`);
  const forwardSpec = recurrentSpec(forward);
  const backwardSpec = recurrentSpec(backward);
  const sequences = forward.returnSequences;
  const mode = layer.mergeMode;
  const name = layer.name;
  if (
    mask === undefined &&
    sameOp(forwardSpec, backwardSpec) &&
    !forward.goBackwards &&
    backward.goBackwards
  ) {
    const x = swapBatchAndTime(b, call.inputs[0]!, `${name}/time_first`);
    const { y, yH } = recurrentOp(b, name, x, [forward, backward], forwardSpec, 'bidirectional');
    // Directions on an axis next to the features: [batch, time, 2, H] or [batch, 2, H].
    const both = sequences
      ? b.addNode('Transpose', [y], `${name}/batch_first`, { perm: { ints: [2, 0, 1, 3] } })
      : b.addNode('Transpose', [yH], `${name}/batch_first`, { perm: { ints: [1, 0, 2] } });
    const dirAxis = sequences ? 2 : 1;
    switch (mode) {
      case 'concat': {
        // Forward then backward along the features, as Keras' concat.
        const target = b.addInt64Initializer(`${name}/shape`, sequences ? [0, 0, -1] : [0, -1]);
        return [b.addNode('Reshape', [both, target], name)];
      }
      case 'sum':
        return [
          b.addNode('ReduceSum', [both, b.addInt64Initializer(`${name}/axes`, [dirAxis])], name, {
            keepdims: { int: 0 },
          }),
        ];
      case 'ave':
      case 'mul':
        // (a + b) / 2 and a · b: exact in float32, as Keras' a.add(b).mul(0.5) and a.mul(b) are.
        return [
          b.addNode(mode === 'ave' ? 'ReduceMean' : 'ReduceProd', [both], name, {
            axes: { ints: [dirAxis] },
            keepdims: { int: 0 },
          }),
        ];
      case null:
        return [0, 1].map((d) =>
          b.addNode(
            'Gather',
            [both, b.addInt64Initializer(`${name}/direction_${d}`, [d], [])],
            `${name}/${d === 0 ? 'forward' : 'backward'}`,
            { axis: { int: dirAxis } },
          ),
        );
    }
  }
  // Two ops: each copy as the layer it is (over the kept steps, with a mask), the backward
  // sequence put back in time order.
  const run = (copy: RNN) =>
    mask === undefined ? recurrent(b, copy, call) : maskedRecurrent(b, copy, call, mask);
  const [yf, yb] = b.inScope(name, () => {
    const yf = run(forward);
    const yb = run(backward);
    return [yf, sequences ? reverseAxis(b, yb, 1, `${backward.name}/time_order`) : yb];
  });
  switch (mode) {
    case 'concat':
      return [b.addNode('Concat', [yf, yb], name, { axis: { int: -1 } })];
    case 'sum':
      return [b.addNode('Add', [yf, yb], name)];
    case 'mul':
      return [b.addNode('Mul', [yf, yb], name)];
    case 'ave':
      return [b.addNode('Mean', [yf, yb], name)];
    case null:
      return [yf, yb];
  }
}

// ---- TimeDistributed -------------------------------------------------------------------------

/**
 * TimeDistributed: Dense reads any rank (MatMul on the last axis), so it runs on [batch, time, …]
 * as it is. Other layers see the steps folded into the batch — Reshape [−1, …step] (the batch and
 * time merge on axis 0), the layer's nodes, Reshape [−1, time, …out] — with the shapes read from
 * the values (Shape) where a size is unknown.
 */
export function timeDistributed(
  b: OnnxGraphBuilder,
  layer: TimeDistributed,
  call: Call,
  exportCall: ExportCall,
): string {
  const inner = layer.layer;
  const shape = call.shapes[0]!;
  if (shape.length < 3) refuse(layer, `needs sequences [batch, time, …], got ${formatShape(shape)}`);
  if (inner.className === 'Dense') {
    return b.inScope(layer.name, () => single(inner, exportCall(b, inner, call)));
  }
  const name = layer.name;
  const step = shape.slice(2);
  const x = call.inputs[0]!;
  const known = (dims: SymbolicShape): dims is number[] => dims.every((d) => d !== null);
  const foldTarget = known(step)
    ? b.addInt64Initializer(`${name}/fold_shape`, [-1, ...step])
    : b.addNode(
        'Concat',
        [
          b.addInt64Initializer(`${name}/minus_one`, [-1]),
          b.addNode('Shape', [x], `${name}/step_shape`, { start: { int: 2 } }),
        ],
        `${name}/fold_shape`,
        { axis: { int: 0 } },
      );
  const folded = b.addNode('Reshape', [x, foldTarget], `${name}/folded`);
  const y = b.inScope(name, () =>
    single(inner, exportCall(b, inner, { inputs: [folded], shapes: [[null, ...step]] })),
  );
  const outStep = inner.computeOutputShape(step as number[]) as SymbolicShape;
  const time = shape[1] ?? null;
  const unfoldTarget =
    time !== null && known(outStep)
      ? b.addInt64Initializer(`${name}/unfold_shape`, [-1, time, ...outStep])
      : b.addNode(
          'Concat',
          [
            b.addNode('Shape', [x], `${name}/batch_and_time`, { start: { int: 0 }, end: { int: 2 } }),
            b.addNode('Shape', [y], `${name}/out_step_shape`, { start: { int: 1 } }),
          ],
          `${name}/unfold_shape`,
          { axis: { int: 0 } },
        );
  return b.addNode('Reshape', [y, unfoldTarget], name);
}
