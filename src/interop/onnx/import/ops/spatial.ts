/**
 * What Conv, ConvTranspose and the pooling operators share: reading ONNX's window attributes
 * (kernel_shape, strides, dilations, pads, auto_pad) for 1-D and 2-D inputs, where the windows
 * land, and moving between ONNX's channels-first layout and backprop's channels-last window ops.
 * A 1-D input [N, C, L] runs as a 2-D one of height 1, so every window op has one code path.
 */
import type { WindowGeometry } from '../../../../backend/backend.js';
import { ModelFormatError } from '../../../../errors.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { AttributeSpec, Attributes, NodeInfo } from '../op-types.js';
import { checkCreatedShape } from './util.js';

/** `ONNX node 'conv1' (Conv)`, the prefix of every error an operator raises. */
export function nodeLabel(node: NodeInfo): string {
  return `ONNX node '${node.name}' (${node.opType})`;
}

/** A ModelFormatError naming the node; `why` says which attribute/input and the bad value. */
export function refuse(node: NodeInfo, why: string): never {
  throw new ModelFormatError(`${nodeLabel(node)}: ${why}`);
}

/** The window attributes every windowed operator declares, with the specification's defaults. */
export const WINDOW_ATTRIBUTES: Record<string, AttributeSpec> = {
  auto_pad: { type: 'string', default: 'NOTSET' },
  dilations: { type: 'ints', optional: true },
  kernel_shape: { type: 'ints', optional: true },
  pads: { type: 'ints', optional: true },
  strides: { type: 'ints', optional: true },
};

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
const AUTO_PADS: readonly string[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/** An ints attribute of length `rank` (default `fill` each), checked ≥ `min`. */
export function intsOf(
  node: NodeInfo,
  attributes: Attributes,
  name: string,
  rank: number,
  fill: number,
  min: number,
): number[] {
  const value = attributes[name];
  if (value === undefined) return new Array<number>(rank).fill(fill);
  if (
    !Array.isArray(value) ||
    value.length !== rank ||
    !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= min)
  ) {
    refuse(
      node,
      `attribute ${name} must be ${rank} integer(s) ≥ ${min} for a ${rank}-D window, got ${JSON.stringify(value)}`,
    );
  }
  return value as number[];
}

export function autoPadOf(node: NodeInfo, attributes: Attributes): AutoPad {
  const value = attributes.auto_pad ?? 'NOTSET';
  if (typeof value !== 'string' || !AUTO_PADS.includes(value)) {
    refuse(node, `attribute auto_pad must be one of ${AUTO_PADS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as AutoPad;
}

/** The spatial rank of an [N, C, ...] input: 1 or 2; 3-D and others are refused naming the node. */
export function spatialRank(node: NodeInfo, x: Tensor, what = 'input X'): 1 | 2 {
  const rank = x.ndim - 2;
  if (rank === 1 || rank === 2) return rank;
  if (rank === 3) refuse(node, `3-D windows (${what} of shape [${x.shape.join(', ')}]) are not supported`);
  return refuse(node, `${what} must be [N, C, L] or [N, C, H, W], got [${x.shape.join(', ')}]`);
}

/** One spatial axis of a window op: sizes, steps, and the padding before and after. */
export interface AxisWindow {
  size: number;
  kernel: number;
  stride: number;
  dilation: number;
  padBegin: number;
  padEnd: number;
  out: number;
}

/** A window op's per-axis kernel_shape, strides, dilations and pads (begin, end). */
export interface WindowSpec {
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  begin: readonly number[];
  end: readonly number[];
}

/** Axis i of `spec` as an AxisWindow: an image of `size` cells read by `out` windows. */
export function axisWindow(spec: WindowSpec, i: number, size: number, out: number): AxisWindow {
  return {
    size,
    kernel: spec.kernel[i]!,
    stride: spec.strides[i]!,
    dilation: spec.dilations[i]!,
    padBegin: spec.begin[i]!,
    padEnd: spec.end[i]!,
    out,
  };
}

/**
 * The pads of a forward window op (Conv, MaxPool, AveragePool) per axis: explicit `pads`
 * [x1_begin, x2_begin, …, x1_end, x2_end, …] under NOTSET, none under VALID, and under SAME_* the
 * total that makes out = ceil(size / stride), its odd cell at the end (UPPER) or the start (LOWER).
 */
export function forwardPads(
  node: NodeInfo,
  attributes: Attributes,
  sizes: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): [number[], number[]] {
  const rank = sizes.length;
  const autoPad = autoPadOf(node, attributes);
  if (autoPad === 'NOTSET') {
    const pads = intsOf(node, attributes, 'pads', 2 * rank, 0, 0);
    return [pads.slice(0, rank), pads.slice(rank)];
  }
  if (autoPad === 'VALID') return [new Array(rank).fill(0), new Array(rank).fill(0)];
  const begin: number[] = [];
  const end: number[] = [];
  sizes.forEach((size, i) => {
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const out = Math.ceil(size / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + span - size, 0);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
    end.push(autoPad === 'SAME_UPPER' ? total - small : small);
  });
  return [begin, end];
}

/** [N, C, L] → [N, C, 1, L], so that 1-D windows run as 2-D ones of height 1. */
export const liftTo2d = (x: Tensor, rank: 1 | 2): Tensor =>
  rank === 1 ? x.reshape([x.shape[0]!, x.shape[1]!, 1, x.shape[2]!]) : x;

/** [N, C, H, W] → [N, H, W, C] and back. */
export const toChannelsLast = (x: Tensor): Tensor => x.permute(0, 2, 3, 1);
export const toChannelsFirst = (x: Tensor): Tensor => x.permute(0, 3, 1, 2);

/** Back from a window op's lifted channels-last result [N, 1 or H, W, C] to ONNX's [N, C, L] or [N, C, H, W]. */
export function fromChannelsLast(y: Tensor, rank: 1 | 2): Tensor {
  const nchw = toChannelsFirst(y);
  return rank === 1 ? nchw.reshape([nchw.shape[0]!, nchw.shape[1]!, nchw.shape[3]!]) : nchw;
}

/** The height axis a 1-D window op runs with once lifted to 2-D: one row, one cell. */
const ONE_ROW: AxisWindow = { size: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, out: 1 };

/** The window attributes a node sets, for an error: "attributes strides [6000, 6000], pads [0, 0, 0, 0]". */
export function windowCause(attributes: Attributes): string {
  const given = ['kernel_shape', 'strides', 'dilations', 'pads', 'output_padding', 'output_shape']
    .filter((name) => attributes[name] !== undefined)
    .map((name) => `${name} ${JSON.stringify(attributes[name])}`);
  return given.length === 0 ? 'its window' : `attributes ${given.join(', ')}`;
}

/**
 * The geometry of a 1-D or 2-D window op, lifted to 2-D, on channels-last [batch, H, W, channels]
 * (`axes` per spatial axis: `size` the image it reads, `out` the windows it makes). The file's
 * attributes set both sizes, so each is checked against the creation cap before anything runs.
 */
export function windowGeometry(
  node: NodeInfo,
  attributes: Attributes,
  batch: number,
  channels: number,
  axes: readonly AxisWindow[],
  rank: 1 | 2,
): WindowGeometry {
  const cause = windowCause(attributes);
  checkCreatedShape([batch, channels, ...axes.map((a) => a.size)], node, cause, batch);
  checkCreatedShape([batch, channels, ...axes.map((a) => a.out)], node, cause, batch);
  const [h, w] = rank === 1 ? [ONE_ROW, axes[0]!] : [axes[0]!, axes[1]!];
  return {
    batch,
    inH: h.size,
    inW: w.size,
    channels,
    kernelH: h.kernel,
    kernelW: w.kernel,
    strideH: h.stride,
    strideW: w.stride,
    dilationH: h.dilation,
    dilationW: w.dilation,
    padTop: h.padBegin,
    padLeft: w.padBegin,
    outH: h.out,
    outW: w.out,
  };
}

/** An int attribute, checked to be an integer in [min, max]. */
export function intOf(
  node: NodeInfo,
  attributes: Attributes,
  name: string,
  fallback: number,
  min: number,
  max = Infinity,
): number {
  const value = attributes[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    refuse(node, `attribute ${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A float attribute, checked finite. */
export function floatOf(node: NodeInfo, attributes: Attributes, name: string, fallback: number): number {
  const value = attributes[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    refuse(node, `attribute ${name} must be a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** An input the operator needs, or a ModelFormatError naming it. */
export function required(
  node: NodeInfo,
  inputs: readonly (Tensor | undefined)[],
  slot: number,
  name: string,
): Tensor {
  const t = inputs[slot];
  if (t === undefined) refuse(node, `input ${slot} (${name}) is required`);
  return t;
}
