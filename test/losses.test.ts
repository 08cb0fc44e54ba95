import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import { Dense, gradcheck, losses, randn, Sequential, type Tensor, tensor, zeros } from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

const {
  binaryCrossentropy,
  categoricalCrossentropy,
  getLoss,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  sumOfSquares,
} = losses;

describeEachBackend('losses', () => {
  // Made inside each test, on the backend the suite runs on.
  let yTrue: Tensor;
  let yPred: Tensor;
  beforeEach(() => {
    yTrue = tensor([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    yPred = tensor([
      [0.2, 0.7, 0.1],
      [0.6, 0.3, 0.1],
    ]);
  });

  it('match hand-computed values', () => {
    // MSE per sample: mean over 3 outputs, then mean over 2 samples.
    const mse = ((0.04 + 0.09 + 0.01) / 3 + (0.16 + 0.09 + 0.01) / 3) / 2;
    assertClose(meanSquaredError()(yTrue, yPred), mse);
    assertClose(meanAbsoluteError()(yTrue, yPred), ((0.2 + 0.3 + 0.1) / 3 + (0.4 + 0.3 + 0.1) / 3) / 2);
    // ½Σ(y−ŷ)² per sample, averaged; with reduction 'sum' the tutorials' total.
    assertClose(sumOfSquares()(yTrue, yPred), (0.5 * 0.14 + 0.5 * 0.26) / 2);
    assertClose(sumOfSquares({ reduction: 'sum' })(yTrue, yPred), 0.5 * 0.14 + 0.5 * 0.26);
    assertClose(categoricalCrossentropy()(yTrue, yPred), -(Math.log(0.7) + Math.log(0.6)) / 2);
    assertClose(sparseCategoricalCrossentropy()(tensor([1, 0]), yPred), -(Math.log(0.7) + Math.log(0.6)) / 2);
    assertClose(
      sparseCategoricalCrossentropy()(tensor([[1], [0]]), yPred),
      -(Math.log(0.7) + Math.log(0.6)) / 2,
    );
    const p = tensor([[0.9], [0.2]]);
    const y = tensor([[1], [0]]);
    assertClose(binaryCrossentropy()(y, p), -(Math.log(0.9) + Math.log(0.8)) / 2);
  });

  it('from logits equals the same loss on activated outputs, and stays finite at extremes', () => {
    const z = randn([4, 5], { seed: 1 });
    const y = tensor([0, 3, 1, 4]);
    assertClose(
      sparseCategoricalCrossentropy({ fromLogits: true })(y, z),
      sparseCategoricalCrossentropy()(y, z.softmax()),
      1e-5,
    );
    const oneHot = tensor([
      [1, 0],
      [0, 1],
    ]);
    const logits = tensor([
      [-1000, 1000],
      [0, 0],
    ]);
    const fused = categoricalCrossentropy({ fromLogits: true })(oneHot, logits).item();
    assert.ok(Number.isFinite(fused), 'no log(0)');
    assertClose(fused, (2000 + Math.log(2)) / 2, 1e-3);
    const zb = tensor([[3], [-2]]);
    const yb = tensor([[1], [0]]);
    assertClose(
      binaryCrossentropy({ fromLogits: true })(yb, zb),
      binaryCrossentropy()(yb, zb.sigmoid()),
      1e-5,
    );
    assert.ok(
      Number.isFinite(binaryCrossentropy({ fromLogits: true })(yb, tensor([[-1000], [1000]])).item()),
    );
    assert.ok(
      Number.isFinite(
        categoricalCrossentropy()(
          oneHot,
          tensor([
            [1, 0],
            [0, 1],
          ]).mul(
            tensor([
              [0, 1],
              [1, 0],
            ]),
          ),
        ).item(),
      ),
    );
  });

  it('categorical cross-entropies on probabilities divide by the class sum first (TF.js numbers)', () => {
    // The probe's cce-unnormalised.mjs: tf.metrics.categoricalCrossentropy gives these (the clip
    // alone, without the division, gave 1.19e-7 for both rows).
    const p = tensor([
      [0.2, 1.4, 0.4],
      [3, 3, 4],
    ]);
    const soft = tensor([
      [0, 1, 0],
      [0.2, 0.3, 0.5],
    ]);
    assertClose(
      categoricalCrossentropy().perSample!(soft, p),
      [0.3566749691963196, 1.0601317882537842],
      1e-6,
      1e-6,
    );
    assertClose(
      sparseCategoricalCrossentropy().perSample!(tensor([1, 2]), p),
      [0.3566749691963196, 0.9162907004356384],
      1e-6,
      1e-6,
    );
    // Through the division too: sigmoid outputs, which do not sum to 1.
    const y = tensor([
      [0, 1, 0],
      [0.5, 0, 0.5],
    ]);
    const r = gradcheck((z) => categoricalCrossentropy()(y, z.sigmoid()), [randn([2, 3], { seed: 11 })]);
    assert.ok(r.ok, `worst error ${r.maxError}`);
    // A row of zeros (0/0 = NaN in Keras) stays finite: clipped to ε, −log ε.
    assertClose(categoricalCrossentropy()(tensor([[0, 1, 0]]), zeros([1, 3])), -Math.log(1e-7), 1e-3);
  });

  it('a softmax output trained with categoricalCrossentropy keeps the fused path on logits, bit for bit', () => {
    // Only the loss on probabilities divides by the class sum; fit/evaluate on a softmax output use
    // the fused kernel on its logits, so their numbers (and the README's accuracies) are unchanged.
    const make = (activation: 'softmax' | 'linear') =>
      new Sequential({ layers: [new Dense({ units: 3, activation, inputShape: [4] })] });
    const model = make('softmax');
    const logits = make('linear');
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const x = randn([6, 4], { seed: 3 }).mul(3);
    const y = tensor([0, 1, 2, 0, 1, 2].map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    logits.predict(x);
    logits.setWeights(model.getWeights());
    const expected = categoricalCrossentropy({ fromLogits: true })(y, logits.predict(x) as Tensor).item();
    assert.equal(model.evaluate(x, y).loss, expected);
  });

  it('have correct gradients', () => {
    const y = tensor([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const yb = tensor([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    const cases: Array<[string, (p: Tensor) => Tensor, Tensor]> = [
      ['mse', (p) => meanSquaredError()(y, p), randn([2, 3], { seed: 2 })],
      ['sumOfSquares', (p) => sumOfSquares()(y, p), randn([2, 3], { seed: 3 })],
      ['cce logits', (p) => categoricalCrossentropy({ fromLogits: true })(y, p), randn([2, 3], { seed: 4 })],
      ['cce probs', (p) => categoricalCrossentropy()(y, p.softmax()), randn([2, 3], { seed: 5 })],
      [
        'sparse logits',
        (p) => sparseCategoricalCrossentropy({ fromLogits: true })(tensor([2, 0]), p),
        randn([2, 3], { seed: 6 }),
      ],
      ['bce logits', (p) => binaryCrossentropy({ fromLogits: true })(yb, p), randn([2, 3], { seed: 7 })],
      ['bce probs', (p) => binaryCrossentropy()(yb, p.sigmoid()), randn([2, 3], { seed: 8 })],
    ];
    for (const [name, f, x] of cases) {
      const r = gradcheck(f, [x]);
      assert.ok(r.ok, `${name}: worst error ${r.maxError}`);
    }
    // At a logit of exactly 0 the gradient is (σ(0) − y)/n = (½ − y)/n, not a kink's one-sided value.
    const z0 = zeros([2, 3], { requiresGrad: true });
    binaryCrossentropy({ fromLogits: true })(yb, z0).backward();
    assertClose(z0.grad!, yb.neg().add(0.5).div(6), 1e-7);
  });

  it('explain shape mistakes', () => {
    assert.throws(
      () => categoricalCrossentropy()(tensor([[1], [0]]), yPred),
      /targets of shape \[2, 1\] do not match predictions of shape \[2, 3\] \(for integer class labels use sparseCategoricalCrossentropy\)/,
    );
    assert.throws(
      () => sparseCategoricalCrossentropy()(tensor([1, 3]), yPred),
      /label 3 at position 1 is not a class index in \[0, 3\)/,
    );
    assert.throws(() => getLoss('cubicHinge' as never), /unknown loss 'cubicHinge'/);
  });
});

describeEachBackend('cross-entropies over sequences (Keras: classes summed, steps averaged)', () => {
  it('a [batch, time, classes] output gives each sample the mean of its steps’ losses, with and without logits', () => {
    const logits = randn([2, 3, 4], { seed: 5 });
    const labels = [
      [0, 3, 1],
      [2, 2, 0],
    ];
    const oneHot = tensor(labels.map((row) => row.map((c) => [0, 1, 2, 3].map((k) => (k === c ? 1 : 0)))));
    const probs = logits.softmax(-1);
    // By hand in float64: −log p[label] per step, averaged over the 3 steps, then over the batch.
    const p = probs.toArray() as number[][][];
    const perSample = labels.map(
      (row, b) => row.reduce((s, c, t) => s - Math.log(p[b]![t]![c]!), 0) / row.length,
    );
    const mean = (perSample[0]! + perSample[1]!) / 2;
    const cce = losses.categoricalCrossentropy();
    assertClose(cce.perSample!(oneHot, probs), perSample, 1e-5);
    assertClose(cce(oneHot, probs), [mean], 1e-5);
    assertClose(losses.categoricalCrossentropy({ fromLogits: true })(oneHot, logits), [mean], 1e-5);
    assertClose(losses.sparseCategoricalCrossentropy()(tensor(labels), probs), [mean], 1e-5);
    assertClose(
      losses.sparseCategoricalCrossentropy({ fromLogits: true })(tensor(labels), logits),
      [mean],
      1e-5,
    );
  });
});
