/**
 * A time-series forecaster: a generated signal — two seasonal waves (periods 50 and 13 steps), a
 * slow drift and Gaussian noise (σ 0.15) — learnt from windows of its last 40 values by an
 * LSTM(32) → Dense(1) that predicts the next value. Trained on the first 1,600 steps, tested on the
 * 400 after them: one step ahead (each forecast sees the true past), against the naive forecast
 * "the next value is the last one"; then 100 steps ahead from the end of the training part, each
 * forecast fed back as input. Plot: forecasts vs truth.
 *
 *   npx tsx examples/time-series.ts          options: --epochs 20 --units 32 --seed 1
 */
import { Dense, LSTM, lineChart, manualSeed, Rng, Sequential, savePlot, tensor } from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const epochs = arg('epochs', 20);
const units = arg('units', 32);
const seed = arg('seed', 1);
const WINDOW = 40;
const N = 2000;
const N_TRAIN = 1600;
const AHEAD = 100;

const rng = new Rng(seed);
const clean = (t: number) =>
  Math.sin((2 * Math.PI * t) / 50) + 0.5 * Math.sin((2 * Math.PI * t) / 13) + 0.0004 * t;
const signal = Float32Array.from({ length: N }, (_, t) => clean(t) + 0.15 * rng.normal());

/** Windows [n, WINDOW, 1] of the values before each target step in [from, to), and the targets [n, 1]. */
function windows(from: number, to: number) {
  const n = to - from;
  const x = new Float32Array(n * WINDOW);
  for (let i = 0; i < n; i++) x.set(signal.subarray(from + i - WINDOW, from + i), i * WINDOW);
  return {
    x: tensor(x, { shape: [n, WINDOW, 1] }),
    y: tensor(signal.slice(from, to), { shape: [n, 1] }),
  };
}
const train = windows(WINDOW, N_TRAIN);
const test = windows(N_TRAIN, N);

manualSeed(seed);
const model = new Sequential({
  layers: [new LSTM({ units, inputShape: [WINDOW, 1] }), new Dense({ units: 1 })],
});
model.compile({
  optimizer: { className: 'adam', config: { learningRate: 0.005, clipNorm: 1 } },
  loss: 'mse',
});
const started = performance.now();
await model.fit(train.x, train.y, { epochs, batchSize: 32, seed, verbose: 0 });
const seconds = (performance.now() - started) / 1000;

const rmse = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / a.length);
};
const truth = test.y.dataSync();
const oneStep = model.predict(test.x).dataSync();
const naive = signal.slice(N_TRAIN - 1, N - 1);
const noiseFloor = rmse(
  truth,
  Float32Array.from(truth, (_, i) => clean(N_TRAIN + i)),
);
console.log(
  `LSTM(${units}) trained ${epochs} epochs on ${N_TRAIN - WINDOW} windows in ${seconds.toFixed(1)} s`,
);
console.log(
  `one step ahead, ${N - N_TRAIN} test steps: RMSE ${rmse(truth, oneStep).toFixed(4)} · naive (last value) ${rmse(truth, naive).toFixed(4)} · noise alone ${noiseFloor.toFixed(4)}`,
);

// 100 steps ahead: each forecast becomes the newest input value.
const history = Array.from(signal.subarray(N_TRAIN - WINDOW, N_TRAIN));
const free: number[] = [];
for (let i = 0; i < AHEAD; i++) {
  const next = model.predict(tensor(history.slice(-WINDOW), { shape: [1, WINDOW, 1] })).item();
  free.push(next);
  history.push(next);
}
const freeTruth = Array.from({ length: AHEAD }, (_, i) => clean(N_TRAIN + i));
console.log(
  `${AHEAD} steps ahead, forecasts fed back: RMSE ${rmse(freeTruth, free).toFixed(4)} against the noise-free signal (its standard deviation: ${std(freeTruth).toFixed(4)})`,
);

await savePlot(
  lineChart({
    title: `LSTM(${units}) forecasts vs truth (test steps ${N_TRAIN}–${N_TRAIN + 199})`,
    series: {
      'truth (noisy)': Array.from(truth.subarray(0, 200)),
      'one step ahead': Array.from(oneStep.subarray(0, 200)),
      [`${AHEAD} steps ahead, fed back`]: free,
    },
    xStart: N_TRAIN,
    xTitle: 'step',
    yTitle: 'value',
  }),
  `${OUTPUT}time-series-forecast`,
);
console.log(`plot: ${OUTPUT}time-series-forecast.png`);

function std(v: readonly number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
}
