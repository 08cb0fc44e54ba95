/**
 * Tutorial 003 (Chinese, after "Deep Learning from Scratch"): TwoLayerNet(784, 50, 10) —
 * Affine → ReLU → Affine → SoftmaxWithLoss — trained by a hand-written loop: 10,000 iterations,
 * a random batch of 100 from the 60,000 training images each time, SGD lr 0.1, weights
 * 0.01·N(0, 1), biases 0. Train and test accuracy once per epoch (600 iterations), plotted.
 * First, the tutorial's gradient check: backprop gradients against numerical ones on 3 images.
 *
 *   npx tsx examples/c-two-layer-net.ts         (about a minute)
 */
import {
  gradcheck,
  lineChart,
  loadMnist,
  manualSeed,
  noGrad,
  Rng,
  randn,
  SGD,
  savePlot,
  type Tensor,
  zeros,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';

const { train, test } = await loadMnist({ validationSize: 0 }); // all 60,000 training images
manualSeed(arg('seed', 0));
const W1 = randn([784, 50], { std: 0.01, requiresGrad: true });
const b1 = zeros([50], { requiresGrad: true });
const W2 = randn([50, 10], { std: 0.01, requiresGrad: true });
const b2 = zeros([10], { requiresGrad: true });
const params = [W1, b1, W2, b2];

const predict = (x: Tensor, w1: Tensor, c1: Tensor, w2: Tensor, c2: Tensor) =>
  x.matmul(w1).add(c1).relu().matmul(w2).add(c2);
// SoftmaxWithLoss: mean cross-entropy of softmax(scores) against one-hot t.
const loss = (x: Tensor, t: Tensor, ...p: Tensor[]) =>
  predict(x, ...(p as [Tensor, Tensor, Tensor, Tensor]))
    .logSoftmax(-1)
    .mul(t)
    .sum(-1)
    .mean()
    .neg();
const accuracy = (x: Tensor, t: Tensor) =>
  noGrad(() => predict(x, W1, b1, W2, b2).argmax(-1).eq(t.argmax(-1)).mean().item());

// gradient_check.py: 3 images, every parameter, numerical vs backprop. With the tiny initial
// weights the gradients are tiny, so compare them at a less degenerate point (std 0.1 and 0.5).
const xs = train.x.slice(0, 3);
const ts = train.y.slice(0, 3);
const probe = [
  randn([784, 50], { std: 0.1, seed: 1 }),
  randn([50], { std: 0.1, seed: 2 }),
  randn([50, 10], { std: 0.5, seed: 3 }),
  randn([10], { std: 0.5, seed: 4 }),
];
const check = gradcheck((...p) => loss(xs, ts, ...p), probe, { maxElements: 400, seed: 1 });
console.log(
  `gradient check on 3 images: numerical and backprop gradients ${check.ok ? 'agree' : 'DISAGREE'} — worst error ${check.maxError.toExponential(2)} over ${check.checked} sampled weights`,
);

const iterations = arg('iterations', 10000);
const batchSize = 100;
const perEpoch = Math.max(1, train.x.shape[0]! / batchSize);
const opt = new SGD({ learningRate: 0.1 });
const rng = new Rng(arg('seed', 0));
const trainAcc: number[] = [];
const testAcc: number[] = [];
const losses: number[] = [];
const t0 = performance.now();
for (let i = 0; i < iterations; i++) {
  const mask = Int32Array.from({ length: batchSize }, () => rng.int(train.x.shape[0]!)); // np.random.choice
  const l = loss(train.x.gather(mask), train.y.gather(mask), ...params);
  l.backward();
  opt.step(params);
  opt.zeroGrad();
  losses.push(l.item());
  if (i % perEpoch === 0) {
    trainAcc.push(accuracy(train.x, train.y));
    testAcc.push(accuracy(test.x, test.y));
    console.log(
      `iteration ${String(i).padStart(5)}: train acc ${trainAcc.at(-1)!.toFixed(4)}, test acc ${testAcc.at(-1)!.toFixed(4)}`,
    );
  }
}
const finalTest = accuracy(test.x, test.y);
console.log(
  `after ${iterations} iterations (${((performance.now() - t0) / 1000).toFixed(0)} s): train acc ${accuracy(train.x, train.y).toFixed(4)}, test acc ${finalTest.toFixed(4)}`,
);
await savePlot(
  lineChart({
    title: 'TwoLayerNet accuracy (tutorial 003)',
    series: { train: trainAcc, test: testAcc },
    xStart: 0,
    yTitle: 'accuracy',
  }),
  `${OUTPUT}c-two-layer-net-accuracy`,
);
console.log(`plot: ${OUTPUT}c-two-layer-net-accuracy.png`);
