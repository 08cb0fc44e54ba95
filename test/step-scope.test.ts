/**
 * fit()'s step scope on the wasm backend: each batch's blocks come back when the step ends, so
 * memory stays flat however long training runs, and a tensor smuggled out of a step fails loudly
 * instead of reading memory that a later batch overwrote.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  type CallOptions,
  Dense,
  getBackend,
  Layer,
  listBackends,
  manualSeed,
  randn,
  Sequential,
  type Shape,
  setBackend,
  type Tensor,
} from '../src/index.js';

const skip = !listBackends().includes('wasm');

function withWasm(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    const previous = getBackend().name;
    setBackend('wasm');
    try {
      await fn();
    } finally {
      setBackend(previous);
    }
  };
}

it(
  'wasm: memory stays flat over many epochs of fit()',
  { skip },
  withWasm(async () => {
    manualSeed(1);
    const x = randn([512, 20]);
    const y = randn([512, 3]);
    const model = new Sequential();
    model.add(new Dense({ units: 64, activation: 'relu', inputDim: 20 }));
    model.add(new Dense({ units: 3 }));
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await model.fit(x, y, { batchSize: 32, epochs: 2, verbose: 0 });
    const after2 = getBackend().memoryStats!().highWaterBytes;
    await model.fit(x, y, { batchSize: 32, epochs: 10, verbose: 0 });
    const after12 = getBackend().memoryStats!().highWaterBytes;
    assert.equal(after12, after2, `high-water mark moved from ${after2} to ${after12} bytes`);
  }),
);

/** A (badly written) layer that keeps its last output. */
class Stash extends Layer {
  last: Tensor | null = null;
  constructor() {
    super({}, 'stash');
  }
  get className(): string {
    return 'Stash';
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  protected forward(x: Tensor, _options: CallOptions): Tensor {
    this.last = x.mul(2);
    return this.last;
  }
  protected layerConfig(): Record<string, unknown> {
    return {};
  }
}

it(
  'wasm: a tensor kept from inside a training step fails with an explanation',
  { skip },
  withWasm(async () => {
    manualSeed(2);
    const stash = new Stash();
    const model = new Sequential();
    model.add(new Dense({ units: 4, inputDim: 3 }));
    model.add(stash);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(randn([8, 3]), randn([8, 4]), { batchSize: 4, epochs: 1, verbose: 0 });
    assert.throws(() => stash.last!.dataSync(), /computed inside a training step/);
    // Outside fit() nothing is reclaimed early: predict's results stay readable.
    model.predict(randn([2, 3]));
    assert.equal(stash.last!.dataSync().length, 8, 'the tensor from predict() is intact');
  }),
);
