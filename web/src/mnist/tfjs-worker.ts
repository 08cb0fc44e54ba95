/**
 * The same MLP, data and batch size in TensorFlow.js on its wasm backend (a devDependency), for
 * the page's "benchmark vs TF.js". Its .wasm files are this app's own assets (Vite's `?url`), so
 * nothing is fetched from a CDN; TF.js picks its threaded build when the page is cross-origin
 * isolated. Loaded only when the reader asks for the benchmark: TF.js is big.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BENCHMARK_PASSES, bestOf } from './best-of.js';
import { batchOf, fetchSubset, PIXELS } from './data.js';
import type { FromWorker } from './protocol.js';

export interface TfjsBenchmark {
  url: string;
  images: number;
  batchSize: number;
  hidden: number;
}

const post = (message: FromWorker): void => (self as unknown as Worker).postMessage(message);

async function run({ url, images, batchSize, hidden }: TfjsBenchmark): Promise<void> {
  // Absolute URLs: the worker resolves relative ones against its own script.
  const at = (path: string): string => new URL(path, self.location.href).href;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': at(plain),
    'tfjs-backend-wasm-simd.wasm': at(simd),
    'tfjs-backend-wasm-threaded-simd.wasm': at(threaded),
  });
  // As many threads as backprop uses (one per core). (TF.js 4.22 then still reports 1 XNNPACK thread.)
  if (self.crossOriginIsolated) setThreadsCount(navigator.hardwareConcurrency);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js: the wasm backend did not start');
  await tf.ready();
  const data = await fetchSubset(url);
  const { x, y } = batchOf(
    data.train,
    Uint32Array.from({ length: images }, (_, i) => i),
  );
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: hidden, activation: 'relu', inputShape: [PIXELS] }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor2d(x, [images, PIXELS]);
  const ys = tf.tensor2d(y, [images, 10]);
  // The same warm-up batch as backprop's, then timed passes; never yielding, its fastest mode.
  await model.fit(xs.slice([0, 0], [batchSize, PIXELS]), ys.slice([0, 0], [batchSize, 10]), {
    batchSize,
    verbose: 0,
  });
  const losses: number[] = [];
  const seconds = await bestOf(BENCHMARK_PASSES, async () => {
    const history = await model.fit(xs, ys, {
      batchSize,
      epochs: 1,
      shuffle: false,
      verbose: 0,
      yieldEvery: 'never',
    });
    losses.push(history.history.loss!.at(-1) as number);
  });
  const loss = losses[0]!;
  // XNNPACK's thread count, as TF.js reports it; "threaded build" says which binary it loaded.
  const threads = getThreadsCount();
  const build = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 'threaded build, ' : '';
  post({
    type: 'benchmark',
    library: `TF.js ${tf.version.tfjs} (wasm, ${build}${threads} thread${threads === 1 ? '' : 's'})`,
    seconds,
    images,
    loss,
  });
}

self.addEventListener('message', (event: MessageEvent<TfjsBenchmark>) => {
  run(event.data).catch((error: unknown) =>
    post({ type: 'error', message: `TF.js: ${error instanceof Error ? error.message : String(error)}` }),
  );
});
