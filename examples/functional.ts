/**
 * The functional API in one program: two inputs, two outputs, a layer shared by both inputs, a
 * merge layer and a Sequential used as a layer — trained, saved, reloaded with identical
 * predictions (docs/api.md, "The functional API").
 *
 * The data: pairs of 3-number vectors (a, b). Output `classes`: whether sum(a) > sum(b), one-hot
 * (from the concatenated encodings); output `regressor`: sum(a) + sum(b) (from their sum). Both
 * heads read the same shared encoding of a and of b.
 *
 *   npx tsx examples/functional.ts           options: --epochs 60 --seed 1
 */
import {
  Add,
  Concatenate,
  Dense,
  input,
  loadModel,
  Model,
  manualSeed,
  randn,
  Sequential,
  type Tensor,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';

manualSeed(arg('seed', 1));
const a = input({ shape: [3], name: 'a' });
const b = input({ shape: [3], name: 'b' });
const shared = new Dense({ units: 16, activation: 'tanh', name: 'shared' });
const ha = shared.apply(a); // one layer, two calls: the same weights see both inputs
const hb = shared.apply(b);
const classes = new Dense({ units: 2, activation: 'softmax', name: 'classes' }).apply(
  new Concatenate().apply([ha, hb]),
);
const regressor = new Sequential({
  name: 'regressor',
  layers: [new Dense({ units: 8, activation: 'tanh' }), new Dense({ units: 1 })],
});
const value = regressor.apply(new Add().apply([ha, hb]));
const model = new Model({ inputs: [a, b], outputs: [classes, value], name: 'two_io' });
model.summary();

const n = 2000;
const xa = randn([n, 3]);
const xb = randn([n, 3]);
const positive = xa.sum(1).gt(xb.sum(1)).dataSync();
const ya = Array.from(positive, (v) => (v === 1 ? [0, 1] : [1, 0]));
const yb = xa.sum(1).add(xb.sum(1)).reshape([n, 1]);

model.compile({
  optimizer: 'adam',
  loss: { classes: 'categoricalCrossentropy', regressor: 'mse' },
  lossWeights: { classes: 1, regressor: 0.5 },
  metrics: { classes: ['accuracy'], regressor: ['mae'] },
});
const history = await model.fit(
  { a: xa, b: xb },
  { classes: ya, regressor: yb },
  {
    epochs: arg('epochs', 60),
    batchSize: 64,
    validationSplit: 0.2,
    verbose: 0,
  },
);
const last = (key: string) => history.history[key]![history.history[key]!.length - 1]!;
console.log(
  `after ${history.epoch.length} epochs: loss ${last('loss').toFixed(4)} · val_classes_accuracy ${last('val_classes_accuracy').toFixed(3)} · val_regressor_mae ${last('val_regressor_mae').toFixed(3)}`,
);

await model.save(`${OUTPUT}two-io`);
const same = await loadModel<Model>(`${OUTPUT}two-io`);
const [p1, v1] = model.predict([xa, xb]) as Tensor[];
const [p2, v2] = same.predict([xa, xb]) as Tensor[];
const gap = Math.max(p1!.sub(p2!).abs().max().item(), v1!.sub(v2!).abs().max().item());
console.log(`reloaded from ${OUTPUT}two-io: max prediction difference ${gap}`);
console.log(
  `shared layer kernels after reload: ${same.getLayer('shared').weights.length} (one layer, two calls)`,
);
