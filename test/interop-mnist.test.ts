/**
 * The target, in small: the MNIST CNN of `backprop train mnist --model cnn`, quickly
 * trained here, exported with toOnnx and toTfjs, classifies the first 300 test images identically
 * in backprop (each backend), ONNX Runtime and TF.js — every predicted class the same,
 * probabilities within 1e-5. scripts/interop-mnist.ts runs the same comparison on all 10,000 test
 * images.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { buildCnn } from '../src/cli/build.js';
import { manualSeed, type Sequential, toOnnx, toTfjs } from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';
import { describeEachBackend } from './helpers.js';
import { compareEngines, runBackprop, runOnnxRuntime, runTfjs } from './interop-engines.js';

const state = {} as {
  model: Sequential;
  x: Float32Array;
  labels: Uint8Array;
  onnx: Float32Array;
  tfjs: Float32Array;
};

// Trained once (on the default backend); the exports run once in ONNX Runtime and TF.js.
before(async () => {
  const { train, test } = await loadMnist({ trainLimit: 2000, testLimit: 300, validationSize: 0 });
  manualSeed(3);
  state.model = buildCnn({ dropout: 0.4, outputActivation: 'softmax' });
  state.model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await state.model.fit(train.x, train.y, { epochs: 1, batchSize: 32, verbose: 0, seed: 1 });
  state.x = Float32Array.from(test.x.dataSync());
  state.labels = test.labels;
  state.onnx = await runOnnxRuntime(toOnnx(state.model), state.x, [784]);
  state.tfjs = await runTfjs(toTfjs(state.model), state.x, [784]);
});

describeEachBackend('the MNIST CNN in three engines', () => {
  it('gives the same class for every test image in backprop, ONNX Runtime and TF.js', () => {
    const result = compareEngines(
      { backprop: runBackprop(state.model, state.x, [784]), 'ONNX Runtime': state.onnx, 'TF.js': state.tfjs },
      state.labels,
    );
    // Trained enough that the check is about real digits, not a near-uniform untrained net.
    assert.ok(result.accuracy.backprop! > 0.8, `backprop accuracy ${result.accuracy.backprop}`);
    for (const [pair, { differentClass, maxAbsDiff }] of Object.entries(result.pairs)) {
      assert.equal(differentClass, 0, `${pair}: ${differentClass} images classified differently`);
      assert.ok(maxAbsDiff <= 1e-5, `${pair}: max |Δ probability| ${maxAbsDiff}`);
    }
    assert.equal(result.correct['ONNX Runtime'], result.correct.backprop);
    assert.equal(result.correct['TF.js'], result.correct.backprop);
  });
});
