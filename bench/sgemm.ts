/**
 * Single-thread sgemm GFLOP/s of the wasm backend's kernels, plain SIMD beside relaxed SIMD (fused
 * multiply-add) when the engine runs it — the figure issue 19 targets (512³ ≥ 50 GFLOP/s relaxed):
 *
 *   flock /tmp/cpu.lock bash scripts/node22.sh node --import tsx bench/sgemm.ts [512 100x784x100 …]
 *
 * (Node 20: add --experimental-wasm-relaxed-simd, else only the plain column.) Each size is m×k×n
 * (suffix t: A stored transposed, [k, m]), or one number for a cube. C = A·B, B row-major, through
 * the backend's matmul (B and A packed each call, as in training). The builds run alternately,
 * round after round, so drift in the machine's speed hits both; the median round is reported. The
 * backend is built directly from src/backend/wasm, with no worker pool registered: one thread.
 */
import type { MatmulSpec } from '../src/backend/backend.js';
import { chooseWasmSimd, createWasmBackend, type WasmSimd } from '../src/backend/wasm/index.js';
import { Rng } from '../src/index.js';

// Defaults: the cube, the MLPs' products, and a convolution part's forward (3×3×32 → 64 filters
// over 4 images of 24×24) and weight-gradient (A transposed: suffix t) products.
const defaults = ['512', '100x784x100', '128x1024x1024', '2304x288x64', '288x2304x64t'];
const sizes = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : defaults).map((text) => {
  const transA = text.endsWith('t');
  const parts = text.replace(/t$/, '').split('x').map(Number);
  const [m, k, n] =
    parts.length === 1 ? [parts[0]!, parts[0]!, parts[0]!] : (parts as [number, number, number]);
  if (![m, k, n].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`bench/sgemm: bad size ${text}`);
  return { m, k, n, transA };
});

let relaxed = false;
try {
  relaxed = chooseWasmSimd('auto') === 'relaxed';
} catch {
  relaxed = false;
}
const builds: WasmSimd[] = relaxed ? ['plain', 'relaxed'] : ['plain'];
const rng = new Rng(1);
const backends = builds.map((simd) => createWasmBackend({ simd }));
const ROUNDS = 24;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

console.log(`node ${process.version}; relaxed SIMD ${relaxed ? 'available' : 'not available (plain only)'}`);
console.log(`size (m×k×n)        ${builds.map((b) => `${b.padStart(8)} GFLOP/s`).join('  ')}`);
for (const { m, k, n, transA } of sizes) {
  const a = Float32Array.from({ length: m * k }, () => rng.normal());
  const b = Float32Array.from({ length: k * n }, () => rng.normal());
  const spec: MatmulSpec = { batch: 1, m, k, n, transA, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const flops = 2 * m * k * n;
  const times = backends.map(() => [] as number[]);
  const storages = backends.map((be) => ({ a: be.fromValues(a), b: be.fromValues(b), c: be.alloc(m * n) }));
  // ~0.1 s per round and build.
  const reps = Math.max(1, Math.round(4e9 / flops));
  for (let round = 0; round < ROUNDS + 2; round++) {
    backends.forEach((be, i) => {
      const s = storages[i]!;
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) be.matmul(s.a, s.b, s.c, spec);
      // The first two rounds warm up (tier-up, caches).
      if (round >= 2) times[i]!.push((performance.now() - t0) / reps);
    });
  }
  const figures = times.map((t) => (flops / median(t) / 1e6).toFixed(1).padStart(16));
  console.log(`${`${m}×${k}×${n}${transA ? ' Aᵀ' : ''}`.padEnd(20)}${figures.join('  ')}`);
}
