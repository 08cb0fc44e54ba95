/**
 * The TypeScript kernels over Float64Array: a checking backend, never a default and not registered.
 *
 * Second-order gradient checks differentiate a gradient numerically. In float32 the central
 * difference (g(x+h) − g(x−h)) / 2h cannot be both accurate and free of rounding: rounding costs
 * about 6e-8·|g|/h and truncation h²·|g'''|, so the best h (~1e-3) still leaves errors near 1e-4
 * relative — too coarse to tell a wrong second derivative from noise for many ops. In float64 the
 * same two terms allow h = 1e-5 and errors near 1e-10, so `gradgradcheck` computes its numerical
 * reference here and compares the analytic double backward of any backend against it.
 *
 * The kernels are the ts backend's own: they only index their arrays, so they run unchanged over
 * Float64Array storage (which `view()`/`read()` return, typed as Float32Array for the interface).
 */
import type { BackendWithFusedKernels, Storage } from '../backend.js';
import { tsBackend } from './index.js';

class Float64Storage implements Storage {
  constructor(readonly array: Float64Array) {}
  get length(): number {
    return this.array.length;
  }
  view(): Float32Array {
    return this.array as unknown as Float32Array;
  }
}

const v = (s: Storage): Float64Array => s.view() as unknown as Float64Array;

export const float64Backend: BackendWithFusedKernels = {
  ...tsBackend,
  name: 'ts64',
  alloc: (length) => new Float64Storage(new Float64Array(length)),
  fromValues: (values) => new Float64Storage(Float64Array.from(values)),
  slice: (s, start, end) => new Float64Storage(v(s).subarray(start, end)),
  read: (s) => v(s).slice() as unknown as Float32Array,
  // The ts kernel moves rows within one shared Float32Array buffer when x and out share one (the
  // wasm memory); a Float64Array slice shares its parent's buffer, so copy row by row here.
  gatherRows: (x, rowSize, indices, out) => {
    const src = v(x);
    const dst = v(out);
    for (let r = 0; r < indices.length; r++) {
      const from = indices[r]! * rowSize;
      dst.set(src.subarray(from, from + rowSize), r * rowSize);
    }
  },
};
