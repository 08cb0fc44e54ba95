/**
 * Matrix product with NumPy semantics: 2-D, batched (leading axes broadcast), and 1-D operands
 * treated as a row (left) or column (right) vector that is dropped from the result.
 *
 * Backward: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC. The kernel takes transpose flags, so neither
 * transposed operand is ever materialised by the op.
 */
import { record } from '../autograd/graph.js';
import { ShapeError } from '../errors.js';
import { broadcastShapes, formatShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { broadcastTo } from './layout.js';
import { sumTo } from './reduce.js';
import { allocOutput } from './util.js';

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}: both operands need at least one dimension (use mul for scalars)`,
    );
  }
  if (a.ndim === 1) {
    const r = matmul(a.reshape(1, a.shape[0]!), b);
    return r.reshape(r.shape.filter((_, i) => i !== r.ndim - 2));
  }
  if (b.ndim === 1) {
    const r = matmul(a, b.reshape(b.shape[0]!, 1));
    return r.reshape(r.shape.slice(0, -1));
  }
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  if (k !== k2) {
    throw new ShapeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned: ` +
        `the first has ${k} columns but the second has ${k2} rows`,
    );
  }
  return matmulTransposed(a, b, false, false);
}

/**
 * op(a)·op(b) for operands of rank ≥ 2 (op = identity or the transpose of the last two axes, which
 * the kernel reads in place: no transposed copy is made), batch axes broadcast; recorded. Its
 * gradients are products of the same kind, so they differentiate again. For C = A·B:
 *   dA = g·Bᵀ,  dB = Aᵀ·g;   with A stored transposed (C = Aᵀ·B): dA = B·gᵀ;
 *   with B stored transposed (C = A·Bᵀ): dB = gᵀ·A;   and both: dA = Bᵀ·gᵀ, dB = gᵀ·Aᵀ.
 */
export function matmulTransposed(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const out = matmulRaw(a, b, transA, transB);
  return record('matmul', out, [a, b], (g) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (a.requiresGrad) {
      da = transA ? matmulTransposed(b, g, transB, true) : matmulTransposed(g, b, false, !transB);
      da = sumTo(da, a.shape);
    }
    if (b.requiresGrad) {
      db = transB ? matmulTransposed(g, a, true, transA) : matmulTransposed(a, g, !transA, false);
      db = sumTo(db, b.shape);
    }
    return [da, db];
  });
}

/**
 * op(a)·op(b) for operands of rank ≥ 2, batch axes broadcast; not recorded. Plain locals rather
 * than destructured pairs: every step runs this a few times, and until V8 optimises it (most of
 * fit's first epoch) a destructuring costs more than the arithmetic around it.
 */
export function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const ra = a.shape[a.ndim - 2]!;
  const ca = a.shape[a.ndim - 1]!;
  const rb = b.shape[b.ndim - 2]!;
  const cb = b.shape[b.ndim - 1]!;
  const m = transA ? ca : ra;
  const k = transA ? ra : ca;
  const n = transB ? rb : cb;
  // Two matrices (every Dense product): no batch axes to broadcast.
  const batchShape =
    a.ndim === 2 && b.ndim === 2 ? [] : broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  const A = batchOperand(a, batchShape, batch);
  const B = batchOperand(b, batchShape, batch);
  const out = allocOutput(batchShape.length === 0 ? [m, n] : [...batchShape, m, n], a.backend);
  a.backend.matmul(A.storage, B.storage, out.storage, {
    batch,
    m,
    k,
    n,
    transA,
    transB,
    aBatchStride: batchStride(A, batch),
    bBatchStride: batchStride(B, batch),
  });
  return out;
}

/** An operand laid out for `batch` matrices: as it is (one per batch, or one for all), or expanded. */
function batchOperand(t: Tensor, batchShape: number[], batch: number): Tensor {
  if (t.ndim === 2) return t;
  const own = sizeOf(t.shape.slice(0, -2));
  if (own === batch || own === 1) return t;
  return broadcastTo(t, [...batchShape, ...t.shape.slice(-2)]);
}

/** Elements between an operand's matrices: 0 for one matrix shared by every batch entry. */
function batchStride(t: Tensor, batch: number): number {
  const mat = t.shape[t.ndim - 2]! * t.shape[t.ndim - 1]!;
  return t.size === mat && batch !== 1 ? 0 : mat;
}
