/**
 * Memory of the wasm backend outside fit(), measured the way issue 12 found it growing:
 *   hand    the hand-written training loop of docs/api.md ("In a hand-written loop"), 784-256-10,
 *           batch 128, on MNIST's 50,000 training images: RSS every 250 steps;
 *   gan     a GAN-style loop over two models (two optimisers, the generator's output fed to the
 *           discriminator): RSS every 250 steps;
 *   matmul  20,000 products of 256×256 matrices, results dropped: RSS and reserved before and after;
 *   models  200 fresh 784-256-10 models, each compiled with Adam and fitted one epoch on 256 rows.
 * Run: npx tsx scripts/memory-soak.ts [hand|gan|matmul|models ...] [--steps N]   (default: all)
 * Each part runs in a fresh process so that one's memory does not colour the next.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  Dense,
  eye,
  getBackend,
  loadMnist,
  randn,
  Sequential,
  SGD,
  setBackend,
  type Tensor,
  tensor,
} from '../src/node/index.js';

const PARTS = ['hand', 'gan', 'matmul', 'models'] as const;
type Part = (typeof PARTS)[number];

const MB = 2 ** 20;

function report(label: string): void {
  const { rss, heapUsed } = process.memoryUsage();
  const stats = getBackend().memoryStats?.();
  const parts = [
    `${label.padEnd(14)} rss ${(rss / MB).toFixed(0).padStart(5)} MB`,
    `js heap ${(heapUsed / MB).toFixed(0).padStart(4)} MB`,
  ];
  if (stats) {
    parts.push(`reserved ${(stats.capacityBytes / MB).toFixed(0).padStart(5)} MB`);
    parts.push(`high-water ${(stats.highWaterBytes / MB).toFixed(0).padStart(5)} MB`);
    // Absent before this script's change (the old code reported only the two above).
    if (stats.liveBytes !== undefined) parts.push(`live ${(stats.liveBytes / MB).toFixed(0).padStart(5)} MB`);
    if (stats.collections !== undefined) parts.push(`gc ${stats.collections}`);
  }
  console.log(parts.join('  '));
}

function param(shape: number[], seed: number, std: number): Tensor {
  return randn(shape, { seed, std, requiresGrad: true });
}

async function handLoop(steps: number): Promise<void> {
  const { train } = await loadMnist({ validationSize: 10000, oneHot: true });
  const x = train.x;
  const y = train.y;
  report('data loaded');
  const W1 = param([784, 256], 1, Math.sqrt(2 / 784));
  const b1 = tensor(new Float32Array(256), { requiresGrad: true });
  const W2 = param([256, 10], 2, Math.sqrt(2 / 256));
  const b2 = tensor(new Float32Array(10), { requiresGrad: true });
  const opt = new SGD({ learningRate: 0.1, momentum: 0.9 });
  const batches = Math.floor(x.shape[0]! / 128);
  const started = performance.now();
  let loss = 0;
  for (let step = 1; step <= steps; step++) {
    const at = ((step - 1) % batches) * 128;
    const xb = x.slice(at, at + 128);
    const yOneHot = y.slice(at, at + 128);
    const l = xb.matmul(W1).add(b1).relu().matmul(W2).add(b2).logSoftmax().mul(yOneHot).sum(-1).mean().neg();
    l.backward();
    opt.step([W1, b1, W2, b2]);
    opt.zeroGrad();
    if (step % 250 === 0) {
      loss = l.item();
      report(`step ${step}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${steps} steps in ${seconds.toFixed(1)} s, last loss ${loss.toFixed(4)}`);
}

function mlp(sizes: number[], activation: 'relu' | 'sigmoid'): Sequential {
  const model = new Sequential();
  for (let i = 1; i < sizes.length; i++) {
    const last = i === sizes.length - 1;
    model.add(
      new Dense({
        units: sizes[i]!,
        activation: last ? activation : 'relu',
        ...(i === 1 ? { inputDim: sizes[0]! } : {}),
      }),
    );
  }
  return model;
}

async function ganLoop(steps: number): Promise<void> {
  const { train } = await loadMnist({ validationSize: 10000 });
  const real = train.x;
  report('data loaded');
  const generator = mlp([64, 256, 784], 'sigmoid');
  const discriminator = mlp([784, 256, 1], 'sigmoid');
  const optG = new SGD({ learningRate: 0.01, momentum: 0.5 });
  const optD = new SGD({ learningRate: 0.01, momentum: 0.5 });
  const gParams = generator.trainableWeights;
  const dParams = discriminator.trainableWeights;
  const batch = 64;
  const ones = tensor(new Float32Array(batch).fill(1), { shape: [batch, 1] });
  const eps = 1e-6;
  const bce = (p: Tensor, target: Tensor): Tensor =>
    target
      .mul(p.add(eps).log())
      .add(
        target
          .neg()
          .add(1)
          .mul(
            p
              .neg()
              .add(1 + eps)
              .log(),
          ),
      )
      .mean()
      .neg();
  const zeros = ones.mul(0);
  const batches = Math.floor(real.shape[0]! / batch);
  const started = performance.now();
  for (let step = 1; step <= steps; step++) {
    const at = ((step - 1) % batches) * batch;
    // Discriminator: real images as 1, generated ones (detached) as 0.
    const fake = generator.call(randn([batch, 64], { seed: step }), { training: true });
    const dLoss = bce(discriminator.call(real.slice(at, at + batch), { training: true }), ones).add(
      bce(discriminator.call(fake.detach(), { training: true }), zeros),
    );
    dLoss.backward();
    optD.step(dParams);
    optD.zeroGrad();
    // Generator: make the discriminator say 1; its gradient flows back through the discriminator.
    const gLoss = bce(discriminator.call(fake, { training: true }), ones);
    gLoss.backward();
    optG.step(gParams);
    optG.zeroGrad();
    optD.zeroGrad();
    if (step % 250 === 0) report(`step ${step}`);
  }
  console.log(`${steps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function matmulLoop(count: number): void {
  const a = randn([256, 256], { seed: 1 });
  const b = randn([256, 256], { seed: 2 });
  report('before');
  let checksum = 0;
  for (let i = 0; i < count; i++) {
    const c = a.matmul(b);
    if (i % 1000 === 0) checksum += c.storage.view()[0]!;
  }
  report(`after ${count}`);
  console.log(`checksum ${checksum.toFixed(3)}`);
}

async function modelsLoop(count: number): Promise<void> {
  const x = randn([256, 784], { seed: 3 });
  const y = eye(10).gather(Array.from({ length: 256 }, (_, i) => i % 10));
  report('before');
  for (let i = 1; i <= count; i++) {
    const model = mlp([784, 256, 10], 'relu');
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { batchSize: 128, epochs: 1, verbose: 0 });
    if (i % 50 === 0) report(`${i} models`);
  }
}

async function runPart(part: Part, steps: number): Promise<void> {
  setBackend('wasm');
  console.log(`== ${part} (node ${process.version}, backend ${getBackend().name})`);
  if (part === 'hand') await handLoop(steps);
  else if (part === 'gan') await ganLoop(steps);
  else if (part === 'matmul') matmulLoop(20_000);
  else await modelsLoop(200);
}

const args = process.argv.slice(2);
const stepsAt = args.indexOf('--steps');
const steps = stepsAt >= 0 ? Number(args[stepsAt + 1]) : 3000;
if (!Number.isInteger(steps) || steps <= 0) throw new Error(`--steps must be a positive integer`);
const chosen = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--steps');
for (const name of chosen) {
  if (!(PARTS as readonly string[]).includes(name))
    throw new Error(`unknown part '${name}' (parts: ${PARTS.join(', ')})`);
}
if (chosen.length === 1) {
  await runPart(chosen[0] as Part, steps);
} else {
  for (const part of chosen.length > 0 ? chosen : PARTS) {
    const result = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), part, '--steps', String(steps)],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
