/**
 * The MNIST trainer, in a Web Worker so the page never freezes while it trains. It imports the
 * library like the page does; inside a worker the wasm backend's own thread pool sleeps in
 * Atomics.wait instead of polling. Training goes batch by batch (trainOnBatch) and gives the event
 * loop a turn every ~50 ms, so "pause", drawn digits and progress messages get through.
 */
import * as bp from 'backprop-js';
import { BENCHMARK_PASSES, bestOf } from './best-of.js';
import { runCompare } from './compare.js';
import { batchOf, fetchSubset, type MnistSubset, PIXELS, shuffled } from './data.js';
import { evaluate } from './evaluate.js';
import { activations, asInput, buildModel, compile, describe, filters, parameterCount } from './models.js';
import type { FromWorker, ToWorker, TrainSettings } from './protocol.js';

const post = (message: FromWorker, transfer: Transferable[] = []): void =>
  (self as unknown as Worker).postMessage(message, transfer);

/** A turn of the event loop without setTimeout's 4 ms clamp. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

function runtime(): string {
  const backend = bp.getBackend().name;
  if (backend !== 'wasm') return `backend: ${backend}`;
  const workers = bp.threadStats().workers;
  return `backend: wasm, ${workers + 1} thread${workers === 0 ? '' : 's'}`;
}

let data: MnistSubset | null = null;
let model: bp.Sequential | null = null;
let settings: TrainSettings | null = null;
/** Where training is: epochs start at 1; `order` is this epoch's shuffled rows. */
let position: { epoch: number; batch: number; seen: number; order: Uint32Array } = {
  epoch: 0,
  batch: 0,
  seen: 0,
  order: new Uint32Array(0),
};
let running = false;

function announce(name: string, trained: boolean): void {
  if (!model) return;
  post({ type: 'model', name, description: describe(model), parameters: parameterCount(model), trained });
  position = { epoch: 0, batch: 0, seen: 0, order: new Uint32Array(0) };
  inspect();
  // A trained model (loaded from a file) shows its test results at once, as "epoch 0".
  if (trained && data) post({ type: 'epoch', epoch: 0, seen: 0, ...evaluate(model, data.test) });
}

/** Filters and the activations of the first test digit (a 7). */
function inspect(): void {
  if (!model || !data) return;
  const digit = Float32Array.from(data.test.images.subarray(0, PIXELS), (v) => v / 255);
  post({
    type: 'inspect',
    filters: filters(model),
    digit: { width: 28, height: 28, values: digit },
    activations: activations(model, digit),
  });
}

async function train(): Promise<void> {
  if (running || !model || !data || !settings) return;
  running = true;
  const current = model;
  const split = data.train;
  const batchSize = settings.batchSize;
  const batches = Math.ceil(split.count / batchSize);
  let lastPost = performance.now();
  let windowStart = lastPost;
  let windowImages = 0;
  let lossSum = 0;
  let accuracySum = 0;
  let windowBatches = 0;
  while (running && model === current) {
    if (position.batch >= batches || position.epoch === 0) {
      position.epoch++;
      position.batch = 0;
      position.order = shuffled(split.count, position.epoch);
    }
    const start = position.batch * batchSize;
    const rows = position.order.subarray(start, Math.min(start + batchSize, split.count));
    const { x, y } = batchOf(split, rows);
    const logs = bp.stepScope(() =>
      current.trainOnBatch(asInput(current, x), bp.tensor(y, { shape: [rows.length, 10] })),
    );
    position.batch++;
    position.seen += rows.length;
    windowImages += rows.length;
    lossSum += logs.loss!;
    accuracySum += logs.accuracy ?? Number.NaN;
    windowBatches++;
    const now = performance.now();
    if (now - lastPost > 50 || position.batch === batches) {
      post({
        type: 'progress',
        epoch: position.epoch,
        batch: position.batch,
        batches,
        loss: lossSum / windowBatches,
        accuracy: accuracySum / windowBatches,
        imagesPerSecond: (windowImages / (now - windowStart)) * 1000,
        seen: position.seen,
      });
      lossSum = accuracySum = windowBatches = windowImages = 0;
      windowStart = lastPost = now;
      if (position.batch === batches) {
        post({ type: 'epoch', epoch: position.epoch, seen: position.seen, ...evaluate(current, data.test) });
        inspect();
      }
      await nextTurn();
      windowStart = performance.now();
    }
  }
  running = false;
  post({ type: 'paused' });
}

/** One pass over `images` training images with model.fit, timed (the page compares with TF.js). */
async function benchmark(images: number, batchSize: number, hidden: number): Promise<void> {
  if (!data) throw new Error('the data set is not loaded yet');
  const rows = Uint32Array.from({ length: images }, (_, i) => i);
  const { x, y } = batchOf(data.train, rows);
  bp.manualSeed(1);
  const net = buildModel({ architecture: 'mlp', hidden, optimizer: 'adam', learningRate: 0.001, batchSize });
  const xs = bp.tensor(x, { shape: [images, PIXELS] });
  const ys = bp.tensor(y, { shape: [images, 10] });
  // Warm-up on one batch: first-call costs (kernel set-up, thread start) are not the epoch's.
  await net.fit(xs.slice([0, 0], [batchSize, PIXELS]), ys.slice([0, 0], [batchSize, 10]), {
    batchSize,
    verbose: 0,
  });
  const losses: number[] = [];
  const seconds = await bestOf(BENCHMARK_PASSES, async () => {
    const history = await net.fit(xs, ys, { batchSize, epochs: 1, shuffle: false, verbose: 0 });
    losses.push(history.history.loss!.at(-1)!);
  });
  const loss = losses[0]!; // the first pass: same data and start as TF.js's first
  post({ type: 'benchmark', library: `backprop (${runtime()})`, seconds, images, loss });
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'hello':
      return post({ type: 'ready', runtime: runtime() });
    case 'load-data':
      data = await fetchSubset(message.url);
      post({ type: 'data', train: data.train.count, test: data.test.count });
      return inspect();
    case 'build':
      running = false;
      settings = message.settings;
      bp.manualSeed(1);
      model = buildModel(settings);
      return announce(settings.architecture === 'mlp' ? `MLP 784-${settings.hidden}-10` : 'CNN', false);
    case 'train':
      return train();
    case 'pause':
      running = false;
      return;
    case 'predict': {
      if (!model) return;
      const current = model;
      const probabilities = bp.stepScope(() =>
        Array.from(current.predict(asInput(current, message.pixels)).dataSync()),
      );
      return post({ type: 'prediction', probabilities, id: message.id });
    }
    case 'load-model': {
      running = false;
      const loaded = await bp.loadModel({
        modelJson: message.modelJson as bp.ModelJson,
        weightData: message.weightData,
      });
      if (!(loaded instanceof bp.Sequential) || loaded.inputShape.reduce((a, b) => a * b, 1) !== PIXELS)
        throw new Error(`${message.name}: not a Sequential model of 28×28 images`);
      if (!loaded.optimizer && settings) compile(loaded, settings.optimizer, settings.learningRate);
      model = loaded;
      return announce(message.name, true);
    }
    case 'compare':
      if (!data) throw new Error('the data set is not loaded yet');
      running = false;
      return runCompare(data.train, message.steps, message.batchSize, post, nextTurn);
    case 'benchmark':
      running = false;
      return benchmark(message.images, message.batchSize, message.hidden);
  }
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error: unknown) => {
    running = false;
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});
