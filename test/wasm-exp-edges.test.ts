/**
 * The wasm kernels' vector exponential (assembly/math.ts expParts) at the edges of float32's range,
 * through the unary ops that use it: exp overflows to +Inf and underflows to exactly 0, sigmoid
 * reaches exactly 0 and 1, tanh exactly ±1 and keeps NaN — the variants tanh and sigmoid
 * use (with steps left out that cannot change their results) must keep these bits.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { UnaryOp } from '../src/backend/backend.js';
import { createWasmBackend, wasmSimdSupported } from '../src/backend/wasm/index.js';

const skip = !wasmSimdSupported();

function unary(op: UnaryOp, xs: number[]): Float32Array {
  const wasm = createWasmBackend();
  // Five of each, so both the four-lane loop and the tail see them.
  const x = wasm.fromValues(Float32Array.from(xs.flatMap((v) => [v, v, v, v, v])));
  const y = wasm.alloc(x.length);
  wasm.unary(op, x, y, 0);
  const out = y.view() as Float32Array;
  return Float32Array.from(xs, (_, i) => out[5 * i]!);
}

it('wasm exp, sigmoid and tanh keep their exact values at the edges of the range', { skip }, () => {
  const exp = unary('exp', [
    -87.4,
    -100,
    Number.NEGATIVE_INFINITY,
    88.8,
    100,
    Number.POSITIVE_INFINITY,
    -0,
    88.7,
  ]);
  assert.deepEqual(Array.from(exp.subarray(0, 7)), [0, 0, 0, Infinity, Infinity, Infinity, 1]);
  assert.ok(Number.isFinite(exp[7]!) && exp[7]! > 3e38, `exp(88.7) = ${exp[7]}`);
  const big = [88.8, 89, 100, Number.POSITIVE_INFINITY, 87.4, 88];
  const sig = unary('sigmoid', [...big.map((v) => -v), ...big]);
  // Below −88.72 exactly 0 (e^−x is +Inf); −87.4 and −88 still give a tiny nonzero value.
  assert.deepEqual(Array.from(sig.subarray(0, 4)), [0, 0, 0, 0]);
  assert.ok(
    sig[4]! > 0 && sig[5]! > 0 && sig[4]! < 1e-37,
    `sigmoid(−87.4) = ${sig[4]}, sigmoid(−88) = ${sig[5]}`,
  );
  assert.deepEqual(Array.from(sig.subarray(6)), [1, 1, 1, 1, 1, 1]);
  const tanh = unary('tanh', [
    -50,
    -100,
    Number.NEGATIVE_INFINITY,
    50,
    100,
    Number.POSITIVE_INFINITY,
    -0,
    0,
    Number.NaN,
  ]);
  assert.deepEqual(Array.from(tanh.subarray(0, 6)), [-1, -1, -1, 1, 1, 1]);
  assert.ok(tanh[6] === 0 && tanh[7] === 0 && Number.isNaN(tanh[8]), 'tanh(−0), tanh(0), tanh(NaN)');
});
