/**
 * UpSampling2D: images [batch, H, W, C] → [batch, H·sh, W·sw, C], no weights.
 * - 'nearest' repeats each pixel sh × sw times: a reshape, a broadcast and a reshape, whose
 *   gradient sums each block back onto its pixel;
 * - 'bilinear' interpolates between the nearest pixels with half-pixel centres (as Keras, i.e.
 *   tf.image.resize): y = A_h · x · A_wᵀ per channel, with constant interpolation matrices, so
 *   its gradient is two matrix products as well.
 */
import { enumOption, pairOption } from '../config/options.js';
import type { Pair } from '../ops/conv.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkRank, type Dim } from './conv-options.js';
import { type CallOptions, Layer, type LayerConfig, SIZE } from './layer.js';

export type Interpolation = 'nearest' | 'bilinear';

export interface UpSampling2DConfig extends LayerConfig {
  /** Factor for rows and columns: 2 or [2, 3]; default 2. */
  size?: Pair;
  /** 'nearest' (default) or 'bilinear'. */
  interpolation?: Interpolation;
}

export class UpSampling2D extends Layer {
  readonly size: [number, number];
  readonly interpolation: Interpolation;

  constructor(config: UpSampling2DConfig = {}) {
    super(config, 'up_sampling2d', ['size', 'interpolation']);
    const c = this.component;
    this.size = pairOption(c, 'size', config.size, SIZE, 2);
    this.interpolation = enumOption(
      c,
      'interpolation',
      config.interpolation,
      ['nearest', 'bilinear'],
      'nearest',
    );
  }

  get className(): string {
    return 'UpSampling2D';
  }

  computeOutputShape(inputShape: Shape): Shape {
    checkRank(this.component, inputShape, 3, 'images [height, width, channels] (channels-last)');
    const [h, w, c] = inputShape as readonly Dim[];
    return [h == null ? null : h * this.size[0], w == null ? null : w * this.size[1], c] as Shape;
  }

  override weightShapes(_inputShape: Shape): [string, number[]][] {
    return [];
  }

  protected forward(x: Tensor, _options: CallOptions): Tensor {
    this.computeOutputShape(x.shape.slice(1));
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [sh, sw] = this.size;
    if (this.interpolation === 'nearest') {
      return x
        .reshape([n, h, 1, w, 1, c])
        .expand([n, h, sh, w, sw, c])
        .reshape([n, h * sh, w * sw, c]);
    }
    // Rows: [H, h] · [n, h, w·c] → [n, H, w·c]; columns: [W, w] · [n·H, w, c] → [n·H, W, c].
    const rows = interpolationMatrix(h, sh, x).matmul(x.reshape([n, h, w * c]));
    const both = interpolationMatrix(w, sw, x).matmul(rows.reshape([n * h * sh, w, c]));
    return both.reshape([n, h * sh, w * sw, c]);
  }

  protected layerConfig(): Record<string, unknown> {
    return { size: this.size, interpolation: this.interpolation };
  }
}

/**
 * [size·scale, size]: row i holds the weights of output i on the inputs, with half-pixel centres:
 * output i sits at (i + ½)/scale − ½ in input coordinates, clamped to the edges.
 */
function interpolationMatrix(size: number, scale: number, like: Tensor): Tensor {
  const out = size * scale;
  const m = new Float32Array(out * size);
  for (let i = 0; i < out; i++) {
    const at = Math.min(Math.max((i + 0.5) / scale - 0.5, 0), size - 1);
    const lo = Math.floor(at);
    const hi = Math.min(lo + 1, size - 1);
    const frac = at - lo;
    m[i * size + lo]! += 1 - frac;
    m[i * size + hi]! += frac;
  }
  return new Tensor(like.backend.fromValues(m), [out, size], like.backend);
}
