/**
 * `npm run bench`: backprop (every registered backend) and the TF.js peers (@tensorflow/tfjs
 * `cpu` and `@tensorflow/tfjs-backend-wasm`), side by side in one process on this machine:
 *
 *   1. matmul GFLOP/s at (100×784)·(784×100) and 512³
 *   2. MLP 784-100-10 (sigmoid, softmax cross-entropy, SGD lr 0.1), batch 100: seconds per epoch
 *      over the 60,000 real MNIST training images (model.fit in each library)
 *   3. inference images/s: the 10,000 test images, batch 1000
 *   4. a small CNN (conv 5×5×8 same → max pool 2 → conv 5×5×16 same → max pool 2 → dense 10, Adam,
 *      batch 64): seconds per 60k epoch and inference images/s. Slow rows time a subset of the
 *      epoch and extrapolate (marked in the table); TF.js wasm cannot train it (no
 *      Conv2DBackpropFilter kernel), which is recorded as such.
 *   5. row-by-row MNIST LSTM(128) (bench/rnn.ts): seconds per 60k epoch and inference sequences/s,
 *      beside TF.js and PyTorch's figures
 *   6. backprop vs PyTorch (bench/pytorch.ts): every row of the speed issue's table, PyTorch (Debian's
 *      python3-torch, bench/torch/*.py) run beside backprop workload by workload; skipped with a
 *      note where `/usr/bin/python3 -c "import torch"` fails
 *
 * Prints a table with backprop's ratio to each peer and writes docs/benchmarks.md. Options:
 * --epochs N (timed epochs per library, default 1), --skip-tfjs-cpu (its epoch takes ~25 s),
 * --rows (list the backprop-vs-PyTorch rows), --only ROW[,ROW…] (run just those rows of section 6,
 * print them and write nothing).
 * Timing lives here, never in tests.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createWasmBackend, setGemmPoolFactory, setSkipZeros } from '../src/backend/wasm/index.js';
import {
  bundledMnistDir,
  Conv2D,
  Dense,
  defaultThreadCount,
  Flatten,
  getBackend,
  listBackends,
  loadMnist,
  MaxPooling2D,
  manualSeed,
  nodeGemmPool,
  randn,
  registerBackend,
  Sequential,
  SGD,
  setBackend,
  type Tensor,
} from '../src/node/index.js';
import { comparisonRowIds, comparisonSection, runComparison } from './pytorch.js';
import { benchOursRowMnist, benchTfjsRowMnist, rnnSection } from './rnn.js';

const argv = process.argv.slice(2);
const DENSE_ONLY = 'wasm, zeros not skipped';
const epochs = Number(argv[argv.indexOf('--epochs') + 1]) || 1;
const skipTfCpu = argv.includes('--skip-tfjs-cpu');
const only = argv.includes('--only')
  ? (argv[argv.indexOf('--only') + 1] ?? '').split(',').filter(Boolean)
  : [];
if (
  argv.includes('--rows') ||
  (argv.includes('--only') &&
    (only.length === 0 || only.some((id) => !comparisonRowIds().some((r) => r.id === id))))
) {
  if (!argv.includes('--rows'))
    console.error(`--only takes row ids (comma-separated): unknown in "${only.join(',')}"`);
  for (const row of comparisonRowIds()) console.log(`${row.id.padEnd(16)} ${row.work}`);
  process.exit(argv.includes('--rows') ? 0 : 2);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Repeat `fn` in blocks of ≥ 0.3 s (after a warm-up); the median block's time per call, in seconds. */
function timeIt(fn: () => void, blocks = 3): number {
  for (let i = 0; i < 3; i++) fn();
  const per: number[] = [];
  for (let b = 0; b < blocks; b++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 300) {
      fn();
      n++;
    }
    per.push((performance.now() - t0) / 1000 / n);
  }
  return median(per);
}

type Row = { name: string; mm100: number; mm512: number; epoch: number; inference: number; accuracy: number };
const rows: Row[] = [];
const mnist = await loadMnist({ validationSize: 0 });
const { train, test } = mnist;
const mnistDir = bundledMnistDir();
const flops = (m: number, k: number, n: number) => 2 * m * k * n;

// ---- backprop, each backend --------------------------------------------------------------
// The wasm backend once more on a single thread: the per-thread figures (the issue's matmul target
// is per thread, and TF.js's wasm backend has no threads in Node).
setGemmPoolFactory(null);
registerBackend({ ...createWasmBackend(), name: 'wasm, 1 thread' });
setGemmPoolFactory(nodeGemmPool());
// And with every product on the dense kernels: the wasm backend skips the zeros of mostly-zero
// operands (MNIST's pixels are 81 % zeros; ReLU and max pooling zero most gradients), with the
// same results; this row shows what that is worth.
registerBackend({ ...createWasmBackend(), name: DENSE_ONLY });
if (only.length > 0) {
  const { rows: picked, torch, dense } = await runComparison(train, test, mnistDir, only);
  console.log(`\n${comparisonSection(picked, torch, dense)}`);
  process.exit(0);
}
for (const backend of listBackends()) {
  setBackend(backend);
  setSkipZeros(backend !== DENSE_ONLY);
  // The data in this backend's memory (tensors in another backend's memory take slower paths).
  const [xTrain, yTrain, xTest] = [train.x, train.y, test.x].map((t) => t.to(backend)) as [
    Tensor,
    Tensor,
    Tensor,
  ];
  const gflops = (m: number, k: number, n: number) => {
    const a = randn([m, k], { seed: 1 });
    const b = randn([k, n], { seed: 2 });
    return flops(m, k, n) / timeIt(() => a.matmul(b)) / 1e9;
  };
  const mm100 = gflops(100, 784, 100);
  const mm512 = gflops(512, 512, 512);
  const build = () => {
    manualSeed(0);
    const m = new Sequential();
    m.add(new Dense({ units: 100, activation: 'sigmoid', inputDim: 784 }));
    m.add(new Dense({ units: 10, activation: 'softmax' }));
    m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    return m;
  };
  await build().fit(xTrain.slice(0, 2000), yTrain.slice(0, 2000), {
    batchSize: 100,
    epochs: 1,
    verbose: 0,
  }); // warm-up
  const model = build();
  const times: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    await model.fit(xTrain, yTrain, { batchSize: 100, epochs: 1, verbose: 0 });
    times.push((performance.now() - t0) / 1000);
  }
  const inference = xTest.shape[0]! / timeIt(() => model.predict(xTest, { batchSize: 1000 }), 3);
  const predicted = model.predict(xTest, { batchSize: 1000 }).argmax(-1).dataSync();
  const accuracy = predicted.reduce((c, p, i) => c + (p === test.labels[i] ? 1 : 0), 0) / predicted.length;
  rows.push({
    name: `backprop (${getBackend().name})`,
    mm100,
    mm512,
    epoch: median(times),
    inference,
    accuracy,
  });
  console.log(JSON.stringify(rows.at(-1)));
}

// ---- TF.js peers ----------------------------------------------------------------------------
const wasmDir = join(
  dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'dist/',
);
setWasmPaths(wasmDir);
for (const backend of skipTfCpu ? ['wasm'] : ['wasm', 'cpu']) {
  await tf.setBackend(backend);
  await tf.ready();
  const gflops = (m: number, k: number, n: number) => {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    // Explicit dispose, as shared/peers/matmul_tfjs.mjs does: wrapping each call in tf.tidy costs
    // TF.js wasm about 4× at this size, which would not be a fair comparison.
    const t = timeIt(() => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    });
    a.dispose();
    b.dispose();
    return flops(m, k, n) / t / 1e9;
  };
  const mm100 = gflops(100, 784, 100);
  const mm512 = gflops(512, 512, 512);
  const xtr = tf.tensor2d(train.x.dataSync(), [train.x.shape[0]!, 784]);
  const ytr = tf.tensor2d(train.y.dataSync(), [train.y.shape[0]!, 10]);
  const xte = tf.tensor2d(test.x.dataSync(), [test.x.shape[0]!, 784]);
  const build = () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [784], units: 100, activation: 'sigmoid' }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    return m;
  };
  const warm = build();
  await warm.fit(xtr.slice([0, 0], [2000, 784]), ytr.slice([0, 0], [2000, 10]), {
    batchSize: 100,
    epochs: 1,
    verbose: 0,
  });
  warm.dispose();
  const model = build();
  const times: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    await model.fit(xtr, ytr, { batchSize: 100, epochs: 1, shuffle: true, verbose: 0, yieldEvery: 'never' });
    times.push((performance.now() - t0) / 1000);
  }
  const inference =
    test.x.shape[0]! /
    timeIt(() => tf.tidy(() => (model.predict(xte, { batchSize: 1000 }) as tf.Tensor).dataSync()), 3);
  const accuracy = tf.tidy(() => {
    const p = (model.predict(xte, { batchSize: 1000 }) as tf.Tensor).argMax(1).dataSync();
    let c = 0;
    for (let i = 0; i < p.length; i++) c += p[i] === test.labels[i] ? 1 : 0;
    return c / p.length;
  });
  rows.push({ name: `TF.js 4.22 ${backend}`, mm100, mm512, epoch: median(times), inference, accuracy });
  console.log(JSON.stringify(rows.at(-1)));
  model.dispose();
  tf.dispose([xtr, ytr, xte]);
}

setSkipZeros(true);

// ---- small CNN: backprop (each backend) and the TF.js peers ---------------------------------
type CnnRow = {
  name: string;
  epoch: number | null;
  timed: number;
  inference: number;
  accuracy: number | null;
  note: string;
};
const cnnRows: CnnRow[] = [];
const x4 = train.x.reshape([-1, 28, 28, 1]);
const xte4 = test.x.reshape([-1, 28, 28, 1]);
const accuracyOf = (labels: ArrayLike<number>) =>
  Array.from(labels).reduce((c: number, p, i) => c + (p === test.labels[i] ? 1 : 0), 0) / labels.length;

for (const backend of listBackends()) {
  setBackend(backend);
  setSkipZeros(backend !== DENSE_ONLY);
  const [xImages, yLabels, xTestImages] = [x4, train.y, xte4].map((t) => t.to(backend)) as [
    Tensor,
    Tensor,
    Tensor,
  ];
  const build = () => {
    manualSeed(0);
    const m = new Sequential();
    m.add(
      new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
    );
    m.add(new MaxPooling2D({ poolSize: 2 }));
    m.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }));
    m.add(new MaxPooling2D({ poolSize: 2 }));
    m.add(new Flatten());
    m.add(new Dense({ units: 10, activation: 'softmax' }));
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return m;
  };
  await build().fit(xImages.slice(0, 1280), yLabels.slice(0, 1280), { batchSize: 64, epochs: 1, verbose: 0 }); // warm-up
  // The TypeScript backend times a tenth of the epoch (a full one takes minutes).
  const n = backend === 'ts' ? 6000 : 60000;
  const model = build();
  const t0 = performance.now();
  await model.fit(xImages.slice(0, n), yLabels.slice(0, n), { batchSize: 64, epochs: 1, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const images = backend === 'ts' ? 2000 : 10000;
  const inference =
    images / timeIt(() => model.predict(xTestImages.slice(0, images), { batchSize: 1000 }), 1);
  const accuracy = accuracyOf(model.predict(xTestImages, { batchSize: 1000 }).argmax(-1).dataSync());
  cnnRows.push({
    name: `backprop (${getBackend().name})`,
    epoch: (seconds * 60000) / n,
    timed: n,
    inference,
    accuracy: n === 60000 ? accuracy : null,
    note: n === 60000 ? '' : `${n.toLocaleString('en-US')} images timed, ×${60000 / n}`,
  });
  console.log(JSON.stringify(cnnRows.at(-1)));
}

for (const backend of skipTfCpu ? ['wasm'] : ['wasm', 'cpu']) {
  await tf.setBackend(backend);
  await tf.ready();
  const build = () => {
    const m = tf.sequential();
    m.add(
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    return m;
  };
  // TF.js cpu needs about 90 s per 1,000 images: time 320 (5 batches) and extrapolate.
  const n = backend === 'cpu' ? 320 : 60000;
  const xtr = tf.tensor4d(train.x.dataSync().subarray(0, n * 784), [n, 28, 28, 1]);
  const ytr = tf.tensor2d(train.y.dataSync().subarray(0, n * 10), [n, 10]);
  const images = backend === 'cpu' ? 1000 : 10000;
  const xte = tf.tensor4d(test.x.dataSync().subarray(0, images * 784), [images, 28, 28, 1]);
  const model = build();
  let epoch: number | null = null;
  let note = n === 60000 ? '' : `${n} images timed, ×${60000 / n}`;
  try {
    const warm = build();
    await warm.fit(xtr.slice(0, 64), ytr.slice(0, 64), { batchSize: 64, epochs: 1, verbose: 0 });
    warm.dispose();
    const t0 = performance.now();
    await model.fit(xtr, ytr, { batchSize: 64, epochs: 1, shuffle: true, verbose: 0, yieldEvery: 'never' });
    epoch = (((performance.now() - t0) / 1000) * 60000) / n;
  } catch (error) {
    note = `cannot train: ${String((error as Error).message).slice(0, 90)}`;
  }
  const inference =
    images /
    timeIt(() => tf.tidy(() => (model.predict(xte, { batchSize: 1000 }) as tf.Tensor).dataSync()), 1);
  const accuracy =
    epoch !== null && n === 60000
      ? tf.tidy(() => accuracyOf((model.predict(xte, { batchSize: 1000 }) as tf.Tensor).argMax(1).dataSync()))
      : null;
  cnnRows.push({ name: `TF.js 4.22 ${backend}`, epoch, timed: n, inference, accuracy, note });
  console.log(JSON.stringify(cnnRows.at(-1)));
  model.dispose();
  tf.dispose([xtr, ytr, xte]);
}

// ---- row-by-row MNIST LSTM (bench/rnn.ts) -------------------------------------------------
setSkipZeros(true);
const rnnRows = [
  ...(await benchOursRowMnist(
    train,
    test,
    listBackends().filter((b) => b !== DENSE_ONLY),
  )),
  ...(await benchTfjsRowMnist(train, test, skipTfCpu ? ['wasm'] : ['wasm', 'cpu'])),
];
const rnnText = rnnSection(rnnRows);

// ---- backprop vs PyTorch, interleaved (bench/pytorch.ts) ------------------------------------
const comparison = await runComparison(train, test, mnistDir);
const comparisonText = comparisonSection(comparison.rows, comparison.torch, comparison.dense);

// ---- report ---------------------------------------------------------------------------------
const ours = rows.filter((r) => r.name.startsWith('backprop'));
const peers = rows.filter((r) => !r.name.startsWith('backprop'));
const f = (v: number, d = 2) => v.toFixed(d);
const table = [
  '| implementation | matmul (100×784)·(784×100) GFLOP/s | matmul 512³ GFLOP/s | MLP epoch s | inference images/s | test acc after the timed epochs |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${f(r.mm100)} | ${f(r.mm512)} | ${f(r.epoch)} | ${Math.round(r.inference).toLocaleString('en-US')} | ${f(r.accuracy * 100, 2)} % |`,
  ),
];
const ratios = ours.flatMap((o) =>
  peers.map(
    (p) =>
      `- ${o.name} vs ${p.name}: matmul ×${f(o.mm100 / p.mm100)} (100×784×100), ×${f(o.mm512 / p.mm512)} (512³); ` +
      `epoch ×${f(p.epoch / o.epoch)} faster; inference ×${f(o.inference / p.inference)}`,
  ),
);
const cnnTable = [
  '| implementation | CNN epoch s (60k, batch 64) | inference images/s | test acc after 1 epoch | note |',
  '|---|---|---|---|---|',
  ...cnnRows.map(
    (r) =>
      `| ${r.name} | ${r.epoch === null ? '—' : f(r.epoch, 1)} | ${Math.round(r.inference).toLocaleString('en-US')} | ${r.accuracy === null ? '—' : `${f(r.accuracy * 100)} %`} | ${r.note} |`,
  ),
];
const fastest = cnnRows
  .filter((r) => r.name.startsWith('backprop') && r.epoch !== null)
  .sort((a, b) => a.epoch! - b.epoch!)[0];
const cnnRatios = fastest
  ? cnnRows
      .filter((r) => !r.name.startsWith('backprop'))
      .map(
        (p) =>
          `- ${fastest.name} vs ${p.name}: epoch ${p.epoch === null ? 'n/a (it cannot train this network)' : `×${f(p.epoch / fastest.epoch!)} faster`}; inference ×${f(fastest.inference / p.inference)}`,
      )
  : [];
const cpu = cpus();
const machine = `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
const text = `# Benchmarks

Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} — ${machine}.
All rows ran in the same process, one after another (${epochs} timed epoch(s) each, after a warm-up).
backprop (wasm) splits large matrix products, im2col, pooling and bias + activation over ${defaultThreadCount()} thread(s) (BACKPROP_THREADS); the
TF.js wasm backend has no threads in Node; "wasm, 1 thread" is the same backend without them.
Products whose left operand is mostly zeros skip the zeros (MNIST's pixels are 81 % zeros; ReLU and
max pooling leave most convolution gradients zero), with the dense kernels' results bit for bit;
"wasm, zeros not skipped" is the backend with that turned off (\`setSkipZeros(false)\`). The matmul
columns use random (dense) matrices, so they measure the dense kernels in every row.
ratios above 1 favour backprop. On this 2-vCPU virtual machine numbers move by up to 2× within an hour
(both libraries alike, with its neighbours' load: compare ratios from one run); inference (the median of three\n10,000-image passes) moves most, TF.js wasm's by up to 2× between runs.

${table.join('\n')}

${ratios.join('\n')}

## Small CNN

conv 5×5×8 (same) + ReLU → max pool 2 → conv 5×5×16 (same) + ReLU → max pool 2 → dense 10 softmax,
Adam 1e-3, batch 64, one epoch over the 60,000 training images; inference on the test images, batch 1000.

${cnnTable.join('\n')}

${cnnRatios.join('\n')}

PyTorch 1.13 on this machine class (shared/peers/RESULTS.md; this run's figures: "backprop vs PyTorch" below): 3.3 s per epoch with 2
threads, 5.3 s with 1, 97.7 % after one epoch; inference 13–17k images/s at batch 1000.

Reference figures measured separately on this machine class (shared/peers/RESULTS.md, not rerun
here): PyTorch 1.13 CPU 0.17 s per epoch (2 threads, OpenBLAS), NumPy 0.18 s; matmul 190–230
GFLOP/s per core: native AVX-512 FMA does 32 float operations per instruction, WebAssembly SIMD128's
separate multiply and add 4.

${rnnText}
${comparisonText}`;
writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), text);
console.log(
  `\n${table.join('\n')}\n\n${ratios.join('\n')}\n\n${cnnTable.join('\n')}\n\n${cnnRatios.join('\n')}\n\n${rnnText}\n${comparisonText}\nwritten to docs/benchmarks.md`,
);
