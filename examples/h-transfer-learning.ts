/**
 * Transfer learning, the tutorials' recipe (tutorial 002: "freeze the layers, replace the head"):
 *
 *   1. train a small CNN on the digits 0–4 only;
 *   2. freeze its convolutional base, pop the dense head (128 → 5) and put a new one on top for
 *      the digits 5–9;
 *   3. train only the new head, on a few hundred images of 5–9.
 *
 * It prints that the frozen weights did not move by a single bit, how the new head learns, and —
 * for comparison — what the same network reaches from scratch with the same few images and steps.
 *
 *   npx tsx examples/h-transfer-learning.ts          (about a minute on the wasm backend)
 *   options: --base-epochs 2 --base-images all --head-images 500 --head-epochs 10
 */
import {
  Conv2D,
  Dense,
  Flatten,
  lineChart,
  loadMnist,
  MaxPooling2D,
  manualSeed,
  Reshape,
  Sequential,
  savePlot,
  type Tensor,
  tensor,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const baseEpochs = arg('base-epochs', 2);
const baseImages = arg('base-images', Number.POSITIVE_INFINITY);
const headImages = arg('head-images', 500);
const headEpochs = arg('head-epochs', 10);
const { train, test } = await loadMnist({ validationSize: 0 });

/** The images whose digit is in [lo, lo + 5), with labels shifted to 0–4 and one-hot encoded. */
function digits(set: { x: Tensor; labels: Uint8Array }, lo: number, limit = Number.POSITIVE_INFINITY) {
  const rows: number[] = [];
  for (let i = 0; i < set.labels.length && rows.length < limit; i++) {
    const d = set.labels[i]!;
    if (d >= lo && d < lo + 5) rows.push(i);
  }
  const y = new Float32Array(rows.length * 5);
  rows.forEach((r, i) => {
    y[i * 5 + set.labels[r]! - lo] = 1;
  });
  return { x: set.x.gather(rows), y: tensor(y, { shape: [rows.length, 5] }), n: rows.length };
}

function network(): Sequential {
  const m = new Sequential({ name: 'digits_cnn' });
  m.add(new Reshape({ targetShape: [28, 28, 1], inputShape: [784] }));
  m.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }));
  m.add(new MaxPooling2D({ poolSize: 2 }));
  m.add(new Conv2D({ filters: 32, kernelSize: 5, activation: 'relu' }));
  m.add(new MaxPooling2D({ poolSize: 2 }));
  m.add(new Flatten());
  m.add(new Dense({ units: 128, activation: 'relu' }));
  m.add(new Dense({ units: 5, activation: 'softmax', name: 'head' }));
  return m;
}
const pct = (v: number | undefined) => `${((v ?? 0) * 100).toFixed(2)} %`;

// 1. The base task: digits 0–4.
manualSeed(arg('seed', 1));
const lowTrain = digits(train, 0, baseImages);
const lowTest = digits(test, 0);
const model = network();
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
console.log(`1. digits 0–4: ${lowTrain.n} training images, ${baseEpochs} epochs`);
await model.fit(lowTrain.x, lowTrain.y, { batchSize: 64, epochs: baseEpochs, verbose: 0 });
console.log(`   test accuracy on 0–4: ${pct(model.evaluate(lowTest.x, lowTest.y).accuracy)}`);

// 2. Freeze the convolutional base, then swap the dense head.
model.pop();
model.pop();
for (const layer of model.layers) layer.trainable = false;
model.add(new Dense({ units: 128, activation: 'relu', name: 'new_dense' }));
model.add(new Dense({ units: 5, activation: 'softmax', name: 'new_head' }));
const headLayers = 2;
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const base = () => model.layers.slice(0, -headLayers).flatMap((l) => l.weights);
const head = () => model.layers.slice(-headLayers).flatMap((l) => l.weights);
const frozen = base().map((w) => ({ name: w.name, before: w.tensor.dataSync() }));
const headBefore = head().map((w) => w.tensor.dataSync());
console.log('\n2. base frozen, head replaced:');
model.summary((line) => console.log(`   ${line}`));

// 3. Train the new head on a few images of 5–9.
const highTrain = digits(train, 5, headImages);
const highTest = digits(test, 5);
console.log(`\n3. digits 5–9: new head trained on ${highTrain.n} images, ${headEpochs} epochs`);
const transfer = await model.fit(highTrain.x, highTrain.y, {
  batchSize: 32,
  epochs: headEpochs,
  verbose: 0,
  validationData: [highTest.x, highTest.y],
});
const moved = frozen.filter((w, i) =>
  base()
    [i]!.tensor.dataSync()
    .some((v, j) => v !== w.before[j]),
);
const headChange = head().map((w, i) => ({
  name: w.name,
  change: w.tensor.dataSync().reduce((s, v, j) => s + Math.abs(v - headBefore[i]![j]!), 0),
}));
console.log(
  `   frozen weights changed: ${moved.length} of ${frozen.length} tensors (${frozen.map((w) => w.name).join(', ')})`,
);
console.log(
  `   new head moved: ${headChange.map((h) => `${h.name} Σ|Δ| = ${h.change.toFixed(2)}`).join(', ')}`,
);
transfer.history.loss!.forEach((loss, e) => {
  if (e === 0 || e === headEpochs - 1 || (e + 1) % 5 === 0)
    console.log(
      `   epoch ${String(e + 1).padStart(2)}: loss ${loss.toFixed(4)} · test accuracy on 5–9 ${pct(transfer.history.val_accuracy![e])}`,
    );
});

// The same network from scratch, with the same images and epochs (every layer trainable).
manualSeed(arg('seed', 1) + 1);
const scratch = network();
scratch.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const fromScratch = await scratch.fit(highTrain.x, highTrain.y, {
  batchSize: 32,
  epochs: headEpochs,
  verbose: 0,
  validationData: [highTest.x, highTest.y],
});
console.log(
  `\n   from scratch, same ${highTrain.n} images and ${headEpochs} epochs: test accuracy on 5–9 ${pct(fromScratch.history.val_accuracy!.at(-1))}`,
);

await savePlot(
  lineChart({
    title: `Digits 5–9 from ${highTrain.n} images: frozen 0–4 base + new head vs from scratch`,
    xTitle: 'epoch',
    yTitle: 'test accuracy on 5–9',
    xStart: 1,
    series: {
      'transfer (head only)': transfer.history.val_accuracy!,
      'from scratch (all layers)': fromScratch.history.val_accuracy!,
    },
  }),
  `${OUTPUT}h-transfer-learning`,
);
console.log(`plot: ${OUTPUT}h-transfer-learning.png`);
