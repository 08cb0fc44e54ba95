/**
 * A deep belief net the tutorial's way: RBMs stacked and pre-trained greedily without labels (each
 * on the hidden probabilities of the one below), then unrolled into a sigmoid network with a
 * softmax output and fine-tuned with backprop on a few labels — against the same network trained
 * from random weights on the same labels:
 *
 *   DBN 784-256-256: RBM 1 (784-256) on the images, RBM 2 (256-256) on RBM 1's features
 *   dbn.toSequential({ outputUnits: 10 })  →  Dense 256 sigmoid, Dense 256 sigmoid, Dense 10 softmax
 *
 * Pre-training uses every training image (no labels needed); fine-tuning only the first
 * `--labelled` of them, where pre-training helps most. Finally the DBN generates digits: Gibbs
 * sampling in the top RBM, started from test digits carried up the stack, then one pass down.
 *
 *   npx tsx examples/dbn.ts     options: --images 10000 --labelled 1000 --epochs 5 --tune-epochs 20 --seed 1
 */
import { DBN, Dense, loadMnist, manualSeed, Sequential, type Tensor } from 'backprop-js';
import { arg } from './args.js';

const seed = arg('seed', 1);
const images = arg('images', 10000);
const labelled = Math.min(images, arg('labelled', 1000));
const epochs = arg('epochs', 5);
const tuneEpochs = arg('tune-epochs', 20);
manualSeed(seed);
const { train, test } = await loadMnist({ trainLimit: images, validationSize: 0, testLimit: 2000 });

const dbn = new DBN({ layers: [784, 256, 256], seed });
let started = performance.now();
const histories = dbn.pretrain(train.x, {
  epochs,
  batchSize: 50,
  learningRate: 0.05,
  momentum: (epoch) => (epoch < 2 ? 0.5 : 0.9),
  weightDecay: 2e-4,
  onEpoch: (epoch, logs) => {
    console.log(
      `  epoch ${epoch + 1}/${epochs}: reconstruction error ${logs.reconstructionError.toFixed(4)} · ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    started = performance.now();
  },
});
for (const [i, h] of histories.entries()) {
  console.log(
    `RBM ${i + 1}: reconstruction error ${h[0]!.reconstructionError.toFixed(4)} → ${h.at(-1)!.reconstructionError.toFixed(4)}`,
  );
}

/** Fine-tune (or train from scratch) on the labelled images; the test accuracy. */
async function accuracyAfterTraining(model: Sequential): Promise<number> {
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = train.x.sliceAxis(0, 0, labelled);
  const y = train.y.sliceAxis(0, 0, labelled);
  await model.fit(x, y, { epochs: tuneEpochs, batchSize: 20, verbose: 0, seed });
  return model.evaluate(test.x, test.y).accuracy!;
}

const pretrained = await accuracyAfterTraining(dbn.toSequential({ outputUnits: 10 }));
manualSeed(seed);
const fromScratch = await accuracyAfterTraining(
  new Sequential({
    layers: [
      new Dense({ units: 256, activation: 'sigmoid', inputShape: [784] }),
      new Dense({ units: 256, activation: 'sigmoid' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  }),
);
console.log(`fine-tuned on ${labelled} labelled images, test accuracy:`);
console.log(`  pre-trained DBN   ${(pretrained * 100).toFixed(2)}%`);
console.log(`  random weights    ${(fromScratch * 100).toFixed(2)}%`);

// Generation: 500 Gibbs steps in the top RBM from three test digits carried up, then down the stack.
const from = test.x.sliceAxis(0, 0, 3);
const generated = dbn.generate(3, { gibbsSteps: 500, from });
const rows = (t: Tensor, k: number) => {
  const v = t.dataSync();
  const lines: string[] = [];
  for (let y = 0; y < 28; y += 2) {
    let line = '';
    for (let x = 0; x < 28; x++) line += ' .:-=+*#%@'[Math.min(9, Math.floor(10 * v[k * 784 + y * 28 + x]!))];
    lines.push(line);
  }
  return lines;
};
console.log(
  `\nstarting digits ${[...test.labels.subarray(0, 3)].join(', ')} and what the DBN generated from them`,
);
const pictures = [0, 1, 2].flatMap((k) => [rows(from, k), rows(generated, k)]);
for (let r = 0; r < 14; r++) console.log(pictures.map((p) => p[r]).join('  '));
