/**
 * ONNX Shape and ConstantOfShape: what PyTorch emits for a dynamic batch (an LSTM's zero initial
 * state sized from input.size(0); x.view(x.size(0), -1)). Shape gives the input's dimensions as a
 * tensor at run time (start/end slice them, opset 15+); ConstantOfShape fills a tensor of a given
 * shape with one value (default float 0). Such "shape values" carry no gradient; the importer lets
 * them feed an operator's constant inputs (Reshape's shape…) and hands them over as numbers then.
 */
import { full, tensor } from '../../../../tensor/create.js';
import type { AttributeSpec, ConstTensor, OperatorTable } from '../op-types.js';
import { checkCreatedShape, constInts, nodeError, required } from './util.js';

const shapeAttributes: Record<string, AttributeSpec> = {
  start: { type: 'int', default: 0 },
  end: { type: 'int', optional: true },
};

export const shapeOfOperators: OperatorTable = {
  Shape: {
    attributes: shapeAttributes,
    attributesAt: (opset) => (opset >= 15 ? shapeAttributes : {}),
    foldKind: () => ['int'],
    run: (inputs, attrs, _c, node) => {
      const dims = required(inputs, 0, node).shape;
      const rank = dims.length;
      // start and end are clamped to [0, rank] after adding rank to negative ones.
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clamp((attrs.start as number | undefined) ?? 0);
      const end = clamp((attrs.end as number | undefined) ?? rank);
      const picked = dims.slice(start, Math.max(start, end));
      return [tensor(Float32Array.from(picked), { shape: [picked.length] })];
    },
  },
  ConstantOfShape: {
    attributes: { value: { type: 'tensor', optional: true } },
    constInputs: [0],
    foldKind: (attrs) => [(attrs.value as ConstTensor | undefined)?.kind ?? 'float'],
    run: (_inputs, attrs, consts, node) => {
      const shape = constInts(consts[0], 0, node);
      const value = attrs.value as ConstTensor | undefined;
      if (value !== undefined && value.data.length !== 1) {
        throw nodeError(node, `value must hold one element, got ${value.data.length}`);
      }
      if (shape.some((d) => d < 0)) throw nodeError(node, `shape [${shape.join(', ')}] has a negative size`);
      checkCreatedShape(shape, node, `input shape [${shape.join(', ')}]`);
      return [full(shape, value?.data[0] ?? 0)];
    },
  },
};
