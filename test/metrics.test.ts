/**
 * Metrics that accumulate over an epoch (precision, recall, F1, AUC, top-k accuracy): values
 * against counts worked out by hand on small fixed arrays (scikit-learn's definitions), several
 * batches through create() equal to the whole set at once, sample weights, names and errors.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { getMetric, type Metric, metrics, type Tensor, tensor } from '../src/index.js';
import { classificationReport, confusionMatrix } from '../src/metrics/classification.js';
import { assertClose, describeEachBackend } from './helpers.js';

const { auc, f1Score, precision, recall, sparseTopKCategoricalAccuracy, topKCategoricalAccuracy } = metrics;

/** Run a metric's state over batches [start, end) of yTrue/yPred rows. */
function accumulate(
  metric: Metric,
  yTrue: number[][],
  yPred: number[][],
  cuts: number[],
  weights?: number[],
): number {
  assert.ok(metric.create, `${metric.name} has create()`);
  const state = metric.create();
  const bounds = [0, ...cuts, yTrue.length];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const [from, to] = [bounds[b]!, bounds[b + 1]!];
    const w = weights ? tensor(weights.slice(from, to)) : null;
    state.update(tensor(yTrue.slice(from, to)), tensor(yPred.slice(from, to)), w);
  }
  return state.result();
}

const column = (xs: number[]): number[][] => xs.map((x) => [x]);

// Binary: threshold 0.5 predicts [1,1,0,1,0,1,0,0,1,0]: tp = {0,3,8}, fp = {1,5}, fn = {2,6,9}.
const LABELS = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1];
const SCORES = [0.9, 0.8, 0.4, 0.7, 0.3, 0.6, 0.2, 0.1, 0.55, 0.45];
const Y = column(LABELS);
const P = column(SCORES);

// Three classes: true [0,1,2,2,1,0,0], argmax [0,2,2,1,1,0,2].
// class 0: tp 2 fp 0 fn 1; class 1: tp 1 fp 1 fn 1; class 2: tp 1 fp 2 fn 1.
const CLASS_LABELS = [0, 1, 2, 2, 1, 0, 0];
const ARGMAX = [0, 2, 2, 1, 1, 0, 2];
const oneHot = (labels: number[], k = 3): number[][] =>
  labels.map((l) => Array.from({ length: k }, (_, c) => (c === l ? 1 : 0)));
const Y3 = oneHot(CLASS_LABELS);
// Scores whose argmax is ARGMAX, not one-hot (0.5 never crossed by the runner-up).
const P3 = ARGMAX.map((l) => [0, 1, 2].map((c) => (c === l ? 0.6 : c === (l + 1) % 3 ? 0.3 : 0.1)));

describeEachBackend('metrics: precision, recall, F1', () => {
  it('binary values equal tp/(tp+fp), tp/(tp+fn), 2tp/(2tp+fp+fn)', () => {
    assertClose(precision().fn(tensor(Y), tensor(P)), 3 / 5, 1e-12);
    assertClose(recall().fn(tensor(Y), tensor(P)), 3 / 6, 1e-12);
    assertClose(f1Score().fn(tensor(Y), tensor(P)), 6 / 11, 1e-12);
    // threshold 0.35 adds samples 2 and 9 (0.4, 0.45, both positive): tp 5, fp 2, fn 1.
    assertClose(precision({ threshold: 0.35 }).fn(tensor(Y), tensor(P)), 5 / 7, 1e-12);
    assertClose(recall({ threshold: 0.35 }).fn(tensor(Y), tensor(P)), 5 / 6, 1e-12);
    // A [batch] vector is binary too.
    assertClose(precision().fn(tensor(LABELS), tensor(SCORES)), 3 / 5, 1e-12);
  });

  it('accumulate over batches to the whole-set value, which the mean of batch values is not', () => {
    const cuts = [4, 7];
    for (const [metric, whole] of [
      [precision(), 3 / 5],
      [recall(), 1 / 2],
      [f1Score(), 6 / 11],
    ] as const) {
      assertClose(accumulate(metric, Y, P, cuts), whole, 1e-12);
    }
    // Batch precisions 2/3, 0, 1: their mean 5/9 is not the epoch's 3/5.
    const batchMean = [0, 4, 7, 10].slice(0, 3).map((from, i) => {
      const to = [4, 7, 10][i]!;
      return precision().fn(tensor(Y.slice(from, to)), tensor(P.slice(from, to)));
    });
    assertClose(batchMean, [2 / 3, 0, 1], 1e-12);
    // reset() forgets earlier batches.
    const state = precision().create!();
    state.update(tensor([[0]]), tensor([[0.9]]));
    state.reset();
    state.update(tensor(Y), tensor(P));
    assertClose(state.result(), 3 / 5, 1e-12);
  });

  it('weight samples by sampleWeight', () => {
    const w = [1, 2, 1, 1, 1, 0.5, 1, 1, 3, 1];
    // tp = w0 + w3 + w8 = 5, fp = w1 + w5 = 2.5, fn = w2 + w6 + w9 = 3.
    assertClose(accumulate(precision(), Y, P, [5], w), 5 / 7.5, 1e-12);
    assertClose(accumulate(recall(), Y, P, [5], w), 5 / 8, 1e-12);
    assertClose(accumulate(f1Score(), Y, P, [5], w), 10 / 15.5, 1e-12);
    assert.throws(
      () => precision().create!().update(tensor(Y), tensor(P), tensor([1, 2])),
      /precision: sampleWeight of shape \[2\] does not give one weight to each of the 10 samples/,
    );
  });

  it('multi-class: micro pools counts (= accuracy), macro averages classes as scikit-learn', () => {
    const y = tensor(Y3);
    const p = tensor(P3);
    for (const m of [precision(), recall(), f1Score()]) assertClose(m.fn(y, p), 4 / 7, 1e-12);
    const macroP = (2 / 2 + 1 / 2 + 1 / 3) / 3;
    const macroR = (2 / 3 + 1 / 2 + 1 / 2) / 3;
    const macroF = (4 / 5 + 2 / 4 + 2 / 5) / 3;
    assertClose(precision({ average: 'macro' }).fn(y, p), macroP, 1e-12);
    assertClose(recall({ average: 'macro' }).fn(y, p), macroR, 1e-12);
    assertClose(f1Score({ average: 'macro' }).fn(y, p), macroF, 1e-12);
    // The same as the whole-set report of src/metrics/classification.ts.
    const report = classificationReport(confusionMatrix(CLASS_LABELS, ARGMAX, 3));
    assertClose([report[3]!.precision, report[3]!.recall, report[3]!.f1], [macroP, macroR, macroF], 1e-12);
    // Integer labels, [batch] or [batch, 1], give the same; so do three batches.
    assertClose(f1Score({ average: 'macro' }).fn(tensor(CLASS_LABELS), p), macroF, 1e-12);
    assertClose(f1Score({ average: 'macro' }).fn(tensor(column(CLASS_LABELS)), p), macroF, 1e-12);
    assertClose(accumulate(f1Score({ average: 'macro' }), Y3, P3, [2, 5]), macroF, 1e-12);
    // One class, one-vs-rest.
    assertClose(precision({ classId: 2 }).fn(y, p), 1 / 3, 1e-12);
    assertClose(recall({ classId: 0 }).fn(y, p), 2 / 3, 1e-12);
  });

  it('multi-label with a threshold decides each column on its own', () => {
    const y = tensor([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    const p = tensor([
      [0.9, 0.6, 0.2],
      [0.1, 0.7, 0.8],
    ]);
    // > 0.5: [1,1,0],[0,1,1]: tp 3 (0,0)(1,1)(1,2), fp 1 (0,1), fn 1 (0,2).
    assertClose(precision({ threshold: 0.5 }).fn(y, p), 3 / 4, 1e-12);
    assertClose(recall({ threshold: 0.5 }).fn(y, p), 3 / 4, 1e-12);
    // Without a threshold, argmax: [1,0,0],[0,0,1]: tp 2, fp 0, fn 2.
    assertClose(precision().fn(y, p), 1, 1e-12);
    assertClose(recall().fn(y, p), 1 / 2, 1e-12);
  });

  it('give 0, not NaN, where nothing is predicted or present', () => {
    assert.equal(precision().fn(tensor([[1], [0]]), tensor([[0.1], [0.2]])), 0);
    assert.equal(recall().fn(tensor([[0], [0]]), tensor([[0.9], [0.2]])), 0);
    assert.equal(precision().create!().result(), 0);
  });

  it('refuse bad options and targets with errors naming the metric', () => {
    assert.throws(
      () => precision({ average: 'weighted' as never }),
      /precision: average must be one of 'micro', 'macro', got 'weighted'/,
    );
    assert.throws(() => recall({ threshold: 2 }), /recall: threshold must be in \[0, 1\], got 2/);
    assert.throws(() => f1Score({ classId: -1 }), /f1Score: classId must be an integer ≥ 0, got -1/);
    assert.throws(() => f1Score({ tresh: 1 } as never), /f1Score: unknown option 'tresh'/);
    assert.throws(
      () => precision({ classId: 3 }).fn(tensor(Y3), tensor(P3)),
      /precision: classId 3 is not a class of predictions with 3 columns/,
    );
    assert.throws(
      () => precision().fn(tensor([[1, 0]]), tensor(P3)),
      /precision: targets of shape \[1, 2\] fit neither predictions of shape \[7, 3\]/,
    );
    assert.throws(
      () => recall().fn(tensor([0, 1, 3, 0, 0, 0, 0]), tensor(P3)),
      /recall: label 3 of sample 2 is not a class index in \[0, 3\)/,
    );
    const state = precision().create!();
    state.update(tensor(Y3), tensor(P3));
    assert.throws(
      () => state.update(tensor(Y), tensor(P)),
      /precision: predictions have 1 classes, earlier batches had 3/,
    );
  });
});

/** scikit-learn's roc_auc_score by its definition: P(score⁺ > score⁻) + ½ P(tie), over pairs. */
function exactRocAuc(labels: number[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((a, i) => {
    labels.forEach((b, j) => {
      if (a !== 1 || b !== 0) return;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describeEachBackend('metrics: AUC', () => {
  it('ROC equals the exact area for scores further apart than the threshold spacing', () => {
    // Pairs won: 0.9: 4, 0.4: 2, 0.7: 3, 0.2: 1, 0.55: 2, 0.45: 2 → 14 of 24.
    assertClose(exactRocAuc(LABELS, SCORES), 14 / 24, 1e-15);
    assertClose(auc().fn(tensor(Y), tensor(P)), 14 / 24, 1e-6);
    assertClose(accumulate(auc(), Y, P, [3, 8]), 14 / 24, 1e-6);
    // Exact ties count half, as in scikit-learn: pos {0.5, 0.8}, neg {0.5, 0.2} → (1.5 + 2) / 4.
    assertClose(auc().fn(tensor([1, 0, 1, 0]), tensor([0.5, 0.5, 0.8, 0.2])), 3.5 / 4, 1e-6);
    // Perfect and reversed rankings.
    assertClose(auc().fn(tensor([1, 1, 0]), tensor([0.9, 0.8, 0.1])), 1, 1e-6);
    assertClose(auc().fn(tensor([0, 0, 1]), tensor([0.9, 0.8, 0.1])), 0, 1e-6);
  });

  it('ROC counts scores closer than 1/(numThresholds − 1) as ties', () => {
    // 0.42 and 0.44 share a bucket of 4 thresholds (spacing 1/3): a tie, 0.5.
    assertClose(auc({ numThresholds: 4 }).fn(tensor([1, 0]), tensor([0.44, 0.42])), 0.5, 1e-6);
    assertClose(auc().fn(tensor([1, 0]), tensor([0.44, 0.42])), 1, 1e-6);
  });

  it('PR with interpolation integrates Davis & Goadrich interpolated precision', () => {
    // Ranked: pos 0.9, neg 0.7, pos 0.3; 2 positives. Recall 0 → ½ at precision 1: area ½.
    // Recall ½ → 1 while tp = 1 + x, predicted positives = 2 + x (x: 0 → 1):
    // ∫₀¹ (1 + x)/(2 + x) dx/2 = (1 − ln 1.5)/2.
    const expected = 0.5 + (1 - Math.log(1.5)) / 2;
    assertClose(auc({ curve: 'PR' }).fn(tensor([1, 0, 1]), tensor([0.9, 0.7, 0.3])), expected, 1e-6);
    assertClose(
      accumulate(auc({ curve: 'PR' }), column([1, 0, 1]), column([0.9, 0.7, 0.3]), [1]),
      expected,
      1e-6,
    );
    // Perfect ranking: 1.
    assertClose(auc({ curve: 'PR' }).fn(tensor([1, 1, 0, 0]), tensor([0.9, 0.8, 0.3, 0.1])), 1, 1e-6);
  });

  it('weights samples, takes logits, pools several columns', () => {
    // Weight 3 on the positive at 0.2 (beats only the negative 0.1): wins 14 + 2·1 of 24 + 2·4 pairs.
    const w = LABELS.map((_, i) => (i === 6 ? 3 : 1));
    assertClose(accumulate(auc(), Y, P, [5], w), 16 / 32, 1e-6);
    const logits = SCORES.map((s) => Math.log(s / (1 - s)));
    assertClose(auc({ fromLogits: true }).fn(tensor(Y), tensor(column(logits))), 14 / 24, 1e-6);
    // Two columns of five: the same ten decisions.
    const y2 = [0, 2, 4, 6, 8].map((i) => [LABELS[i]!, LABELS[i + 1]!]);
    const p2 = [0, 2, 4, 6, 8].map((i) => [SCORES[i]!, SCORES[i + 1]!]);
    assertClose(auc().fn(tensor(y2), tensor(p2)), 14 / 24, 1e-6);
  });

  it('refuse predictions outside [0, 1] and bad options', () => {
    assert.throws(
      () => auc().fn(tensor([1, 0]), tensor([1.5, 0.2])),
      /auc: predictions must be probabilities in \[0, 1\], got 1.5 at position 0 \(for logits pass fromLogits: true\)/,
    );
    assert.throws(
      () => auc().fn(tensor([2, 0]), tensor([0.5, 0.2])),
      /auc: targets must be in \[0, 1\], got 2 at position 0/,
    );
    assert.throws(() => auc({ curve: 'pr' as never }), /auc: curve must be one of 'ROC', 'PR', got 'pr'/);
    assert.throws(() => auc({ numThresholds: 1 }), /auc: numThresholds must be an integer ≥ 2, got 1/);
  });
});

describeEachBackend('metrics: top-k accuracy', () => {
  const scores = [
    [0.1, 0.5, 0.3, 0.1], // true 2: second highest → in top 2
    [0.4, 0.3, 0.2, 0.1], // true 3: last → out
    [0.3, 0.3, 0.3, 0.1], // true 2: tied for first → in (ties favour the true class)
    [0.7, 0.1, 0.1, 0.1], // true 1: three tied at second place → in top 2 (no class strictly above but one)
    [0.1, 0.2, 0.3, 0.4], // true 1: third → out
  ];
  const labels = [2, 3, 2, 1, 1];
  let p: Tensor;
  it('counts samples whose class is among the k highest, ties in its favour', () => {
    p = tensor(scores);
    const k2 = topKCategoricalAccuracy({ k: 2 });
    assertClose(k2.fn(tensor(oneHot(labels, 4)), p), 3 / 5, 1e-12);
    assertClose(sparseTopKCategoricalAccuracy({ k: 2 }).fn(tensor(labels), p), 3 / 5, 1e-12);
    assertClose(sparseTopKCategoricalAccuracy({ k: 1 }).fn(tensor(column(labels)), p), 1 / 5, 1e-12);
    assertClose(sparseTopKCategoricalAccuracy({ k: 3 }).fn(tensor(labels), p), 4 / 5, 1e-12);
    // Default k = 5 ≥ 4 classes: everything.
    assertClose(sparseTopKCategoricalAccuracy().fn(tensor(labels), p), 1, 1e-12);
    // Accumulated with weights: right 1·2 + 1 + 1 of 2 + 1 + 1 + 1 + 1.
    const w = [2, 1, 1, 1, 1];
    assertClose(
      accumulate(sparseTopKCategoricalAccuracy({ k: 2 }), column(labels), scores, [2], w),
      4 / 6,
      1e-12,
    );
  });

  it('refuse labels and shapes that do not fit', () => {
    p = tensor(scores);
    assert.throws(
      () => sparseTopKCategoricalAccuracy().fn(tensor([0, 1, 4, 0, 0]), p),
      /sparseTopKCategoricalAccuracy: label 4 of sample 2 is not a class index in \[0, 4\)/,
    );
    assert.throws(
      () => topKCategoricalAccuracy().fn(tensor(labels), p),
      /topKCategoricalAccuracy: targets of shape \[5\] do not match predictions of shape \[5, 4\] \(for integer labels use sparseTopKCategoricalAccuracy\)/,
    );
    assert.throws(
      () => topKCategoricalAccuracy({ k: 0 }),
      /topKCategoricalAccuracy: k must be an integer ≥ 1, got 0/,
    );
  });
});

describeEachBackend('metrics: names', () => {
  it('resolve stateful metrics by camelCase, snake_case, class name and alias, logged as written', () => {
    for (const name of [
      'precision',
      'Precision',
      'recall',
      'f1Score',
      'f1_score',
      'F1Score',
      'f1',
      'auc',
      'AUC',
      'topKCategoricalAccuracy',
      'top_k_categorical_accuracy',
      'sparse_top_k_categorical_accuracy',
      'topK',
    ]) {
      const m = getMetric(name);
      assert.equal(m.name, name);
      assert.equal(typeof m.create, 'function', name);
    }
    assertClose(getMetric('f1_score').fn(tensor(Y), tensor(P)), 6 / 11, 1e-12);
    assert.equal(getMetric('acc').name, 'accuracy');
    assert.equal(getMetric('accuracy').create, undefined);
    assert.equal(precision({ name: 'p_at_35', threshold: 0.35 }).name, 'p_at_35');
  });

  it('accept a custom metric with create(), refuse a create that is not a function', () => {
    const custom = {
      name: 'count',
      fn: () => 0,
      create: () => ({ update() {}, result: () => 1, reset() {} }),
    };
    assert.equal(getMetric(custom), custom);
    assert.throws(
      () => getMetric({ name: 'count', fn: () => 0, create: 3 } as never),
      /metric 'count': create must be a function returning a MetricState, got 3/,
    );
  });
});
