/** The pure TypeScript backend: runs everywhere, the reference every faster backend is tested against. */
import type { BackendWithFusedKernels, Storage } from '../backend.js';
import { matmulThenBiasActivation } from '../matmul-bias-activation.js';
import { binaryKernel, broadcastKernel } from './binary.js';
import {
  cumsumKernel,
  gatherAxisKernel,
  scatterAddAxisKernel,
  selectKernel,
  stridedCopyKernel,
} from './indexing.js';
import { gatherRowsKernel, permuteKernel, scatterAddRowsKernel } from './layout.js';
import { matmulKernel } from './matmul.js';
import { argReduceKernel, reduceKernel } from './reduce.js';
import { gruCellGradKernel, gruCellKernel, lstmCellGradKernel, lstmCellKernel } from './rnn.js';
import {
  softmaxCrossEntropyGradKernel,
  softmaxCrossEntropyKernel,
  softmaxGradKernel,
  softmaxKernel,
} from './softmax.js';
import { ArrayStorage } from './storage.js';
import { unaryGradLoops, unaryLoops, unaryMapKernel } from './unary.js';
import { updateKernel } from './update.js';
import {
  avgPoolGradKernel,
  avgPoolKernel,
  col2imKernel,
  im2colKernel,
  maxPoolGradKernel,
  maxPoolKernel,
} from './window.js';

const v = (s: Storage): Float32Array => s.view();

export const tsBackend: BackendWithFusedKernels = {
  name: 'ts',
  alloc: (length) => new ArrayStorage(new Float32Array(length)),
  fromValues: (values) => new ArrayStorage(Float32Array.from(values)),
  slice: (s, start, end) => new ArrayStorage(v(s).subarray(start, end)),
  read: (s) => v(s).slice(),
  fill: (s, value) => {
    v(s).fill(value);
  },
  copy: (src, dst) => v(dst).set(v(src)),
  unary: (op, x, out, p0 = 0, p1 = 0) => unaryLoops[op](v(x), v(out), out.length, p0, p1),
  unaryMap: (x, out, fn, p0, p1) => unaryMapKernel(v(x), v(out), fn, p0, p1),
  unaryGrad: (op, x, y, dy, out, p0 = 0, p1 = 0) =>
    unaryGradLoops[op](v(x), v(y), v(dy), v(out), out.length, p0, p1),
  binary: (op, a, aStrides, b, bStrides, out, shape) =>
    binaryKernel(op, v(a), aStrides, v(b), bStrides, v(out), shape),
  broadcastTo: (x, xStrides, out, shape) => broadcastKernel(v(x), xStrides, v(out), shape),
  reduce: (op, x, outer, size, inner, out) => reduceKernel(op, v(x), outer, size, inner, v(out)),
  argReduce: (op, x, outer, size, inner, out) => argReduceKernel(op, v(x), outer, size, inner, v(out)),
  matmul: (a, b, out, spec) => matmulKernel(v(a), v(b), v(out), spec),
  permute: (x, shape, perm, out) => permuteKernel(v(x), shape, perm, v(out)),
  softmax: (x, outer, size, inner, out, log) => softmaxKernel(v(x), outer, size, inner, v(out), log),
  softmaxGrad: (y, dy, outer, size, inner, out, log) =>
    softmaxGradKernel(v(y), v(dy), outer, size, inner, v(out), log),
  gatherRows: (x, rowSize, indices, out) => gatherRowsKernel(v(x), rowSize, indices, v(out)),
  scatterAddRows: (dy, rowSize, indices, out) => scatterAddRowsKernel(v(dy), rowSize, indices, v(out)),
  stridedCopy: (src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate) =>
    stridedCopyKernel(v(src), srcOffset, srcStrides, v(dst), dstOffset, dstStrides, shape, accumulate),
  gatherAxis: (x, outer, size, inner, indices, out) =>
    gatherAxisKernel(v(x), outer, size, inner, indices, v(out)),
  scatterAddAxis: (updates, outer, size, inner, indices, out) =>
    scatterAddAxisKernel(v(updates), outer, size, inner, indices, v(out)),
  cumsum: (x, outer, size, inner, exclusive, reverse, out) =>
    cumsumKernel(v(x), outer, size, inner, exclusive, reverse, v(out)),
  select: (cond, cStrides, a, aStrides, b, bStrides, out, shape) =>
    selectKernel(v(cond), cStrides, v(a), aStrides, v(b), bStrides, v(out), shape),
  im2col: (x, g, out, padValue) => im2colKernel(v(x), g, v(out), padValue),
  col2im: (cols, g, out) => col2imKernel(v(cols), g, v(out)),
  maxPool: (x, g, out, argmax) => maxPoolKernel(v(x), g, v(out), v(argmax)),
  maxPoolGrad: (dy, argmax, g, dx) => maxPoolGradKernel(v(dy), v(argmax), g, v(dx)),
  avgPool: (x, g, out) => avgPoolKernel(v(x), g, v(out)),
  avgPoolGrad: (dy, g, dx) => avgPoolGradKernel(v(dy), g, v(dx)),
  biasActivation: (op, x, bias, out, cols, p0 = 0) => {
    binaryKernel('add', v(x), [cols, 1], v(bias), [0, 1], v(out), [out.length / cols, cols]);
    if (op !== null) unaryLoops[op](v(out), v(out), out.length, p0, 0);
  },
  matmulBiasActivation: (a, b, out, spec, bias, activation, p0) =>
    matmulThenBiasActivation(tsBackend, a, b, out, spec, bias, activation, p0),
  softmaxCrossEntropy: (z, y, rows, cols, loss, probs) =>
    softmaxCrossEntropyKernel(v(z), v(y), rows, cols, v(loss), v(probs)),
  softmaxCrossEntropyGrad: (probs, y, g, rows, cols, out) =>
    softmaxCrossEntropyGradKernel(v(probs), v(y), v(g), rows, cols, v(out)),
  update: (rule, w, g, state) => updateKernel(rule, v(w), v(g), state.map(v)),
  // Nothing packed to keep: every product reads its operands as they are.
  withConstants: (_constants, fn) => fn(),
  lstmCell: lstmCellKernel,
  lstmCellGrad: lstmCellGradKernel,
  gruCell: gruCellKernel,
  gruCellGrad: gruCellGradKernel,
};
