/**
 * Outside fit(), wasm blocks come back only when the event loop turns, so a synchronous
 * hand-written loop could exhaust the memory. Past a soft limit the backend hands out ordinary
 * arrays instead, and every kernel (the compiled ones too) accepts them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tsBackend } from '../src/backend/ts/index.js';
import { createWasmBackend, wasmSimdSupported } from '../src/backend/wasm/index.js';
import { WasmStorage } from '../src/backend/wasm/memory.js';
import { Rng } from '../src/index.js';

it('wasm: past the soft limit, storage moves to ordinary arrays and kernels still agree', {
  skip: !wasmSimdSupported(),
}, () => {
  const wasm = createWasmBackend();
  const rng = new Rng(5);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const inWasm = wasm.fromValues(values(12 * 7));
  assert.ok(inWasm instanceof WasmStorage, 'first tensors live in wasm memory');
  // Lower the limit to what is in use: the next block cannot come from the bump pointer.
  const heap = (inWasm as WasmStorage).heap;
  heap.softLimit = heap.highWater;
  const a = values(12 * 7);
  const outside = wasm.fromValues(a);
  assert.ok(!(outside instanceof WasmStorage), 'past the soft limit: an ordinary array');
  // matmul with operands on either side of the line, against the TypeScript kernel.
  const spec = {
    batch: 1,
    m: 12,
    k: 7,
    n: 12,
    transA: false,
    transB: true,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  for (const [x, y] of [
    [outside, inWasm],
    [inWasm, outside],
  ] as const) {
    const out = wasm.alloc(144);
    wasm.matmul(x, y, out, spec);
    const ref = tsBackend.alloc(144);
    tsBackend.matmul(tsBackend.fromValues(wasm.read(x)), tsBackend.fromValues(wasm.read(y)), ref, spec);
    const got = wasm.read(out);
    const want = tsBackend.read(ref);
    for (let i = 0; i < 144; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4, `matmul element ${i}`);
  }
  // Element-wise kernels and slices fall back to the TypeScript loops.
  const y = wasm.alloc(a.length);
  wasm.unary('relu', outside, y);
  assert.deepEqual(
    Array.from(wasm.read(y)),
    Array.from(a, (v) => (v < 0 ? 0 : v)),
  );
  assert.deepEqual(Array.from(wasm.read(wasm.slice(outside, 3, 5))), [a[3], a[4]]);
});
