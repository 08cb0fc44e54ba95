import { copyFloats } from './simd';

// Sliding-window kernels on channels-last images (see src/backend/ts/window.ts, which these
// mirror). For pooling, `table` holds, for each output pixel of one image and each window cell,
// the input pixel it reads (or −1 for padding); a pixel's channels are contiguous, so each table
// entry covers a run of c floats.

// im2col and col2im go through a zero-padded frame of one image (per call, a few KB that stay in
// L1): every window then lies inside the frame, so a window row is copied as whole runs — kw·c
// contiguous floats without horizontal dilation — with no per-cell bounds or table lookups.
// Geometry block (int32s), filled by ../window.ts:
export const IN_H = 0;
export const IN_W = 4;
export const CHANNELS = 8;
export const FRAME_H = 12;
export const FRAME_W = 16;
export const PAD_TOP = 20;
export const PAD_LEFT = 24;
export const OUT_H = 28;
export const OUT_W = 32;
export const STRIDE_H = 36;
export const STRIDE_W = 40;
export const KERNEL_H = 44;
export const KERNEL_W = 48;
export const DILATION_H = 52;
export const DILATION_W = 56;

/** dst[0..n) += src[0..n). */
@inline function addFloats(dst: usize, src: usize, n: i32): void {
  const bytes = <usize>n << 2;
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

/** Whether the image needs a frame (padding, or windows reaching past it). */
@inline function framed(geo: usize): bool {
  return load<i32>(geo, FRAME_H) != load<i32>(geo, IN_H) || load<i32>(geo, FRAME_W) != load<i32>(geo, IN_W);
}

/**
 * Every window run of one image (framed at `base`) in im2col order, against consecutive runs of
 * `cols`: copied out (im2col) or, with `add`, added back in (col2im). Returns the end of the rows.
 */
@inline function windowRuns(geo: usize, base: usize, cols: usize, add: bool): usize {
  const c = load<i32>(geo, CHANNELS);
  const kw = load<i32>(geo, KERNEL_W);
  const dw = load<i32>(geo, DILATION_W);
  // Without horizontal dilation a window row is one run; with it, kw runs of c floats.
  const runs = dw == 1 ? 1 : kw;
  const run = dw == 1 ? kw * c : c;
  const runStep = <usize>(dw * c) << 2;
  const rowBytes = <usize>(load<i32>(geo, FRAME_W) * c) << 2;
  const kh = load<i32>(geo, KERNEL_H);
  const dh = load<i32>(geo, DILATION_H);
  const sh = load<i32>(geo, STRIDE_H);
  const swBytes = <usize>(load<i32>(geo, STRIDE_W) * c) << 2;
  const outH = load<i32>(geo, OUT_H);
  const outW = load<i32>(geo, OUT_W);
  const runBytes = <usize>run << 2;
  let dst = cols;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const window = base + <usize>(oy * sh) * rowBytes + <usize>ox * swBytes;
      const kyStep = <usize>dh * rowBytes;
      if (runs == 1) {
        // The common case: one run per kernel row.
        for (let ky = 0, src = window; ky < kh; ky++, src += kyStep, dst += runBytes) {
          if (add) addFloats(src, dst, run);
          else copyFloats(dst, src, run);
        }
        continue;
      }
      for (let ky = 0; ky < kh; ky++) {
        let src = window + <usize>ky * kyStep;
        for (let r = 0; r < runs; r++, src += runStep, dst += runBytes) {
          if (add) addFloats(src, dst, run);
          else copyFloats(dst, src, run);
        }
      }
    }
  }
  return dst;
}

/**
 * windowRuns for im2col when a run is 4 to 8 floats (a 5×5 kernel on one channel): every run but
 * the image's last is copied as 8 floats, the excess overwritten by the next run — two loads and
 * two stores instead of a loop and a tail. Reads up to 8 floats past a run: only from a frame,
 * which has that much slack after it (../window.ts).
 */
@inline function windowRunsShort(geo: usize, base: usize, cols: usize): usize {
  const c = load<i32>(geo, CHANNELS);
  const run = load<i32>(geo, KERNEL_W) * c;
  const rowBytes = <usize>(load<i32>(geo, FRAME_W) * c) << 2;
  const kh = load<i32>(geo, KERNEL_H);
  const kyStep = <usize>load<i32>(geo, DILATION_H) * rowBytes;
  const syBytes = <usize>load<i32>(geo, STRIDE_H) * rowBytes;
  const swBytes = <usize>(load<i32>(geo, STRIDE_W) * c) << 2;
  const outH = load<i32>(geo, OUT_H);
  const outW = load<i32>(geo, OUT_W);
  const runBytes = <usize>run << 2;
  let dst = cols;
  for (let oy = 0, rowAt = base; oy < outH; oy++, rowAt += syBytes) {
    for (let ox = 0, window = rowAt; ox < outW; ox++, window += swBytes) {
      if (oy == outH - 1 && ox == outW - 1) {
        // The image's last window: exact, so nothing lands past its rows.
        for (let ky = 0, src = window; ky < kh; ky++, src += kyStep, dst += runBytes) copyFloats(dst, src, run);
        continue;
      }
      for (let ky = 0, src = window; ky < kh; ky++, src += kyStep, dst += runBytes) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      }
    }
  }
  return dst;
}

/** Images [inH, inW, c] → rows of windows; `frame` is scratch for one framed image. */
export function im2col(x: usize, geo: usize, batch: i32, frame: usize, out: usize): void {
  const c = load<i32>(geo, CHANNELS);
  const imageRow = <usize>(load<i32>(geo, IN_W) * c) << 2;
  const imageBytes = <usize>load<i32>(geo, IN_H) * imageRow;
  const frameRow = <usize>(load<i32>(geo, FRAME_W) * c) << 2;
  const inset = <usize>load<i32>(geo, PAD_TOP) * frameRow + (<usize>(load<i32>(geo, PAD_LEFT) * c) << 2);
  const pad = framed(geo);
  // The border is written once and never touched again: only the image area is overwritten.
  if (pad) memory.fill(frame, 0, <usize>load<i32>(geo, FRAME_H) * frameRow);
  let dst = out;
  for (let n = 0; n < batch; n++) {
    const image = x + <usize>n * imageBytes;
    if (pad) {
      for (let y = 0; y < load<i32>(geo, IN_H); y++) {
        memory.copy(frame + inset + <usize>y * frameRow, image + <usize>y * imageRow, imageRow);
      }
    }
    const run = load<i32>(geo, KERNEL_W) * c;
    dst =
      pad && load<i32>(geo, DILATION_W) == 1 && run >= 4 && run < 8
        ? windowRunsShort(geo, frame, dst)
        : windowRuns(geo, pad ? frame : image, dst, false);
  }
}

/** The adjoint: images (overwritten) = Σ of the column entries that read each pixel. */
export function col2im(cols: usize, geo: usize, batch: i32, frame: usize, out: usize): void {
  const c = load<i32>(geo, CHANNELS);
  const imageRow = <usize>(load<i32>(geo, IN_W) * c) << 2;
  const imageBytes = <usize>load<i32>(geo, IN_H) * imageRow;
  const frameRow = <usize>(load<i32>(geo, FRAME_W) * c) << 2;
  const frameBytes = <usize>load<i32>(geo, FRAME_H) * frameRow;
  const inset = <usize>load<i32>(geo, PAD_TOP) * frameRow + (<usize>(load<i32>(geo, PAD_LEFT) * c) << 2);
  const pad = framed(geo);
  let src = cols;
  for (let n = 0; n < batch; n++) {
    const image = out + <usize>n * imageBytes;
    const target = pad ? frame : image;
    memory.fill(target, 0, pad ? frameBytes : imageBytes);
    src = windowRuns(geo, target, src, true);
    if (pad) {
      for (let y = 0; y < load<i32>(geo, IN_H); y++) {
        memory.copy(image + <usize>y * imageRow, frame + inset + <usize>y * frameRow, imageRow);
      }
    }
  }
}

/** Max per window and channel; argmax gets the winning cell (as a float). NaN wins and stays. */
export function maxPool(
  x: usize, table: usize, perImage: i32, cells: i32, batch: i32, imageSize: i32, c: i32, out: usize, argmax: usize,
): void {
  const c4 = c & ~3;
  const pixelBytes = <usize>c << 2;
  let o = out;
  let a = argmax;
  for (let n = 0; n < batch; n++) {
    const image = x + (<usize>(n * imageSize) << 2);
    for (let p = 0; p < perImage; p++, o += pixelBytes, a += pixelBytes) {
      const cellsAt = table + (<usize>(p * cells) << 2);
      // Ties (a window of −∞) go to the first cell inside the image, never to a padding cell.
      let first = 0;
      while (first < cells - 1 && load<i32>(cellsAt + (<usize>first << 2)) < 0) first++;
      // Four channels at a time, the running max and its cell in registers: take v where
      // !(v <= best) and best is not NaN, as below. Starting from −∞ the first cell inside is
      // always taken (a NaN too; a −∞ leaves −∞ and that cell), so it starts the max — unless
      // the whole window is padding: then −∞ and `first`, as from the loop.
      const s0 = load<i32>(cellsAt + (<usize>first << 2));
      const firstAt = image + (<usize>(max(s0, 0) * c) << 2);
      for (let i = 0; i < c4; i += 4) {
        const off = <usize>i << 2;
        let best = s0 < 0 ? f32x4.splat(-Infinity) : v128.load(firstAt + off);
        let arg = f32x4.splat(<f32>first);
        for (let k = first + 1; k < cells; k++) {
          const s = load<i32>(cellsAt + (<usize>k << 2));
          if (s < 0) continue;
          const v = v128.load(image + (<usize>(s * c) << 2) + off);
          const take = v128.and(v128.not(f32x4.le(v, best)), f32x4.eq(best, best));
          best = v128.bitselect(v, best, take);
          arg = v128.bitselect(f32x4.splat(<f32>k), arg, take);
        }
        v128.store(o + off, best);
        v128.store(a + off, arg);
      }
      for (let i = c4; i < c; i++) {
        const off = <usize>i << 2;
        let best: f32 = -Infinity;
        let arg: f32 = <f32>first;
        for (let k = 0; k < cells; k++) {
          const s = load<i32>(cellsAt + (<usize>k << 2));
          if (s < 0) continue;
          const v = load<f32>(image + (<usize>(s * c) << 2) + off);
          // `!(v <= best)` also takes a NaN, and a NaN taken stays: NaN comes out, not hidden.
          if (!(v <= best) && best == best) {
            best = v;
            arg = <f32>k;
          }
        }
        store<f32>(o + off, best);
        store<f32>(a + off, arg);
      }
    }
  }
}

/**
 * dx = each dy added to its window's winning cell. `once` (../window.ts): the windows tile the image
 * exactly — every cell in one window, as with 2×2 pooling of an even-sized image — and c is a
 * multiple of 4; then every cell is written once, +0 + (dy or +0), the value the fill-and-add
 * gives, without the fill or the read.
 */
export function maxPoolGrad(
  dy: usize, argmax: usize, table: usize, perImage: i32, cells: i32, batch: i32, imageSize: i32, c: i32, dx: usize,
  once: i32,
): void {
  if (once != 0) {
    const zero = f32x4.splat(0);
    let o: usize = 0;
    for (let n = 0; n < batch; n++) {
      const image = dx + (<usize>(n * imageSize) << 2);
      for (let p = 0; p < perImage; p++) {
        const cellsAt = table + (<usize>(p * cells) << 2);
        for (let i = 0; i < c; i += 4, o += 16) {
          const arg = v128.load(argmax + o);
          const d = v128.load(dy + o);
          for (let k = 0; k < cells; k++) {
            const at = image + (<usize>(load<i32>(cellsAt + (<usize>k << 2)) * c + i) << 2);
            v128.store(at, f32x4.add(zero, v128.and(d, f32x4.eq(arg, f32x4.splat(<f32>k)))));
          }
        }
      }
    }
    return;
  }
  memory.fill(dx, 0, <usize>(batch * imageSize) << 2);
  const c4 = c & ~3;
  let o: usize = 0;
  for (let n = 0; n < batch; n++) {
    const image = dx + (<usize>(n * imageSize) << 2);
    for (let p = 0; p < perImage; p++) {
      // Four channels at a time: every cell of the window gets dy where it won and +0 elsewhere —
      // added, so each pixel sums the same terms in the same order as one at a time (+0 changes
      // no sum: a sum from +0 is never −0).
      const cellsAt = table + (<usize>(p * cells) << 2);
      for (let i = 0; i < c4; i += 4, o += 16) {
        const arg = v128.load(argmax + o);
        const d = v128.load(dy + o);
        for (let k = 0; k < cells; k++) {
          const s = load<i32>(cellsAt + (<usize>k << 2));
          if (s < 0) continue;
          const at = image + (<usize>(s * c + i) << 2);
          v128.store(at, f32x4.add(v128.load(at), v128.and(d, f32x4.eq(arg, f32x4.splat(<f32>k)))));
        }
      }
      for (let i = c4; i < c; i++, o += 4) {
        const k = <i32>load<f32>(argmax + o);
        const s = load<i32>(table + (<usize>(p * cells + k) << 2));
        const at = image + (<usize>(s * c + i) << 2);
        store<f32>(at, load<f32>(at) + load<f32>(dy + o));
      }
    }
  }
}

/** Zero `bytes` bytes (memory.fill: a native memset, unlike a JS fill on shared memory). */
export function zero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}
