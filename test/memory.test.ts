/**
 * Memory that comes back on the wasm backend outside fit(): a synchronous hand-written loop, a
 * GAN-style loop over two models and a loop of fresh models each reuse the blocks of the tensors
 * they drop (the Node entry's collector, src/node/gc-pressure.ts), with no dispose() anywhere; and
 * reusing blocks never changes a result.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend } from '../src/backend/backend.js';
import { registeredHeapCollector, setHeapCollector } from '../src/backend/wasm/collector.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { WasmStorage } from '../src/backend/wasm/memory.js';
import {
  Dense,
  eye,
  getBackend,
  listBackends,
  randn,
  registerBackend,
  Sequential,
  SGD,
  setBackend,
  type Tensor,
  tensor,
} from '../src/node/index.js';

const skip = !listBackends().includes('wasm');
const MiB = 2 ** 20;

function stats(): { highWaterBytes: number; liveBytes: number; collections: number } {
  const s = getBackend().memoryStats?.();
  assert.ok(s, `backend ${getBackend().name} reports no memory stats`);
  return s;
}

/** Run fn with `name` as the active backend. */
async function using<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const previous = getBackend().name;
  setBackend(name);
  try {
    return await fn();
  } finally {
    setBackend(previous);
  }
}

/** The docs' hand-written loop (docs/api.md, "In a hand-written loop"): returns the parameters. */
function handLoop(steps: number, sizes: [number, number, number], batch: number): Tensor[] {
  const [inputs, hidden, classes] = sizes;
  const x = randn([batch * 4, inputs], { seed: 11 });
  const y = eye(classes).gather(Array.from({ length: batch * 4 }, (_, i) => (i * 7) % classes));
  const W1 = randn([inputs, hidden], { seed: 1, std: 0.05, requiresGrad: true });
  const b1 = tensor(new Float32Array(hidden), { requiresGrad: true });
  const W2 = randn([hidden, classes], { seed: 2, std: 0.05, requiresGrad: true });
  const b2 = tensor(new Float32Array(classes), { requiresGrad: true });
  const opt = new SGD({ learningRate: 0.05, momentum: 0.9 });
  for (let step = 0; step < steps; step++) {
    const at = (step % 4) * batch;
    const xb = x.slice(at, at + batch);
    const yOneHot = y.slice(at, at + batch);
    const loss = xb
      .matmul(W1)
      .add(b1)
      .relu()
      .matmul(W2)
      .add(b2)
      .logSoftmax()
      .mul(yOneHot)
      .sum(-1)
      .mean()
      .neg();
    loss.backward();
    opt.step([W1, b1, W2, b2]);
    opt.zeroGrad();
  }
  return [W1, b1, W2, b2];
}

it('wasm: a synchronous hand-written loop reuses the memory of the tensors it drops', { skip }, () =>
  using('wasm', () => {
    handLoop(5, [784, 256, 10], 128);
    const start = stats();
    // ~1.5 MB of tensors a step: 200 steps drop ~300 MB, which used to pile up until the loop ended.
    handLoop(200, [784, 256, 10], 128);
    const end = stats();
    const grown = (end.highWaterBytes - start.highWaterBytes) / MiB;
    assert.ok(grown < 64, `the high-water mark grew by ${grown.toFixed(0)} MiB over 200 steps`);
    assert.ok(end.collections > start.collections, 'the loop ran no collection');
  }),
);

/** A wasm backend of its own, with or without the collector, registered as `name`. */
function separateWasmBackend(name: string, withCollector: boolean): Backend {
  const collector = registeredHeapCollector();
  if (!withCollector) setHeapCollector(null);
  try {
    const backend = { ...createWasmBackend(), name };
    registerBackend(backend);
    return backend;
  } finally {
    setHeapCollector(collector);
  }
}

function heapOf(backend: Backend): WasmStorage['heap'] {
  return (backend.alloc(1) as WasmStorage).heap;
}

it('wasm: reused blocks give the same bits as memory that is never reused', { skip }, async () => {
  const reusing = separateWasmBackend('wasm (collecting often)', true);
  // Collect every 256 KiB, so blocks change hands hundreds of times in this short loop.
  heapOf(reusing).minCollectBudget = 256 * 1024;
  separateWasmBackend('wasm (no collector)', false);
  const run = (name: string) => using(name, () => handLoop(120, [64, 64, 5], 32).map((p) => p.dataSync()));
  const collected = await run('wasm (collecting often)');
  const fresh = await run('wasm (no collector)');
  const collections = await using('wasm (collecting often)', () => stats().collections);
  assert.ok(collections >= 10, `the collecting backend collected ${collections} times`);
  collected.forEach((values, i) => {
    assert.deepEqual(values, fresh[i], `parameter ${i} differs when blocks are reused`);
  });
});

it('wasm: a view keeps the block of the tensor it was cut from', { skip }, async () => {
  const name = 'wasm (views)';
  heapOf(separateWasmBackend(name, true)).minCollectBudget = MiB;
  await using(name, () => {
    const row = (() => {
      const whole = randn([64, 256], { seed: 5 });
      return { view: whole.slice(10, 11).reshape([256]), expected: whole.dataSync().slice(2560, 2816) };
    })();
    // Garbage of the same block size as `whole`, so a wrongly freed block would be handed out again.
    for (let i = 0; i < 100; i++) randn([64, 256], { seed: i }).mul(2);
    assert.ok(stats().collections > 0, 'no collection ran');
    assert.deepEqual(row.view.dataSync(), row.expected);
  });
});

it('wasm: at the soft limit, the heap collects before falling back to ordinary arrays', {
  skip,
}, async () => {
  const name = 'wasm (soft limit)';
  const heap = heapOf(separateWasmBackend(name, true));
  // No collection on budget here: only the soft limit can trigger one.
  heap.minCollectBudget = 4 * MiB;
  await using(name, () => {
    for (let i = 0; i < 20; i++) randn([64, 256], { seed: i }); // 1.25 MiB dropped
    heap.softLimit = heap.highWater;
    const next = randn([64, 256], { seed: 20 });
    assert.ok(next.storage instanceof WasmStorage, 'a dropped block was reused, not an ordinary array');
    assert.equal(stats().collections, 1);
  });
});

function mlp(sizes: number[], lastActivation: 'relu' | 'sigmoid' | 'linear'): Sequential {
  const model = new Sequential();
  for (let i = 1; i < sizes.length; i++) {
    model.add(
      new Dense({
        units: sizes[i]!,
        activation: i === sizes.length - 1 ? lastActivation : 'relu',
        ...(i === 1 ? { inputDim: sizes[0]! } : {}),
      }),
    );
  }
  return model;
}

it('wasm: the memory of models that are gone is reused by the next ones', { skip }, () =>
  using('wasm', async () => {
    const x = randn([128, 784], { seed: 3 });
    const y = eye(10).gather(Array.from({ length: 128 }, (_, i) => i % 10));
    const train = async () => {
      const model = mlp([784, 256, 10], 'linear');
      model.compile({ optimizer: 'adam', loss: 'mse' });
      await model.fit(x, y, { batchSize: 128, epochs: 1, verbose: 0 });
    };
    await train();
    const start = stats();
    // Each model holds ~2.4 MB (weights and Adam's two moments): 50 of them ~120 MB if none returned.
    for (let i = 0; i < 50; i++) await train();
    const grown = (stats().highWaterBytes - start.highWaterBytes) / MiB;
    assert.ok(grown < 64, `the high-water mark grew by ${grown.toFixed(0)} MiB over 50 models`);
  }),
);

it('wasm: a GAN-style loop over two models runs in bounded memory', { skip }, () =>
  using('wasm', () => {
    const generator = mlp([32, 256, 784], 'sigmoid');
    const discriminator = mlp([784, 256, 1], 'sigmoid');
    const optG = new SGD({ learningRate: 0.01, momentum: 0.5 });
    const optD = new SGD({ learningRate: 0.01, momentum: 0.5 });
    const batch = 64;
    const real = randn([batch, 784], { seed: 4 }).sigmoid();
    const ones = tensor(new Float32Array(batch).fill(1), { shape: [batch, 1] });
    // Least-squares GAN losses: (D(real) − 1)², D(fake)², and (D(fake) − 1)² for the generator.
    const towards = (p: Tensor, target: number) => p.sub(ones.mul(target)).square().mean();
    const step = (i: number) => {
      const fake = generator.call(randn([batch, 32], { seed: i }), { training: true });
      const dLoss = towards(discriminator.call(real, { training: true }), 1).add(
        towards(discriminator.call(fake.detach(), { training: true }), 0),
      );
      dLoss.backward();
      optD.step(discriminator.trainableWeights);
      optD.zeroGrad();
      const gLoss = towards(discriminator.call(fake, { training: true }), 1);
      gLoss.backward();
      optG.step(generator.trainableWeights);
      optG.zeroGrad();
      optD.zeroGrad();
      return gLoss;
    };
    for (let i = 0; i < 3; i++) step(i);
    const start = stats();
    // ~5 MB of tensors a step: 60 steps drop ~300 MB.
    let last = 0;
    for (let i = 3; i < 63; i++) last = step(i).item();
    assert.ok(Number.isFinite(last), `generator loss ${last}`);
    const grown = (stats().highWaterBytes - start.highWaterBytes) / MiB;
    assert.ok(grown < 64, `the high-water mark grew by ${grown.toFixed(0)} MiB over 60 GAN steps`);
  }),
);
