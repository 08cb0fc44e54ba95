/**
 * ONNX Slice (opset 13+): starts, ends, and the optional axes (default: the first len(starts)) and
 * steps (default 1) are constant inputs. As the specification says, a negative start or end counts
 * from the end, and both are then clamped — to [0, dim] for a positive step, to [0, dim − 1] and
 * [−1, dim − 1] for a negative one. Step 1 is a plain slice; other steps gather the indices.
 */
import { tensor } from '../../../../tensor/create.js';
import type { OperatorTable } from '../op-types.js';
import { constInts, nodeError, nodeShapeError, normalizeAxes, required } from './util.js';

export const sliceOperators: OperatorTable = {
  Slice: {
    attributes: {},
    constInputs: [1, 2, 3, 4],
    run: (inputs, _a, consts, node) => {
      let x = required(inputs, 0, node);
      const starts = constInts(consts[1], 1, node);
      const ends = constInts(consts[2], 2, node);
      const axesGiven = consts[3] ? constInts(consts[3], 3, node) : starts.map((_, i) => i);
      const steps = consts[4] ? constInts(consts[4], 4, node) : starts.map(() => 1);
      if (
        ends.length !== starts.length ||
        axesGiven.length !== starts.length ||
        steps.length !== starts.length
      ) {
        throw nodeError(node, 'starts, ends, axes and steps must have one entry each per sliced axis');
      }
      const axes = normalizeAxes(axesGiven, x.ndim, node);
      axes.forEach((axis, i) => {
        const dim = x.shape[axis]!;
        const step = steps[i]!;
        if (step === 0) throw nodeError(node, 'a step of 0');
        const from = (v: number) => (v < 0 ? v + dim : v);
        const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
        const start = step > 0 ? clamp(from(starts[i]!), 0, dim) : clamp(from(starts[i]!), 0, dim - 1);
        const end = step > 0 ? clamp(from(ends[i]!), 0, dim) : clamp(from(ends[i]!), -1, dim - 1);
        const picked: number[] = [];
        for (let k = start; step > 0 ? k < end : k > end; k += step) picked.push(k);
        if (picked.length === 0) {
          throw nodeShapeError(
            node,
            `slicing axis ${axis} (size ${dim}) leaves nothing: empty tensors are not supported`,
          );
        }
        if (step === 1) {
          if (start !== 0 || end !== dim) x = x.sliceAxis(axis, start, end);
        } else {
          x = x.gather(tensor(Float32Array.from(picked), { shape: [picked.length] }), axis);
        }
      });
      return [x];
    },
  },
};
