/**
 * Matrix product in plain TypeScript. One core loop, C += A·B with A read through (row, column)
 * strides so a transposed A costs nothing. A transposed B would be read down its columns, so it is
 * first transposed into a reused scratch buffer (O(k·n) work against O(m·k·n) for the product).
 *
 * The core is i-k-j ordered (the inner loop runs along contiguous rows of B and C), blocked over k
 * so a panel of B stays in cache, and register-blocked over 4 rows of C so each B value loaded
 * feeds 4 multiply-adds.
 */
import type { MatmulSpec } from '../backend.js';
import { transpose2d } from './layout.js';

const K_BLOCK = 128;
let bScratch = new Float32Array(0);

export function matmulKernel(a: Float32Array, b: Float32Array, out: Float32Array, s: MatmulSpec): void {
  const { m, k, n } = s;
  for (let t = 0; t < s.batch; t++) {
    const aOff = t * s.aBatchStride;
    let bMat = b;
    let bOff = t * s.bBatchStride;
    if (s.transB) {
      // Rebuild the scratch only when this batch entry's B differs from the last one.
      if (t === 0 || s.bBatchStride !== 0) {
        if (bScratch.length < k * n) bScratch = new Float32Array(k * n);
        transpose2d(b, bOff, n, k, bScratch, 0);
      }
      bMat = bScratch;
      bOff = 0;
    }
    const rowStride = s.transA ? 1 : k;
    const colStride = s.transA ? m : 1;
    gemm(a, aOff, rowStride, colStride, bMat, bOff, out, t * m * n, m, k, n);
  }
}

/** C[m×n] = A[m×k]·B[k×n]; A(i, p) = a[aOff + i·rs + p·cs], B and C row-major. */
function gemm(
  a: Float32Array,
  aOff: number,
  rs: number,
  cs: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  c.fill(0, cOff, cOff + m * n);
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const k1 = Math.min(k, k0 + K_BLOCK);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = cOff + i * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      const a0 = aOff + i * rs;
      for (let p = k0; p < k1; p++) {
        const ap = a0 + p * cs;
        const x0 = a[ap]!;
        const x1 = a[ap + rs]!;
        const x2 = a[ap + 2 * rs]!;
        const x3 = a[ap + 3 * rs]!;
        const bp = bOff + p * n;
        for (let j = 0; j < n; j++) {
          const y = b[bp + j]!;
          c[c0 + j]! += x0 * y;
          c[c1 + j]! += x1 * y;
          c[c2 + j]! += x2 * y;
          c[c3 + j]! += x3 * y;
        }
      }
    }
    for (; i < m; i++) {
      const c0 = cOff + i * n;
      const a0 = aOff + i * rs;
      for (let p = k0; p < k1; p++) {
        const x0 = a[a0 + p * cs]!;
        const bp = bOff + p * n;
        for (let j = 0; j < n; j++) c[c0 + j]! += x0 * b[bp + j]!;
      }
    }
  }
}
