// The element-wise half of an LSTM / GRU time step, forward and backward, four units at a time
// (formulas as src/backend/ts/rnn.ts). Pointers are already offset to the step's rows; a bias
// pointer of 0 means "no bias" (offset 0 is the kernels' static data, never a tensor). Gate blocks
// are `units` wide, rows `gates·units`.
import { sigmoidv, tanhv } from './math';
import { gemmColsABlock, gemmRowsA } from './matmul';
import { madd } from './simd';

/** Four lanes at p + o, or (at a row's tail) one value in lane 0. */
@inline function ld(p: usize, o: usize, full: bool): v128 {
  return full ? v128.load(p + o) : f32x4.splat(load<f32>(p + o));
}

@inline function st(p: usize, o: usize, v: v128, full: bool): void {
  if (full) v128.store(p + o, v);
  else store<f32>(p + o, f32x4.extract_lane(v, 0));
}

@inline function ldBias(b: usize, o: usize, full: bool): v128 {
  return b == 0 ? f32x4.splat(0) : ld(b, o, full);
}

/** σ'(from its output y) = y(1 − y). */
@inline function dsig(y: v128): v128 {
  return f32x4.mul(y, f32x4.sub(f32x4.splat(1), y));
}

/** tanh'(from its output y) = 1 − y². */
@inline function dtanh(y: v128): v128 {
  return f32x4.sub(f32x4.splat(1), f32x4.mul(y, y));
}

/**
 * Units [j, j + 4) of one row of an LSTM step (or unit j alone when not `full`). Inlined into two
 * loops with `full` a constant — whole vectors, then the row's tail — so the vector loop has no
 * per-load choice between a vector and a lane.
 */
@inline function lstmUnits(
  xr: usize, hr: usize, bias: usize, gr: usize, cPrev: usize, c: usize, h: usize, tc: usize, o: usize, gb: usize,
  full: bool, hp: usize, k: usize,
): void {
  const zi = f32x4.add(f32x4.add(ld(xr, o, full), ld(hr, o, full)), ldBias(bias, o, full));
  const zf = f32x4.add(f32x4.add(ld(xr, o + gb, full), ld(hr, o + gb, full)), ldBias(bias, o + gb, full));
  const zc = f32x4.add(
    f32x4.add(ld(xr, o + 2 * gb, full), ld(hr, o + 2 * gb, full)),
    ldBias(bias, o + 2 * gb, full),
  );
  const zo = f32x4.add(
    f32x4.add(ld(xr, o + 3 * gb, full), ld(hr, o + 3 * gb, full)),
    ldBias(bias, o + 3 * gb, full),
  );
  const i = sigmoidv(zi);
  const f = sigmoidv(zf);
  const g = tanhv(zc);
  const og = sigmoidv(zo);
  st(gr, o, i, full);
  st(gr, o + gb, f, full);
  st(gr, o + 2 * gb, g, full);
  st(gr, o + 3 * gb, og, full);
  const cv = f32x4.add(f32x4.mul(f, ld(cPrev, o, full)), f32x4.mul(i, g));
  st(c, o, cv, full);
  const tcv = tanhv(cv);
  if (tc != 0) st(tc, o, tcv, full);
  const hv = f32x4.mul(og, tcv);
  st(h, o, hv, full);
  // h also as row k of hᵀ packed into 4-row panels (packA's layout; panel o/16 is k·16 bytes).
  if (full && hp != 0) v128.store(hp + o * k, hv);
}

/** LSTM step (gates i, f, c, o); `gates` may be `xz` itself (each element is read before written). */
export function lstmCell(
  rows: i32,
  units: i32,
  xz: usize,
  hz: usize,
  bias: usize,
  cPrev: usize,
  c: usize,
  h: usize,
  gates: usize,
): void {
  lstmCellRows(rows, units, xz, hz, bias, cPrev, c, h, gates, 0, 0, 0);
}

/**
 * lstmCell, also keeping tanh(c) (laid out as c) at `tc` unless tc is 0, and h packed as hᵀ's
 * panels at `hp` (row r's 4 units per panel at hp + 16r; panels k·16 bytes apart) unless hp is 0
 * (units a multiple of 4 then).
 */
function lstmCellRows(
  rows: i32, units: i32, xz: usize, hz: usize, bias: usize, cPrev: usize, c: usize, h: usize, gates: usize,
  tc: usize, hp: usize, k: usize,
): void {
  const gb = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * 4 * gb;
    const sr = <usize>r * gb;
    const tr: usize = tc == 0 ? 0 : tc + sr;
    const hr: usize = hp == 0 ? 0 : hp + (<usize>r << 4);
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = <usize>j << 2;
      lstmUnits(xz + row, hz + row, bias, gates + row, cPrev + sr, c + sr, h + sr, tr, o, gb, true, hr, k);
    }
    for (; j < units; j++) {
      const o = <usize>j << 2;
      lstmUnits(xz + row, hz + row, bias, gates + row, cPrev + sr, c + sr, h + sr, tr, o, gb, false, 0, k);
    }
  }
}

/** Units [j, j + 4) of one row of an LSTM step backward (unit j alone when not `full`), as lstmUnits. */
@inline function lstmUnitsGrad(
  gr: usize, zr: usize, cPrev: usize, c: usize, gh: usize, dhCarry: usize, dc: usize, o: usize, gb: usize, full: bool,
  cIsTanh: bool,
): void {
  const i = ld(gr, o, full);
  const f = ld(gr, o + gb, full);
  const g = ld(gr, o + 2 * gb, full);
  const og = ld(gr, o + 3 * gb, full);
  const tc = cIsTanh ? ld(c, o, full) : tanhv(ld(c, o, full));
  const dh = f32x4.add(ld(gh, o, full), ld(dhCarry, o, full));
  const dcT = f32x4.add(ld(dc, o, full), f32x4.mul(f32x4.mul(dh, og), dtanh(tc)));
  st(zr, o, f32x4.mul(f32x4.mul(dcT, g), dsig(i)), full);
  st(zr, o + gb, f32x4.mul(f32x4.mul(dcT, ld(cPrev, o, full)), dsig(f)), full);
  st(zr, o + 2 * gb, f32x4.mul(f32x4.mul(dcT, i), dtanh(g)), full);
  st(zr, o + 3 * gb, f32x4.mul(f32x4.mul(dh, tc), dsig(og)), full);
  st(dc, o, f32x4.mul(dcT, f), full);
}

/** LSTM step backward: dz from dh = gh + dhCarry and dc (in: dL/dc_t, out: dL/dc_{t−1}). */
export function lstmCellGrad(
  rows: i32,
  units: i32,
  gates: usize,
  cPrev: usize,
  c: usize,
  gh: usize,
  dhCarry: usize,
  dc: usize,
  dz: usize,
): void {
  lstmCellGradRows(rows, units, gates, cPrev, c, gh, dhCarry, dc, dz, false);
}

/** lstmCellGrad; with `cIsTanh`, `c` holds tanh(c_t) (kept by the forward) instead of c_t. */
function lstmCellGradRows(
  rows: i32, units: i32, gates: usize, cPrev: usize, c: usize, gh: usize, dhCarry: usize, dc: usize, dz: usize,
  cIsTanh: bool,
): void {
  const gb = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * 4 * gb;
    const sr = <usize>r * gb;
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = <usize>j << 2;
      lstmUnitsGrad(gates + row, dz + row, cPrev + sr, c + sr, gh + sr, dhCarry + sr, dc + sr, o, gb, true, cIsTanh);
    }
    for (; j < units; j++) {
      const o = <usize>j << 2;
      lstmUnitsGrad(gates + row, dz + row, cPrev + sr, c + sr, gh + sr, dhCarry + sr, dc + sr, o, gb, false, cIsTanh);
    }
  }
}

/**
 * Rows [0, rows) of one step's dz (row-major, `width` floats a row, width a multiple of 8) into
 * B's 8-column panels of a k-row B (packB's layout): panel j's rows are 32 bytes each, panels
 * k·32 bytes apart, `zp` at this block's first row. Returns `finite` plus 0·v for every value v
 * it moved (so NaN from then on if any was Inf or NaN). Panel by panel, so each panel's rows are
 * written as one run: storing each value there as the gate kernel makes it scattered the stores
 * 112 KB apart (time·batch = 3584), all in the same cache sets — 14 ms more a training step.
 */
function packStepB(dz: usize, rows: i32, width: i32, zp: usize, k: usize, finite: v128): v128 {
  const panel = k << 5;
  const rs = <usize>width << 2;
  const zero = f32x4.splat(0);
  let acc = finite;
  for (let j = 0; j < width; j += 8) {
    const src = dz + (<usize>j << 2);
    const dst = zp + (<usize>(j >> 3)) * panel;
    for (let r = 0; r < rows; r++) {
      const s = src + <usize>r * rs;
      const d = dst + (<usize>r << 5);
      const v0 = v128.load(s);
      const v1 = v128.load(s, 16);
      v128.store(d, v0);
      v128.store(d, v1, 16);
      // 0·v is ±0 for a finite v and NaN for Inf or NaN, and a NaN stays in the sum.
      acc = f32x4.add(acc, f32x4.add(f32x4.mul(v0, zero), f32x4.mul(v1, zero)));
    }
  }
  return acc;
}

/** GRU step (reset after the recurrent product; gates z, r, h); keeps z, r, ĥ, r_h per row. */
export function gruCell(
  rows: i32,
  units: i32,
  xz: usize,
  hz: usize,
  biasIn: usize,
  biasRec: usize,
  hPrev: usize,
  h: usize,
  gates: usize,
): void {
  const gb = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const xr = xz + <usize>r * 3 * gb;
    const hr = hz + <usize>r * 3 * gb;
    const gr = gates + <usize>r * 4 * gb;
    const sr = <usize>r * gb;
    for (let j = 0; j < units; ) {
      const full = j + 4 <= units;
      const o = <usize>j << 2;
      const z = sigmoidv(
        f32x4.add(
          f32x4.add(ld(xr, o, full), ldBias(biasIn, o, full)),
          f32x4.add(ld(hr, o, full), ldBias(biasRec, o, full)),
        ),
      );
      const rg = sigmoidv(
        f32x4.add(
          f32x4.add(ld(xr, o + gb, full), ldBias(biasIn, o + gb, full)),
          f32x4.add(ld(hr, o + gb, full), ldBias(biasRec, o + gb, full)),
        ),
      );
      const rh = f32x4.add(ld(hr, o + 2 * gb, full), ldBias(biasRec, o + 2 * gb, full));
      const hh = tanhv(
        f32x4.add(f32x4.add(ld(xr, o + 2 * gb, full), ldBias(biasIn, o + 2 * gb, full)), f32x4.mul(rg, rh)),
      );
      st(gr, o, z, full);
      st(gr, o + gb, rg, full);
      st(gr, o + 2 * gb, hh, full);
      st(gr, o + 3 * gb, rh, full);
      const hp = ld(hPrev + sr, o, full);
      st(h + sr, o, f32x4.add(f32x4.mul(z, hp), f32x4.mul(f32x4.sub(f32x4.splat(1), z), hh)), full);
      j += full ? 4 : 1;
    }
  }
}

/** GRU step backward: dxz, drec from dh = gh + dhCarry + dhDirect; dhDirect ← dh·z. */
export function gruCellGrad(
  rows: i32,
  units: i32,
  gates: usize,
  hPrev: usize,
  gh: usize,
  dhCarry: usize,
  dhDirect: usize,
  dxz: usize,
  drec: usize,
): void {
  const gb = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const gr = gates + <usize>r * 4 * gb;
    const xr = dxz + <usize>r * 3 * gb;
    const rr = drec + <usize>r * 3 * gb;
    const sr = <usize>r * gb;
    for (let j = 0; j < units; ) {
      const full = j + 4 <= units;
      const o = <usize>j << 2;
      const z = ld(gr, o, full);
      const rg = ld(gr, o + gb, full);
      const hh = ld(gr, o + 2 * gb, full);
      const rh = ld(gr, o + 3 * gb, full);
      const dh = f32x4.add(
        f32x4.add(ld(gh + sr, o, full), ld(dhCarry + sr, o, full)),
        ld(dhDirect + sr, o, full),
      );
      const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(ld(hPrev + sr, o, full), hh)), dsig(z));
      const dah = f32x4.mul(f32x4.mul(dh, f32x4.sub(f32x4.splat(1), z)), dtanh(hh));
      const dar = f32x4.mul(f32x4.mul(dah, rh), dsig(rg));
      st(xr, o, daz, full);
      st(xr, o + gb, dar, full);
      st(xr, o + 2 * gb, dah, full);
      st(rr, o, daz, full);
      st(rr, o + gb, dar, full);
      st(rr, o + 2 * gb, f32x4.mul(dah, rg), full);
      st(dhDirect + sr, o, f32x4.mul(dh, z), full);
      j += full ? 4 : 1;
    }
  }
}

/**
 * A whole LSTM forward recurrence for `rows` consecutive rows of the batch (one thread's share):
 * per step h_rows · U (U packed once per sequence, `bp`) then the gate kernel. Rows of a batch
 * never mix, so threads each take a block of rows for every step and synchronise once per
 * sequence instead of twice per step. Pointers are at the block's first row of step 0: `xz` (x·W,
 * read only) and `gates` (the activated gates, written) with step stride batch·4·units, `cs`
 * (c_0 … c_T, then tanh(c_1) … tanh(c_T), which it writes for the backward) and `hs` (h_0 … h_T)
 * with step stride batch·units; `hz` is this block's scratch (rows·4·units floats) followed by 32
 * floats of edge-tile scratch. With `zeroStart` (the caller found h_0 all zeros and U finite) step
 * 0's product is not computed: each of its sums is exactly +0, so hz is filled with +0 (the same
 * bits). `hpStart` is hp | zeroStart (a pool job has at most 12 arguments; hp is 16-byte
 * aligned): unless hp is 0 (units a multiple of 4 then), h_0 … h_{T−1} also go there as
 * (h_0 … h_{T−1})ᵀ packed into 4-row panels of time·batch columns (packA's layout), hp at this
 * block's first row: the recurrent kernel's gradient reads them as they are. Nothing it reads is
 * written (h_0, c_0, xz stay), so a call redone after a worker died gives the same result. rows
 * must be a multiple of 4 (gemmRowsA).
 */
export function lstmForwardRows(
  rows: i32,
  units: i32,
  time: i32,
  batch: i32,
  xz: usize,
  gates: usize,
  bp: usize,
  bias: usize,
  cs: usize,
  hs: usize,
  hz: usize,
  hpStart: usize,
): void {
  const zeroStart = hpStart & 1;
  const hp = hpStart & ~(<usize>15);
  const width = 4 * units;
  const stepG = <usize>batch * <usize>width * 4;
  const stepH = <usize>batch * <usize>units * 4;
  const tile = hz + <usize>rows * <usize>width * 4;
  const k = <usize>time * <usize>batch;
  if (hp != 0) {
    for (let r = 0; r < rows; r++) {
      const src = hs + <usize>r * <usize>units * 4;
      for (let j = 0; j < units; j += 4) {
        v128.store(hp + (<usize>r << 4) + (<usize>j << 2) * k, v128.load(src + (<usize>j << 2)));
      }
    }
  }
  for (let t = 0; t < time; t++) {
    const h = hs + <usize>t * stepH;
    if (t == 0 && zeroStart != 0) memory.fill(hz, 0, <usize>rows * <usize>width * 4);
    else gemmRowsA(h, units, bp, hz, rows, units, width, tile);
    const c = cs + <usize>t * stepH;
    const at = <usize>t * stepG;
    const tc = cs + <usize>(time + 1 + t) * stepH;
    // h_{t+1} is column block t + 1 of the packed hᵀ (h_T is not in it).
    const hpNext: usize = hp == 0 || t + 1 == time ? 0 : hp + <usize>(t + 1) * <usize>batch * 16;
    lstmCellRows(rows, units, xz + at, hz, bias, c, c + stepH, h + stepH, gates + at, tc, hpNext, k);
  }
}

/**
 * The matching backward recurrence for the same block of rows, from the last step to the first:
 * the gate-gradient kernel, then dh_{t−1} = dz_t · Uᵀ (Uᵀ packed once, `bpT`) unless t = 0 and
 * `lastDh` is 0 (no gradient wanted for h_0). `gh` is the incoming gradient of h_1 … h_T and then
 * of c_T (step stride batch·units). `dhdc` is the block's dh carry and, batch·units floats further
 * on, its dc carry: both start here (dh from 0, dc from c_T's gradient), so a call redone after a
 * worker died starts over cleanly; they end as the gradients of h_0 and c_0. `dz` receives the
 * gate gradients (laid out as `gates`); `tile`: 32 floats of edge-tile scratch. `cs` is as the
 * forward left it: tanh(c_t) is read from there, not computed again (the same bits). Unless `zp`
 * is 0 (units a multiple of 4 then), dz also goes there packed as B's 8-column panels of
 * time·batch rows (packB's layout), `zp` at this block's first row, and on return the tile's first
 * int is 1 if every dz packed was finite (else 0). `zpLast` is zp | lastDh | 2·oneStep (a pool job
 * has at most 12 arguments; zp is 16-byte aligned): with oneStep (zp not 0), each step's dz goes to
 * step 0's place only, reused (the caller takes dz from zp; 7 MB fewer written a training step).
 */
export function lstmBackwardRows(
  rows: i32,
  units: i32,
  time: i32,
  batch: i32,
  gates: usize,
  cs: usize,
  gh: usize,
  dhdc: usize,
  dz: usize,
  bpT: usize,
  tile: usize,
  zpLast: usize,
): void {
  const lastDh = zpLast & 1;
  const oneStep = (zpLast & 2) != 0;
  const zp = zpLast & ~(<usize>15);
  const width = 4 * units;
  const k = <usize>time * <usize>batch;
  const stepG = <usize>batch * <usize>width * 4;
  const stepH = <usize>batch * <usize>units * 4;
  const dc = dhdc + stepH;
  const cT = gh + <usize>time * stepH;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>units * 4;
    memory.fill(dhdc + o, 0, <usize>units * 4);
    memory.copy(dc + o, cT + o, <usize>units * 4);
  }
  let finite = f32x4.splat(0);
  for (let t = time - 1; t >= 0; t--) {
    const c = cs + <usize>t * stepH;
    const tc = cs + <usize>(time + 1 + t) * stepH;
    const z = dz + (oneStep ? 0 : <usize>t * stepG);
    lstmCellGradRows(rows, units, gates + <usize>t * stepG, c, tc, gh + <usize>t * stepH, dhdc, dc, z, true);
    if (zp != 0) finite = packStepB(z, rows, width, zp + <usize>t * <usize>batch * 32, k, finite);
    if (t > 0 || lastDh != 0) gemmRowsA(z, width, bpT, dhdc, rows, width, units, tile);
  }
  // Whether every dz of the block was finite (NaN fails ==), for the caller: in the tile's first int.
  store<i32>(tile, i32(i32x4.all_true(f32x4.eq(finite, finite))));
}


/** Rows of dz per block of lstmInputGradPart: a block's rows of 4 panels (32 KB) stay in L1. */
const DW_K_BLOCK = 256;

/** Bytes of lstmListInputs' lists for `features` features of k rows. */
@inline function listLayout(features: i32, k: i32): usize {
  const blocks = (k + DW_K_BLOCK - 1) / DW_K_BLOCK;
  return (<usize>features * <usize>(blocks + 1) * 4 + 15) & ~(<usize>15);
}

/**
 * x's nonzeros for features [f0, f1), per feature in row order, for lstmInputGradPart: xs is x
 * time-major ([k, features], k = time·batch). `lists` holds, for every feature, where each block of
 * DW_K_BLOCK rows starts in its list ((k/DW_K_BLOCK + 1) int32s a feature), then the lists, k
 * entries a feature: (byte offset of the row in a packed panel of dz, value), written without
 * branches (a nonzero moves the end on). NaN is listed (v != 0 holds), +0 and −0 are not — unless
 * `all` is set: then every value is (dz holds Inf or NaN, and 0·Inf must give NaN as in the dense
 * product). features·(k + k/DW_K_BLOCK + 3)·8 bytes are enough.
 */
export function lstmListInputs(
  xs: usize, features: i32, k: i32, f0: i32, f1: i32, lists: usize, all: i32,
): void {
  const keep = all != 0;
  const blocks = (k + DW_K_BLOCK - 1) / DW_K_BLOCK;
  const stride = <usize>(blocks + 1) << 2;
  const entries = lists + listLayout(features, k);
  const perFeature = <usize>k << 3;
  for (let r = 0; r < k; r++) {
    const row = xs + <usize>r * (<usize>features << 2);
    const off = r << 5;
    const b = <usize>(r / DW_K_BLOCK) << 2;
    const first = r % DW_K_BLOCK == 0;
    for (let f = f0; f < f1; f++) {
      const at = lists + <usize>f * stride + b;
      // Block b's running end is kept where block b + 1's start goes: at a block's first row it is
      // that block's start already (row 0: set here).
      if (r == 0) store<i32>(at, 0);
      const n = first ? load<i32>(at) : load<i32>(at, 4);
      const v = load<f32>(row + (<usize>f << 2));
      const e = entries + <usize>f * perFeature + (<usize>n << 3);
      store<i32>(e, off);
      store<f32>(e, v, 4);
      store<i32>(at, n + i32(keep || v != 0), 4);
    }
  }
}

/**
 * Columns [j0, j1) (multiples of 8) of the input kernel's gradient dW = xsᵀ · dz ([features, width],
 * rows `width` floats apart), skipping x's zeros as lstmListInputs listed them in `lists`; dz packed
 * as B's 8-column panels as lstmBackwardRows leaves it (`zp`: panels k·32 bytes apart, rows 32
 * bytes). Each sum adds its terms in row order from +0 with madd, as the matmul kernels do, and a
 * zero term (+0 or −0 in x) leaves a float sum unchanged while dz is finite (the caller checks;
 * else every term is listed): the dense product's bits. 32 columns (4 panels) at a time, block of
 * rows by block (the block's rows of dz stay in L1 while every feature runs over them; partial
 * sums go through dW as float32, the same additions): per nonzero one broadcast and eight loads
 * and multiply-adds.
 */
export function lstmInputGradPart(
  zp: usize, features: i32, k: i32, width: i32, dw: usize, j0: i32, j1: i32, lists: usize,
): void {
  const blocks = (k + DW_K_BLOCK - 1) / DW_K_BLOCK;
  const stride = <usize>(blocks + 1) << 2;
  const starts = lists;
  const entries = lists + listLayout(features, k);
  const perFeature = <usize>k << 3;
  const ps = <usize>k << 5;
  const rowBytes = <usize>width << 2;
  let j = j0;
  for (; j + 32 <= j1; j += 32) {
    const p0 = zp + (<usize>(j >> 3)) * ps;
    const p1 = p0 + ps;
    const p2 = p1 + ps;
    const p3 = p2 + ps;
    for (let b = 0; b < blocks; b++) {
      for (let f = 0; f < features; f++) {
        const d = dw + <usize>f * rowBytes + (<usize>j << 2);
        const sf = starts + <usize>f * stride + (<usize>b << 2);
        const e0 = entries + <usize>f * perFeature + (<usize>load<i32>(sf) << 3);
        const end = entries + <usize>f * perFeature + (<usize>load<i32>(sf, 4) << 3);
        if (b > 0 && e0 == end) continue;
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
        if (b > 0) {
          c0 = v128.load(d);
          c1 = v128.load(d, 16);
          c2 = v128.load(d, 32);
          c3 = v128.load(d, 48);
          c4 = v128.load(d, 64);
          c5 = v128.load(d, 80);
          c6 = v128.load(d, 96);
          c7 = v128.load(d, 112);
        }
        for (let e = e0; e < end; e += 8) {
          const a = v128.load32_splat(e, 4);
          const o = <usize>load<i32>(e);
          c0 = madd(a, v128.load(p0 + o), c0);
          c1 = madd(a, v128.load(p0 + o, 16), c1);
          c2 = madd(a, v128.load(p1 + o), c2);
          c3 = madd(a, v128.load(p1 + o, 16), c3);
          c4 = madd(a, v128.load(p2 + o), c4);
          c5 = madd(a, v128.load(p2 + o, 16), c5);
          c6 = madd(a, v128.load(p3 + o), c6);
          c7 = madd(a, v128.load(p3 + o, 16), c7);
        }
        v128.store(d, c0);
        v128.store(d, c1, 16);
        v128.store(d, c2, 32);
        v128.store(d, c3, 48);
        v128.store(d, c4, 64);
        v128.store(d, c5, 80);
        v128.store(d, c6, 96);
        v128.store(d, c7, 112);
      }
    }
  }
  // A last 8 or 16 columns (width is a multiple of 16), one panel at a time, all rows in one pass.
  for (; j < j1; j += 8) {
    const p0 = zp + (<usize>(j >> 3)) * ps;
    for (let f = 0; f < features; f++) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      const e0 = entries + <usize>f * perFeature;
      const end = e0 + (<usize>load<i32>(starts + <usize>f * stride + (<usize>blocks << 2)) << 3);
      for (let e = e0; e < end; e += 8) {
        const a = v128.load32_splat(e, 4);
        const o = <usize>load<i32>(e);
        c0 = madd(a, v128.load(p0 + o), c0);
        c1 = madd(a, v128.load(p0 + o, 16), c1);
      }
      const d = dw + <usize>f * rowBytes + (<usize>j << 2);
      v128.store(d, c0);
      v128.store(d, c1, 16);
    }
  }
}

/** Steps of k per block of lstmRecurrentGradPart: a block's rows of dz (512 KB at 512 columns) stay in L2. */
const DU_K_BLOCK = 256;

/**
 * Rows [0, rows) (a multiple of 4) of the recurrent kernel's gradient dU = Hᵀ · dz, H = h_0 … h_{T−1}
 * ([k, units], k = time·batch): `hp` is Hᵀ's rows packed into 4-row panels (packA's layout, panels
 * k·16 bytes apart) from this part's first row, `zp` dz packed as B's 8-column panels, `du` this
 * part's first row (rows `width` floats apart). As gemmPacked, but k in blocks: each block of the
 * panels of dz is read from memory once for all the part's rows, not once per 4 rows. Partial
 * sums are float32 either way: the same additions in the same order, the same bits.
 */
export function lstmRecurrentGradPart(
  hp: usize, zp: usize, du: usize, rows: i32, k: i32, width: i32, tile: usize,
): void {
  for (let k0 = 0; k0 < k; k0 += DU_K_BLOCK) {
    const len = min(DU_K_BLOCK, k - k0);
    for (let i = 0; i < rows; i += 4) {
      // Panel i/4 of Hᵀ from step k0 (4 floats a step: as gemmColsABlock's transposed A, acs = 4).
      const a = hp + <usize>i * <usize>k * 4 + (<usize>k0 << 4);
      gemmColsABlock(a, 4, zp + (<usize>k0 << 5), du + <usize>i * (<usize>width << 2), 4, k, len, width, tile, k0 > 0);
    }
  }
}
