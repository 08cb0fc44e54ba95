import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  Adam,
  ArgumentError,
  BackupAndRestore,
  backupAndRestore,
  Dense,
  Dropout,
  type IOHandler,
  type Logs,
  loadModel,
  type ModelArtifacts,
  ModelFormatError,
  manualSeed,
  Rng,
  Sequential,
  SGD,
  type Tensor,
} from '../src/index.js';
import { modelCheckpoint } from '../src/node/index.js';
import { moons } from './datasets.js';
import { describeEachBackend, useTempDir } from './helpers.js';

/** An in-memory backup location (what a folder is in Node), counting saves. */
function memoryStore(): IOHandler & { saved: number; stored: ModelArtifacts | null } {
  const store = {
    saved: 0,
    stored: null as ModelArtifacts | null,
    async save(a: ModelArtifacts) {
      store.saved++;
      store.stored = structuredClone(a);
    },
    async load() {
      return structuredClone(store.stored!);
    },
    async exists() {
      return store.stored !== null;
    },
    async remove() {
      store.stored = null;
    },
  };
  return store;
}

/** The same network every time: global-RNG dropout, a seeded dropout, Adam (two state slots). */
function network(optimizer: 'adam' | 'sgd' = 'adam'): Sequential {
  manualSeed(5);
  const model = new Sequential();
  model.add(new Dense({ units: 16, activation: 'tanh', inputDim: 2 }));
  model.add(new Dropout({ rate: 0.2 }));
  model.add(new Dense({ units: 8, activation: 'relu' }));
  model.add(new Dropout({ rate: 0.1, seed: 9 }));
  model.add(new Dense({ units: 2, activation: 'softmax' }));
  model.compile({
    optimizer:
      optimizer === 'adam' ? new Adam({ learningRate: 0.01 }) : new SGD({ learningRate: 0.1, momentum: 0.9 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

// 162 training samples after the validation split: 11 batches an epoch, the last one short.
const { x, y } = moons(203, 0.2, 3);
const fitArgs = {
  epochs: 4,
  batchSize: 16,
  seed: 11,
  verbose: 0 as const,
  validationSplit: 0.2,
  // Augmentation draws from fit's generator: a resumed run must draw the same numbers.
  augment: (xb: Tensor, rng: Rng) => xb.add(rng.uniform() * 0.01),
};

function bits(model: Sequential): number[][] {
  return model.getWeights().map((w) => Array.from(new Uint32Array(w.dataSync().buffer)));
}

/** Throws once the fit has run `batches` batches in all: a kill at that moment. */
function killAfter(batches: number) {
  let seen = 0;
  return {
    onBatchEnd: () => {
      if (++seen === batches) throw new Error('killed');
    },
  };
}

describeEachBackend('exact resume (backupAndRestore)', () => {
  it('a run killed mid-epoch and started again ends with the uninterrupted weights and history, bit for bit', async () => {
    const reference = network();
    const refHistory = await reference.fit(x, y, fitArgs);

    // [saveFreq, the batch after which the run is killed, the batch of the last backup before it]
    for (const [saveFreq, killAt, backedUp] of [
      [3, 20, 18], // a mid-epoch backup (batch 7 of epoch 2), killed two batches later
      ['epoch', 20, 11], // epoch-end backups only
      [1, 11, 11], // killed right after the last batch of epoch 1 was backed up, before the epoch's end
    ] as const) {
      const store = memoryStore();
      const first = network();
      await assert.rejects(
        first.fit(x, y, {
          ...fitArgs,
          callbacks: [backupAndRestore({ backupDir: store, saveFreq }), killAfter(killAt)],
        }),
        /killed/,
      );
      assert.ok(store.stored, `a backup exists after the kill (saveFreq ${saveFreq})`);
      const again = network();
      const backup = new BackupAndRestore({ backupDir: store, saveFreq });
      let batches = 0;
      const history = await again.fit(x, y, {
        ...fitArgs,
        callbacks: [backup, { onBatchEnd: () => void batches++ }],
      });
      assert.ok(backup.resumed, 'the second fit started from the backup');
      assert.equal(batches, 44 - backedUp, 'it went on from the backup, not from the start');
      assert.deepEqual(
        bits(again),
        bits(reference),
        `weights differ (saveFreq ${saveFreq}, kill at ${killAt})`,
      );
      assert.deepEqual(history.history, refHistory.history);
      assert.deepEqual(history.epoch, refHistory.epoch);
      assert.equal(again.optimizer!.iterations, reference.optimizer!.iterations);
      assert.equal(store.stored, null, 'the backup is deleted when training ends');
    }
  });

  it('SGD with momentum resumes exactly too', async () => {
    const reference = network('sgd');
    await reference.fit(x, y, fitArgs);
    const store = memoryStore();
    await assert.rejects(
      network('sgd').fit(x, y, {
        ...fitArgs,
        callbacks: [backupAndRestore({ backupDir: store, saveFreq: 5 }), killAfter(37)],
      }),
    );
    const again = network('sgd');
    await again.fit(x, y, { ...fitArgs, callbacks: [backupAndRestore({ backupDir: store })] });
    assert.deepEqual(bits(again), bits(reference));
  });

  it('a fresh start when there is no backup; deleteCheckpoint: false keeps the last one', async () => {
    const store = memoryStore();
    const model = network();
    await model.fit(x, y, {
      ...fitArgs,
      callbacks: [backupAndRestore({ backupDir: store, deleteCheckpoint: false })],
    });
    assert.equal(store.saved, 4);
    assert.ok(store.stored?.trainingState, 'the kept backup carries the training state');
    // Loading it gives a model whose optimiser goes on where it was (as Keras' full-model files).
    const loaded = await loadModel(store.stored!);
    assert.equal(loaded.optimizer!.iterations, model.optimizer!.iterations);
    const slots = (m: Sequential) =>
      m.optimizer!.getState(m.trainableWeights).slots.map((p) => p.map((b) => Array.from(b)));
    assert.deepEqual(slots(loaded), slots(model));
    assert.equal(slots(model)[0]!.length, 2, 'Adam keeps two buffers per parameter');
  });

  it('refuses a backup made by another fit, another architecture or a damaged state', async () => {
    const store = memoryStore();
    await assert.rejects(
      network().fit(x, y, { ...fitArgs, callbacks: [backupAndRestore({ backupDir: store }), killAfter(15)] }),
    );
    const kept = structuredClone(store.stored!);
    await assert.rejects(
      network().fit(x, y, { ...fitArgs, batchSize: 32, callbacks: [backupAndRestore({ backupDir: store })] }),
      (e: Error) => e instanceof ArgumentError && /batchSize 16, this one has 32/.test(e.message),
    );
    store.stored = structuredClone(kept);
    const other = new Sequential();
    other.add(new Dense({ units: 2, activation: 'softmax', inputDim: 2 }));
    other.compile({ optimizer: new Adam(), loss: 'categoricalCrossentropy' });
    await assert.rejects(
      other.fit(x, y, { ...fitArgs, callbacks: [backupAndRestore({ backupDir: store })] }),
      (e: Error) => e instanceof ArgumentError && /another architecture/.test(e.message),
    );
    const sgd = network('sgd');
    store.stored = structuredClone(kept);
    await assert.rejects(
      sgd.fit(x, y, { ...fitArgs, callbacks: [backupAndRestore({ backupDir: store })] }),
      (e: Error) => e instanceof ArgumentError && /Adam's, not SGD's/.test(e.message),
    );
    const damaged = (edit: (json: Record<string, unknown>) => void) => {
      const copy = structuredClone(kept);
      edit(copy.trainingState!.json as Record<string, unknown>);
      store.stored = copy;
      return network().fit(x, y, { ...fitArgs, callbacks: [backupAndRestore({ backupDir: store })] });
    };
    const progress = (json: Record<string, unknown>) => json.progress as Record<string, unknown>;
    for (const edit of [
      (j: Record<string, unknown>) => void (progress(j).epoch = -1),
      (j: Record<string, unknown>) => void (progress(j).batch = 1e9),
      (j: Record<string, unknown>) => void (progress(j).fitRng = { s: [0, 0, 0, 0], spare: null }),
      (j: Record<string, unknown>) => void (progress(j).globalRng = null),
      (j: Record<string, unknown>) => void (progress(j).sums = { loss: 'x' }),
      (j: Record<string, unknown>) => void (progress(j).history = { epoch: [0], history: { loss: [] } }),
      (j: Record<string, unknown>) => void ((j.optimizer as Logs).byteLength = 4),
      (j: Record<string, unknown>) => void (j.formatVersion = 99),
    ]) {
      await assert.rejects(damaged(edit), (e: Error) => e instanceof ModelFormatError, String(edit));
    }
  });

  it('checks its options and refuses to work outside fit()', () => {
    assert.throws(() => backupAndRestore({ backupDir: memoryStore(), saveFreq: 0 }), /saveFreq/);
    assert.throws(
      () => backupAndRestore({ backupDir: memoryStore(), saveFreq: 'batch' as never }),
      /saveFreq/,
    );
    assert.throws(() => backupAndRestore({} as never), /backupDir is required/);
    assert.throws(() => backupAndRestore({ backupDir: { save: async () => {} } }), /cannot be read back/);
    assert.throws(() => network().trainingArtifacts(), /not being trained/);
  });
});

describeEachBackend('modelCheckpoint carries the training state', () => {
  const tmp = useTempDir('resume');
  it('any epoch checkpoint resumes exactly, and loadModel restores its optimiser', async () => {
    const reference = network();
    await reference.fit(x, y, fitArgs);
    const run = network();
    await run.fit(x, y, {
      ...fitArgs,
      callbacks: [modelCheckpoint({ filepath: join(tmp.path, 'ep-{epoch}') })],
    });
    const loaded = await loadModel(join(tmp.path, 'ep-2'));
    assert.equal(loaded.optimizer!.iterations, 22);
    const again = network();
    await again.fit(x, y, {
      ...fitArgs,
      callbacks: [backupAndRestore({ backupDir: join(tmp.path, 'ep-2'), deleteCheckpoint: false })],
    });
    assert.deepEqual(bits(again), bits(reference));
    const plain = network();
    await plain.fit(x, y, {
      ...fitArgs,
      epochs: 1,
      callbacks: [modelCheckpoint({ filepath: join(tmp.path, 'plain'), saveTrainingState: false })],
    });
    assert.equal((await loadModel(join(tmp.path, 'plain'))).optimizer!.iterations, 0, 'no state saved');
  });
});

it('Rng state round-trips, normals included, and bad states are refused', () => {
  const a = new Rng(3);
  a.normal();
  const state = a.getState();
  const b = new Rng(99);
  b.setState(state);
  for (let i = 0; i < 10; i++) assert.equal(b.normal(), a.normal());
  assert.throws(() => b.setState({ s: [0, 0, 0, 0], spare: null }), ArgumentError);
  assert.throws(() => b.setState({ s: [1, 2, 3], spare: null }), ArgumentError);
  assert.throws(() => b.setState({ s: [1, 2, 3, 2 ** 33], spare: null }), ArgumentError);
});
