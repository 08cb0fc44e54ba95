/**
 * ONNX layout operators (opset 13+): Flatten (axis 1), Reshape (a constant shape; 0 copies the
 * input's size unless allowzero, −1 is inferred), Transpose (perm, default reversed), Concat (axis
 * required), Gather (axis 0; constant or run-time indices, negative ones counting from the end),
 * Squeeze and Unsqueeze (axes as a constant input), Identity. Shape and ConstantOfShape are in
 * shape-of.ts.
 */
import { concat } from '../../../../ops/layout.js';
import { tensor } from '../../../../tensor/create.js';
import type { AttributeSpec, OperatorTable } from '../op-types.js';
import { constInts, nodeError, nodeShapeError, normalizeAxes, normalizeAxis, required } from './util.js';

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export const shapeOperators: OperatorTable = {
  Identity: { attributes: {}, run: (x, _a, _c, node) => [required(x, 0, node)] },
  Flatten: {
    attributes: { axis: { type: 'int', default: 1 } },
    run: (inputs, attrs, _c, node) => {
      const x = required(inputs, 0, node);
      const axis = attrs.axis as number;
      // axis may equal the rank (everything in the first dimension).
      const a = axis === x.ndim ? axis : normalizeAxis(axis, x.ndim, node);
      return [x.reshape([product(x.shape.slice(0, a)), product(x.shape.slice(a))])];
    },
  },
  Reshape: {
    attributes: { allowzero: { type: 'int', default: 0 } },
    // allowzero came in opset 14; before it a 0 always copies.
    attributesAt: (opset): Record<string, AttributeSpec> =>
      opset >= 14 ? { allowzero: { type: 'int', default: 0 } } : {},
    constInputs: [1],
    run: (inputs, attrs, consts, node) => {
      const x = required(inputs, 0, node);
      const spec = constInts(consts[1], 1, node);
      const allowZero = (attrs.allowzero ?? 0) !== 0;
      if (allowZero && spec.includes(0) && spec.includes(-1)) {
        throw nodeError(node, `shape ${shapeText(spec)} has both 0 and −1, which allowzero=1 forbids`);
      }
      const target = spec.map((d, i) => {
        if (d === 0 && !allowZero) {
          if (i >= x.ndim)
            throw nodeShapeError(
              node,
              `shape ${shapeText(spec)}: 0 at ${i} copies a dimension the input ${shapeText(x.shape)} lacks`,
            );
          return x.shape[i]!;
        }
        if (d < -1) throw nodeError(node, `shape ${shapeText(spec)} has a negative size ${d}`);
        return d;
      });
      const inferred = target.filter((d) => d === -1).length;
      if (inferred > 1) throw nodeError(node, `shape ${shapeText(spec)} has more than one −1`);
      const known = product(target.filter((d) => d !== -1));
      const size = product(x.shape);
      if (inferred === 1) {
        if (known === 0 || size % known !== 0) {
          throw nodeShapeError(node, `cannot reshape ${shapeText(x.shape)} to ${shapeText(spec)}`);
        }
        target[target.indexOf(-1)] = size / known;
      } else if (known !== size) {
        throw nodeShapeError(
          node,
          `cannot reshape ${shapeText(x.shape)} (${size} values) to ${shapeText(spec)}`,
        );
      }
      return [x.reshape(target)];
    },
  },
  Transpose: {
    attributes: { perm: { type: 'ints', optional: true } },
    run: (inputs, attrs, _c, node) => {
      const x = required(inputs, 0, node);
      const perm = (attrs.perm as number[] | undefined) ?? x.shape.map((_, i) => x.ndim - 1 - i);
      if (perm.length !== x.ndim) {
        throw nodeShapeError(
          node,
          `perm [${perm.join(', ')}] does not fit an input of shape ${shapeText(x.shape)}`,
        );
      }
      const p = normalizeAxes(perm, x.ndim, node);
      return [p.every((a, i) => a === i) ? x : x.permute(...p)];
    },
  },
  Concat: {
    attributes: { axis: { type: 'int' } },
    run: (inputs, attrs, _c, node) => {
      const xs = inputs.filter((x) => x !== undefined);
      if (xs.length === 0) throw nodeError(node, 'needs at least one input');
      const rank = xs[0]!.ndim;
      const axis = normalizeAxis(attrs.axis as number, rank, node);
      for (const x of xs) {
        const ok = x.ndim === rank && x.shape.every((d, i) => i === axis || d === xs[0]!.shape[i]);
        if (!ok) {
          throw nodeShapeError(
            node,
            `inputs ${xs.map((t) => shapeText(t.shape)).join(', ')} differ outside axis ${attrs.axis}`,
          );
        }
      }
      return [xs.length === 1 ? xs[0]! : concat(xs, axis)];
    },
  },
  Gather: {
    attributes: { axis: { type: 'int', default: 0 } },
    run: (inputs, attrs, consts, node) => {
      const x = required(inputs, 0, node);
      const axis = normalizeAxis(attrs.axis as number, x.ndim, node);
      const n = x.shape[axis]!;
      const given = consts[1];
      const raw = given ? given.data : Array.from(required(inputs, 1, node).dataSync());
      const dims = given ? given.dims : [...inputs[1]!.shape];
      // Integer inputs travel as float32 values; an index must be a whole number in [−n, n).
      const values = Int32Array.from(raw, (v, i) => {
        if (!Number.isInteger(v) || v < -n || v >= n) {
          throw nodeShapeError(
            node,
            `index ${v} at position ${i} is out of range for axis ${axis} of size ${n}`,
          );
        }
        return v < 0 ? v + n : v;
      });
      return [x.gather(tensor(Float32Array.from(values), { shape: dims }), axis)];
    },
  },
  Squeeze: {
    attributes: {},
    constInputs: [1],
    run: (inputs, _a, consts, node) => {
      const x = required(inputs, 0, node);
      if (inputs[1] === undefined && consts[1] === undefined) {
        return [x.reshape(x.shape.filter((d) => d !== 1))];
      }
      const axes = normalizeAxes(constInts(consts[1], 1, node), x.ndim, node);
      for (const a of axes) {
        if (x.shape[a] !== 1)
          throw nodeShapeError(node, `axis ${a} of ${shapeText(x.shape)} has size ${x.shape[a]}, not 1`);
      }
      return [x.reshape(x.shape.filter((_, i) => !axes.includes(i)))];
    },
  },
  Unsqueeze: {
    attributes: {},
    constInputs: [1],
    run: (inputs, _a, consts, node) => {
      const x = required(inputs, 0, node);
      const axesGiven = constInts(consts[1], 1, node);
      const rank = x.ndim + axesGiven.length;
      const axes = normalizeAxes(axesGiven, rank, node);
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]!);
      return [x.reshape(shape)];
    },
  },
};
