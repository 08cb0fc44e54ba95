/**
 * ZeroPadding2D: rows and columns of zeros around images [batch, H, W, C] (before a 'valid'
 * convolution, to keep or control the size), no weights. padding: 1 (one of each everywhere),
 * [rows, columns] (symmetric), or [[top, bottom], [left, right]], as in Keras.
 */
import { describeValue } from '../config/options.js';
import { ArgumentError } from '../errors.js';
import { pad } from '../ops/pad.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkRank, type Dim } from './conv-options.js';
import { type CallOptions, Layer, type LayerConfig, MAX_WEIGHT_VALUES } from './layer.js';

export type ZeroPadding2DPadding =
  | number
  | readonly [number, number]
  | readonly [readonly [number, number], readonly [number, number]];

export interface ZeroPadding2DConfig extends LayerConfig {
  /** Default 1. */
  padding?: ZeroPadding2DPadding;
}

export class ZeroPadding2D extends Layer {
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];

  constructor(config: ZeroPadding2DConfig = {}) {
    super(config, 'zero_padding2d', ['padding']);
    this.padding = paddingOf(this.component, config.padding ?? 1);
  }

  get className(): string {
    return 'ZeroPadding2D';
  }

  computeOutputShape(inputShape: Shape): Shape {
    checkRank(this.component, inputShape, 3, 'images [height, width, channels] (channels-last)');
    const [h, w, c] = inputShape as readonly Dim[];
    const [[top, bottom], [left, right]] = this.padding;
    return [h == null ? null : top + h + bottom, w == null ? null : left + w + right, c] as Shape;
  }

  override weightShapes(_inputShape: Shape): [string, number[]][] {
    return [];
  }

  protected forward(x: Tensor, _options: CallOptions): Tensor {
    this.computeOutputShape(x.shape.slice(1));
    return pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }

  protected layerConfig(): Record<string, unknown> {
    return { padding: this.padding.map((p) => [...p]) };
  }
}

function paddingOf(component: string, v: unknown): [[number, number], [number, number]] {
  const ok = (n: unknown): n is number =>
    typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_WEIGHT_VALUES;
  const isPair = (p: unknown): p is [number, number] =>
    Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1]);
  if (ok(v))
    return [
      [v, v],
      [v, v],
    ];
  if (isPair(v))
    return [
      [v[0], v[0]],
      [v[1], v[1]],
    ];
  if (Array.isArray(v) && v.length === 2 && isPair(v[0]) && isPair(v[1])) return [[...v[0]], [...v[1]]];
  throw new ArgumentError(
    `${component}: padding must be a non-negative integer, [rows, columns] or [[top, bottom], [left, right]], got ${
      Array.isArray(v) ? JSON.stringify(v) : describeValue(v)
    }`,
  );
}
