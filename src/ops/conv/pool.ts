/**
 * Max and average pooling on channels-last images, with their derivatives as recorded ops:
 *
 *   maxPool2d   → its gradient scatters dy to each window's maximum (maxPoolBackward), whose own
 *                 gradient gathers from those cells (maxPoolGather), whose gradient scatters again;
 *   avgPool2d   → its gradient spreads dy evenly over each window (avgPoolBackward), whose gradient
 *                 is average pooling again.
 *
 * The argmax is fixed by the forward pass (the derivative of max is piecewise constant), so every
 * op after the first is linear. The backend kernels maxPoolGrad / avgPoolGrad do the first-order
 * work, as before; the gather composes gatherRows over host-computed cell indices, needed only when
 * a second derivative is taken.
 */
import { record } from '../../autograd/graph.js';
import type { WindowGeometry } from '../../backend/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import { allocOutput } from '../util.js';
import { inputShapeOf, type Padding, type Pair, pair, windowGeometry } from './geometry.js';

export interface Pool2dOptions {
  /** Default: the pool size (non-overlapping windows), as in Keras. */
  strides?: Pair;
  padding?: Padding;
}

function poolGeometry(op: string, x: Tensor, poolSize: Pair, options: Pool2dOptions): WindowGeometry {
  const size = pair(poolSize, `${op}: poolSize`);
  return windowGeometry(
    op,
    x.shape,
    size,
    pair(options.strides ?? size, `${op}: strides`),
    [1, 1],
    options.padding ?? 'valid',
  );
}

const outputShapeOf = (g: WindowGeometry) => [g.batch, g.outH, g.outW, g.channels];

/** Max over each poolSize window, per channel; the gradient goes to the window's maximum. */
export function maxPool2d(x: Tensor, poolSize: Pair = 2, options: Pool2dOptions = {}): Tensor {
  return maxPoolWindows(x, poolGeometry('maxPool2d', x, poolSize, options));
}

/** maxPool2d for a checked geometry g (any padding, dilation, output size — ONNX's MaxPool). */
export function maxPoolWindows(x: Tensor, g: WindowGeometry): Tensor {
  const out = allocOutput(outputShapeOf(g), x.backend);
  const argmax = allocOutput(outputShapeOf(g), x.backend);
  x.backend.maxPool(x.storage, g, out.storage, argmax.storage);
  const cells = new WinningCells(argmax, g);
  return record('maxPool2d', out, [x], (dy) => [maxPoolBackward(dy, cells)]);
}

/** Which input element won each window: the argmax kernel output, and (on demand) flat indices. */
class WinningCells {
  private indices: Int32Array | null = null;
  constructor(
    readonly argmax: Tensor,
    readonly g: WindowGeometry,
  ) {}

  /** For output element (n, oy, ox, c): the flat index of its window's maximum in the input. */
  flat(): Int32Array {
    if (this.indices) return this.indices;
    const g = this.g;
    const k = this.argmax.dataSync();
    const idx = new Int32Array(k.length);
    for (let n = 0, o = 0; n < g.batch; n++) {
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          for (let c = 0; c < g.channels; c++, o++) {
            const cell = k[o]!;
            const ky = Math.floor(cell / g.kernelW);
            const kx = cell - ky * g.kernelW;
            // Always a cell inside the image: the kernels give ties (all −∞) to the first one.
            const iy = oy * g.strideH - g.padTop + ky * g.dilationH;
            const ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
            idx[o] = ((n * g.inH + iy) * g.inW + ix) * g.channels + c;
          }
        }
      }
    }
    this.indices = idx;
    return idx;
  }
}

/** dx [batch, inH, inW, C]: each element of dy added to its window's maximum. */
function maxPoolBackward(dy: Tensor, cells: WinningCells): Tensor {
  const g = cells.g;
  const dx = allocOutput(inputShapeOf(g), dy.backend);
  dy.backend.maxPoolGrad(dy.storage, cells.argmax.storage, g, dx.storage);
  return record('maxPoolBackward', dx, [dy], (h) => [maxPoolGather(h, cells)]);
}

/** [batch, outH, outW, C]: h read at each window's maximum (the adjoint of maxPoolBackward). */
function maxPoolGather(h: Tensor, cells: WinningCells): Tensor {
  const out = allocOutput(outputShapeOf(cells.g), h.backend);
  h.backend.gatherRows(h.storage, 1, cells.flat(), out.storage);
  return record('maxPoolGather', out, [h], (d) => [maxPoolBackward(d, cells)]);
}

/** Mean over each poolSize window (cells in the padding are not counted), per channel. */
export function avgPool2d(x: Tensor, poolSize: Pair = 2, options: Pool2dOptions = {}): Tensor {
  return averageWindows(x, poolGeometry('avgPool2d', x, poolSize, options));
}

/** avgPool2d for a checked geometry g; padding cells are not counted (ONNX's count_include_pad 0). */
export function averageWindows(x: Tensor, g: WindowGeometry): Tensor {
  const out = allocOutput(outputShapeOf(g), x.backend);
  x.backend.avgPool(x.storage, g, out.storage);
  return record('avgPool2d', out, [x], (dy) => [avgPoolBackward(dy, g)]);
}

/** dx [batch, inH, inW, C]: each element of dy spread evenly over its window's cells. */
function avgPoolBackward(dy: Tensor, g: WindowGeometry): Tensor {
  const dx = allocOutput(inputShapeOf(g), dy.backend);
  dy.backend.avgPoolGrad(dy.storage, g, dx.storage);
  // Spreading with weights 1/count is the transpose of averaging with them: its gradient averages.
  return record('avgPoolBackward', dx, [dy], (h) => [averageWindows(h, g)]);
}
