/**
 * A GAN trained by a hand-written alternating loop over two models, through the public API only:
 * a generator turning noise into 2-D points and a discriminator telling them from real points
 * (drawn from a Gaussian at (2, −1) with spread 0.5). Each step
 *
 *   1. trains the discriminator one batch (trainOnBatch) on real points labelled 1 and the
 *      generator's points labelled 0;
 *   2. trains the generator one batch in a stepScope: the discriminator frozen
 *      (trainable = false: its weights get no gradient and are not updated), the loss the
 *      discriminator's cross-entropy against the label "real".
 *
 * Nothing is disposed: trainOnBatch and stepScope give each step's memory back. It prints the
 * mean and spread of the generated points (they should approach the real ones) and the process's
 * resident memory, which stays flat.
 *
 *   npx tsx examples/gan.ts              options: --steps 3000 --batch 64 --seed 1
 */
import {
  Adam,
  concat,
  Dense,
  losses,
  manualSeed,
  ones,
  randn,
  Sequential,
  stepScope,
  tensor,
  zeros,
} from 'backprop-js';
import { arg } from './args.js';

const steps = arg('steps', 3000);
const batch = arg('batch', 64);
manualSeed(arg('seed', 1));
const NOISE = 4;
const REAL_MEAN = [2, -1];
const REAL_STD = 0.5;

const generator = new Sequential({ name: 'generator' });
generator.add(new Dense({ units: 32, activation: 'relu', inputDim: NOISE }));
generator.add(new Dense({ units: 32, activation: 'relu' }));
generator.add(new Dense({ units: 2 }));

const discriminator = new Sequential({ name: 'discriminator' });
discriminator.add(new Dense({ units: 32, activation: 'relu', inputDim: 2 }));
discriminator.add(new Dense({ units: 32, activation: 'relu' }));
discriminator.add(new Dense({ units: 1, activation: 'sigmoid' }));
discriminator.compile({
  optimizer: new Adam({ learningRate: 1e-3, beta1: 0.5 }),
  loss: 'binaryCrossentropy',
});

const generatorOptimizer = new Adam({ learningRate: 1e-3, beta1: 0.5 });
const bce = losses.binaryCrossentropy();
const realPoints = () => randn([batch, 2]).mul(REAL_STD).add(tensor(REAL_MEAN));
const labels = concat([ones([batch, 1]), zeros([batch, 1])], 0);
const allReal = ones([batch, 1]);

function generatedStats(): { mean: number[]; std: number[] } {
  const points = generator.predict(randn([2000, NOISE]));
  const mean = points.mean(0);
  const std = points.sub(mean).square().mean(0).sqrt();
  return { mean: Array.from(mean.dataSync()), std: Array.from(std.dataSync()) };
}

const rssMB = () => process.memoryUsage().rss / 2 ** 20;
const fmt = (v: number[]) => `(${v.map((x) => x.toFixed(2)).join(', ')})`;
let peak = 0;
const start = performance.now();
for (let step = 1; step <= steps; step++) {
  // 1. The discriminator: real points are 1, generated ones 0.
  const fake = generator.predict(randn([batch, NOISE]));
  const d = discriminator.trainOnBatch(concat([realPoints(), fake], 0), labels);
  // 2. The generator, through the frozen discriminator, towards "real".
  const g = stepScope(() => {
    discriminator.trainable = false;
    try {
      const loss = bce(
        allReal,
        discriminator.call(generator.call(randn([batch, NOISE]), { training: true })),
      );
      loss.backward();
      generatorOptimizer.step(generator.trainableWeights);
      generatorOptimizer.zeroGrad(generator.trainableWeights);
      return loss.item();
    } finally {
      discriminator.trainable = true;
    }
  });
  if (step % 500 === 0 || step === steps) {
    const { mean, std } = generatedStats();
    peak = Math.max(peak, rssMB());
    console.log(
      `step ${step}: D loss ${d.loss!.toFixed(3)} · G loss ${g.toFixed(3)} · generated mean ${fmt(mean)} std ${fmt(std)} · RSS ${rssMB().toFixed(0)} MB`,
    );
  }
}
const { mean, std } = generatedStats();
console.log(`real: mean ${fmt(REAL_MEAN)} std ${fmt([REAL_STD, REAL_STD])}`);
console.log(`generated: mean ${fmt(mean)} std ${fmt(std)}`);
console.log(
  `${steps} steps in ${((performance.now() - start) / 1000).toFixed(1)} s · peak RSS ${peak.toFixed(0)} MB`,
);
