/**
 * ONNX operators Conv and ConvTranspose, 1-D and 2-D, on backprop's channels-last convolution ops:
 * the input is transposed NCHW → NHWC, the kernel [M, C/group, kH, kW] → [kH, kW, C/group, M], and
 * the window geometry (asymmetric pads, strides, dilations) is handed to the convolution as it is —
 * the window kernels treat any cell outside the image as padding, so no explicit padding copy is
 * needed. A grouped Conv (depthwise included) is one batched product over the unfolded windows;
 * a grouped ConvTranspose runs one transposed convolution per group, concatenated.
 */

import type { WindowGeometry } from '../../../../backend/backend.js';
import { conv2dBackpropInput, convolve } from '../../../../ops/conv/conv2d.js';
import { im2col } from '../../../../ops/conv/unfold.js';
import { concat } from '../../../../ops/layout.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { Attributes, NodeInfo, OperatorTable } from '../op-types.js';
import {
  type AxisWindow,
  autoPadOf,
  axisWindow,
  forwardPads,
  fromChannelsLast,
  intOf,
  intsOf,
  liftTo2d,
  refuse,
  required,
  spatialRank,
  toChannelsLast,
  WINDOW_ATTRIBUTES,
  windowCause,
  windowGeometry,
} from './spatial.js';
import { checkCreatedShape } from './util.js';

interface ConvSetup {
  rank: 1 | 2;
  group: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
}

/** The attributes both operators read the same way, checked against the weight's shape. */
function convSetup(node: NodeInfo, attributes: Attributes, x: Tensor, w: Tensor): ConvSetup {
  const rank = spatialRank(node, x);
  if (w.ndim !== x.ndim) {
    refuse(node, `weight W of shape [${w.shape.join(', ')}] must have the rank of X [${x.shape.join(', ')}]`);
  }
  const group = intOf(node, attributes, 'group', 1, 1);
  const kernel = intsOf(node, attributes, 'kernel_shape', rank, 0, 1);
  const fromWeight = w.shape.slice(2);
  if (attributes.kernel_shape !== undefined && kernel.some((k, i) => k !== fromWeight[i])) {
    refuse(
      node,
      `attribute kernel_shape ${JSON.stringify(kernel)} disagrees with W of shape [${w.shape.join(', ')}]`,
    );
  }
  return {
    rank,
    group,
    kernel: fromWeight,
    strides: intsOf(node, attributes, 'strides', rank, 1, 1),
    dilations: intsOf(node, attributes, 'dilations', rank, 1, 1),
  };
}

/** x [N, C, ...] split into `group` channel blocks (the whole of x when group is 1). */
const groups = (x: Tensor, group: number, axis: number): Tensor[] =>
  group === 1 ? [x] : x.split(group, axis);

/** Adds the bias [M] along the channels-last axis; refuses a bias of the wrong size. */
function addBias(node: NodeInfo, y: Tensor, b: Tensor | undefined, channels: number): Tensor {
  if (b === undefined) return y;
  if (b.ndim !== 1 || b.shape[0] !== channels) {
    refuse(node, `bias B must be [${channels}], got [${b.shape.join(', ')}]`);
  }
  return y.add(b);
}

function runConv(inputs: readonly (Tensor | undefined)[], attributes: Attributes, node: NodeInfo): Tensor {
  const x = required(node, inputs, 0, 'X');
  const w = required(node, inputs, 1, 'W');
  const { rank, group, kernel, strides, dilations } = convSetup(node, attributes, x, w);
  const [batch, channels] = x.shape as [number, number];
  const filters = w.shape[0]!;
  if (channels % group !== 0 || filters % group !== 0 || w.shape[1]! * group !== channels) {
    refuse(
      node,
      `group ${group} does not fit X of shape [${x.shape.join(', ')}] and W of shape [${w.shape.join(', ')}] ` +
        '(W must be [M, C/group, k…] with C and M divisible by group)',
    );
  }
  const sizes = x.shape.slice(2);
  const [begin, end] = forwardPads(node, attributes, sizes, kernel, strides, dilations);
  const axes = sizes.map((size, i): AxisWindow => {
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const out = Math.floor((size + begin[i]! + end[i]! - span) / strides[i]!) + 1;
    if (out <= 0) {
      refuse(
        node,
        `the ${span}-wide window does not fit axis ${i + 2} of X [${x.shape.join(', ')}] with pads ${begin[i]}, ${end[i]}`,
      );
    }
    return axisWindow({ kernel, strides, dilations, begin, end }, i, size, out);
  });
  const g = windowGeometry(node, attributes, batch, channels, axes, rank);
  // The unfolded windows (im2col): kernel cells × C values per output position.
  checkCreatedShape(
    [batch, ...axes.map((a) => a.out), kernel.reduce((a, b) => a * b, 1) * channels],
    node,
    windowCause(attributes),
    batch,
  );
  checkCreatedShape([batch, filters, ...axes.map((a) => a.out)], node, windowCause(attributes), batch);
  const image = toChannelsLast(liftTo2d(x, rank));
  // W [M, C/group, kH, kW] → [kH, kW, C/group, M].
  const filterBank = liftTo2d(w, rank).permute(2, 3, 1, 0);
  const y = group === 1 ? convolve(image, filterBank, g) : groupedConvolve(image, filterBank, g, group);
  return fromChannelsLast(addBias(node, y, inputs[2], filters), rank);
}

/**
 * A grouped convolution (depthwise included) as one batched product: the windows of all channels
 * unfolded once, [pixels, cells, group, C/group] → [group, pixels, cells·C/group], times each
 * group's filters [group, cells·C/group, M/group]. Output channel g·(M/group) + m, as ONNX orders them.
 */
function groupedConvolve(x: Tensor, kernel: Tensor, g: WindowGeometry, group: number): Tensor {
  const [kh, kw, perGroup, filters] = kernel.shape as [number, number, number, number];
  const pixels = g.batch * g.outH * g.outW;
  const cells = kh * kw;
  const windows = im2col(x, g)
    .reshape([pixels, cells, group, perGroup])
    .permute(2, 0, 1, 3)
    .reshape([group, pixels, cells * perGroup]);
  const weights = kernel
    .reshape([cells, perGroup, group, filters / group])
    .permute(2, 0, 1, 3)
    .reshape([group, cells * perGroup, filters / group]);
  // [group, pixels, M/group] → [pixels, group, M/group] → [batch, outH, outW, M].
  return windows.matmul(weights).permute(1, 0, 2).reshape([g.batch, g.outH, g.outW, filters]);
}

/**
 * ConvTranspose: the gradient of a convolution for its input. ONNX's output size is
 * stride·(in − 1) + output_padding + (k − 1)·dilation + 1 − pad_begin − pad_end, and output_shape
 * (when given) fixes it and derives the pads: SAME_UPPER puts the odd one at the end, otherwise at
 * the start, as the specification says.
 */
function runConvTranspose(
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes,
  node: NodeInfo,
): Tensor {
  const x = required(node, inputs, 0, 'X');
  const w = required(node, inputs, 1, 'W');
  const { rank, group, kernel, strides, dilations } = convSetup(node, attributes, x, w);
  const [batch, channels] = x.shape as [number, number];
  if (w.shape[0] !== channels || channels % group !== 0) {
    refuse(
      node,
      `group ${group} does not fit X of shape [${x.shape.join(', ')}] and W of shape [${w.shape.join(', ')}] ` +
        '(W must be [C, M/group, k…] with C divisible by group)',
    );
  }
  const filters = w.shape[1]! * group;
  const sizes = x.shape.slice(2);
  const outputPadding = intsOf(node, attributes, 'output_padding', rank, 0, 0);
  const autoPad = autoPadOf(node, attributes);
  const spans = kernel.map((k, i) => (k - 1) * dilations[i]! + 1);
  const full = sizes.map((n, i) => strides[i]! * (n - 1) + outputPadding[i]! + spans[i]!);
  let begin: number[];
  let end: number[];
  let outSizes: number[];
  const outputShape = attributes.output_shape;
  if (outputShape !== undefined || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    if (outputShape !== undefined) {
      outSizes = intsOf(node, attributes, 'output_shape', rank, 0, 1);
    } else {
      outSizes = sizes.map((n, i) => n * strides[i]!);
    }
    const totals = outSizes.map((o, i) => full[i]! - o);
    if (totals.some((t) => t < 0)) {
      refuse(
        node,
        `output_shape ${JSON.stringify(outSizes)} is larger than the ${JSON.stringify(full)} the transposed convolution reaches`,
      );
    }
    const upper = autoPad === 'SAME_UPPER';
    begin = totals.map((t) => (upper ? Math.floor(t / 2) : t - Math.floor(t / 2)));
    end = totals.map((t) => (upper ? t - Math.floor(t / 2) : Math.floor(t / 2)));
  } else {
    if (autoPad === 'VALID') {
      begin = new Array(rank).fill(0);
      end = new Array(rank).fill(0);
    } else {
      const pads = intsOf(node, attributes, 'pads', 2 * rank, 0, 0);
      begin = pads.slice(0, rank);
      end = pads.slice(rank);
    }
    outSizes = full.map((f, i) => f - begin[i]! - end[i]!);
    if (outSizes.some((o) => o <= 0)) {
      refuse(
        node,
        `pads ${JSON.stringify([...begin, ...end])} leave no output for X of shape [${x.shape.join(', ')}]`,
      );
    }
  }
  outputPadding.forEach((p, i) => {
    if (p >= Math.max(strides[i]!, dilations[i]!)) {
      refuse(
        node,
        `attribute output_padding ${JSON.stringify(outputPadding)} must be smaller than the stride or dilation on each axis`,
      );
    }
  });
  // The convolution that maps the output [outSizes] back onto x's [sizes], whose input gradient this is.
  const spec = { kernel, strides, dilations, begin, end };
  const axes = outSizes.map((size, i) => axisWindow(spec, i, size, sizes[i]!));
  const g = windowGeometry(node, attributes, batch, filters / group, axes, rank);
  // The output, and the columns each input position spreads over it (kernel cells × M/group).
  checkCreatedShape([batch, filters, ...outSizes], node, windowCause(attributes), batch);
  checkCreatedShape(
    [batch, ...sizes, kernel.reduce((a, b) => a * b, 1) * (filters / group)],
    node,
    windowCause(attributes),
    batch,
  );
  const xs = groups(toChannelsLast(liftTo2d(x, rank)), group, 3);
  // W [C, M/group, kH, kW] → [kH, kW, M/group, C]: the kernel of the forward convolution, per group.
  const ws = groups(liftTo2d(w, rank).permute(2, 3, 1, 0), group, 3);
  const ys = xs.map((xi, i) => conv2dBackpropInput(xi, ws[i]!, g));
  const y = addBias(node, ys.length === 1 ? ys[0]! : concat(ys, 3), inputs[2], filters);
  return fromChannelsLast(y, rank);
}

const convAttributes = {
  ...WINDOW_ATTRIBUTES,
  group: { type: 'int', default: 1 },
} as const;

export const convOperators: OperatorTable = {
  Conv: {
    attributes: convAttributes,
    run: (inputs, attributes, _consts, node) => [runConv(inputs, attributes, node)],
  },
  ConvTranspose: {
    attributes: {
      ...convAttributes,
      output_padding: { type: 'ints', optional: true },
      output_shape: { type: 'ints', optional: true },
    },
    run: (inputs, attributes, _consts, node) => [runConvTranspose(inputs, attributes, node)],
  },
};
