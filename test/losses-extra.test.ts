/**
 * The losses added for issue 14 (Huber, log-cosh, hinge family, KL divergence, Poisson, cosine
 * similarity) and perSample on every loss: values against Keras' formulas evaluated here in
 * float64 on plain numbers, gradients against numerical ones, target and option errors.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  gradcheck,
  gradgradcheck,
  losses,
  type NestedArray,
  randn,
  type Tensor,
  tensor,
} from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

const {
  binaryCrossentropy,
  categoricalCrossentropy,
  categoricalHinge,
  cosineSimilarity,
  getLoss,
  hinge,
  huber,
  klDivergence,
  logCosh,
  meanAbsoluteError,
  meanSquaredError,
  poisson,
  sparseCategoricalCrossentropy,
  squaredHinge,
  sumOfSquares,
} = losses;

type Rows = number[][];
const Y: Rows = [
  [0.5, -1.0, 2.0],
  [1.5, 0.25, -0.75],
];
const P: Rows = [
  [0.1, 1.5, 2.2],
  [-1.0, 0.3, 0.5],
];
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
/** Per-sample loss: f over each (y, p) element pair, then `combine` over the row. */
const rowwise = (y: Rows, p: Rows, f: (y: number, p: number) => number, combine = mean): number[] =>
  y.map((row, i) => combine(row.map((v, j) => f(v, p[i]![j]!))));

function checkLoss(
  loss: (y: Tensor, p: Tensor) => Tensor,
  perSample: ((y: Tensor, p: Tensor) => Tensor) | undefined,
  y: NestedArray,
  p: NestedArray,
  expected: number[],
): void {
  assert.ok(perSample, 'has perSample');
  const samples = perSample(tensor(y), tensor(p));
  assert.deepEqual(samples.shape, [expected.length]);
  assertClose(samples, expected, 1e-5, 1e-5);
  assertClose(loss(tensor(y), tensor(p)), mean(expected), 1e-5, 1e-5);
}

describeEachBackend('losses: Huber, log-cosh, hinge, KL, Poisson, cosine', () => {
  it('huber matches ½e² inside delta and delta·(|e| − ½delta) outside, per sample', () => {
    const h = (delta: number) => (y: number, p: number) => {
      const e = Math.abs(p - y);
      return e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
    };
    // Errors 0.4, 2.5, 0.2 / 2.5, 0.05, 1.25: both pieces, for delta 1 and 0.3.
    for (const delta of [1, 0.3]) {
      const loss = huber({ delta });
      checkLoss(loss, loss.perSample, Y, P, rowwise(Y, P, h(delta)));
    }
    const summed = huber({ reduction: 'sum' });
    assertClose(summed(tensor(Y), tensor(P)), sum(rowwise(Y, P, h(1))), 1e-5);
  });

  it('logCosh matches log(cosh(e)), and stays finite where cosh overflows float32', () => {
    const loss = logCosh();
    checkLoss(
      loss,
      loss.perSample,
      Y,
      P,
      rowwise(Y, P, (y, p) => Math.log(Math.cosh(p - y))),
    );
    // cosh(200) overflows float32; log cosh(200) = 200 − log 2 to float64 precision.
    assertClose(loss(tensor([[0]]), tensor([[200]])), 200 - Math.LN2, 1e-4);
  });

  it('hinge and squaredHinge read 0/1 labels as −1/1', () => {
    const y01: Rows = [
      [1, 0, 1],
      [0, 0, 1],
    ];
    const ypm = y01.map((r) => r.map((v) => (v === 0 ? -1 : 1)));
    const margin = (y: number, p: number) => Math.max(1 - y * p, 0);
    const expected = rowwise(ypm, P, margin);
    checkLoss(hinge(), hinge().perSample, y01, P, expected);
    checkLoss(hinge(), hinge().perSample, ypm, P, expected);
    const squared = rowwise(ypm, P, (y, p) => margin(y, p) ** 2);
    checkLoss(squaredHinge(), squaredHinge().perSample, y01, P, squared);
    checkLoss(squaredHinge(), squaredHinge().perSample, ypm, P, squared);
  });

  it('categoricalHinge is max(max wrong score − true score + 1, 0)', () => {
    const y: Rows = [
      [0, 1, 0],
      [1, 0, 0],
    ];
    const expected = y.map((row, i) => {
      const pos = sum(row.map((v, j) => v * P[i]![j]!));
      const neg = Math.max(...row.map((v, j) => (1 - v) * P[i]![j]!));
      return Math.max(neg - pos + 1, 0);
    });
    // Row 0: true score 1.5 beats 2.2? no: 2.2 − 1.5 + 1 = 1.7; row 1: max(1, 0.3, 0.5)… = 0.5 − (−1) + 1.
    assertClose(expected, [1.7, 2.5], 1e-12);
    checkLoss(categoricalHinge(), categoricalHinge().perSample, y, P, expected);
  });

  it('klDivergence is Σ y·log(y/ŷ) with both clipped to [1e-7, 1]', () => {
    const y: Rows = [
      [0.2, 0.3, 0.5],
      [0, 1, 0],
    ];
    const p: Rows = [
      [0.1, 0.6, 0.3],
      [0.25, 0.7, 0.05],
    ];
    const clip = (v: number) => Math.min(Math.max(v, 1e-7), 1);
    const expected = rowwise(y, p, (a, b) => clip(a) * Math.log(clip(a) / clip(b)), sum);
    checkLoss(klDivergence(), klDivergence().perSample, y, p, expected);
    // Identical distributions: 0; a zero prediction: large but finite.
    assertClose(klDivergence()(tensor(y), tensor(y)), 0, 1e-6);
    assert.ok(Number.isFinite(klDivergence()(tensor([[1, 0]]), tensor([[0, 1]])).item()));
  });

  it('poisson is mean(ŷ − y·log(ŷ + 1e-7))', () => {
    const y: Rows = [
      [0, 2, 5],
      [1, 1, 3],
    ];
    const p: Rows = [
      [0.5, 1.8, 4.0],
      [2.0, 0.1, 3.3],
    ];
    checkLoss(
      poisson(),
      poisson().perSample,
      y,
      p,
      rowwise(y, p, (a, b) => b - a * Math.log(b + 1e-7)),
    );
  });

  it('cosineSimilarity is minus the cosine along axis −1 (Keras sign), 0 for a zero vector', () => {
    const cos = (a: number[], b: number[]) => {
      const dot = sum(a.map((v, i) => v * b[i]!));
      const na = Math.sqrt(Math.max(sum(a.map((v) => v * v)), 1e-12));
      const nb = Math.sqrt(Math.max(sum(b.map((v) => v * v)), 1e-12));
      return -dot / (na * nb);
    };
    const loss = cosineSimilarity();
    checkLoss(
      loss,
      loss.perSample,
      Y,
      P,
      Y.map((row, i) => cos(row, P[i]!)),
    );
    assertClose(loss(tensor([[1, 2]]), tensor([[2, 4]])), -1, 1e-6);
    assertClose(loss(tensor([[0, 0]]), tensor([[2, 4]])), 0, 1e-6);
    // axis 1 of [batch, 2, 3]: cosines of columns, then the mean over the 3 of them per sample.
    const y3 = [Y];
    const p3 = [P];
    const columns = [0, 1, 2].map((j) => cos([Y[0]![j]!, Y[1]![j]!], [P[0]![j]!, P[1]![j]!]));
    const along1 = cosineSimilarity({ axis: 1 });
    checkLoss(along1, along1.perSample, y3, p3, [mean(columns)]);
  });

  it('have correct gradients with respect to the predictions', () => {
    const y = tensor(Y);
    const y01 = tensor([
      [1, 0, 1],
      [0, 0, 1],
    ]);
    const oneHot = tensor([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const dist = tensor([
      [0.2, 0.3, 0.5],
      [0.1, 0.6, 0.3],
    ]);
    const counts = tensor([
      [0, 2, 5],
      [1, 1, 3],
    ]);
    // Predictions kept off the kinks (|e| = delta, margin = 1, the clip bounds).
    const p = tensor(P);
    // P has ŷ = −1 at a −1 label (margin exactly 0): moved off it for the hinge losses.
    const pHinge = tensor([
      [0.1, 1.5, 2.2],
      [-0.5, 0.3, 0.5],
    ]);
    const cases: Array<[string, (q: Tensor) => Tensor, Tensor]> = [
      ['huber', (q) => huber()(y, q), p],
      ['huber delta 0.3', (q) => huber({ delta: 0.3 })(y, q), p],
      ['logCosh', (q) => logCosh()(y, q), randn([2, 3], { seed: 11 })],
      ['hinge', (q) => hinge()(y01, q), pHinge],
      ['squaredHinge', (q) => squaredHinge()(y01, q), pHinge],
      ['categoricalHinge', (q) => categoricalHinge()(oneHot, q), p],
      ['klDivergence', (q) => klDivergence()(dist, q.softmax()), randn([2, 3], { seed: 12 })],
      ['poisson', (q) => poisson()(counts, q.exp()), randn([2, 3], { seed: 13 })],
      ['cosineSimilarity', (q) => cosineSimilarity()(y, q), randn([2, 3], { seed: 14 })],
      ['perSample huber', (q) => huber().perSample!(y, q), p],
    ];
    for (const [name, f, x] of cases) {
      const r = gradcheck(f, [x]);
      assert.ok(r.ok, `${name}: worst error ${r.maxError}`);
    }
  });

  it('have correct second derivatives (they are written with recorded ops)', () => {
    // Targets made inside f: the numerical side runs f on a float64 reference backend.
    const y = () => tensor(Y);
    const y01 = () =>
      tensor([
        [1, 0, 1],
        [0, 0, 1],
      ]);
    const oneHot = () =>
      tensor([
        [0, 1, 0],
        [1, 0, 0],
      ]);
    const dist = () =>
      tensor([
        [0.2, 0.3, 0.5],
        [0.1, 0.6, 0.3],
      ]);
    const counts = () =>
      tensor([
        [0, 2, 5],
        [1, 1, 3],
      ]);
    const p = tensor(P);
    const pHinge = tensor([
      [0.1, 1.5, 2.2],
      [-0.5, 0.3, 0.5],
    ]);
    const cases: Array<[string, (q: Tensor) => Tensor, Tensor]> = [
      ['huber', (q) => huber({ delta: 0.3 })(y(), q), p],
      ['logCosh', (q) => logCosh()(y(), q), randn([2, 3], { seed: 11 })],
      ['squaredHinge', (q) => squaredHinge()(y01(), q), pHinge],
      ['categoricalHinge', (q) => categoricalHinge()(oneHot(), q), p],
      ['klDivergence', (q) => klDivergence()(dist(), q.softmax()), randn([2, 3], { seed: 12 })],
      ['poisson', (q) => poisson()(counts(), q.exp()), randn([2, 3], { seed: 13 })],
      ['cosineSimilarity', (q) => cosineSimilarity()(y(), q), randn([2, 3], { seed: 14 })],
    ];
    for (const [name, f, x] of cases) {
      const r = gradgradcheck(f, [x]);
      assert.ok(r.ok, `${name}: worst error ${r.maxError}`);
    }
  });

  it('perSample gives [batch] for every built-in loss, withLogits too, and reduces to the loss', () => {
    const yHot = tensor([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const probs = tensor([
      [0.2, 0.7, 0.1],
      [0.6, 0.3, 0.1],
    ]);
    const cce = [-Math.log(0.7), -Math.log(0.6)];
    assertClose(categoricalCrossentropy().perSample!(yHot, probs), cce, 1e-6);
    assertClose(sparseCategoricalCrossentropy().perSample!(tensor([1, 0]), probs), cce, 1e-6);
    const logits = probs.log();
    // log of a softmax's input: softmax(log p) = p, so the logits form gives the same per-sample values.
    assertClose(categoricalCrossentropy().withLogits().perSample!(yHot, logits), cce, 1e-5);
    assertClose(binaryCrossentropy().perSample!(tensor([[1], [0]]), tensor([[0.9], [0.2]])), [
      -Math.log(0.9),
      -Math.log(0.8),
    ]);
    assertClose(meanSquaredError().perSample!(yHot, probs), [
      (0.04 + 0.09 + 0.01) / 3,
      (0.16 + 0.09 + 0.01) / 3,
    ]);
    assertClose(meanAbsoluteError().perSample!(yHot, probs), [0.2, 0.8 / 3]);
    assertClose(sumOfSquares().perSample!(yHot, probs), [0.07, 0.13]);
    for (const name of ['mse', 'huber', 'logCosh', 'poisson', 'cosineSimilarity', 'klDivergence', 'hinge']) {
      const loss = getLoss(name, { reduction: 'sum' });
      const y = name === 'hinge' ? yHot : probs.add(0.1);
      const samples = loss.perSample!(y, probs);
      assert.deepEqual(samples.shape, [2], name);
      assertClose(loss(y, probs), samples.sum(), 1e-6);
    }
  });

  it('resolve by camelCase, Keras snake_case, class names and aliases', () => {
    const names: Array<[string, string]> = [
      ['huber', 'huber'],
      ['Huber', 'huber'],
      ['huber_loss', 'huber'],
      ['huberLoss', 'huber'],
      ['log_cosh', 'logCosh'],
      ['logcosh', 'logCosh'],
      ['LogCosh', 'logCosh'],
      ['hinge', 'hinge'],
      ['squared_hinge', 'squaredHinge'],
      ['categorical_hinge', 'categoricalHinge'],
      ['kl_divergence', 'klDivergence'],
      ['KLDivergence', 'klDivergence'],
      ['kld', 'klDivergence'],
      ['kullback_leibler_divergence', 'klDivergence'],
      ['poisson', 'poisson'],
      ['Poisson', 'poisson'],
      ['cosine_similarity', 'cosineSimilarity'],
      ['CosineSimilarity', 'cosineSimilarity'],
    ];
    for (const [spelling, name] of names) assert.equal(getLoss(spelling).name, name, spelling);
    assert.equal(getLoss('huber', { delta: 2 })(tensor([[0]]), tensor([[3]])).item(), 2 * (3 - 1));
  });

  it('refuse bad targets, options and shapes with errors naming the loss', () => {
    const shape = [2, 3];
    assert.throws(
      () => hinge().checkTargets!(tensor([[1, 0, 2]]), shape, 'fit(): y'),
      /fit\(\): y: hinge needs labels −1\/1 or 0\/1, but y has 2 at row 0, column 2/,
    );
    assert.throws(
      () => squaredHinge().checkTargets!(tensor([[1, -1, 0]]), shape, 'fit(): y'),
      /squaredHinge needs labels −1\/1 or 0\/1, not both spellings, but y has 0 at row 0, column 2/,
    );
    hinge().checkTargets!(tensor([[1, -1, -1]]), shape, 'fit(): y');
    hinge().checkTargets!(tensor([[1, 0, 0]]), shape, 'fit(): y');
    assert.throws(
      () => poisson().checkTargets!(tensor([[1, -2, 0]]), shape, 'y'),
      /poisson needs targets ≥ 0, but y has -2/,
    );
    assert.throws(
      () => klDivergence().checkTargets!(tensor([[1.5, 0, 0]]), shape, 'y'),
      /klDivergence needs targets in \[0, 1\]/,
    );
    assert.throws(
      () => categoricalHinge().checkTargets!(tensor([[1, 1, 0]]), shape, 'y'),
      /categoricalHinge needs one-hot or probability rows summing to 1/,
    );
    assert.throws(() => huber({ delta: -1 }), /huber: delta must be a positive number, got -1/);
    assert.throws(() => huber({ delta: Number.NaN }), /huber: delta must be a positive number, got NaN/);
    assert.throws(() => meanSquaredError({ delta: 1 }), /meanSquaredError: unknown option 'delta'/);
    assert.throws(() => hinge({ fromLogits: true }), /hinge has no fromLogits form/);
    assert.throws(
      () => cosineSimilarity({ axis: 1.5 }),
      /cosineSimilarity: axis must be an integer, got 1.5/,
    );
    assert.throws(
      () => cosineSimilarity({ axis: 0 })(tensor(Y), tensor(P)),
      /cosineSimilarity: axis 0 is not a feature axis of predictions of rank 2/,
    );
    assert.throws(
      () => huber()(tensor([[1, 2]]), tensor(P)),
      /huber: targets of shape \[1, 2\] do not match predictions of shape \[2, 3\]/,
    );
  });
});
