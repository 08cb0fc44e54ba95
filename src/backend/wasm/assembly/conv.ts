// Convolution in parts: each part unfolds a few images into its thread's scratch (cache-sized,
// reused call after call) and multiplies there, so the unfolded matrix — for a 5×5 kernel 25× the
// images, megabytes per batch — never goes out to memory whole. Forward, weight gradient and input
// gradient each run as parts over the batch (../conv.ts cuts and schedules them). When ../conv.ts
// asks to skip the input's zeros (SKIP_X), the forward product and the weight gradient unfold
// nothing: scatterImage and tapSums read the images themselves. The dense forward unfolds nothing
// either without horizontal dilation: windowsTimesW reads each window where it lies in the framed
// image (the same sums in the same order as the unfolded product).
//
// The geometry block is window.ts's (offsets 0–56) followed by the fields below; `thread` (the
// argument after the pool's twelve slots, hence the `_a`…`_f` pads; 0 on the calling thread) picks
// the scratch.
import { gemmColsA, gemmPacked, gemmRowsA, packA, packB } from './matmul';
import { madd, storeTile } from './simd';
import { allFinite, gemmSparseA, transpose } from './sparse';
import {
  CHANNELS,
  col2im,
  DILATION_H,
  DILATION_W,
  FRAME_H,
  FRAME_W,
  IN_H,
  IN_W,
  im2col,
  KERNEL_H,
  KERNEL_W,
  OUT_H,
  OUT_W,
  PAD_LEFT,
  PAD_TOP,
  STRIDE_H,
  STRIDE_W,
} from './window';

const ROW = 60; // kernelH·kernelW·channels: the length of an unfolded row
const FILTERS = 64;
const PER_IMAGE = 68; // outH·outW
const IMAGE_FLOATS = 72; // inH·inW·channels
const SCRATCH = 76; // per-thread scratch: base and stride in bytes
const SCRATCH_STRIDE = 80;
// Offsets inside one thread's scratch: the unfolded rows start it, then these.
const PACK_AT = 84;
const FRAME_AT = 88;
const TILE_AT = 92;
// Which zeros this call skips (../conv.ts decides): 0 none, SKIP_DY dY's (the backward products),
// SKIP_X the input's (forward and dW, stride and dilation 1 only); then the sparse kernel's lists.
const SPARSE = 96;
const SKIP_DY = 1;
const SKIP_X = 2;
const LISTS = 100;

@inline function field(geo: usize, at: i32): i32 {
  return load<i32>(geo + <usize>at);
}

@inline function scratchOf(geo: usize, thread: i32): usize {
  return <usize>field(geo, SCRATCH) + <usize>thread * <usize>field(geo, SCRATCH_STRIDE);
}

/** C[m × n] = A[m × k] (rows `ars` apart) · packed B, the last m % 4 rows through a packed panel. */
@inline function productRows(a: usize, ars: i32, bp: usize, c: usize, m: i32, k: i32, n: i32, pack: usize, tile: usize): void {
  const m4 = m & ~3;
  if (m4 > 0) gemmRowsA(a, ars, bp, c, m4, k, n, tile);
  if (m4 < m) {
    packA(a + (<usize>(m4 * ars) << 2), ars, 1, m - m4, k, pack);
    gemmPacked(pack, bp, c + (<usize>(m4 * n) << 2), m - m4, k, n, tile);
  }
}

/** d[0..nBytes) += v · s[0..nBytes), 4 lanes at a time (nBytes a multiple of 16). */
@inline function axpyRow(d: usize, s: usize, v: v128, nBytes: usize): void {
  if (nBytes == 32) {
    v128.store(d, madd(v, v128.load(s), v128.load(d)));
    v128.store(d, madd(v, v128.load(s, 16), v128.load(d, 16)), 16);
    return;
  }
  for (let o: usize = 0; o < nBytes; o += 16) v128.store(d + o, madd(v, v128.load(s + o), v128.load(d + o)));
}

/**
 * One image's convolution with the image's zeros skipped (stride and dilation 1): every nonzero
 * x[iy, ix, c], for each tap (ky, kx) whose output pixel (oy, ox) = (iy + padTop − ky, ix +
 * padLeft − kx) exists, adds x · W[tap] to out[pixel] (rows of n = filters floats).
 *
 * Visiting x in raster order visits, for each output pixel, its taps in unfolded-row order
 * (ky, kx, c) ascending: every sum runs in the order the product of the unfolded rows runs it,
 * each term the same madd, only the zero terms left out — and adding ±0 to a sum that starts at
 * +0 never changes it (a sum of finite terms is never −0), so the bits are those of the dense
 * product as long as W is finite (0·∞ is NaN; ../conv.ts checks).
 */
function scatterImage(image: usize, geo: usize, n: i32, w: usize, out: usize): void {
  const inH = field(geo, IN_H);
  const inW = field(geo, IN_W);
  const c = field(geo, CHANNELS);
  const kh = field(geo, KERNEL_H);
  const kw = field(geo, KERNEL_W);
  const outH = field(geo, OUT_H);
  const outW = field(geo, OUT_W);
  const padTop = field(geo, PAD_TOP);
  const padLeft = field(geo, PAD_LEFT);
  const nBytes = <usize>n << 2;
  // Stepping kx by one moves the tap's row c rows on and the pixel's row one back.
  const tapStep = <usize>c * nBytes;
  let at = image;
  for (let iy = 0; iy < inH; iy++) {
    // Taps whose output row oy = iy + padTop − ky lies in [0, outH).
    const kyLo = max(0, iy + padTop - outH + 1);
    const kyHi = min(kh - 1, iy + padTop);
    for (let ix = 0; ix < inW; ix++) {
      const kxLo = max(0, ix + padLeft - outW + 1);
      const kxHi = min(kw - 1, ix + padLeft);
      for (let ci = 0; ci < c; ci++, at += 4) {
        const x = load<f32>(at);
        if (x == 0) continue;
        const v = f32x4.splat(x);
        for (let ky = kyLo; ky <= kyHi; ky++) {
          const pixel = (iy + padTop - ky) * outW + ix + padLeft - kxLo;
          const tap = (ky * kw + kxLo) * c + ci;
          let pixelRow = out + <usize>pixel * nBytes;
          let tapRow = w + <usize>tap * nBytes;
          for (let kx = kxLo; kx <= kxHi; kx++, pixelRow -= nBytes, tapRow += tapStep) axpyRow(pixelRow, tapRow, v, nBytes);
        }
      }
    }
  }
}

// A listed nonzero of a one-channel image batch (16 bytes): its value, the dY row of the output
// pixel its tap (0, 0) reaches — (iy + padTop, ix + padLeft), possibly outside the output — and
// those two coordinates (32 bits each: a Conv1D's one row can be longer than 16 bits count), for
// the bounds check of every other tap.
const ENTRY = 16;

/**
 * List the nonzeros of `count` one-channel images at x in raster order, image after image, into
 * `list`; returns how many. `dy` is the first image's output gradient (rows of n floats).
 */
function listNonzeros(x: usize, geo: usize, count: i32, dy: usize, n: i32, list: usize): i32 {
  const inH = field(geo, IN_H);
  const inW = field(geo, IN_W);
  const outH = field(geo, OUT_H);
  const outW = field(geo, OUT_W);
  const padTop = field(geo, PAD_TOP);
  const padLeft = field(geo, PAD_LEFT);
  const nBytes = <usize>n << 2;
  let at = x;
  let entry = list;
  for (let img = 0; img < count; img++) {
    const dyImage = dy + <usize>(img * outH * outW) * nBytes;
    for (let iy = 0; iy < inH; iy++) {
      const yy = iy + padTop;
      for (let ix = 0; ix < inW; ix++, at += 4) {
        const v = load<f32>(at);
        if (v == 0) continue;
        const xx = ix + padLeft;
        store<f32>(entry, v);
        store<u32>(entry, <u32>(dyImage + <usize>(yy * outW + xx) * nBytes), 4);
        store<u32>(entry, <u32>yy, 8);
        store<u32>(entry, <u32>xx, 12);
        entry += ENTRY;
      }
    }
  }
  return <i32>((entry - list) / ENTRY);
}

/**
 * dW [taps × n] of one-channel images from their listed nonzeros: for each tap (ky, kx) and each
 * block of filters, Σ over the list (pixels ascending, as the unfolded product sums them) of
 * x · dY[oy, ox] with (oy, ox) = (yy − ky, xx − kx) inside the output; the accumulators stay in
 * registers. Same terms, order and madd as the dense product, less the zero ones (scatterImage).
 */
function tapSums(geo: usize, n: i32, list: usize, listed: i32, dw: usize): void {
  const kh = field(geo, KERNEL_H);
  const kw = field(geo, KERNEL_W);
  const outH = field(geo, OUT_H);
  const outW = field(geo, OUT_W);
  const nBytes = <usize>n << 2;
  const end = list + <usize>listed * ENTRY;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const back = <usize>(ky * outW + kx) * nBytes;
      const out = dw + <usize>(ky * kw + kx) * nBytes;
      let j: usize = 0;
      // 16 filters at a time (four independent sums), then 8, then 4.
      for (; j + 64 <= nBytes; j += 64) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        for (let e = list; e < end; e += ENTRY) {
          // (yy − ky) and (xx − kx) in [0, outH) and [0, outW): one unsigned compare each.
          if (load<u32>(e, 8) - <u32>ky >= <u32>outH || load<u32>(e, 12) - <u32>kx >= <u32>outW) continue;
          const v = v128.load32_splat(e);
          const row = <usize>load<u32>(e, 4) - back + j;
          a0 = madd(v, v128.load(row), a0);
          a1 = madd(v, v128.load(row, 16), a1);
          a2 = madd(v, v128.load(row, 32), a2);
          a3 = madd(v, v128.load(row, 48), a3);
        }
        v128.store(out + j, a0);
        v128.store(out + j, a1, 16);
        v128.store(out + j, a2, 32);
        v128.store(out + j, a3, 48);
      }
      for (; j + 32 <= nBytes; j += 32) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
        for (let e = list; e < end; e += ENTRY) {
          if (load<u32>(e, 8) - <u32>ky >= <u32>outH || load<u32>(e, 12) - <u32>kx >= <u32>outW) continue;
          const v = v128.load32_splat(e);
          const row = <usize>load<u32>(e, 4) - back + j;
          a0 = madd(v, v128.load(row), a0);
          a1 = madd(v, v128.load(row, 16), a1);
        }
        v128.store(out + j, a0);
        v128.store(out + j, a1, 16);
      }
      for (; j < nBytes; j += 16) {
        let a0 = f32x4.splat(0);
        for (let e = list; e < end; e += ENTRY) {
          if (load<u32>(e, 8) - <u32>ky >= <u32>outH || load<u32>(e, 12) - <u32>kx >= <u32>outW) continue;
          a0 = madd(v128.load32_splat(e), v128.load(<usize>load<u32>(e, 4) - back + j), a0);
        }
        v128.store(out + j, a0);
      }
    }
  }
}

/** Where output pixel p's window starts in `src` (a framed image, or the image when it needs no frame). */
@inline function windowAt(src: usize, geo: usize, p: i32): usize {
  const outW = field(geo, OUT_W);
  const rowBytes = <usize>(field(geo, FRAME_W) * field(geo, CHANNELS)) << 2;
  const oy = p / outW;
  return (
    src + <usize>(oy * field(geo, STRIDE_H)) * rowBytes +
    (<usize>((p - oy * outW) * field(geo, STRIDE_W) * field(geo, CHANNELS)) << 2)
  );
}

/**
 * One image's output rows [perImage × n] = its windows · packed W (`bp`, k = row), the windows read
 * where they lie in `src` — the framed image (or the image itself when it needs no frame) — instead
 * of unfolded first. Without horizontal dilation a window's kernel row is one contiguous run of
 * kernelW·channels floats, so four pixels' windows step along their runs side by side, as
 * gemmRowsA steps along four unfolded rows: the same k order (ky, kx, c), the same madd from +0 for
 * each sum, hence the same bits — without writing and re-reading the unfolded rows (25× the image
 * for a 5×5 kernel). A ragged last block repeats its last pixel and stores only the rows that exist.
 */
function windowsTimesW(src: usize, geo: usize, bp: usize, out: usize, k: i32, n: i32, tile: usize): void {
  const m = field(geo, PER_IMAGE);
  const kh = field(geo, KERNEL_H);
  const runBytes = <usize>(field(geo, KERNEL_W) * field(geo, CHANNELS)) << 2;
  const kyStep = <usize>(field(geo, DILATION_H) * field(geo, FRAME_W) * field(geo, CHANNELS)) << 2;
  for (let i = 0; i < m; i += 4) {
    const q0 = windowAt(src, geo, i);
    const q1 = windowAt(src, geo, min(i + 1, m - 1));
    const q2 = windowAt(src, geo, min(i + 2, m - 1));
    const q3 = windowAt(src, geo, min(i + 3, m - 1));
    for (let j = 0; j < n; j += 8) {
      let bo = bp + (<usize>(j * k) << 2);
      let c0a = f32x4.splat(0), c0b = f32x4.splat(0);
      let c1a = f32x4.splat(0), c1b = f32x4.splat(0);
      let c2a = f32x4.splat(0), c2b = f32x4.splat(0);
      let c3a = f32x4.splat(0), c3b = f32x4.splat(0);
      for (let ky = 0, off: usize = 0; ky < kh; ky++, off += kyStep) {
        const end = q0 + off + runBytes;
        for (let p0 = q0 + off, p1 = q1 + off, p2 = q2 + off, p3 = q3 + off; p0 < end; p0 += 4, p1 += 4, p2 += 4, p3 += 4, bo += 32) {
          const b0 = v128.load(bo);
          const b1 = v128.load(bo, 16);
          const a0 = v128.load32_splat(p0);
          const a1 = v128.load32_splat(p1);
          const a2 = v128.load32_splat(p2);
          const a3 = v128.load32_splat(p3);
          c0a = madd(a0, b0, c0a);
          c0b = madd(a0, b1, c0b);
          c1a = madd(a1, b0, c1a);
          c1b = madd(a1, b1, c1b);
          c2a = madd(a2, b0, c2a);
          c2b = madd(a2, b1, c2b);
          c3a = madd(a3, b0, c3a);
          c3b = madd(a3, b1, c3b);
        }
      }
      storeTile(out, i, j, m, n, tile, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
    }
  }
}

/**
 * The dense forward of images [n0, n0 + count) without unfolding (dilationW 1; windowsTimesW):
 * each image copied into the zero-bordered frame when it needs one (the border written once).
 */
function forwardInPlace(x: usize, geo: usize, bp: usize, out: usize, count: i32, frame: usize, tile: usize): void {
  const c = field(geo, CHANNELS);
  const inH = field(geo, IN_H);
  const imageRow = <usize>(field(geo, IN_W) * c) << 2;
  const imageBytes = <usize>inH * imageRow;
  const frameRow = <usize>(field(geo, FRAME_W) * c) << 2;
  const inset = <usize>field(geo, PAD_TOP) * frameRow + (<usize>(field(geo, PAD_LEFT) * c) << 2);
  const pad = field(geo, FRAME_H) != inH || field(geo, FRAME_W) != field(geo, IN_W);
  if (pad) memory.fill(frame, 0, <usize>field(geo, FRAME_H) * frameRow);
  const k = field(geo, ROW);
  const n = field(geo, FILTERS);
  const outBytes = <usize>(field(geo, PER_IMAGE) * n) << 2;
  for (let img = 0; img < count; img++) {
    const image = x + <usize>img * imageBytes;
    if (pad) {
      for (let y = 0; y < inH; y++) memory.copy(frame + inset + <usize>y * frameRow, image + <usize>y * imageRow, imageRow);
    }
    windowsTimesW(pad ? frame : image, geo, bp, out + <usize>img * outBytes, k, n, tile);
  }
}

/** out rows of images [n0, n0 + count) = their unfolded windows · W (packed, `wp`). */
export function convForwardPart(
  x: usize, geo: usize, wp: usize, out: usize, n0: i32, count: i32,
  _a: i32, _b: i32, _c: i32, _d: i32, _e: i32, _f: i32, thread: i32,
): void {
  const s = scratchOf(geo, thread);
  const row = field(geo, ROW);
  const filters = field(geo, FILTERS);
  const first = n0 * field(geo, PER_IMAGE);
  if (field(geo, SPARSE) == SKIP_X) {
    // The input's zeros skipped (`wp` is W itself, [row × filters]): image by image into its rows.
    const imageBytes = <usize>field(geo, IMAGE_FLOATS) << 2;
    const outBytes = <usize>(field(geo, PER_IMAGE) * filters) << 2;
    let o = out + <usize>first * (<usize>filters << 2);
    memory.fill(o, 0, <usize>count * outBytes);
    for (let n = 0; n < count; n++, o += outBytes) {
      scatterImage(x + <usize>(n0 + n) * imageBytes, geo, filters, wp, o);
    }
    return;
  }
  if (field(geo, DILATION_W) == 1) {
    forwardInPlace(
      x + (<usize>(n0 * field(geo, IMAGE_FLOATS)) << 2), geo, wp, out + (<usize>(first * filters) << 2), count,
      s + <usize>field(geo, FRAME_AT), s + <usize>field(geo, TILE_AT),
    );
    return;
  }
  im2col(x + (<usize>(n0 * field(geo, IMAGE_FLOATS)) << 2), geo, count, s + <usize>field(geo, FRAME_AT), s);
  productRows(
    s, row, wp, out + (<usize>(first * filters) << 2), count * field(geo, PER_IMAGE), row, filters,
    s + <usize>field(geo, PACK_AT), s + <usize>field(geo, TILE_AT),
  );
}

/**
 * This part's share of dW [row × filters] = unfolded windowsᵀ · dY for images [n0, n0 + count),
 * written to `partial` (the caller sums the parts in order).
 */
export function convKernelGradPart(
  x: usize, geo: usize, dy: usize, partial: usize, n0: i32, count: i32,
  _a: i32, _b: i32, _c: i32, _d: i32, _e: i32, _f: i32, thread: i32,
): void {
  const s = scratchOf(geo, thread);
  const row = field(geo, ROW);
  const filters = field(geo, FILTERS);
  const pixels = count * field(geo, PER_IMAGE);
  const pack = s + <usize>field(geo, PACK_AT);
  const tile = s + <usize>field(geo, TILE_AT);
  const dyPart = dy + (<usize>(n0 * field(geo, PER_IMAGE) * filters) << 2);
  // One channel (an image batch like MNIST's) with its zeros skipped: the nonzeros listed once,
  // then each tap's row of dW summed in registers over the list — unless this part's dY holds Inf
  // or NaN, which must meet those zeros (0·∞ is NaN): then the dense product below.
  if (field(geo, SPARSE) == SKIP_X && allFinite(dyPart, pixels * filters)) {
    const listed = listNonzeros(x + (<usize>(n0 * field(geo, IMAGE_FLOATS)) << 2), geo, count, dyPart, filters, s);
    tapSums(geo, filters, s, listed, partial);
    return;
  }
  im2col(x + (<usize>(n0 * field(geo, IMAGE_FLOATS)) << 2), geo, count, s + <usize>field(geo, FRAME_AT), s);
  if (field(geo, SPARSE) == SKIP_DY) {
    // dY is mostly zeros (ReLU, and max pooling passes each window's gradient to one cell): the
    // transposed product dWᵀ = dYᵀ · windows lists dY's nonzeros, windows' rows read in place.
    // The same sums in the same order as below; the partial is [filters × row], and ../conv.ts
    // transposes the total.
    transpose(dyPart, pixels, filters, pack);
    gemmSparseA(pack, pixels, s, row << 2, partial, filters, pixels, row, <usize>field(geo, LISTS), 0, 0, 0, thread);
    return;
  }
  // B = this part's dY rows, packed after the unfolded rows' ragged panel.
  const dyPacked = pack + (<usize>(4 * pixels) << 2);
  packB(dyPart, filters, 1, pixels, filters, dyPacked);
  const r4 = row & ~3;
  if (r4 > 0) gemmColsA(s, row, dyPacked, partial, r4, pixels, filters, tile);
  if (r4 < row) {
    packA(s + (<usize>r4 << 2), 1, row, row - r4, pixels, pack);
    gemmPacked(pack, dyPacked, partial + (<usize>(r4 * filters) << 2), row - r4, pixels, filters, tile);
  }
}

/** dX of images [n0, n0 + count) = col2im(dY rows · Wᵀ), Wᵀ packed (`wtp`: panels, or rows when skipping zeros). */
export function convInputGradPart(
  dy: usize, geo: usize, wtp: usize, dx: usize, n0: i32, count: i32,
  _a: i32, _b: i32, _c: i32, _d: i32, _e: i32, _f: i32, thread: i32,
): void {
  const s = scratchOf(geo, thread);
  const row = field(geo, ROW);
  const filters = field(geo, FILTERS);
  const pixels = count * field(geo, PER_IMAGE);
  const dyPart = dy + (<usize>(n0 * field(geo, PER_IMAGE) * filters) << 2);
  const tile = s + <usize>field(geo, TILE_AT);
  if (field(geo, SPARSE) == SKIP_DY) {
    // dY mostly zeros: its rows' nonzeros times Wᵀ's rows (`wtp` holds them).
    gemmSparseA(dyPart, filters, wtp, row << 2, s, pixels, filters, row, <usize>field(geo, LISTS), 0, 0, 0, thread);
  } else {
    // Wᵀ has many columns (kernelH·kernelW·channels): dY's rows are packed, for the packed kernel.
    const pack = s + <usize>field(geo, PACK_AT);
    packA(dyPart, filters, 1, pixels, filters, pack);
    gemmPacked(pack, wtp, s, pixels, filters, row, tile);
  }
  col2im(s, geo, count, s + <usize>field(geo, FRAME_AT), dx + (<usize>(n0 * field(geo, IMAGE_FLOATS)) << 2));
}
