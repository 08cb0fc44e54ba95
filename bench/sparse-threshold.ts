/**
 * Where skipping zeros starts to pay (sparse.ts SPARSE_MIN_ZEROS, matmul.ts WIDE_MIN_ZEROS): each
 * product shape the bench workloads run with a ReLU (or image) operand A, timed with A's zeros
 * skipped whatever their share (setSkipZeros('always')) and not skipped (setSkipZeros(false)),
 * alternately, at several shares of zeros in random positions (as ReLU outputs). Prints the time
 * ratio skipped / dense per share and the share where the two cross (linear interpolation).
 * Packing is included as the product pays it: per call in training; once per scope for inference
 * (predict declares its weights constant: constant-packs.ts), so those shapes run inside
 * withConstants. Run with 1 and 2 threads:
 *
 *   flock /tmp/cpu.lock env BACKPROP_THREADS=1 node --import tsx bench/sparse-threshold.ts
 *   flock /tmp/cpu.lock env BACKPROP_THREADS=2 node --import tsx bench/sparse-threshold.ts
 *
 * An argument filters the shapes by label (e.g. `wide`).
 */
import type { MatmulSpec } from '../src/backend/backend.js';
import { setSkipZeros } from '../src/backend/wasm/index.js';
import { defaultThreadCount, getBackend, Rng, randn, tensor } from '../src/node/index.js';

interface Shape {
  label: string;
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
  /** B declared constant (inference: packed once per predict call). */
  constant?: boolean;
}
const SHAPES: Shape[] = [
  { label: 'wide-mlp h1·W2', m: 128, k: 1024, n: 1024 },
  { label: 'wide-mlp dZ2·W2ᵀ', m: 128, k: 1024, n: 1024, transB: true },
  { label: 'wide-mlp h1ᵀ·dZ2', m: 1024, k: 128, n: 1024, transA: true },
  { label: 'wide-mlp xᵀ·dZ1', m: 784, k: 128, n: 1024, transA: true },
  { label: 'wide-mlp x·W1', m: 128, k: 784, n: 1024 },
  { label: 'wide-mlp-infer h1·W2', m: 500, k: 1024, n: 1024, constant: true },
  { label: 'wide-mlp-infer x·W1', m: 500, k: 784, n: 1024, constant: true },
  { label: 'mlp x·W1', m: 100, k: 784, n: 100 },
  { label: 'mlp xᵀ·dZ1', m: 784, k: 100, n: 100, transA: true },
  { label: 'mlp-infer x·W1', m: 1000, k: 784, n: 100, constant: true },
  { label: 'mnist-cnn flat·W', m: 128, k: 9216, n: 128 },
  { label: 'mnist-cnn flatᵀ·dZ', m: 9216, k: 128, n: 128, transA: true },
  { label: 'mnist-cnn dZ·Wᵀ', m: 128, k: 128, n: 9216, transB: true },
];
const SHARES = [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8];

const backend = getBackend();
const rng = new Rng(7);
const filter = process.argv[2];
console.log(`threads ${defaultThreadCount()}; time with zeros skipped / not skipped, by share of zeros in A`);
console.log(
  `  ${'product'.padEnd(40)} ${'dense ms'.padStart(8)}  ${SHARES.map((z) => `${z * 100} %`.padStart(6)).join(' ')}  even`,
);
for (const s of SHAPES) {
  if (filter && !s.label.includes(filter)) continue;
  const { m, k, n } = s;
  const transA = s.transA ?? false;
  const transB = s.transB ?? false;
  const b = randn(transB ? [n, k] : [k, n]);
  const out = randn([m, n]);
  const spec: MatmulSpec = { batch: 1, m, k, n, transA, transB, aBatchStride: 0, bBatchStride: 0 };
  const scoped = <T>(fn: () => T): T =>
    s.constant && backend.withConstants ? backend.withConstants([b.storage], fn) : fn();
  const ratios: number[] = [];
  let denseMs = 0;
  for (const share of SHARES) {
    const vals = new Float32Array(m * k);
    for (let i = 0; i < vals.length; i++) vals[i] = rng.uniform() < share ? 0 : rng.normal();
    const a = tensor(vals, { shape: transA ? [k, m] : [m, k] });
    const once = () => backend.matmul(a.storage, b.storage, out.storage, spec);
    // Enough calls per round for ~15 ms; rounds alternate the two paths; median of 7.
    const t0 = performance.now();
    scoped(once);
    const reps = Math.max(1, Math.round(15 / Math.max(0.01, performance.now() - t0)));
    const times: [number[], number[]] = [[], []];
    scoped(() => {
      for (let r = 0; r < 7; r++) {
        for (const [i, mode] of (['always', false] as const).entries()) {
          setSkipZeros(mode);
          once();
          const start = performance.now();
          for (let j = 0; j < reps; j++) once();
          times[i]!.push((performance.now() - start) / reps);
        }
      }
    });
    setSkipZeros(true);
    const [sparse, dense] = times.map((t) => t.sort((p, q) => p - q)[3]!);
    ratios.push(sparse! / dense!);
    denseMs += dense! / SHARES.length;
  }
  // The share where the ratio crosses 1 (first crossing from above).
  let even = '  —';
  if (ratios[0]! <= 1) even = `<${SHARES[0]! * 100}`;
  else
    for (let i = 1; i < SHARES.length; i++)
      if (ratios[i]! <= 1) {
        const [z0, z1, r0, r1] = [SHARES[i - 1]!, SHARES[i]!, ratios[i - 1]!, ratios[i]!];
        even = `${Math.round(100 * (z0 + ((r0 - 1) / (r0 - r1)) * (z1 - z0)))} %`;
        break;
      }
  const label = `${m}×${k}×${n}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}${s.constant ? ' const B' : ''} ${s.label}`;
  console.log(
    `  ${label.padEnd(40)} ${denseMs.toFixed(2).padStart(8)}  ${ratios.map((r) => r.toFixed(2).padStart(6)).join(' ')}  ${even}`,
  );
}
