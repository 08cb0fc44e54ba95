/**
 * Embedding: rows of the table by id (against the table read back), ids outside [0, inputDim)
 * refused naming the id and its position, maskZero's mask, the table's gradient (repeated ids add
 * up) by gradcheck, configs and the option names Keras uses (inputDim is the vocabulary here).
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { gradcheck } from '../src/autograd/gradcheck.js';
import {
  ArgumentError,
  Dense,
  Embedding,
  Flatten,
  initializers,
  type Layer,
  Sequential,
  type Tensor,
  tensor,
} from '../src/index.js';
import { layerFromConfig } from '../src/nn/registry.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

/** The layer as a function of its weights: getWeight is pointed at gradcheck's copies. */
function withWeights(layer: Layer, names: readonly string[], x: Tensor) {
  return (...ws: Tensor[]): Tensor => {
    const own = layer.getWeight.bind(layer);
    layer.getWeight = (name: string) => {
      const i = names.indexOf(name);
      return i >= 0 ? ws[i]! : own(name);
    };
    try {
      return layer.apply(x, { training: true });
    } finally {
      delete (layer as { getWeight?: unknown }).getWeight;
    }
  };
}

describeEachBackend('Embedding', () => {
  let ids: Tensor;
  before(() => {
    ids = tensor([
      [1, 4, 0],
      [3, 3, 2],
    ]);
  });

  it('gives the table row of each id, shaped [batch, time, outputDim]', () => {
    const layer = new Embedding({ inputDim: 5, outputDim: 4 });
    const y = layer.apply(ids);
    assert.deepEqual(y.shape, [2, 3, 4]);
    const table = flat(layer.getWeight('embeddings'));
    const expected = flat(ids).flatMap((id) => table.slice(id * 4, id * 4 + 4));
    assertClose(y, expected, 0, 0);
    // Keras' default initialiser: uniform in ±0.05.
    assert.ok(table.every((v) => Math.abs(v) <= 0.05) && new Set(table).size === table.length);
  });

  it('refuses ids outside [0, inputDim) or not integers, naming the id and its position', () => {
    const layer = new Embedding({ inputDim: 5, outputDim: 2, name: 'words' });
    for (const [bad, where] of [
      [5, '[1, 2]'],
      [-1, '[1, 2]'],
      [2.5, '[1, 2]'],
    ] as const) {
      const x = tensor([
        [1, 2, 3],
        [0, 4, bad],
      ]);
      assert.throws(
        () => layer.apply(x),
        (e: Error) =>
          e instanceof ArgumentError &&
          e.message.includes(`id ${bad} at position ${where}`) &&
          e.message.includes("'words'") &&
          e.message.includes('[0, 5)'),
      );
    }
  });

  it('maskZero: the mask is 1 where the id is not 0; without it there is none', () => {
    const masked = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true });
    assert.deepEqual(flat(masked.computeMask(ids, null) as Tensor), [1, 1, 0, 1, 1, 1]);
    const plain = new Embedding({ inputDim: 5, outputDim: 2 });
    assert.equal(plain.computeMask(ids, null), null);
  });

  it('gradcheck: the table gradient adds up over repeated ids, zero for unused rows', () => {
    const layer = new Embedding({ inputDim: 5, outputDim: 3 });
    layer.apply(ids);
    const table = tensor(
      Array.from({ length: 15 }, (_, i) => Math.sin(i + 1)),
      { shape: [5, 3] },
    );
    const f = withWeights(layer, ['embeddings'], ids);
    const result = gradcheck((w) => f(w).square(), [table]);
    assert.ok(result.ok, `worst error ${result.maxError}`);
    // Row 3 is used twice: its gradient of Σy is 2 per entry; row 0 once; unused: none here.
    const w = table.clone();
    w.requiresGrad = true;
    f(w).sum().backward();
    assert.deepEqual(flat(w.grad!), [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1]);
  });

  it('inputLength declares the input shape; inputDim is the vocabulary, not the input shape', () => {
    const layer = new Embedding({ inputDim: 100, outputDim: 8, inputLength: 7 });
    assert.deepEqual(layer.declaredInputShape, [7]);
    const model = new Sequential({ layers: [layer, new Dense({ units: 2 })] });
    assert.deepEqual(model.outputShape, [7, 2]);
    assert.deepEqual(layer.getWeight('embeddings').shape, [100, 8]);
    assert.throws(() => new Embedding({ inputDim: 0, outputDim: 2 }), ArgumentError);
    assert.throws(() => new Embedding({ inputDim: 3, outputDim: 2, maskzero: true } as never), /maskZero/);
  });

  it('config round trip (with initialiser, maskZero, inputLength) and weightShapes', () => {
    const layer = new Embedding({
      inputDim: 6,
      outputDim: 3,
      maskZero: true,
      inputLength: 4,
      embeddingsInitializer: initializers.randomNormal({ stddev: 0.1 }),
      name: 'emb',
    });
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    const copy = layerFromConfig(config) as Embedding;
    assert.deepEqual(copy.getConfig(), layer.getConfig());
    assert.equal(copy.maskZero, true);
    assert.deepEqual(copy.declaredInputShape, [4]);
    assert.deepEqual(layer.weightShapes(), [['embeddings', [6, 3]]]);
  });

  it('a maskZero mask may not reach a layer that cannot take it (Flatten): refused when added', () => {
    const model = new Sequential({
      layers: [new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputLength: 3 })],
    });
    assert.throws(
      () => model.add(new Flatten()),
      (e: Error) => e instanceof ArgumentError && /Flatten .* does not support masking/.test(e.message),
    );
    assert.equal(model.layers.length, 1);
    // Dense takes it (each step alone) and passes it on.
    model.add(new Dense({ units: 2 }));
    assert.deepEqual(model.predict(ids).shape, [2, 3, 2]);
  });
});
