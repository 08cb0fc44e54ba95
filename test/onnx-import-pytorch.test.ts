/**
 * ONNX import of models that PyTorch itself exported (issue 17): the fixtures in
 * test/fixtures/onnx/ were written by torch.onnx.export (torch 1.13, make_torch.py there), each with
 * a fixed input and PyTorch's own output in eval mode. Every fixture imported with fromOnnx must
 * predict PyTorch's numbers within 1e-5 relative + 1e-6 absolute; the MNIST-style CNN must then
 * fine-tune here (loss falls, trainable weights move, BatchNormalization's statistics stay) and
 * come back from saveModel/loadModel predicting identically.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fromOnnx } from '../src/interop/onnx/import/from-onnx.js';
import { loadModel, type Model, Rng, type Tensor, tensor } from '../src/node/index.js';
import { describeEachBackend, useTempDir } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'onnx');

interface Fixture {
  model: string;
  opset: number;
  input: { dims: number[]; dtype: 'float32' | 'int64'; data: number[] };
  output: { dims: number[]; data: number[] };
}

function fixture(name: string): { bytes: Uint8Array; fx: Fixture } {
  return {
    bytes: new Uint8Array(readFileSync(join(FIXTURES, `${name}.onnx`))),
    fx: JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture,
  };
}

/** int64 token ids arrive as float32 values holding the integers (the importer's convention). */
const inputOf = (fx: Fixture): Tensor => tensor(Float32Array.from(fx.input.data), { shape: fx.input.dims });

/** |backprop − PyTorch| ≤ 1e-6 + 1e-5·|PyTorch|, element-wise, same shape. */
function assertMatchesPyTorch(actual: Tensor, fx: Fixture): void {
  assert.deepEqual([...actual.shape], fx.output.dims, `${fx.model}: output shape`);
  const got = actual.dataSync();
  fx.output.data.forEach((want, i) => {
    const tol = 1e-6 + 1e-5 * Math.abs(want);
    assert.ok(
      Math.abs(got[i]! - want) <= tol,
      `${fx.model}: element ${i}: backprop ${got[i]} vs PyTorch ${want} (tolerance ${tol.toExponential(2)})`,
    );
  });
}

const single = (y: Tensor | Tensor[]): Tensor => (Array.isArray(y) ? y[0]! : y);

/** Every fixture make_torch.py writes, with the layers it stands for. */
const FIXTURE_NAMES = {
  mlp: 'Linear → ReLU → Linear → Softmax',
  cnn: 'Conv2d, BatchNorm2d, ReLU, MaxPool2d, AvgPool2d (Pad + AveragePool), Dropout, torch.flatten, Linear, LogSoftmax',
  // PyTorch computes shapes at run time in the next five: x.view(x.size(0), −1) builds Reshape's
  // shape from Shape → Gather → Unsqueeze → Concat, and nn.LSTM / nn.GRU build their zero initial
  // state from input.size(0) the same way, ending in ConstantOfShape.
  cnn_view: 'the CNN flattened with x.view(x.size(0), -1)',
  lstm: 'LSTM(batch_first) → out[:, -1] → Linear',
  gru: 'GRU(batch_first) → h[-1] → Linear → sigmoid',
  bilstm: 'bidirectional LSTM → out[:, -1] → Linear',
  embedding_lstm: 'Embedding (int64 tokens) → LSTM → h[-1] → Linear',
  conv_transpose: 'ConvTranspose2d(stride 2, padding 1, output_padding 1) → ReLU → Conv2d(padding 1) → tanh',
  layernorm_mlp: 'Linear → LayerNorm → tanh → Linear (opset 17)',
  conv1d: 'Conv1d(padding 1) → ReLU → Conv1d(stride 2) → ReLU → flatten → Linear',
} as const;

describeEachBackend('fromOnnx on PyTorch exports', () => {
  const tmp = useTempDir('onnx-pytorch');

  for (const [name, layers] of Object.entries(FIXTURE_NAMES)) {
    it(`${name} (${layers}) predicts what PyTorch computed, also after saveModel/loadModel`, async () => {
      const { bytes, fx } = fixture(name);
      const model = fromOnnx(bytes);
      assertMatchesPyTorch(single(model.predict(inputOf(fx))), fx);
      const dir = join(tmp.path, name);
      await model.save(dir);
      const loaded = await loadModel<Model>(dir);
      assert.deepEqual(
        Array.from(single(loaded.predict(inputOf(fx))).dataSync()),
        Array.from(single(model.predict(inputOf(fx))).dataSync()),
        `${name}: reloaded`,
      );
      // The batch axis is dynamic: the first sample alone gives the first row of PyTorch's output.
      const perSample = fx.input.data.length / fx.input.dims[0]!;
      const first = tensor(Float32Array.from(fx.input.data.slice(0, perSample)), {
        shape: [1, ...fx.input.dims.slice(1)],
      });
      const rows = fx.output.data.length / fx.output.dims[0]!;
      assertMatchesPyTorch(single(model.predict(first)), {
        ...fx,
        output: { dims: [1, ...fx.output.dims.slice(1)], data: fx.output.data.slice(0, rows) },
      });
    });
  }

  it('the PyTorch MNIST CNN fine-tunes here: loss falls, weights move, BatchNorm statistics stay', async () => {
    const { bytes, fx } = fixture('cnn');
    const model = fromOnnx(bytes) as Model;
    const before = new Map(model.weights.map((w) => [w.name, Float32Array.from(w.tensor.dataSync())]));
    const trainable = new Set(model.trainableWeights);
    const frozen = model.weights.filter((w) => !trainable.has(w.tensor));
    // BatchNorm2d's running mean and variance are state, not parameters (as in PyTorch).
    assert.equal(frozen.length, 2, `frozen: ${frozen.map((w) => w.name).join(', ')}`);

    const rng = new Rng(7);
    const n = 32;
    const x = tensor(
      Float32Array.from({ length: n * 784 }, () => rng.uniform()),
      { shape: [n, 1, 28, 28] },
    );
    // The network ends in LogSoftmax: fit its log-probabilities to those of random one-hot labels
    // (mean squared error on log-probabilities keeps the test independent of loss conventions).
    const labels = Array.from({ length: n }, () => rng.int(10));
    const y = tensor(
      Float32Array.from({ length: n * 10 }, (_, i) => (labels[Math.floor(i / 10)] === i % 10 ? 0 : -5)),
      { shape: [n, 10] },
    );
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const history = await model.fit(x, y, { epochs: 8, batchSize: 16, verbose: 0, shuffle: false });
    const losses = history.history.loss as number[];
    assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);

    for (const w of model.weights) {
      const old = before.get(w.name)!;
      const now = w.tensor.dataSync();
      const moved = now.some((v, i) => v !== old[i]);
      assert.equal(moved, trainable.has(w.tensor), `${w.name}: moved ${moved}`);
    }

    // Still PyTorch's network, with new weights: save in backprop's format, load, same predictions.
    const dir = join(tmp.path, 'fine-tuned-cnn');
    await model.save(dir);
    const loaded = await loadModel<Model>(dir);
    const probe = inputOf(fx);
    assert.deepEqual(
      Array.from(single(loaded.predict(probe)).dataSync()),
      Array.from(single(model.predict(probe)).dataSync()),
    );
  });
});
