/**
 * ONNX operator Pad (opset 13 and later): `pads` [x1_begin, x2_begin, …, x1_end, x2_end, …] and the
 * optional `constant_value` as inputs, the optional `axes` input (opset 18) naming the padded axes.
 * Negative pads crop. Modes: constant (the value around), edge (the border repeated) and reflect
 * (mirrored without repeating the border); edge and reflect are one gather of computed indices
 * along each axis, so gradients flow back to the cells that were copied.
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { ConstTensor, NodeInfo, OperatorTable } from '../op-types.js';
import { refuse, required } from './spatial.js';
import { checkCreatedShape } from './util.js';

const MODES = ['constant', 'reflect', 'edge'];

/** The source index along one axis of length n for each output cell, in edge or reflect mode. */
function sourceIndices(
  node: NodeInfo,
  mode: string,
  n: number,
  begin: number,
  end: number,
  axis: number,
): number[] {
  if (mode === 'reflect' && (begin >= n || end >= n)) {
    refuse(node, `reflect pads ${begin}, ${end} on axis ${axis} must be smaller than its length ${n}`);
  }
  const out: number[] = [];
  for (let i = -begin; i < n + end; i++) {
    if (i >= 0 && i < n) out.push(i);
    else if (mode === 'edge') out.push(i < 0 ? 0 : n - 1);
    else out.push(i < 0 ? -i : 2 * (n - 1) - i);
  }
  return out;
}

function integers(node: NodeInfo, c: ConstTensor | undefined, name: string): number[] | undefined {
  if (c === undefined) return undefined;
  if (c.kind !== 'int' || c.dims.length > 1)
    refuse(node, `input ${name} must be a 1-D integer tensor, got ${JSON.stringify(c.dims)} ${c.kind}`);
  return c.data;
}

export const padOperators: OperatorTable = {
  Pad: {
    attributes: { mode: { type: 'string', default: 'constant' } },
    constInputs: [1, 2, 3],
    run(inputs, attributes, consts, node) {
      const x = required(node, inputs, 0, 'data');
      const mode = attributes.mode ?? 'constant';
      if (typeof mode !== 'string' || !MODES.includes(mode)) {
        refuse(node, `attribute mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
      }
      const pads = integers(node, consts[1], 'pads');
      if (pads === undefined) refuse(node, 'input 1 (pads) is required');
      const value = consts[2];
      if (value !== undefined && value.data.length !== 1) {
        refuse(node, `input constant_value must be one value, got ${value.data.length}`);
      }
      let axes = integers(node, consts[3], 'axes') ?? x.shape.map((_, i) => i);
      if (consts[3] !== undefined && node.opset < 18)
        refuse(node, `input axes needs opset 18, the model has ${node.opset}`);
      axes = axes.map((a) => {
        if (a < -x.ndim || a >= x.ndim) refuse(node, `axis ${a} is out of range for data of rank ${x.ndim}`);
        return a < 0 ? a + x.ndim : a;
      });
      if (new Set(axes).size !== axes.length)
        refuse(node, `input axes ${JSON.stringify(axes)} repeats an axis`);
      if (pads.length !== 2 * axes.length) {
        refuse(
          node,
          `input pads has ${pads.length} values; data of shape [${x.shape.join(', ')}] with ${axes.length} padded axes needs ${2 * axes.length}`,
        );
      }
      const begin = new Array<number>(x.ndim).fill(0);
      const end = new Array<number>(x.ndim).fill(0);
      axes.forEach((a, i) => {
        begin[a] = pads[i]!;
        end[a] = pads[i + axes.length]!;
      });
      x.shape.forEach((n, a) => {
        if (n + begin[a]! + end[a]! < 0) refuse(node, `pads crop axis ${a} (length ${n}) below zero`);
      });
      checkCreatedShape(
        x.shape.map((n, a) => n + begin[a]! + end[a]!),
        node,
        `input pads [${pads.join(', ')}]`,
        x.shape[0],
      );
      // Crop (negative pads) first, then pad what is left.
      let y: Tensor = x;
      if (begin.some((p) => p < 0) || end.some((p) => p < 0)) {
        const starts = begin.map((p) => Math.max(-p, 0));
        y = y.slice(
          starts,
          x.shape.map((n, a) => n - starts[a]! - Math.max(-end[a]!, 0)),
        );
      }
      const grow = y.shape.map((_, a) => [Math.max(begin[a]!, 0), Math.max(end[a]!, 0)] as [number, number]);
      if (mode === 'constant') return [y.pad(grow, value?.data[0] ?? 0)];
      grow.forEach(([b, e], a) => {
        if (b === 0 && e === 0) return;
        if (y.shape[a] === 0) refuse(node, `${mode} padding of the empty axis ${a}`);
        y = y.gather(sourceIndices(node, mode, y.shape[a]!, b, e, a), a);
      });
      return [y];
    },
  },
};
