// Convolution in parts: each part unfolds a few images into its thread's scratch (cache-sized,
// reused call after call) and multiplies there, so the unfolded matrix — for a 5×5 kernel 25× the
// images, megabytes per batch — never goes out to memory whole. Forward, weight gradient and input
// gradient each run as parts over the batch (../conv.ts cuts and schedules them).
//
// The geometry block is window.ts's (offsets 0–56) followed by the fields below; `thread` (the
// argument after the pool's twelve slots, hence the `_a`…`_f` pads; 0 on the calling thread) picks
// the scratch.
import { gemmColsA, gemmPacked, gemmRowsA, packA, packB } from './matmul';
import { gemmSparseA, transpose } from './sparse';
import { col2im, im2col } from './window';

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
// Nonzero when this call skips the zeros of dY (../conv.ts decides), and the sparse kernel's lists.
const SPARSE = 96;
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

/** out rows of images [n0, n0 + count) = their unfolded windows · W (packed, `wp`). */
export function convForwardPart(
  x: usize, geo: usize, wp: usize, out: usize, n0: i32, count: i32,
  _a: i32, _b: i32, _c: i32, _d: i32, _e: i32, _f: i32, thread: i32,
): void {
  const s = scratchOf(geo, thread);
  const row = field(geo, ROW);
  const filters = field(geo, FILTERS);
  const first = n0 * field(geo, PER_IMAGE);
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
  im2col(x + (<usize>(n0 * field(geo, IMAGE_FLOATS)) << 2), geo, count, s + <usize>field(geo, FRAME_AT), s);
  const dyPart = dy + (<usize>(n0 * field(geo, PER_IMAGE) * filters) << 2);
  if (field(geo, SPARSE)) {
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
  if (field(geo, SPARSE)) {
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
