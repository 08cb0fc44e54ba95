/** Prints the training state of a small network backed up mid-epoch: the example in docs/model-format.md. */
import {
  Adam,
  backupAndRestore,
  Dense,
  Dropout,
  type ModelArtifacts,
  manualSeed,
  Sequential,
} from '../src/index.js';
import { moons } from '../test/datasets.js';

manualSeed(5);
const model = new Sequential();
model.add(new Dense({ units: 16, activation: 'tanh', inputDim: 2 }));
model.add(new Dropout({ rate: 0.1, seed: 9 }));
model.add(new Dense({ units: 2, activation: 'softmax' }));
model.compile({
  optimizer: new Adam({ learningRate: 0.01 }),
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
});
const { x, y } = moons(203, 0.2, 3);
let stored: ModelArtifacts | null = null;
const store = {
  save: async (a: ModelArtifacts) => {
    stored = a;
  },
  load: async () => stored!,
  exists: async () => false,
  remove: async () => {},
};
let n = 0;
await model
  .fit(x, y, {
    epochs: 3,
    batchSize: 16,
    seed: 1,
    verbose: 0,
    validationSplit: 0.2,
    callbacks: [
      backupAndRestore({ backupDir: store, saveFreq: 29, deleteCheckpoint: false }),
      {
        onBatchEnd: () => {
          if (++n === 29) throw new Error('stop');
        },
      },
    ],
  })
  .catch(() => {});
console.log(JSON.stringify(stored!.modelJson.trainingState!.json, null, 1));
