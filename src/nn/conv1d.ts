/**
 * Conv1D: y = activation(conv1d(x, kernel) + bias) on sequences [batch, length, channels], kernel
 * [kernelSize, channels, filters] as in Keras/TF.js. It runs as conv2d on images one row high
 * (kernel [1, k, C, F]), so it shares conv2d's kernels and derivatives. padding 'causal' pads
 * (k − 1)·dilation zeros on the left only: output t sees inputs ≤ t (WaveNet, temporal conv nets).
 */
import { enumOption, numberOption } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { conv2d } from '../ops/conv.js';
import { pad } from '../ops/pad.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkRank, convLength, type Dim, knownChannels } from './conv-options.js';
import { KERNEL_LAYER_OPTIONS, KernelLayer, type KernelLayerConfig } from './kernel-layer.js';
import { type CallOptions, SIZE } from './layer.js';

export type Conv1DPadding = 'valid' | 'same' | 'causal';

/** Besides these: activation, useBias, initialisers and regularisers as for Dense. */
export interface Conv1DConfig extends KernelLayerConfig {
  /** Output channels. */
  filters: number;
  /** Window length: 3 or [3]. */
  kernelSize: number | readonly [number];
  /** Default 1. */
  strides?: number | readonly [number];
  /** 'valid' (default), 'same' or 'causal'. */
  padding?: Conv1DPadding;
  /** Default 1. */
  dilationRate?: number | readonly [number];
}

export class Conv1D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Conv1DPadding;
  readonly dilationRate: number;

  constructor(config: Conv1DConfig) {
    super(config, 'conv1d', [
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'dilationRate',
      ...KERNEL_LAYER_OPTIONS,
    ]);
    const c = this.component;
    this.filters = numberOption(c, 'filters', config.filters, SIZE);
    this.kernelSize = single(c, 'kernelSize', config.kernelSize);
    this.strides = single(c, 'strides', config.strides ?? 1);
    this.dilationRate = single(c, 'dilationRate', config.dilationRate ?? 1);
    this.padding = enumOption(c, 'padding', config.padding, ['valid', 'same', 'causal'], 'valid');
  }

  get className(): string {
    return 'Conv1D';
  }

  private checkInput(inputShape: readonly Dim[]): void {
    checkRank(
      this.component,
      inputShape,
      2,
      'sequences [length, channels]',
      inputShape.length === 1 ? ' — add a channel axis, e.g. reshape [100] to [100, 1]' : '',
    );
  }

  override weightShapes(inputShape: Shape): [string, number[]][] {
    this.checkInput(inputShape);
    const channels = knownChannels(this.component, inputShape);
    return [
      ['kernel', [this.kernelSize, channels, this.filters]],
      ...(this.useBias ? [['bias', [this.filters]] as [string, number[]]] : []),
    ];
  }

  protected override build(inputShape: Shape): void {
    this.checkInput(inputShape);
    this.addKernelAndBias(
      [this.kernelSize, knownChannels(this.component, inputShape), this.filters],
      this.filters,
    );
  }

  /** Causal padding puts the whole window's overhang before the sequence; then it is 'valid'. */
  private get causalPad(): number {
    return this.padding === 'causal' ? (this.kernelSize - 1) * this.dilationRate : 0;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.checkInput(inputShape);
    const length = inputShape[0] as Dim;
    const padded = length === null ? null : length + this.causalPad;
    const mode = this.padding === 'same' ? 'same' : 'valid';
    const out = convLength(padded, this.kernelSize, this.strides, this.dilationRate, mode);
    if (out !== null && out <= 0) {
      throw new ArgumentError(
        `${this.component}: a sequence of length ${length} is shorter than the window ` +
          `(${(this.kernelSize - 1) * this.dilationRate + 1} steps) with padding '${this.padding}'`,
      );
    }
    return [out, this.filters] as Shape;
  }

  protected forward(x: Tensor, options: CallOptions): Tensor {
    this.computeOutputShape(x.shape.slice(1)); // a clear error for a too-short sequence
    const before = this.causalPad;
    const padded =
      before > 0
        ? pad(x, [
            [0, 0],
            [before, 0],
            [0, 0],
          ])
        : x;
    const [batch, length, channels] = padded.shape as [number, number, number];
    const kernel = this.getWeight('kernel');
    const z = conv2d(padded.reshape([batch, 1, length, channels]), kernel.reshape([1, ...kernel.shape]), {
      strides: [1, this.strides],
      padding: this.padding === 'same' ? 'same' : 'valid',
      dilation: [1, this.dilationRate],
    });
    return this.finish(z.reshape([batch, z.shape[2]!, this.filters]), options);
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dilationRate: [this.dilationRate],
      ...this.kernelConfig(),
    };
  }
}

/** A positive integer, or a one-element list of one (Keras writes kernel_size: [3]). */
function single(component: string, name: string, value: unknown): number {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > SIZE.max) {
    throw new ArgumentError(
      `${component}: ${name} must be a positive integer (or a list of one), got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return v;
}
