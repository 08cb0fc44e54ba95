/**
 * Kernels that read or write with strides: a window copied in or out of a larger tensor (slice, pad,
 * concat on any axis), entries picked or scattered along one axis (gather, scatterAdd), running
 * sums along an axis (cumsum) and a three-way broadcast select (where).
 *
 * Each walks its output (or its source) once, so an op built on them costs the size of the part it
 * touches — a slice of one time step costs that step, not the whole sequence.
 */

/**
 * dst[dstOffset + Σ i_d·dstStrides_d] = (or +=) src[srcOffset + Σ i_d·srcStrides_d] for every index i
 * of `shape`. The innermost axis is a tight loop; the outer axes advance like an odometer.
 */
export function stridedCopyKernel(
  src: Float32Array,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: Float32Array,
  dstOffset: number,
  dstStrides: readonly number[],
  shape: readonly number[],
  accumulate: boolean,
): void {
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  // Merge neighbouring axes that are contiguous in both src and dst (a concat along axis 0 becomes
  // one block copy, a slice of whole rows one copy per block) so the inner loop runs as long as it can.
  const merged = coalesce(shape, srcStrides, dstStrides);
  shape = merged.shape;
  srcStrides = merged.src;
  dstStrides = merged.dst;
  const nd = shape.length;
  if (nd === 0) {
    dst[dstOffset] = accumulate ? dst[dstOffset]! + src[srcOffset]! : src[srcOffset]!;
    return;
  }
  const last = nd - 1;
  const n = shape[last]!;
  const ss = srcStrides[last]!;
  const ds = dstStrides[last]!;
  const idx = new Int32Array(nd);
  let s = srcOffset;
  let d = dstOffset;
  for (let done = 0; done < total; done += n) {
    if (accumulate) for (let j = 0; j < n; j++) dst[d + j * ds]! += src[s + j * ss]!;
    else if (ss === 1 && ds === 1) dst.set(src.subarray(s, s + n), d);
    else for (let j = 0; j < n; j++) dst[d + j * ds] = src[s + j * ss]!;
    for (let a = last - 1; a >= 0; a--) {
      s += srcStrides[a]!;
      d += dstStrides[a]!;
      if (++idx[a]! < shape[a]!) break;
      s -= srcStrides[a]! * shape[a]!;
      d -= dstStrides[a]! * shape[a]!;
      idx[a] = 0;
    }
  }
}

/** Drop size-1 axes and fuse axis d into d+1 where both stride patterns allow it. */
function coalesce(
  shape: readonly number[],
  src: readonly number[],
  dst: readonly number[],
): { shape: number[]; src: number[]; dst: number[] } {
  const out = { shape: [] as number[], src: [] as number[], dst: [] as number[] };
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = out.shape.length - 1;
    if (k >= 0 && out.src[k] === src[d]! * shape[d]! && out.dst[k] === dst[d]! * shape[d]!) {
      out.shape[k]! *= shape[d]!;
      out.src[k] = src[d]!;
      out.dst[k] = dst[d]!;
    } else {
      out.shape.push(shape[d]!);
      out.src.push(src[d]!);
      out.dst.push(dst[d]!);
    }
  }
  return out;
}

/** x viewed [outer, size, inner]; out [outer, indices.length, inner] with out[o, j, i] = x[o, indices[j], i]. */
export function gatherAxisKernel(
  x: Float32Array,
  outer: number,
  size: number,
  inner: number,
  indices: Int32Array,
  out: Float32Array,
): void {
  const k = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const from = (o * size + indices[j]!) * inner;
      const to = (o * k + j) * inner;
      if (inner === 1) out[to] = x[from]!;
      else out.set(x.subarray(from, from + inner), to);
    }
  }
}

/** The adjoint of gatherAxis: out[o, indices[j], i] += updates[o, j, i] (out viewed [outer, size, inner]). */
export function scatterAddAxisKernel(
  updates: Float32Array,
  outer: number,
  size: number,
  inner: number,
  indices: Int32Array,
  out: Float32Array,
): void {
  const k = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const to = (o * size + indices[j]!) * inner;
      const from = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i]! += updates[from + i]!;
    }
  }
}

/**
 * Running sums along the middle axis of [outer, size, inner], accumulated in float64 so a long axis
 * does not drift. `exclusive` leaves out the element itself; `reverse` sums from the end.
 */
export function cumsumKernel(
  x: Float32Array,
  outer: number,
  size: number,
  inner: number,
  exclusive: boolean,
  reverse: boolean,
  out: Float32Array,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let acc = 0;
      for (let s = 0; s < size; s++) {
        const at = base + (reverse ? size - 1 - s : s) * inner;
        const v = x[at]!;
        if (exclusive) {
          out[at] = acc;
          acc += v;
        } else {
          acc += v;
          out[at] = acc;
        }
      }
    }
  }
}

/** out[i] = cond[i·cStrides] !== 0 ? a[i·aStrides] : b[i·bStrides] over `shape` (strides 0 broadcast). */
export function selectKernel(
  cond: Float32Array,
  cStrides: readonly number[],
  a: Float32Array,
  aStrides: readonly number[],
  b: Float32Array,
  bStrides: readonly number[],
  out: Float32Array,
  shape: readonly number[],
): void {
  const nd = shape.length;
  const total = out.length;
  if (total === 0) return;
  if (nd === 0) {
    out[0] = cond[0] !== 0 ? a[0]! : b[0]!;
    return;
  }
  const last = nd - 1;
  const n = shape[last]!;
  const sc = cStrides[last]!;
  const sa = aStrides[last]!;
  const sb = bStrides[last]!;
  const idx = new Int32Array(nd);
  let c = 0;
  let pa = 0;
  let pb = 0;
  for (let o = 0; o < total; o += n) {
    for (let j = 0; j < n; j++) out[o + j] = cond[c + j * sc] !== 0 ? a[pa + j * sa]! : b[pb + j * sb]!;
    for (let d = last - 1; d >= 0; d--) {
      c += cStrides[d]!;
      pa += aStrides[d]!;
      pb += bStrides[d]!;
      if (++idx[d]! < shape[d]!) break;
      c -= cStrides[d]! * shape[d]!;
      pa -= aStrides[d]! * shape[d]!;
      pb -= bStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
