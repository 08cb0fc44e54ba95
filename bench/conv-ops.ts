/**
 * The convolution and pooling kernels of the two CNN rows one by one (issue 19): best time (of 15) of each
 * backend call at the rows' shapes, with MNIST images and a realistic output gradient (ReLU and max
 * pooling leave ~80 % of it zero), and GFLOP/s for the products (2·m·k·n, dense count). The second
 * convolutions' input is ReLU'd (~65 % zeros), or has X_ZEROS of them (positive values otherwise);
 * DENSE=1 skips no zeros anywhere.
 *
 *   flock /tmp/cpu.lock node --import tsx bench/conv-ops.ts
 *   flock /tmp/cpu.lock env X_ZEROS=0.75 DENSE=1 node --import tsx bench/conv-ops.ts
 */
import { setSkipZeros } from '../src/backend/wasm/index.js';
import { getBackend, loadMnist, manualSeed, randn, type Tensor, tensor } from '../src/node/index.js';
import { windowGeometry } from '../src/ops/conv/geometry.js';

// DENSE=1: no zeros skipped anywhere (the dense kernels' time, for comparison).
if (process.env.DENSE) setSkipZeros(false);
manualSeed(0);
const { train } = await loadMnist({ validationSize: 0, oneHot: true });
const backend = getBackend();

function time(fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn();
  const t: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) fn();
    t.push((performance.now() - t0) / 5);
  }
  return Math.min(...t);
}
/** Values with a fraction `zeros` set to zero (a ReLU'd, pooled gradient). */
function sparse(shape: number[], zeros: number): Tensor {
  const t = randn(shape);
  const v = t.dataSync().slice();
  for (let i = 0; i < v.length; i++) if (((i * 2654435761) >>> 0) / 2 ** 32 < zeros) v[i] = 0;
  return tensor(v).reshape(shape);
}
const layers = [
  {
    name: 'cnn conv1 5×5×1→8 same',
    batch: 64,
    h: 28,
    c: 1,
    k: 5,
    f: 8,
    padding: 'same' as const,
    input: 'mnist',
  },
  {
    name: 'cnn conv2 5×5×8→16 same',
    batch: 64,
    h: 14,
    c: 8,
    k: 5,
    f: 16,
    padding: 'same' as const,
    input: 'relu',
  },
  {
    name: 'mnist-cnn conv1 3×3×1→32',
    batch: 128,
    h: 28,
    c: 1,
    k: 3,
    f: 32,
    padding: 'valid' as const,
    input: 'mnist',
  },
  {
    name: 'mnist-cnn conv2 3×3×32→64',
    batch: 128,
    h: 26,
    c: 32,
    k: 3,
    f: 64,
    padding: 'valid' as const,
    input: 'relu',
  },
];
for (const l of layers) {
  const x =
    l.input === 'mnist'
      ? train.x.slice(0, l.batch).reshape([l.batch, l.h, l.h, l.c])
      : process.env.X_ZEROS
        ? sparse([l.batch, l.h, l.h, l.c], Number(process.env.X_ZEROS)).abs()
        : sparse([l.batch, l.h, l.h, l.c], 0.3).relu();
  const g = windowGeometry('conv2d', x.shape, [l.k, l.k], [1, 1], [1, 1], l.padding);
  const w = randn([l.k, l.k, l.c, l.f]).mul(0.1);
  const out = backend.alloc(l.batch * g.outH * g.outW * l.f);
  const dy = sparse([l.batch, g.outH, g.outW, l.f], 0.8);
  const dw = backend.alloc(w.size);
  const dx = backend.alloc(x.size);
  const flops = (2 * l.batch * g.outH * g.outW * l.k * l.k * l.c * l.f) / 1e9;
  const row = (what: string, ms: number) =>
    console.log(
      `${l.name.padEnd(28)} ${what.padEnd(14)} ${ms.toFixed(3).padStart(7)} ms  ${(flops / (ms / 1000)).toFixed(0).padStart(4)} GFLOP/s`,
    );
  row(
    'forward',
    time(() => backend.convForward!(x.storage, g, w.storage, l.f, out)),
  );
  row(
    'kernel grad',
    time(() => backend.convKernelGrad!(x.storage, g, dy.storage, l.f, dw)),
  );
  if (l.input !== 'mnist')
    row(
      'input grad',
      time(() => backend.convInputGrad!(dy.storage, g, w.storage, l.f, dx)),
    );
}

// Max pooling 2×2 of each ReLU'd conv output (forward, and the gradient scattered back).
const pools = [
  { name: 'cnn pool1 28×28×8', batch: 64, h: 28, c: 8 },
  { name: 'cnn pool2 14×14×16', batch: 64, h: 14, c: 16 },
  { name: 'mnist-cnn pool 24×24×64', batch: 128, h: 24, c: 64 },
];
for (const p of pools) {
  const x = sparse([p.batch, p.h, p.h, p.c], 0.3).relu();
  const g = windowGeometry('maxPool2d', x.shape, [2, 2], [2, 2], [1, 1], 'valid');
  const outSize = p.batch * g.outH * g.outW * p.c;
  const out = backend.alloc(outSize);
  const argmax = backend.alloc(outSize);
  const dy = sparse([outSize], 0.5);
  const dx = backend.alloc(x.size);
  const mb = (x.size * 4) / 1e6;
  const row = (what: string, ms: number) =>
    console.log(
      `${p.name.padEnd(28)} ${what.padEnd(14)} ${ms.toFixed(3).padStart(7)} ms  ${(mb / ms).toFixed(1).padStart(5)} GB/s of input`,
    );
  row(
    'maxPool',
    time(() => backend.maxPool(x.storage, g, out, argmax)),
  );
  row(
    'maxPoolGrad',
    time(() => backend.maxPoolGrad(dy.storage, argmax, g, dx)),
  );
}
