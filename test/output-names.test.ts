/**
 * Model.outputNames are unique: a layer with several outputs numbers them name_1, name_2…,
 * skipping a number another layer or input already goes by — so a loss, lossWeights or metric
 * keyed by name reaches one output each. Models without such a clash keep the names they had.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Bidirectional,
  Dense,
  GRU,
  input,
  Model,
  manualSeed,
  modelFromArtifacts,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

const TIME = 3;
const FEATURES = 2;

/** A Bidirectional 'bi' with mergeMode null (two outputs) and a Dense called `denseName`. */
function clashing(denseName: string, inputName = 'x'): Model {
  const x = input({ shape: [TIME, FEATURES], name: inputName });
  const [a, b] = new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: null, name: 'bi' }).apply(
    x,
  ) as unknown as SymbolicTensor[];
  const c = new Dense({ units: 2, name: denseName }).apply(x);
  return new Model({ inputs: x, outputs: [a!, b!, c] });
}

describeEachBackend('Model.outputNames', () => {
  it('skips a number taken by another output, a hidden layer or an input', () => {
    manualSeed(1);
    assert.deepEqual(clashing('bi_1').outputNames, ['bi_2', 'bi_3', 'bi_1']);
    // An input named bi_1 and a hidden layer named bi_2, neither of them an output.
    const x = input({ shape: [TIME, FEATURES], name: 'bi_1' });
    const hidden = new Dense({ units: FEATURES, name: 'bi_2' }).apply(x);
    const [a, b] = new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: null, name: 'bi' }).apply(
      hidden,
    ) as unknown as SymbolicTensor[];
    assert.deepEqual(new Model({ inputs: x, outputs: [a!, b!] }).outputNames, ['bi_3', 'bi_4']);
  });

  it('keeps the names it always gave where nothing clashes', () => {
    manualSeed(2);
    assert.deepEqual(clashing('dense').outputNames, ['bi_1', 'bi_2', 'dense']);
    const x = input({ shape: [4] });
    const y = new Dense({ units: 1, name: 'out' }).apply(x);
    assert.deepEqual(new Model({ inputs: x, outputs: [y, y] }).outputNames, ['out_1', 'out_2']);
  });

  it('a saved model (its file names layers, not outputs) loads with the same names, compiled by position', () => {
    manualSeed(4);
    const model = clashing('bi_1');
    model.compile({
      optimizer: 'sgd',
      loss: ['mse', 'mae', 'mse'],
      lossWeights: { bi_2: 0.5, bi_3: 2, bi_1: 1 },
    });
    const artifacts = model.toArtifacts();
    assert.deepEqual(artifacts.modelJson.trainingConfig?.lossWeights, [0.5, 2, 1]);
    const copy = modelFromArtifacts(structuredClone(artifacts)) as Model;
    assert.deepEqual(copy.outputNames, ['bi_2', 'bi_3', 'bi_1']);
  });

  it('lossWeights keyed by name reach one output each', () => {
    manualSeed(3);
    const model = clashing('bi_1');
    // Only the Dense's loss counts: the evaluated loss is its mean squared error alone.
    model.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: { bi_2: 0, bi_3: 0, bi_1: 1 } });
    const x = tensor(
      Float32Array.from({ length: 2 * TIME * FEATURES }, (_, i) => Math.sin(i)),
      { shape: [2, TIME, FEATURES] },
    );
    const zeros = (shape: number[]) => tensor(new Float32Array(shape.reduce((p, q) => p * q, 1)), { shape });
    const ys = [zeros([2, 2]), zeros([2, 2]), zeros([2, TIME, 2])];
    const logs = model.evaluate(x, ys) as Record<string, number>;
    const dense = (model.predict(x) as Tensor[])[2]!;
    const mse = dense.square().mean().dataSync()[0]!;
    assertClose([logs.loss!], [mse], 1e-6, 1e-5);
    assert.deepEqual(
      Object.keys(logs).filter((k) => k.endsWith('_loss')),
      ['bi_2_loss', 'bi_3_loss', 'bi_1_loss'],
    );
  });
});
