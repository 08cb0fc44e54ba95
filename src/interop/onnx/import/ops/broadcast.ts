/**
 * ONNX Expand (broadcast to a constant shape, both ways as NumPy does), Tile (constant repeats),
 * Where (cond ? X : Y, broadcast) and Split (into the sizes given as a constant input, or into
 * equal parts — num_outputs from opset 18, else as many as the node has outputs; from opset 18
 * the last part is smaller when the size does not divide).
 */
import { broadcastTo } from '../../../../ops/layout.js';
import { where } from '../../../../ops/where.js';
import { broadcastShapes } from '../../../../tensor/shape.js';
import type { AttributeSpec, OperatorTable } from '../op-types.js';
import { checkCreatedShape, constInts, nodeError, nodeShapeError, normalizeAxis, required } from './util.js';

const splitAttributes: Record<string, AttributeSpec> = {
  axis: { type: 'int', default: 0 },
  num_outputs: { type: 'int', optional: true },
};

export const broadcastOperators: OperatorTable = {
  Expand: {
    attributes: {},
    constInputs: [1],
    run: (inputs, _a, consts, node) => {
      const x = required(inputs, 0, node);
      const shape = constInts(consts[1], 1, node);
      let target: number[];
      try {
        target = broadcastShapes('Expand', x.shape, shape);
      } catch {
        throw nodeShapeError(node, `cannot broadcast [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
      }
      checkCreatedShape(target, node, `input shape [${shape.join(', ')}]`, x.shape[0]);
      const lifted = x.reshape([...Array(target.length - x.ndim).fill(1), ...x.shape]);
      return [broadcastTo(lifted, target)];
    },
  },
  Tile: {
    attributes: {},
    constInputs: [1],
    run: (inputs, _a, consts, node) => {
      const x = required(inputs, 0, node);
      const reps = constInts(consts[1], 1, node);
      if (reps.length !== x.ndim || reps.some((r) => r < 1)) {
        throw nodeError(
          node,
          `repeats [${reps.join(', ')}] must give each of the ${x.ndim} axes a count ≥ 1`,
        );
      }
      checkCreatedShape(
        x.shape.map((d, i) => d * reps[i]!),
        node,
        `input repeats [${reps.join(', ')}]`,
        x.shape[0],
      );
      return [x.tile(reps)];
    },
  },
  Where: {
    attributes: {},
    run: (inputs, _a, _c, node) => [
      where(required(inputs, 0, node), required(inputs, 1, node), required(inputs, 2, node)),
    ],
  },
  Split: {
    attributes: splitAttributes,
    attributesAt: (opset) => (opset >= 18 ? splitAttributes : { axis: splitAttributes.axis! }),
    constInputs: [1],
    run: (inputs, attrs, consts, node) => {
      const x = required(inputs, 0, node);
      const axis = normalizeAxis(attrs.axis as number, x.ndim, node);
      const n = x.shape[axis]!;
      let sizes: number[];
      if (consts[1] !== undefined) {
        sizes = constInts(consts[1], 1, node);
      } else {
        const parts = (attrs.num_outputs as number | undefined) ?? node.outputCount ?? 1;
        if (parts < 1 || parts > n) throw nodeError(node, `cannot split size ${n} into ${parts} parts`);
        // Before opset 18 the parts must be equal; from 18 the last one may be smaller.
        if (node.opset < 18 && n % parts !== 0)
          throw nodeError(node, `cannot split size ${n} into ${parts} equal parts`);
        const size = Math.ceil(n / parts);
        sizes = Array.from({ length: parts }, (_, i) => Math.min(size, n - i * size));
      }
      if (sizes.some((s) => s < 1) || sizes.reduce((a, b) => a + b, 0) !== n) {
        throw nodeShapeError(node, `sizes [${sizes.join(', ')}] do not split axis ${axis} of size ${n}`);
      }
      return sizes.length === 1 ? [x] : x.split(sizes, axis);
    },
  },
};
