// The MNIST page: fills <main> (see mnist.html). Training, prediction, the optimiser comparison
// and the benchmark run in worker.ts; this module only draws what the worker reports.
import { el, pageReady, startPage } from '../shared/page.js';
import './mnist.css';
import { runBenchmark } from './benchmark.js';
import { LineChart } from './chart.js';
import { DrawingPad } from './pad.js';
import { digitCanvas, pictureCanvas } from './pictures.js';
import type { FromWorker, OptimizerName, ToWorker, TrainSettings } from './protocol.js';
import { renderBars, renderConfusion } from './views.js';

const main = startPage();
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker): void => worker.postMessage(message);
const asset = (path: string): string => new URL(path, location.href).href;
const DATA_URL = asset('./mnist-subset.bin');

// ---- controls -------------------------------------------------------------------------------
function select(id: string, label: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = el('select');
  s.id = id;
  for (const [v, text] of options) s.append(new Option(text, v, v === value, v === value));
  controls.append(el('label', '', `${label} `, s));
  return s;
}
const controls = el('div', 'controls');
const arch = select(
  'arch',
  'Network',
  [
    ['mlp', 'MLP 784-h-10'],
    ['cnn', 'CNN (2 conv)'],
  ],
  'mlp',
);
const hidden = select(
  'hidden',
  'Hidden units',
  [
    ['32', '32'],
    ['64', '64'],
    ['128', '128'],
    ['256', '256'],
  ],
  '128',
);
const optimizer = select(
  'optimizer',
  'Optimiser',
  [
    ['sgd', 'SGD'],
    ['momentum', 'Momentum'],
    ['adagrad', 'AdaGrad'],
    ['adam', 'Adam'],
  ],
  'adam',
);
const lr = select(
  'lr',
  'Learning rate',
  ['0.3', '0.1', '0.03', '0.01', '0.003', '0.001', '0.0003'].map((v) => [v, v]),
  '0.001',
);
const batch = select(
  'batch',
  'Batch',
  ['16', '32', '64', '128', '256'].map((v) => [v, v]),
  '64',
);
const trainButton = el('button', 'primary', 'Train');
trainButton.id = 'train';
trainButton.disabled = true;
const newButton = el('button', '', 'New model');
newButton.id = 'new-model';
const LOADING = 'Loading the data (12,000 training and 2,000 test images)…';
const progress = el('p', 'progress', LOADING);
progress.id = 'progress';
const bar = el('progress');
bar.max = 1;
bar.value = 0;
// test/web-e2e.test.ts reads this line: the worker loaded the library (which backend, threads).
const trainer = el('p', 'model-line', 'Starting the training worker…');
trainer.id = 'trainer';
const modelLine = el('p', 'model-line', '');
modelLine.id = 'model-name';
const lossChart = new LineChart('loss (cross-entropy)', { xLabel: 'images seen', yMin: 0 });
const accuracyChart = new LineChart('accuracy', { xLabel: 'images seen', yMin: 0, yMax: 1 });

// ---- drawing pad ------------------------------------------------------------------------------
const bars = el('div', 'bars');
bars.id = 'bars';
const preview = el('div', 'preview');
let predictionId = 0;
let predictPending = false;
const pad = new DrawingPad(() => {
  if (predictPending) return;
  predictPending = true;
  requestAnimationFrame(predict);
});
pad.canvas.id = 'pad';
function predict(): void {
  predictPending = false;
  if (pad.empty) {
    renderBars(bars, null);
    preview.replaceChildren();
    return;
  }
  const pixels = pad.toMnist();
  preview.replaceChildren(
    digitCanvas(
      Uint8Array.from(pixels, (v) => v * 255),
      2,
      'what the network sees (28×28)',
    ),
  );
  send({ type: 'predict', pixels, id: ++predictionId });
}
const clearButton = el('button', '', 'Clear');
clearButton.addEventListener('click', () => pad.clear());
const pretrained = el('button', '', 'Load the pre-trained MLP');
pretrained.id = 'pretrained';
const picker = el('input');
picker.type = 'file';
picker.multiple = true;
picker.accept = '.json,.bin';
picker.id = 'model-file';

// ---- views after each epoch, inside the network, compare, benchmark -------------------------
const confusion = el('div', 'confusion-box', el('p', 'note', 'After the first epoch.'));
const misclassified = el('div', 'grid');
const filters = el('div', 'grid');
const activations = el('div', 'activations');
const compareChart = new LineChart('training loss (smoothed)', { xLabel: 'steps', yMin: 0 });
const compareButton = el('button', '', 'Compare optimisers');
compareButton.id = 'compare';
const benchImages = el('select');
benchImages.id = 'bench-images';
benchImages.setAttribute('aria-label', 'images per benchmark pass');
for (const n of [2048, 6000, 12000])
  benchImages.append(new Option(`${n.toLocaleString('en')} images`, String(n), n === 12000, n === 12000));
const benchButton = el('button', '', 'Benchmark vs TF.js');
benchButton.id = 'benchmark';
const benchResult = el(
  'div',
  'bench-result',
  el(
    'p',
    'note',
    'The same MLP, data and batch size in each library, one after the other: best of 3 training passes.',
  ),
);
benchResult.id = 'bench-result';

const panel = (title: string, ...children: Node[]): HTMLElement =>
  el('section', 'panel', el('h2', '', title), ...children);
main.append(
  el(
    'div',
    'columns',
    panel(
      'Train',
      controls,
      el('div', 'buttons', trainButton, newButton),
      trainer,
      modelLine,
      bar,
      progress,
      lossChart.canvas,
      accuracyChart.canvas,
    ),
    panel(
      'Draw a digit',
      el('div', 'pad-row', pad.canvas, el('div', 'side', preview, bars)),
      el('div', 'buttons', clearButton, pretrained),
      el('label', 'file', 'Or load a model saved by the CLI (model.json + weights .bin): ', picker),
    ),
  ),
  el(
    'div',
    'columns',
    panel('Confusion matrix (test images)', confusion),
    panel('Misclassified test digits', misclassified),
  ),
  panel(
    'Inside the network',
    el('h3', '', 'First-layer weights (blue +, orange −)'),
    filters,
    el('h3', '', 'One digit, layer by layer'),
    activations,
  ),
  el(
    'div',
    'columns',
    panel(
      'Compare optimisers',
      el(
        'p',
        'note',
        'SGD, Momentum, AdaGrad and Adam train the same MLP (784-100-10) from the same initial weights on the same batches.',
      ),
      compareButton,
      compareChart.canvas,
    ),
    panel('Benchmark vs TF.js', el('div', 'buttons', benchImages, benchButton), benchResult),
  ),
);
renderBars(bars, null);

// ---- state and wiring ---------------------------------------------------------------------------
let training = false;
let trainLoss: [number, number][] = [];
let trainAccuracy: [number, number][] = [];
let testLoss: [number, number][] = [];
let testAccuracy: [number, number][] = [];
const compareLosses = new Map<OptimizerName, [number, number][]>();
const COMPARE_COLORS: Record<OptimizerName, string> = {
  sgd: '#6b7280',
  momentum: '#16a34a',
  adagrad: '#ea580c',
  adam: '#2563eb',
};

function drawCurves(): void {
  lossChart.set([
    { label: 'train', color: '#2563eb', points: trainLoss },
    { label: 'test', color: '#ea580c', points: testLoss, dots: true },
  ]);
  accuracyChart.set([
    { label: 'train', color: '#2563eb', points: trainAccuracy },
    { label: 'test', color: '#ea580c', points: testAccuracy, dots: true },
  ]);
}

function settings(): TrainSettings {
  return {
    architecture: arch.value as TrainSettings['architecture'],
    hidden: Number(hidden.value),
    optimizer: optimizer.value as OptimizerName,
    learningRate: Number(lr.value),
    batchSize: Number(batch.value),
  };
}

function setTraining(on: boolean): void {
  training = on;
  trainButton.textContent = on ? 'Pause' : 'Train';
}

function clearViews(): void {
  trainLoss = [];
  trainAccuracy = [];
  testLoss = [];
  testAccuracy = [];
  drawCurves();
  confusion.replaceChildren(el('p', 'note', 'After the first epoch.'));
  misclassified.replaceChildren();
  bar.value = 0;
  progress.textContent = trainButton.disabled ? LOADING : 'Press Train to train this model.';
  for (const key of ['loss', 'seen', 'epoch']) delete progress.dataset[key];
}

function newModel(): void {
  setTraining(false);
  hidden.disabled = arch.value !== 'mlp'; // the CNN's sizes are fixed
  clearViews();
  send({ type: 'build', settings: settings() });
}
for (const control of [arch, hidden, optimizer, lr, batch]) control.addEventListener('change', newModel);
newButton.addEventListener('click', newModel);
trainButton.addEventListener('click', () => {
  setTraining(!training);
  send({ type: training ? 'train' : 'pause' });
});
// The shipped model goes the file picker's way (artifacts in memory): fetched here whole, since
// Chromium sometimes reports the library's streamed read of it from the worker as aborted.
pretrained.addEventListener('click', async () => {
  setTraining(false);
  const get = async (path: string): Promise<Response> => {
    const response = await fetch(asset(`./pretrained/${path}`));
    if (!response.ok) throw new Error(`pretrained/${path}: HTTP ${response.status}`);
    return response;
  };
  try {
    const modelJson = (await (await get('model.json')).json()) as { weightsManifest: { path: string } };
    const weightData = await (await get(modelJson.weightsManifest.path)).arrayBuffer();
    send({ type: 'load-model', modelJson, weightData, name: 'pre-trained MLP 784-64-10' });
  } catch (error) {
    modelLine.textContent = `Cannot load the pre-trained model: ${String(error)}`;
    console.error(String(error));
  }
});
picker.addEventListener('change', async () => {
  const files = [...(picker.files ?? [])];
  const json = files.find((f) => f.name.endsWith('.json') && f.name !== 'preprocessing.json');
  if (!json) return void (modelLine.textContent = 'Choose model.json together with its weights .bin file.');
  const modelJson = JSON.parse(await json.text()) as { weightsManifest?: { path?: string } };
  const weights =
    files.find((f) => f.name === modelJson.weightsManifest?.path) ??
    files.find((f) => f.name.endsWith('.bin'));
  if (!weights)
    return void (modelLine.textContent = `Choose ${modelJson.weightsManifest?.path ?? 'the weights .bin'} too.`);
  setTraining(false);
  send({ type: 'load-model', modelJson, weightData: await weights.arrayBuffer(), name: json.name });
});
compareButton.addEventListener('click', () => {
  setTraining(false);
  compareLosses.clear();
  compareButton.disabled = true;
  send({ type: 'compare', steps: 300, batchSize: 100 });
});

let benchmarkWaiter: ((result: Extract<FromWorker, { type: 'benchmark' }>) => void) | null = null;
benchButton.addEventListener('click', async () => {
  setTraining(false);
  send({ type: 'pause' });
  benchButton.disabled = true;
  try {
    const ask = (message: ToWorker) =>
      new Promise<Extract<FromWorker, { type: 'benchmark' }>>((resolve) => {
        benchmarkWaiter = resolve;
        send(message);
      });
    await runBenchmark(
      { images: Number(benchImages.value), batchSize: 64, hidden: 128, dataUrl: DATA_URL },
      ask,
      benchResult,
    );
  } catch (error) {
    benchResult.append(el('p', 'error', String(error)));
    console.error(String(error));
  } finally {
    benchButton.disabled = false;
  }
});

function smooth(points: [number, number][]): [number, number][] {
  let average = points[0]?.[1] ?? 0;
  return points.map(([x, y]) => [x, (average = 0.9 * average + 0.1 * y)]);
}

let ready = false;
worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      trainer.textContent = `Training worker ready (${m.runtime}).`;
      trainer.dataset.state = 'ready';
      send({ type: 'load-data', url: DATA_URL });
      newModel();
      return;
    case 'data':
      trainButton.disabled = false;
      progress.textContent = `${m.train.toLocaleString('en')} training and ${m.test.toLocaleString('en')} test images loaded. Press Train.`;
      return;
    case 'model':
      if (m.trained) clearViews();
      modelLine.textContent = `${m.name}: ${m.description} · ${m.parameters.toLocaleString('en')} parameters${m.trained ? ' (trained)' : ''}`;
      modelLine.dataset.model = m.name;
      if (!pad.empty) predict();
      if (!ready) {
        ready = true;
        pageReady();
      }
      return;
    case 'progress':
      trainLoss.push([m.seen, m.loss]);
      trainAccuracy.push([m.seen, m.accuracy]);
      drawCurves();
      bar.value = m.batch / m.batches;
      progress.textContent = `epoch ${m.epoch} · batch ${m.batch}/${m.batches} · loss ${m.loss.toFixed(3)} · accuracy ${(m.accuracy * 100).toFixed(1)}% · ${Math.round(m.imagesPerSecond).toLocaleString('en')} images/s`;
      Object.assign(progress.dataset, { loss: String(m.loss), seen: String(m.seen), epoch: String(m.epoch) });
      if (!pad.empty && m.batch % 20 === 0) predict();
      return;
    case 'epoch':
      testLoss.push([m.seen, m.testLoss]);
      testAccuracy.push([m.seen, m.testAccuracy]);
      drawCurves();
      renderConfusion(confusion, m.confusion);
      confusion.prepend(
        el(
          'p',
          'note',
          `${m.epoch ? `After epoch ${m.epoch}` : 'As loaded'}: test accuracy ${(m.testAccuracy * 100).toFixed(1)}%, loss ${m.testLoss.toFixed(3)}.`,
        ),
      );
      misclassified.replaceChildren(
        ...m.misclassified.map((d) =>
          el('figure', '', digitCanvas(d.pixels, 2), el('figcaption', '', `${d.label}→${d.predicted}`)),
        ),
      );
      return;
    case 'inspect':
      filters.replaceChildren(
        ...m.filters.map((f, i) => pictureCanvas(f, f.width < 10 ? 8 : 2, `unit ${i}`)),
      );
      activations.replaceChildren(
        el('figure', '', pictureCanvas(m.digit, 2), el('figcaption', '', 'input')),
        ...m.activations.map((a) =>
          el(
            'figure',
            '',
            el(
              'div',
              'maps',
              ...a.maps.map((p) =>
                pictureCanvas(p, p.height === 1 ? 12 : Math.max(2, Math.floor(56 / p.width))),
              ),
            ),
            el('figcaption', '', a.layer),
          ),
        ),
      );
      return;
    case 'paused':
      setTraining(false);
      return;
    case 'prediction':
      if (m.id === predictionId && !pad.empty) renderBars(bars, m.probabilities);
      return;
    case 'compare': {
      const points = compareLosses.get(m.optimizer) ?? [];
      points.push([m.step, m.loss]);
      compareLosses.set(m.optimizer, points);
      if (m.optimizer === 'adam')
        compareChart.set(
          [...compareLosses].map(([name, p]) => ({
            label: name,
            color: COMPARE_COLORS[name],
            points: smooth(p),
          })),
        );
      return;
    }
    case 'compare-done':
      compareButton.disabled = false;
      compareButton.dataset.done = 'true';
      return;
    case 'benchmark':
      benchmarkWaiter?.(m);
      return;
    case 'error':
      setTraining(false);
      compareButton.disabled = false;
      progress.textContent = `Error: ${m.message}`;
      console.error(`mnist worker: ${m.message}`);
  }
});
worker.addEventListener('error', (event) => {
  trainer.dataset.state = 'error';
  progress.textContent = `The training worker failed to start: ${event.message}`;
  console.error(`mnist worker failed to start: ${event.message}`);
});
send({ type: 'hello' });
