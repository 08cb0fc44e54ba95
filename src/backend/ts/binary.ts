/**
 * Element-wise kernels of two inputs with NumPy broadcasting. The output is walked row by row
 * (its last dimension); each input advances by its own stride, 0 where it is broadcast, so a bias
 * add [m, n] + [n] is m calls of one tight loop and same-shape inputs are a single call.
 */
import type { BinaryOp } from '../backend.js';

type RowLoop = (
  a: Float32Array,
  ao: number,
  sa: number,
  b: Float32Array,
  bo: number,
  sb: number,
  o: Float32Array,
  oo: number,
  n: number,
) => void;

export const binaryRows: Record<BinaryOp, RowLoop> = {
  add: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! + b[bo + i * sb]!;
  },
  sub: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! - b[bo + i * sb]!;
  },
  mul: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! * b[bo + i * sb]!;
  },
  div: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! / b[bo + i * sb]!;
  },
  pow: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! ** b[bo + i * sb]!;
  },
  maximum: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[ao + i * sa]!;
      const y = b[bo + i * sb]!;
      o[oo + i] = x >= y ? x : y;
    }
  },
  minimum: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[ao + i * sa]!;
      const y = b[bo + i * sb]!;
      o[oo + i] = x <= y ? x : y;
    }
  },
  eq: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] === b[bo + i * sb] ? 1 : 0;
  },
  gt: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! > b[bo + i * sb]! ? 1 : 0;
  },
  ge: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! >= b[bo + i * sb]! ? 1 : 0;
  },
  lt: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! < b[bo + i * sb]! ? 1 : 0;
  },
  le: (a, ao, sa, b, bo, sb, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]! <= b[bo + i * sb]! ? 1 : 0;
  },
};

const copyRow: RowLoop = (a, ao, sa, _b, _bo, _sb, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa]!;
};

/**
 * Walk a contiguous output of `shape` row by row, advancing two strided inputs alongside.
 * Rows of inputs that are contiguous and unbroadcast are merged into one long row first.
 */
function walkRows(
  row: RowLoop,
  a: Float32Array,
  aStrides: readonly number[],
  b: Float32Array,
  bStrides: readonly number[],
  o: Float32Array,
  shape: readonly number[],
): void {
  const size = o.length;
  if (size === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    row(a, 0, 0, b, 0, 0, o, 0, 1);
    return;
  }
  // Whole-tensor fast paths: same layout, or one side a single repeated value.
  const aKind = layoutKind(aStrides, shape);
  const bKind = layoutKind(bStrides, shape);
  if (aKind !== 'strided' && bKind !== 'strided') {
    row(a, 0, aKind === 'contiguous' ? 1 : 0, b, 0, bKind === 'contiguous' ? 1 : 0, o, 0, size);
    return;
  }
  const n = shape[nd - 1]!;
  const sa = aStrides[nd - 1]!;
  const sb = bStrides[nd - 1]!;
  const rows = size / n;
  const idx = new Int32Array(nd);
  let ao = 0;
  let bo = 0;
  for (let r = 0, oo = 0; r < rows; r++, oo += n) {
    row(a, ao, sa, b, bo, sb, o, oo, n);
    for (let d = nd - 2; d >= 0; d--) {
      ao += aStrides[d]!;
      bo += bStrides[d]!;
      if (++idx[d]! < shape[d]!) break;
      ao -= aStrides[d]! * shape[d]!;
      bo -= bStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

function layoutKind(
  strides: readonly number[],
  shape: readonly number[],
): 'contiguous' | 'scalar' | 'strided' {
  let expected = 1;
  let contiguous = true;
  let scalar = true;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (strides[d] !== expected) contiguous = false;
    if (strides[d] !== 0) scalar = false;
    expected *= shape[d]!;
  }
  return contiguous ? 'contiguous' : scalar ? 'scalar' : 'strided';
}

export function binaryKernel(
  op: BinaryOp,
  a: Float32Array,
  aStrides: readonly number[],
  b: Float32Array,
  bStrides: readonly number[],
  o: Float32Array,
  shape: readonly number[],
): void {
  walkRows(binaryRows[op], a, aStrides, b, bStrides, o, shape);
}

export function broadcastKernel(
  x: Float32Array,
  xStrides: readonly number[],
  o: Float32Array,
  shape: readonly number[],
) {
  walkRows(copyRow, x, xStrides, x, xStrides, o, shape);
}
