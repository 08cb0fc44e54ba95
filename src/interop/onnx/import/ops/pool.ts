/**
 * ONNX pooling operators MaxPool, AveragePool (1-D and 2-D), GlobalAveragePool and GlobalMaxPool,
 * on backprop's channels-last window ops with the geometry ONNX asks for: explicit or SAME_* pads,
 * dilations, ceil_mode. Cells outside the image never win a max and are left out of an average;
 * AveragePool's count_include_pad = 1 pads the image with zeros first, so that those cells count
 * (but not the cells a ceil_mode window reaches past the padding, as ONNX Runtime does).
 */
import { averageWindows, maxPoolWindows } from '../../../../ops/conv/pool.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { AttributeSpec, Attributes, NodeInfo, OperatorTable } from '../op-types.js';
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
  windowGeometry,
} from './spatial.js';

/**
 * Output length along one axis. ceil_mode rounds the window count up, but (as ONNX Runtime and
 * PyTorch) a last window that would start past the input and its leading padding is dropped.
 */
function pooledLength(
  size: number,
  span: number,
  stride: number,
  begin: number,
  end: number,
  ceil: boolean,
): number {
  const reach = size + begin + end - span;
  let out = (ceil ? Math.ceil(reach / stride) : Math.floor(reach / stride)) + 1;
  if (ceil && (out - 1) * stride >= size + begin) out--;
  return out;
}

function runPool(
  kind: 'max' | 'average',
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes,
  node: NodeInfo,
): Tensor {
  const x = required(node, inputs, 0, 'X');
  const rank = spatialRank(node, x);
  if (attributes.kernel_shape === undefined) refuse(node, 'attribute kernel_shape is required');
  const kernel = intsOf(node, attributes, 'kernel_shape', rank, 1, 1);
  const strides = intsOf(node, attributes, 'strides', rank, 1, 1);
  const dilations = intsOf(node, attributes, 'dilations', rank, 1, 1);
  const ceil = intOf(node, attributes, 'ceil_mode', 0, 0, 1) === 1;
  if (kind === 'average' && attributes.dilations !== undefined && node.opset < 19) {
    refuse(node, `attribute dilations needs opset 19 for AveragePool, the model has ${node.opset}`);
  }
  const sizes = x.shape.slice(2);
  const autoPad = autoPadOf(node, attributes);
  const [begin, end] = forwardPads(node, attributes, sizes, kernel, strides, dilations);
  const includePad = kind === 'average' && intOf(node, attributes, 'count_include_pad', 0, 0, 1) === 1;
  if (kind === 'max') intOf(node, attributes, 'storage_order', 0, 0, 1);
  const axes = sizes.map((size, i): AxisWindow => {
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    if (begin[i]! >= span || end[i]! >= span) {
      refuse(node, `pads ${JSON.stringify([...begin, ...end])} must be smaller than the ${span}-wide window`);
    }
    const out =
      autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER'
        ? Math.ceil(size / strides[i]!)
        : pooledLength(size, span, strides[i]!, begin[i]!, end[i]!, ceil);
    if (out <= 0) {
      refuse(node, `the ${span}-wide window does not fit axis ${i + 2} of X [${x.shape.join(', ')}]`);
    }
    const window = axisWindow({ kernel, strides, dilations, begin, end }, i, size, out);
    // count_include_pad: the image is padded with zeros first, so the windows see no padding.
    return includePad ? { ...window, size: size + begin[i]! + end[i]!, padBegin: 0, padEnd: 0 } : window;
  });
  const g = windowGeometry(node, attributes, x.shape[0]!, x.shape[1]!, axes, rank);
  let image = x;
  if (includePad) image = x.pad([[0, 0], [0, 0], ...begin.map((b, i) => [b, end[i]!] as [number, number])]);
  const nhwc = toChannelsLast(liftTo2d(image, rank));
  return fromChannelsLast(kind === 'max' ? maxPoolWindows(nhwc, g) : averageWindows(nhwc, g), rank);
}

/** GlobalAveragePool / GlobalMaxPool: over every spatial axis of [N, C, ...], kept as size 1. */
function runGlobal(kind: 'max' | 'average', inputs: readonly (Tensor | undefined)[], node: NodeInfo): Tensor {
  const x = required(node, inputs, 0, 'X');
  if (x.ndim < 3) refuse(node, `input X must be [N, C, spatial…], got [${x.shape.join(', ')}]`);
  const axes = x.shape.slice(2).map((_, i) => i + 2);
  return kind === 'max' ? x.max(axes, true) : x.mean(axes, true);
}

const averagePoolAttributes: Record<string, AttributeSpec> = {
  ...WINDOW_ATTRIBUTES,
  kernel_shape: { type: 'ints' },
  ceil_mode: { type: 'int', default: 0 },
  count_include_pad: { type: 'int', default: 0 },
};

export const poolOperators: OperatorTable = {
  MaxPool: {
    attributes: {
      ...WINDOW_ATTRIBUTES,
      kernel_shape: { type: 'ints' },
      ceil_mode: { type: 'int', default: 0 },
      storage_order: { type: 'int', default: 0 },
    },
    // The second output (Indices) is refused by the importer's output count: run returns Y only.
    run: (inputs, attributes, _consts, node) => [runPool('max', inputs, attributes, node)],
  },
  AveragePool: {
    attributes: averagePoolAttributes,
    // dilations arrived in opset 19.
    attributesAt: (opset) => {
      if (opset >= 19) return averagePoolAttributes;
      const { dilations: _, ...older } = averagePoolAttributes;
      return older;
    },
    run: (inputs, attributes, _consts, node) => [runPool('average', inputs, attributes, node)],
  },
  GlobalAveragePool: {
    attributes: {},
    run: (inputs, _attributes, _consts, node) => [runGlobal('average', inputs, node)],
  },
  GlobalMaxPool: {
    attributes: {},
    run: (inputs, _attributes, _consts, node) => [runGlobal('max', inputs, node)],
  },
};
