/** Kernels that move values without arithmetic: transpose/permute, gather and scatter of rows. */

const TILE = 32;

/** dst[c·rows + r] = src[srcOff + r·cols + c]: a cache-tiled 2-D transpose of a rows×cols block. */
export function transpose2d(
  src: Float32Array,
  srcOff: number,
  rows: number,
  cols: number,
  dst: Float32Array,
  dstOff: number,
): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const s = srcOff + r * cols;
        for (let c = c0; c < c1; c++) dst[dstOff + c * rows + r] = src[s + c]!;
      }
    }
  }
}

export function permuteKernel(
  x: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
  out: Float32Array,
): void {
  const nd = shape.length;
  const size = out.length;
  if (size === 0) return;
  // Batched 2-D transpose (perm = [0, …, nd-1, nd-2]) is the common case: tile it.
  let lastTwoSwapped = nd >= 2 && perm[nd - 1] === nd - 2 && perm[nd - 2] === nd - 1;
  for (let d = 0; d < nd - 2 && lastTwoSwapped; d++) if (perm[d] !== d) lastTwoSwapped = false;
  if (lastTwoSwapped) {
    const rows = shape[nd - 2]!;
    const cols = shape[nd - 1]!;
    const mat = rows * cols;
    for (let off = 0; off < size; off += mat) transpose2d(x, off, rows, cols, out, off);
    return;
  }
  const inStrides = new Array<number>(nd);
  for (let d = nd - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const strides = perm.map((p) => inStrides[p]!);
  const idx = new Int32Array(nd);
  let src = 0;
  const last = nd - 1;
  const n = outShape[last]!;
  const sl = strides[last]!;
  for (let o = 0; o < size; o += n) {
    for (let j = 0; j < n; j++) out[o + j] = x[src + j * sl]!;
    for (let d = last - 1; d >= 0; d--) {
      src += strides[d]!;
      if (++idx[d]! < outShape[d]!) break;
      src -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function gatherRowsKernel(
  x: Float32Array,
  rowSize: number,
  indices: Int32Array,
  out: Float32Array,
): void {
  if (x.buffer === out.buffer) {
    // One memory holds both (the WebAssembly backend): copyWithin moves each row without creating
    // a subarray per row. Offsets are in elements of the shared buffer.
    const all = new Float32Array(x.buffer);
    const xBase = x.byteOffset / 4;
    const outBase = out.byteOffset / 4;
    for (let r = 0; r < indices.length; r++) {
      const from = xBase + indices[r]! * rowSize;
      all.copyWithin(outBase + r * rowSize, from, from + rowSize);
    }
    return;
  }
  for (let r = 0; r < indices.length; r++) {
    const from = indices[r]! * rowSize;
    out.set(x.subarray(from, from + rowSize), r * rowSize);
  }
}

export function scatterAddRowsKernel(
  dy: Float32Array,
  rowSize: number,
  indices: Int32Array,
  out: Float32Array,
): void {
  for (let r = 0; r < indices.length; r++) {
    const to = indices[r]! * rowSize;
    const from = r * rowSize;
    for (let j = 0; j < rowSize; j++) out[to + j]! += dy[from + j]!;
  }
}
