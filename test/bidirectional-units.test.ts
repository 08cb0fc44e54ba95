/**
 * Bidirectional with a given backwardLayer of other units than the forward layer (Keras allows it):
 * 'concat' gives forward + backward units, null each its own shape, returnState each copy's
 * states; 'sum', 'mul' and 'ave' need equal units and are refused naming both sizes. The layers
 * after it are built for the right size, predict runs, and toOnnx exports it (ONNX Runtime agrees,
 * fromOnnx gives the same predictions).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  Bidirectional,
  concat,
  Dense,
  Embedding,
  GRU,
  input,
  LSTM,
  Model,
  manualSeed,
  Rng,
  Sequential,
  type SymbolicTensor,
  type Tensor,
  tensor,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { fromOnnx } from '../src/interop/onnx/import/from-onnx.js';
import { assertClose, describeEachBackend } from './helpers.js';
import { assertAgree, randomBatch, runOrt } from './onnx-runtime.js';

const TIME = 4;
const FEATURES = 3;

function uneven(returnSequences: boolean, mergeMode: 'concat' | null = 'concat'): Bidirectional {
  return new Bidirectional({
    layer: new LSTM({ units: 3, returnSequences, biasInitializer: 'randomNormal' }),
    backwardLayer: new LSTM({ units: 2, goBackwards: true, returnSequences, name: 'back' }),
    mergeMode,
    inputShape: [TIME, FEATURES],
  });
}

function batch(seed: number, n = 2): Tensor {
  const { data, dims } = randomBatch(new Rng(seed), n, [TIME, FEATURES]);
  return tensorOf(data, dims);
}

const tensorOf = (data: Float32Array, dims: number[]) => tensor(data, { shape: dims });

describeEachBackend('Bidirectional with a backwardLayer of other units', () => {
  it("'concat': forward units + backward units; the next Dense gets a [5, 4] kernel and predict runs", () => {
    manualSeed(1);
    for (const returnSequences of [false, true]) {
      const bi = uneven(returnSequences);
      const model = new Sequential({ layers: [bi, new Dense({ units: 4 })] });
      const expectedShape = returnSequences ? [TIME, 5] : [5];
      assert.deepEqual(bi.computeOutputShape([TIME, FEATURES]), expectedShape);
      assert.deepEqual(model.layers[1]!.getWeight('kernel').shape, [5, 4]);
      const x = batch(2);
      const y = model.predict(x) as Tensor;
      assert.deepEqual(y.shape, returnSequences ? [2, TIME, 4] : [2, 4]);
      // The merged output is the forward copy's then the backward copy's (in time order).
      let back = bi.backwardLayer.apply(x) as Tensor;
      if (returnSequences) back = back.gather(Int32Array.from([3, 2, 1, 0]), 1);
      const want = concat([bi.forwardLayer.apply(x) as Tensor, back], -1);
      assertClose(bi.apply(x) as Tensor, want, 0, 0);
    }
  });

  it('mergeMode null gives each copy its own shape', () => {
    manualSeed(3);
    const x = input({ shape: [TIME, FEATURES] });
    const [f, b] = uneven(true, null).apply(x) as unknown as SymbolicTensor[];
    assert.deepEqual(f!.shape, [null, TIME, 3]);
    assert.deepEqual(b!.shape, [null, TIME, 2]);
    const model = new Model({ inputs: x, outputs: [f!, b!] });
    const ys = model.predict(batch(4)) as Tensor[];
    assert.deepEqual(
      ys.map((y) => y.shape),
      [
        [2, TIME, 3],
        [2, TIME, 2],
      ],
    );
  });

  it("returnState lists each copy's own states (an LSTM's two, a GRU's one) with their units", () => {
    manualSeed(5);
    const bi = new Bidirectional({
      layer: new LSTM({ units: 3, returnState: true }),
      backwardLayer: new GRU({ units: 2, goBackwards: true, returnState: true }),
    });
    const x = input({ shape: [TIME, FEATURES] });
    const outs = bi.apply(x) as unknown as SymbolicTensor[];
    assert.deepEqual(
      outs.map((t) => t.shape),
      [
        [null, 5],
        [null, 3],
        [null, 3],
        [null, 2],
      ],
    );
    const values = new Model({ inputs: x, outputs: outs }).predict(batch(6)) as Tensor[];
    assert.deepEqual(
      values.map((t) => t.shape),
      [
        [2, 5],
        [2, 3],
        [2, 3],
        [2, 2],
      ],
    );
  });

  it("'sum', 'mul' and 'ave' with unequal units are refused, naming both sizes", () => {
    for (const mergeMode of ['sum', 'mul', 'ave'] as const) {
      assert.throws(
        () =>
          new Bidirectional({
            layer: new GRU({ units: 3 }),
            backwardLayer: new GRU({ units: 2, goBackwards: true }),
            mergeMode,
          }),
        (e: unknown) =>
          e instanceof ArgumentError &&
          new RegExp(`mergeMode '${mergeMode}'.*same units; got 3 and 2`).test(e.message),
      );
    }
  });

  it('toOnnx (concat, and null as two outputs): ONNX Runtime agrees with predict, fromOnnx predicts the same', async () => {
    manualSeed(7);
    const models: [string, Sequential | Model][] = [false, true].map((returnSequences) => [
      `concat, returnSequences ${returnSequences}`,
      new Sequential({ layers: [uneven(returnSequences), new Dense({ units: 2 })] }),
    ]);
    const x = input({ shape: [TIME, FEATURES] });
    models.push([
      'null',
      new Model({ inputs: x, outputs: uneven(true, null).apply(x) as unknown as SymbolicTensor[] }),
    ]);
    for (const [what, model] of models) {
      const bytes = toOnnx(model);
      const feed = randomBatch(new Rng(8), 3, [TIME, FEATURES]);
      const xs = tensor(feed.data, { shape: feed.dims });
      const want = model.predict(xs) as Tensor | Tensor[];
      const wants = Array.isArray(want) ? want : [want];
      const out = await runOrt(bytes, { [model.inputNames[0]!]: feed });
      const imported = fromOnnx(bytes).predict(xs) as Tensor | Tensor[];
      const gots = Array.isArray(imported) ? imported : [imported];
      model.outputNames.forEach((name, i) => {
        assertAgree(out[name]!, wants[i]!, `uneven Bidirectional ${what}, ${name}`);
        assert.deepEqual(gots[i]!.shape, wants[i]!.shape);
        assertClose(gots[i]!, wants[i]!, 0, 0);
      });
    }
  });

  it('toOnnx with a mask (Embedding maskZero): each copy over its kept steps, read back identical', () => {
    manualSeed(9);
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 5, outputDim: FEATURES, maskZero: true, inputShape: [TIME] }),
        uneven(true),
        new Dense({ units: 2 }),
      ],
    });
    const tokens = tensor([0, 0, 0, 0, 1, 0, 2, 3, 4, 4, 0, 1], { shape: [3, TIME] });
    const want = model.predict(tokens) as Tensor;
    assert.deepEqual(want.shape, [3, TIME, 2]);
    assertClose(fromOnnx(toOnnx(model)).predict(tokens) as Tensor, want, 0, 0);
  });
});
