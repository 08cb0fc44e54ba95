/** The wasm backend's worker-thread matmul (Node): same bits as one thread, for every row split. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createWasmBackend, setGemmPoolFactory, wasmSimdSupported } from '../src/backend/wasm/index.js';
import { Rng } from '../src/index.js';
import { nodeGemmPool } from '../src/node/threads.js';

it('splits large products over worker threads with bit-identical results', {
  skip: !wasmSimdSupported(),
}, () => {
  setGemmPoolFactory(null);
  const single = createWasmBackend();
  // Count the products the workers really took part in, so a silent fallback cannot pass.
  let splits = 0;
  const factory = nodeGemmPool(2)!;
  setGemmPoolFactory((module, memory) => {
    const pool = factory(module, memory);
    return {
      workers: pool.workers,
      start: (jobs) => {
        const started = pool.start(jobs);
        if (started) splits++;
        return started;
      },
      wait: () => pool.wait(),
    };
  });
  const multi = createWasmBackend();
  setGemmPoolFactory(null);
  const rng = new Rng(3);
  // Shapes above the parallel threshold (2^24 multiply-adds), with row counts that do and do not divide evenly.
  for (const [m, k, n, transA, transB] of [
    [256, 512, 136, false, false],
    [257, 700, 101, false, true],
    [130, 1024, 130, true, false],
    [61, 2000, 140, true, true],
  ] as const) {
    const aValues = Float32Array.from({ length: m * k }, () => rng.normal());
    const bValues = Float32Array.from({ length: k * n }, () => rng.normal());
    const results = [single, multi].map((backend) => {
      const out = backend.alloc(m * n);
      backend.matmul(backend.fromValues(aValues), backend.fromValues(bValues), out, {
        batch: 1,
        m,
        k,
        n,
        transA,
        transB,
        aBatchStride: 0,
        bBatchStride: 0,
      });
      return backend.read(out);
    });
    assert.deepEqual(results[1], results[0], `${m}×${k}×${n} transA=${transA} transB=${transB}`);
    assert.ok(splits > 0, `${m}×${k}×${n}: the product was not split over the workers`);
    splits = 0;
    // And the product is right: spot-check one element against a float64 dot product.
    const A = (i: number, p: number) => (transA ? aValues[p * m + i]! : aValues[i * k + p]!);
    const B = (p: number, j: number) => (transB ? bValues[j * k + p]! : bValues[p * n + j]!);
    let expected = 0;
    for (let p = 0; p < k; p++) expected += A(m - 1, p) * B(p, n - 1);
    assert.ok(
      Math.abs(results[0]![m * n - 1]! - expected) < 1e-3 * Math.max(1, Math.abs(expected)),
      'last element',
    );
  }
});
