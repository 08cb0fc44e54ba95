/**
 * The playground page (see playground.html for the shell and its explanation). Training runs on
 * the page in small chunks: each animation frame trains for ~12 ms, then redraws, so the page keeps
 * answering clicks and scrolls however long the run is.
 */
import { el, pageReady, startPage } from '../shared/page.js';
import './playground.css';
import { drawBoundary } from './boundary.js';
import { drawLossChart, type LossPoint } from './chart.js';
import { dataControls, trainingControls } from './controls.js';
import { makeDataset, type Point, splitPoints } from './datasets.js';
import { featureRows } from './features.js';
import { GRID, gridPoints, scaleOf } from './heatmap.js';
import { renderLayerEditor } from './layer-editor.js';
import { Network } from './network.js';
import { drawNetwork, type UnitBox } from './network-view.js';
import { DEFAULTS, POINTS, type Settings } from './settings.js';

/** Milliseconds of training per animation frame: the rest of the ~16 ms frame is for drawing. */
const TRAIN_MS_PER_FRAME = 12;
/** The loss history keeps at most this many points (older ones are thinned out). */
const HISTORY = 400;

const settings: Settings = structuredClone(DEFAULTS);
const grid = gridPoints();
let network: Network;
let split: { train: Point[]; test: Point[] };
let gridRows: Float32Array;
let history: LossPoint[] = [];
let playing = false;
/** The unit the reader points at (its map fills the output view), and where the units are drawn. */
let focus: { layer: number; unit: number } | null = null;
let unitBoxes: UnitBox[] = [];
/** Wall time spent in play since the last rebuild (training and drawing): the spiral target is 10 s. */
let playedMs = 0;

// ---- the page's parts ----
const main = startPage();
const play = el('button', 'primary', 'Play');
play.id = 'play';
const step = el('button', '', 'Step');
step.id = 'step';
step.title = 'Train one epoch';
const reset = el('button', '', 'Reset');
reset.id = 'reset';
const epoch = el('output', 'figure', '0');
epoch.id = 'epoch';
const clock = el('output', 'figure', '0.0 s');
clock.id = 'clock';
const trainLoss = el('output', 'figure', '–');
trainLoss.id = 'train-loss';
const testLoss = el('output', 'figure', '–');
testLoss.id = 'test-loss';
const networkCanvas = el('canvas');
networkCanvas.id = 'network';
networkCanvas.setAttribute('role', 'img');
networkCanvas.setAttribute(
  'aria-label',
  'the network: every neuron’s output as a small map, weights as lines',
);
const boundaryCanvas = el('canvas');
boundaryCanvas.id = 'boundary';
boundaryCanvas.setAttribute('role', 'img');
boundaryCanvas.setAttribute('aria-label', 'decision boundary with the data points');
const showing = el('p', 'hint showing', '');
showing.id = 'showing';
showing.setAttribute('aria-live', 'polite'); // a screen reader hears which map is shown
const lossCanvas = el('canvas');
lossCanvas.id = 'loss-chart';
lossCanvas.setAttribute('role', 'img');
lossCanvas.setAttribute('aria-label', 'chart: train and test loss per epoch');
const layerEditor = el('div', 'layer-editor');

const transport = el(
  'section',
  'panel transport',
  el('div', 'buttons', play, step, reset),
  el('div', 'figures', el('span', '', 'Epoch ', epoch), el('span', '', 'Time ', clock)),
  trainingControls(settings, rebuild),
);
const networkPanel = el(
  'section',
  'panel network',
  el('h2', '', 'Network'),
  layerEditor,
  el('div', 'canvas-box', networkCanvas),
  el(
    'p',
    'hint',
    'Each square is a neuron’s output over the plane; point at one (or tap it, or use the arrow keys) to see it large in the output view. Lines: blue weight > 0, orange < 0; thicker is larger.',
  ),
);
const outputPanel = el(
  'section',
  'panel output',
  el('h2', '', 'Output'),
  el('div', 'figures', el('span', '', 'Test loss ', testLoss), el('span', '', 'Train loss ', trainLoss)),
  el('div', 'canvas-box', boundaryCanvas),
  showing,
  el('div', 'canvas-box', lossCanvas),
  el(
    'p',
    'hint legend',
    el('span', 'swatch train', ''),
    'train loss ',
    el('span', 'swatch test', ''),
    'test loss (binary cross-entropy)',
  ),
  el(
    'p',
    'hint',
    'The background is the network’s answer at each point: blue where it says “blue”, orange where it says “orange”, paler where it is unsure.',
  ),
);
main.classList.add('playground');
main.append(transport, el('div', 'stage', dataControls(settings, rebuild), networkPanel, outputPanel));

// ---- a run ----
function rebuild(): void {
  split = splitPoints(
    makeDataset(settings.dataset, POINTS, settings.noise, settings.seed),
    settings.trainRatio,
  );
  network = new Network(
    { ...settings, hidden: [...settings.hidden], features: [...settings.features] },
    split.train,
    split.test,
  );
  gridRows = featureRows(grid, settings.features);
  history = [];
  playedMs = 0;
  focus = null;
  renderLayerEditor(layerEditor, settings, rebuild);
  render();
}

function render(): void {
  const losses = network.losses();
  if (history.at(-1)?.epoch !== network.epoch) history.push({ epoch: network.epoch, ...losses });
  if (history.length > HISTORY) history = history.filter((_, i) => i % 2 === 0 || i === history.length - 1);
  epoch.textContent = String(network.epoch);
  clock.textContent = `${(playedMs / 1000).toFixed(1)} s`;
  for (const [output, value] of [
    [trainLoss, losses.train],
    [testLoss, losses.test],
  ] as const) {
    output.textContent = value.toFixed(3);
    output.dataset.value = String(value);
  }
  const outputs = network.unitOutputs(gridRows, GRID * GRID);
  const probabilities = outputs.at(-1)?.[0] as Float32Array;
  const focused = focus && outputs[focus.layer]?.[focus.unit];
  const last = outputs.length - 1;
  if (!focus || !focused || focus.layer === last) {
    showing.textContent = 'Showing the network’s output.';
  } else {
    showing.textContent =
      focus.layer === 0
        ? `Showing the input feature ${settings.features[focus.unit]}.`
        : `Showing neuron ${focus.unit + 1} of hidden layer ${focus.layer}.`;
  }
  drawBoundary(
    boundaryCanvas,
    focused && focus && focus.layer !== last ? scaled(focused) : probabilities.map((p) => 2 * p - 1),
    split.train,
    split.test,
    settings.showTest,
  );
  unitBoxes = drawNetwork(
    networkCanvas,
    { inputNames: settings.features, outputs, kernels: network.kernels(), sigmoidOutput: true },
    focus,
  );
  drawLossChart(lossCanvas, history);
}

/** A unit's values over its largest |value| (at least 1), as its small map shows them. */
function scaled(values: Float32Array): Float32Array {
  const scale = scaleOf(values);
  return values.map((v) => v / scale);
}

let lastFrame = 0;
/** The pending animation frame, so pausing cancels it and play never runs two loops at once. */
let pendingFrame = 0;
function frame(now: number): void {
  pendingFrame = 0;
  if (!playing) return;
  // The time between frames counts (not only the training), so the clock is the reader's wall time.
  playedMs += Math.max(0, now - lastFrame);
  lastFrame = now;
  const start = performance.now();
  do network.step();
  while (performance.now() - start < TRAIN_MS_PER_FRAME);
  render();
  pendingFrame = requestAnimationFrame(frame);
}

function setPlaying(on: boolean): void {
  playing = on;
  play.textContent = on ? 'Pause' : 'Play';
  play.setAttribute('aria-pressed', String(on));
  lastFrame = performance.now();
  cancelAnimationFrame(pendingFrame);
  pendingFrame = on ? requestAnimationFrame(frame) : 0;
}

play.addEventListener('click', () => setPlaying(!playing));
step.addEventListener('click', () => {
  setPlaying(false);
  const next = network.epoch + 1;
  while (network.epoch < next) network.step();
  render();
});
reset.addEventListener('click', rebuild);
// Pointing at a unit (mouse) or touching it (finger) shows its map in the output view.
function pointAt(event: PointerEvent): void {
  const hit = unitBoxes.find(
    (box) =>
      Math.abs(event.offsetX - box.x) <= box.size / 2 && Math.abs(event.offsetY - box.y) <= box.size / 2,
  );
  const next = hit ? { layer: hit.layer, unit: hit.unit } : null;
  if (next?.layer === focus?.layer && next?.unit === focus?.unit) return;
  focus = next;
  if (!playing) render(); // while playing, the next frame shows it
}
networkCanvas.addEventListener('pointermove', pointAt);
networkCanvas.addEventListener('pointerdown', pointAt);
networkCanvas.addEventListener('pointerleave', (event) => {
  if (event.pointerType === 'mouse') pointAt(event); // off every unit: back to the output
});
// The keyboard reaches the same maps: Tab to the network, arrows move between units (← → between
// layers, ↑ ↓ within one), Escape goes back to the output.
const MOVES: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};
networkCanvas.tabIndex = 0;
networkCanvas.addEventListener('keydown', (event) => {
  const move = MOVES[event.key];
  if (!move && event.key !== 'Escape') return;
  event.preventDefault(); // arrows would scroll the page
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const layers = Math.max(...unitBoxes.map((box) => box.layer)) + 1;
  if (!move) focus = null;
  else if (!focus) focus = { layer: 0, unit: 0 };
  else {
    const layer = clamp(focus.layer + move[0], layers - 1);
    const units = unitBoxes.filter((box) => box.layer === layer).length;
    focus = { layer, unit: clamp(focus.unit + move[1], units - 1) };
  }
  if (!playing) render();
});
// Canvases follow the width of their boxes (phone rotated, window resized).
let resizeQueued = false;
window.addEventListener('resize', () => {
  if (resizeQueued) return;
  resizeQueued = true;
  requestAnimationFrame(() => {
    resizeQueued = false;
    render();
  });
});

rebuild();
pageReady();
