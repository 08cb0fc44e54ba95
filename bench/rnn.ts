/**
 * The row-by-row MNIST LSTM rows of `npm run bench` (called from bench/run.ts): each image read as
 * 28 steps of 28 pixels, LSTM(128) → dense 10 softmax, Adam 1e-3, batch 128 — seconds per 60k
 * epoch and inference sequences/s, for every backprop backend and the TF.js peers in the same
 * process. Slow rows time a few batches and extrapolate (marked in the table); a peer that cannot
 * train it is recorded as such. PyTorch's figures (measured separately on this machine class) are
 * quoted as the reference.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  Dense,
  getBackend,
  LSTM,
  listBackends,
  manualSeed,
  Reshape,
  Sequential,
  setBackend,
  type Tensor,
} from '../src/node/index.js';

export type RnnRow = {
  name: string;
  /** Seconds per 60,000-image epoch (extrapolated when `timed` < 60000); null: cannot train. */
  epoch: number | null;
  timed: number;
  inference: number;
  accuracy: number | null;
  note: string;
};

interface MnistSplit {
  x: Tensor;
  y: Tensor;
  labels: ArrayLike<number>;
}

const BATCH = 128;
/** PyTorch 1.13 CPU on this machine class (issue 15): nn.LSTM(28, 128) + dense 10, Adam 1e-3, batch 128. */
export const PYTORCH_LSTM = { epoch: 9.1, inference: 13000, accuracy5: 97.7 };

function accuracyOf(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) right++;
  return right / predicted.length;
}

function buildLstm(): Sequential {
  manualSeed(0);
  const model = new Sequential({ name: 'row_mnist_lstm' });
  model.add(new Reshape({ targetShape: [28, 28], inputShape: [784] }));
  model.add(new LSTM({ units: 128 }));
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  return model;
}

/** backprop on each registered backend: a full epoch on wasm, a slice of one on the TypeScript backend. */
export async function benchOursRowMnist(
  train: MnistSplit,
  test: MnistSplit,
  backends: readonly string[] = listBackends(),
): Promise<RnnRow[]> {
  const rows: RnnRow[] = [];
  const previous = getBackend().name;
  for (const backend of backends) {
    setBackend(backend);
    const [x, y, xTest] = [train.x, train.y, test.x].map((t) => t.to(backend)) as [Tensor, Tensor, Tensor];
    await buildLstm().fit(x.slice(0, 4 * BATCH), y.slice(0, 4 * BATCH), {
      batchSize: BATCH,
      epochs: 1,
      verbose: 0,
    });
    const n = backend === 'ts' ? 10 * BATCH : 60000;
    const model = buildLstm();
    const t0 = performance.now();
    await model.fit(x.slice(0, n), y.slice(0, n), { batchSize: BATCH, epochs: 1, verbose: 0 });
    const seconds = (performance.now() - t0) / 1000;
    const images = backend === 'ts' ? 2000 : 10000;
    const t1 = performance.now();
    const predicted = model.predict(xTest.slice(0, images), { batchSize: 1000 }).argmax(-1).dataSync();
    const inference = images / ((performance.now() - t1) / 1000);
    rows.push({
      name: `backprop (${backend})`,
      epoch: (seconds * 60000) / n,
      timed: n,
      inference,
      accuracy: n === 60000 ? accuracyOf(predicted, test.labels) : null,
      note: n === 60000 ? '' : `${n.toLocaleString('en-US')} images timed, ×${(60000 / n).toFixed(1)}`,
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
  setBackend(previous);
  return rows;
}

/** TF.js (already set up by the caller) on its wasm and cpu backends: a few batches, extrapolated. */
export async function benchTfjsRowMnist(
  train: MnistSplit,
  test: MnistSplit,
  backends: readonly string[],
): Promise<RnnRow[]> {
  const rows: RnnRow[] = [];
  for (const backend of backends) {
    await tf.setBackend(backend);
    await tf.ready();
    const build = () => {
      const m = tf.sequential();
      m.add(tf.layers.lstm({ units: 128, inputShape: [28, 28] }));
      m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
      m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      return m;
    };
    const n = 5 * BATCH;
    const images = 1000;
    const xtr = tf.tensor3d(train.x.dataSync().subarray(0, n * 784), [n, 28, 28]);
    const ytr = tf.tensor2d(train.y.dataSync().subarray(0, n * 10), [n, 10]);
    const xte = tf.tensor3d(test.x.dataSync().subarray(0, images * 784), [images, 28, 28]);
    const model = build();
    let epoch: number | null = null;
    let note = `${n} images timed, ×${(60000 / n).toFixed(0)}`;
    try {
      await model.fit(xtr.slice(0, BATCH), ytr.slice(0, BATCH), { batchSize: BATCH, epochs: 1, verbose: 0 });
      const t0 = performance.now();
      await model.fit(xtr, ytr, { batchSize: BATCH, epochs: 1, verbose: 0, yieldEvery: 'never' });
      epoch = (((performance.now() - t0) / 1000) * 60000) / n;
    } catch (error) {
      note = `cannot train: ${String((error as Error).message).slice(0, 90)}`;
    }
    tf.tidy(() => (model.predict(xte.slice(0, 100)) as tf.Tensor).dataSync()); // warm-up
    const t1 = performance.now();
    tf.tidy(() => (model.predict(xte, { batchSize: 1000 }) as tf.Tensor).dataSync());
    const inference = images / ((performance.now() - t1) / 1000);
    rows.push({ name: `TF.js 4.22 ${backend}`, epoch, timed: n, inference, accuracy: null, note });
    console.log(JSON.stringify(rows.at(-1)));
    model.dispose();
    tf.dispose([xtr, ytr, xte]);
  }
  return rows;
}

/** The markdown section: table, ratios to each peer and to PyTorch's figures. */
export function rnnSection(rows: readonly RnnRow[]): string {
  const f = (v: number, d = 2) => v.toFixed(d);
  const table = [
    '| implementation | LSTM epoch s (60k, batch 128) | inference sequences/s | test acc after 1 epoch | note |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.epoch === null ? '—' : f(r.epoch, 1)} | ${Math.round(r.inference).toLocaleString('en-US')} | ${r.accuracy === null ? '—' : `${f(r.accuracy * 100)} %`} | ${r.note} |`,
    ),
    `| PyTorch 1.13 CPU, 1 thread (reference, not rerun) | ${PYTORCH_LSTM.epoch} | ${PYTORCH_LSTM.inference.toLocaleString('en-US')} | 93.0 % | 97.7 % after 5 epochs |`,
  ];
  const fastest = rows
    .filter((r) => r.name.startsWith('backprop') && r.epoch !== null)
    .sort((a, b) => a.epoch! - b.epoch!)[0];
  const ratios = fastest
    ? [
        ...rows
          .filter((r) => !r.name.startsWith('backprop'))
          .map(
            (p) =>
              `- ${fastest.name} vs ${p.name}: epoch ${p.epoch === null ? 'n/a (it cannot train this network)' : `×${f(p.epoch / fastest.epoch!)} faster`}; inference ×${f(fastest.inference / p.inference)}`,
          ),
        `- ${fastest.name} vs PyTorch 1.13 (1 thread): epoch ×${f(PYTORCH_LSTM.epoch / fastest.epoch!)} (target ≥ 1), inference ×${f(fastest.inference / PYTORCH_LSTM.inference)}`,
      ]
    : [];
  return `## Row-by-row MNIST LSTM

Each image as 28 steps of 28 pixels → LSTM(128) → dense 10 softmax, Adam 1e-3, batch 128, one epoch
over the 60,000 training images; inference on test images, batch 1000. backprop's LSTM runs the
fused sequence op (src/ops/rnn: one input product for all steps, per step one recurrent product and
one gate kernel each way; on wasm each thread runs every step for its block of the batch's rows).
TF.js rows time ${5 * BATCH} images and extrapolate.

${table.join('\n')}

${ratios.join('\n')}
`;
}
