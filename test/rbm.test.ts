/** RBM and DBN: conditionals and free energy against float64, the CD rule, PCD chains, training, DBN. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Adam,
  ArgumentError,
  contrastiveDivergence,
  DBN,
  type Dense,
  getBackend,
  RBM,
  Rng,
  ShapeError,
  type Tensor,
  tensor,
} from '../src/index.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.log1p(Math.exp(x));

// A tiny RBM: 3 visible, 2 hidden, weights chosen by hand.
const W = [
  [0.5, -1.0],
  [0.25, 0.75],
  [-0.5, 1.5],
];
const B = [0.1, -0.2, 0.3];
const C = [-0.4, 0.2];
const V = [
  [1, 0, 1],
  [0, 1, 1],
];

function tinyRbm(visibleType: 'bernoulli' | 'gaussian' = 'bernoulli'): RBM {
  const rbm = new RBM({ visibleUnits: 3, hiddenUnits: 2, visibleType, seed: 1 });
  rbm.setWeights([tensor(W), tensor(B), tensor(C)]);
  return rbm;
}

/** σ(c + vW) in float64. */
function hiddenProbs64(v: number[][], w = W, c = C): number[][] {
  return v.map((row) => c.map((cj, j) => sigmoid(cj + row.reduce((s, vi, i) => s + vi * w[i]![j]!, 0))));
}

/** 1 where a uniform draw from `rng` falls below p: what RBM sampling does with the same generator. */
function bernoulliLike(p: Tensor, rng: Rng): Tensor {
  return tensor(rows(p).map((row) => row.map((q) => (rng.uniform() < q ? 1 : 0))));
}

function rows(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

/** Two binary prototypes of 16 units with 5 % of the bits flipped; labels say which. */
function prototypes(n: number, seed: number): { x: number[][]; labels: number[] } {
  const rng = new Rng(seed);
  const protos = [
    Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0)),
    Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 1 : 0)),
  ];
  const x: number[][] = [];
  const labels: number[] = [];
  for (let r = 0; r < n; r++) {
    const label = r % 2;
    labels.push(label);
    x.push(protos[label]!.map((u) => (rng.uniform() < 0.05 ? 1 - u : u)));
  }
  return { x, labels };
}

describeEachBackend('RBM', () => {
  it('conditionals and free energy match float64 (Bernoulli and Gaussian)', () => {
    const rbm = tinyRbm();
    const ph = hiddenProbs64(V);
    assertClose(rbm.hiddenProbs(tensor(V)), ph);
    const h = [
      [1, 0],
      [0.3, 0.9],
    ];
    const mean = h.map((hr) => B.map((bi, i) => bi + hr.reduce((s, hj, j) => s + hj * W[i]![j]!, 0)));
    assertClose(
      rbm.visibleProbs(tensor(h)),
      mean.map((r) => r.map(sigmoid)),
    );
    const hiddenTerm = V.map((row) =>
      C.reduce((s, cj, j) => s + softplus(cj + row.reduce((t, vi, i) => t + vi * W[i]![j]!, 0)), 0),
    );
    const fBernoulli = V.map((row, r) => -row.reduce((s, vi, i) => s + vi * B[i]!, 0) - hiddenTerm[r]!);
    assertClose(rbm.freeEnergy(tensor(V)), fBernoulli);

    const gaussian = tinyRbm('gaussian');
    assertClose(gaussian.visibleProbs(tensor(h)), mean);
    const x = [
      [0.5, -1.5, 2],
      [-0.25, 0.75, 0.1],
    ];
    const fGaussian = x.map(
      (row) =>
        0.5 * row.reduce((s, vi, i) => s + (vi - B[i]!) ** 2, 0) -
        C.reduce((s, cj, j) => s + softplus(cj + row.reduce((t, vi, i) => t + vi * W[i]![j]!, 0)), 0),
    );
    assertClose(gaussian.freeEnergy(tensor(x)), fGaussian);
    // Gaussian sampling adds unit-variance noise around the mean.
    const many = gaussian.sampleVisible(tensor(Array.from({ length: 4000 }, () => [1, 0])));
    const cols = rows(many);
    const m0 = cols.reduce((s, r) => s + r[0]!, 0) / cols.length;
    const var0 = cols.reduce((s, r) => s + (r[0]! - m0) ** 2, 0) / cols.length;
    assert.ok(Math.abs(m0 - mean[0]![0]!) < 0.06, `mean ${m0} vs ${mean[0]![0]}`);
    assert.ok(Math.abs(var0 - 1) < 0.08, `variance ${var0}`);
  });

  it('pseudo-likelihood is visibleUnits · log σ(F(flipped) − F(v)) for the drawn unit', () => {
    const rbm = tinyRbm();
    const rng = new Rng(9);
    const copy = new Rng(9);
    const got = flat(rbm.pseudoLikelihood(tensor(V), rng));
    const f = flat(rbm.freeEnergy(tensor(V)));
    const expected = V.map((row, r) => {
      const flipped = [...row];
      const i = copy.int(3);
      flipped[i] = 1 - flipped[i]!;
      const ff = flat(rbm.freeEnergy(tensor([flipped])))[0]!;
      return 3 * Math.log(sigmoid(ff - f[r]!));
    });
    assertClose(got, expected, 1e-4);
  });

  it('one CD-1 update equals the hand formula for the states it sampled', () => {
    const rbm = tinyRbm();
    const lr = 0.5;
    const wd = 0.1;
    const stats = contrastiveDivergence(rbm, tensor(V), {
      learningRate: lr,
      k: 1,
      momentum: 0,
      weightDecay: wd,
      rng: new Rng(3),
    });
    const ph0 = hiddenProbs64(V);
    assertClose(stats.hiddenProbsData, ph0);
    const vk = rows(stats.visibleModel);
    assert.ok(
      flat(vk).every((u) => u === 0 || u === 1),
      'visible samples are binary',
    );
    const phk = hiddenProbs64(vk);
    assertClose(stats.hiddenProbsModel, phk);
    const n = V.length;
    const newW = W.map((wr, i) =>
      wr.map((wij, j) => {
        let g = 0;
        for (let r = 0; r < n; r++) g += V[r]![i]! * ph0[r]![j]! - vk[r]![i]! * phk[r]![j]!;
        return wij + lr * (g / n - wd * wij);
      }),
    );
    const newB = B.map((bi, i) => bi + (lr * V.reduce((s, row, r) => s + row[i]! - vk[r]![i]!, 0)) / n);
    const newC = C.map((cj, j) => cj + (lr * ph0.reduce((s, row, r) => s + row[j]! - phk[r]![j]!, 0)) / n);
    assertClose(rbm.kernel, newW);
    assertClose(rbm.visibleBias, newB);
    assertClose(rbm.hiddenBias, newC);
    // The same seed draws the same negative states.
    const again = contrastiveDivergence(tinyRbm(), tensor(V), {
      learningRate: lr,
      k: 1,
      momentum: 0,
      weightDecay: wd,
      rng: new Rng(3),
    });
    assert.deepEqual(rows(again.visibleModel), vk);
  });

  it('PCD chains start the negative phase and are carried over (one per batch row)', () => {
    const rbm = tinyRbm();
    const chainValues = [
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 0],
    ];
    const chains = rbm.persistentTensor(Float32Array.from(flat(chainValues)), [4, 2]);
    const rng = new Rng(11);
    const state = { learningRate: 0.1, k: 1, momentum: 0, weightDecay: 0, rng, chains };
    // A batch of 2 uses the first 2 chains; the others stay as they were.
    const w0 = rows(rbm.kernel);
    const b0 = flat(rbm.visibleBias);
    const copy = new Rng(11);
    const stats = contrastiveDivergence(rbm, tensor(V), state);
    const expectedV = chainValues.slice(0, 2).map((hr) =>
      b0.map((bi, i) => {
        const p = sigmoid(bi + hr.reduce((s, hj, j) => s + hj * w0[i]![j]!, 0));
        return p > copy.uniform() ? 1 : 0;
      }),
    );
    assert.deepEqual(rows(stats.visibleModel), expectedV);
    const phk = flat(stats.hiddenProbsModel);
    const expectedChains = phk.map((p) => (p > copy.uniform() ? 1 : 0));
    assert.deepEqual(flat(chains), [...expectedChains, 1, 1, 0, 0]);
    assert.deepEqual(chains.shape, [4, 2]);
    // Over several batches the chains keep moving (they are not reset to the data).
    const seen = new Set<string>([JSON.stringify(flat(chains))]);
    for (let i = 0; i < 6; i++) {
      contrastiveDivergence(rbm, tensor([...V, ...V]), state);
      seen.add(JSON.stringify(flat(chains)));
    }
    assert.ok(seen.size > 2, `chains took ${seen.size} states in 7 batches`);
  });

  it('training lowers the reconstruction error and raises the pseudo-likelihood (CD-1 and PCD), seeded', () => {
    const { x } = prototypes(60, 5);
    const data = tensor(x);
    for (const persistent of [false, true]) {
      const rbm = new RBM({ visibleUnits: 16, hiddenUnits: 6, seed: 2 });
      const errorBefore = rbm.reconstructionError(data);
      const plBefore = flat(rbm.pseudoLikelihood(data, new Rng(1))).reduce((a, b) => a + b) / x.length;
      const epochs: number[] = [];
      const history = rbm.fit(data, {
        epochs: 40,
        batchSize: 10,
        learningRate: 0.1,
        momentum: 0.5,
        persistent,
        seed: 4,
        onEpoch: (e) => epochs.push(e),
      });
      assert.equal(history.length, 40);
      assert.deepEqual(
        epochs,
        Array.from({ length: 40 }, (_, i) => i),
      );
      const errorAfter = rbm.reconstructionError(data);
      const plAfter = flat(rbm.pseudoLikelihood(data, new Rng(1))).reduce((a, b) => a + b) / x.length;
      assert.ok(
        errorAfter < errorBefore / 3,
        `${persistent ? 'PCD' : 'CD'}: error ${errorBefore} → ${errorAfter}`,
      );
      assert.ok(
        plAfter > plBefore + 3,
        `${persistent ? 'PCD' : 'CD'}: pseudo-likelihood ${plBefore} → ${plAfter}`,
      );
      assert.ok(history[39]!.reconstructionError < history[0]!.reconstructionError);
      assert.ok(history[39]!.pseudoLikelihood! > history[0]!.pseudoLikelihood!);
      // Same seeds, same weights.
      const twin = new RBM({ visibleUnits: 16, hiddenUnits: 6, seed: 2 });
      twin.fit(data, { epochs: 40, batchSize: 10, learningRate: 0.1, momentum: 0.5, persistent, seed: 4 });
      assert.deepEqual(flat(twin.kernel), flat(rbm.kernel));
    }
  });

  it('Gaussian visible units learn real-valued data; the free-energy gap is reported', () => {
    const rng = new Rng(8);
    const centres = [
      [1.5, -1, 0.5, -1.5, 1, 0],
      [-1.5, 1, -0.5, 1.5, -1, 0],
    ];
    const make = (n: number) =>
      Array.from({ length: n }, (_, r) => centres[r % 2]!.map((m) => m + 0.3 * rng.normal()));
    const train = tensor(make(80));
    const valid = tensor(make(20));
    const rbm = new RBM({ visibleUnits: 6, hiddenUnits: 4, visibleType: 'gaussian', seed: 3 });
    const before = rbm.reconstructionError(train);
    const history = rbm.fit(train, {
      epochs: 30,
      batchSize: 10,
      learningRate: 0.01,
      momentum: 0.5,
      validation: valid,
    });
    const after = rbm.reconstructionError(train);
    assert.ok(after < before / 2, `error ${before} → ${after}`);
    assert.equal(history[0]!.pseudoLikelihood, undefined);
    const gap = history[29]!.freeEnergyGap!;
    assert.ok(Number.isFinite(gap));
    const mean = (t: Tensor) => flat(rbm.freeEnergy(t)).reduce((a, b) => a + b) / t.shape[0]!;
    assert.ok(Math.abs(gap - (mean(valid) - mean(train))) < 1e-3, `gap ${gap}`);
    assert.throws(() => rbm.pseudoLikelihood(train), ArgumentError);
  });

  it('toJSON/fromJSON and getWeights/setWeights round-trip', () => {
    const rbm = tinyRbm();
    const copy = RBM.fromJSON(JSON.parse(JSON.stringify(rbm.toJSON())));
    assert.deepEqual(flat(copy.kernel), flat(rbm.kernel));
    assert.deepEqual(flat(copy.hiddenBias), flat(rbm.hiddenBias));
    assert.deepEqual(flat(copy.visibleBias), flat(rbm.visibleBias));
    assert.throws(() => copy.setWeights([tensor(B), tensor(B), tensor(C)]), ShapeError);
  });

  it('memory stays flat over many batches (backends that own their memory)', () => {
    const stats = getBackend().memoryStats;
    if (!stats) return;
    const { x } = prototypes(40, 6);
    const data = tensor(x);
    const rbm = new RBM({ visibleUnits: 16, hiddenUnits: 6, seed: 2 });
    // Velocities and chains are made once per fit(); every batch after the first epochs reuses memory.
    let high = -1;
    rbm.fit(data, {
      epochs: 12,
      batchSize: 4,
      persistent: true,
      momentum: 0.5,
      validation: data,
      onEpoch: (e) => {
        if (e === 1) high = getBackend().memoryStats!().highWaterBytes;
      },
    });
    assert.equal(getBackend().memoryStats!().highWaterBytes, high, 'the high-water mark moved');
  });

  it('DBN: greedy pretraining, toSequential with the RBM weights, fine-tuning, generation', async () => {
    const { x, labels } = prototypes(40, 7);
    const data = tensor(x);
    const dbn = new DBN({ layers: [16, 8, 4], seed: 5 });
    const histories = dbn.pretrain(data, { epochs: 10, batchSize: 10, seed: 1 });
    assert.equal(histories.length, 2);
    // RBM 1 trained on RBM 0's hidden probabilities: its weights moved from their initial values.
    assert.ok(flat(dbn.rbms[1]!.hiddenBias).some((c) => c !== 0));
    const model = dbn.toSequential({ outputUnits: 2 });
    const dense = model.layers as Dense[];
    assert.equal(dense.length, 3);
    assert.deepEqual(flat(dense[0]!.getWeight('kernel')), flat(dbn.rbms[0]!.kernel));
    assert.deepEqual(flat(dense[0]!.getWeight('bias')), flat(dbn.rbms[0]!.hiddenBias));
    assert.deepEqual(flat(dense[1]!.getWeight('kernel')), flat(dbn.rbms[1]!.kernel));
    assert.equal(dense[0]!.activation, 'sigmoid');
    assert.equal(dense[2]!.activation, 'softmax');
    model.compile({
      optimizer: new Adam({ learningRate: 0.02 }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const y = tensor(labels);
    const history = await model.fit(data, y, { epochs: 30, batchSize: 10, verbose: 0, seed: 1 });
    const loss = history.history.loss!;
    assert.ok(loss[loss.length - 1]! < loss[0]! / 2, `loss ${loss[0]} → ${loss[loss.length - 1]}`);
    // The RBMs are copied, not shared: fine-tuning leaves them as they were.
    assert.notDeepEqual(flat(dense[0]!.getWeight('kernel')), flat(dbn.rbms[0]!.kernel));
    const samples = dbn.generate(3, { gibbsSteps: 5 });
    assert.deepEqual(samples.shape, [3, 16]);
    assert.ok(flat(samples).every((p) => p >= 0 && p <= 1));
  });

  it('sampleVisible: false keeps the negative phase visible probabilities; CD reports the first step as the reconstruction', () => {
    const rbm = tinyRbm();
    const lr = 0.5;
    const stats = contrastiveDivergence(rbm, tensor(V), {
      learningRate: lr,
      k: 1,
      momentum: 0,
      weightDecay: 0,
      sampleVisible: false,
      rng: new Rng(3),
    });
    // The same generator draws the same hidden states: h0 ~ p(h | v), with the weights before the update.
    const before = tinyRbm();
    const h0 = bernoulliLike(before.hiddenProbs(tensor(V)), new Rng(3));
    const vk = rows(before.visibleProbs(h0));
    assertClose(stats.visibleModel, vk);
    assert.ok(
      flat(stats.visibleModel).some((u) => u > 0 && u < 1),
      'probabilities, not samples',
    );
    const phk = hiddenProbs64(vk);
    assertClose(stats.hiddenProbsModel, phk);
    const ph0 = hiddenProbs64(V);
    const n = V.length;
    const newW = W.map((wr, i) =>
      wr.map((wij, j) => {
        let g = 0;
        for (let r = 0; r < n; r++) g += V[r]![i]! * ph0[r]![j]! - vk[r]![i]! * phk[r]![j]!;
        return wij + (lr * g) / n;
      }),
    );
    assertClose(rbm.kernel, newW);
    // CD's reconstruction is the first step's p(v | h0): mean squared difference from the batch.
    const mse = flat(tensor(vk).sub(tensor(V)).square()).reduce((a, b) => a + b) / 6;
    assert.ok(Math.abs(stats.reconstructionError.item() - mse) < 1e-6);
  });

  it('sparsity adds sparsityCost · (target − q) to the hidden biases, q a running mean of p(h | v)', () => {
    const run = (sparse: boolean) => {
      const rbm = tinyRbm();
      const hiddenMean = tensor([0.3, 0.6]);
      contrastiveDivergence(rbm, tensor(V), {
        learningRate: 0.5,
        k: 1,
        momentum: 0,
        weightDecay: 0,
        rng: new Rng(3),
        ...(sparse && { sparsityTarget: 0.05, sparsityCost: 0.2, hiddenMean }),
      });
      return { c: flat(rbm.hiddenBias), q: flat(hiddenMean) };
    };
    const plain = run(false);
    const sparse = run(true);
    const ph0 = hiddenProbs64(V);
    const q = [0, 1].map((j) => 0.9 * [0.3, 0.6][j]! + 0.1 * ((ph0[0]![j]! + ph0[1]![j]!) / 2));
    assertClose(tensor(sparse.q), q);
    assertClose(
      tensor(sparse.c),
      plain.c.map((c, j) => c + 0.5 * 0.2 * (0.05 - q[j]!)),
    );
    // Over a fit, a sparsity target pulls the mean activation down.
    const { x } = prototypes(40, 2);
    const fit = (options: object) =>
      new RBM({ visibleUnits: 16, hiddenUnits: 8, seed: 4 }).fit(tensor(x), {
        epochs: 20,
        batchSize: 10,
        seed: 1,
        ...options,
      });
    const dense = fit({}).at(-1)!.hiddenActivation;
    const sparseFit = fit({ sparsityTarget: 0.05, sparsityCost: 1 }).at(-1)!.hiddenActivation;
    assert.ok(sparseFit < dense * 0.6, `mean activation ${dense} → ${sparseFit}`);
  });

  it('learningRate and momentum may be functions of the epoch; each epoch logs the values it used', () => {
    const { x } = prototypes(20, 3);
    const rbm = new RBM({ visibleUnits: 16, hiddenUnits: 4, seed: 2 });
    const history = rbm.fit(tensor(x), {
      epochs: 4,
      batchSize: 10,
      learningRate: (e) => 0.1 / (1 + e),
      momentum: (e) => (e < 2 ? 0 : 0.9),
      seed: 1,
    });
    assert.deepEqual(
      history.map((h) => [h.learningRate, h.momentum]),
      [
        [0.1, 0],
        [0.05, 0],
        [0.1 / 3, 0.9],
        [0.025, 0.9],
      ],
    );
    // A constant rate equals a schedule that returns it.
    const twin = (learningRate: number | ((e: number) => number)) => {
      const r = new RBM({ visibleUnits: 16, hiddenUnits: 4, seed: 2 });
      r.fit(tensor(x), { epochs: 2, batchSize: 10, learningRate, seed: 1 });
      return flat(r.kernel);
    };
    assert.deepEqual(
      twin(0.1),
      twin(() => 0.1),
    );
    assert.throws(
      () => rbm.fit(tensor(x), { epochs: 3, learningRate: (e) => (e < 1 ? 0.1 : -1) }),
      (e: Error) =>
        e instanceof ArgumentError && /learningRate\(1\) must be a positive number, got -1/.test(e.message),
    );
    assert.throws(
      () => rbm.fit(tensor(x), { momentum: () => 1 }),
      (e: Error) => e instanceof ArgumentError && /momentum\(0\) must be in \[0, 1\), got 1/.test(e.message),
    );
    assert.throws(
      () => rbm.fit(tensor(x), { sparsityTarget: 1 }),
      /sparsityTarget must be in \(0, 1\), got 1/,
    );
  });

  it('monitorSamples: the free-energy gap compares the first rows of validation and training data', () => {
    const { x } = prototypes(60, 4);
    const train = tensor(x.slice(0, 40));
    const valid = tensor(x.slice(40));
    const rbm = new RBM({ visibleUnits: 16, hiddenUnits: 4, seed: 6 });
    const history = rbm.fit(train, {
      epochs: 3,
      batchSize: 10,
      validation: valid,
      monitorSamples: 12,
      seed: 1,
    });
    const mean = (t: Tensor) => flat(rbm.freeEnergy(t)).reduce((a, b) => a + b) / t.shape[0]!;
    const expected = mean(valid.sliceAxis(0, 0, 12)) - mean(train.sliceAxis(0, 0, 12));
    assert.ok(
      Math.abs(history[2]!.freeEnergyGap! - expected) < 1e-3,
      `${history[2]!.freeEnergyGap} vs ${expected}`,
    );
  });

  it('transform() is p(h | v) over any number of rows (computed in chunks)', () => {
    const rng = new Rng(9);
    const x = Array.from({ length: 1100 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
    const features = tinyRbm().transform(tensor(x));
    assert.deepEqual(features.shape, [1100, 2]);
    assertClose(features, hiddenProbs64(x));
  });

  it('DBN.generate({ from }) starts the top chain at the inputs carried up the stack', () => {
    const { x } = prototypes(20, 5);
    const data = tensor(x);
    const dbn = new DBN({ layers: [16, 8, 4], seed: 5 });
    dbn.pretrain(data, { epochs: 3, batchSize: 10, seed: 1 });
    // No Gibbs steps: up through RBM 0 (probabilities), then straight back down.
    const start = data.sliceAxis(0, 0, 3);
    const generated = dbn.generate(3, { gibbsSteps: 0, from: start });
    const bottom = dbn.rbms[0]!;
    assertClose(generated, rows(bottom.visibleProbs(bottom.hiddenProbs(start))));
    assert.throws(
      () => dbn.generate(2, { from: start }),
      (e: Error) =>
        e instanceof ShapeError && /from must be a tensor \[2, 16\], got \[3, 16\]/.test(e.message),
    );
  });

  it('Rng.fillUniform draws exactly what as many uniform() calls draw (the RBM samples with it)', () => {
    const a = new Rng(11);
    const b = new Rng(11);
    const buffer = new Float32Array(1000);
    a.fillUniform(buffer);
    assert.deepEqual(
      Array.from(buffer),
      Array.from({ length: 1000 }, () => b.uniform()),
    );
    assert.equal(a.uniform(), b.uniform(), 'the state moved on the same');
  });

  it('bad options and shapes are typed errors naming the option', () => {
    const rbm = tinyRbm();
    const x = tensor(V);
    const cases: [() => unknown, RegExp][] = [
      [() => rbm.fit(x, { epochs: 0 }), /epochs must be a positive integer, got 0/],
      [() => rbm.fit(x, { k: 1.5 }), /k must be .*integer.*got 1\.5/],
      [() => rbm.fit(x, { momentum: 1 }), /momentum must be in \[0, 1\), got 1/],
      [() => rbm.fit(x, { learningRate: -1 }), /learningRate must be a positive number, got -1/],
      [() => rbm.fit(x, { persistent: 'yes' as unknown as boolean }), /persistent must be true or false/],
      [() => rbm.fit(x, { lerningRate: 0.1 } as never), /lerningRate.*did you mean 'learningRate'/],
      [() => new RBM({ visibleUnits: 0, hiddenUnits: 2 }), /visibleUnits must be .*got 0/],
      [
        () => new RBM({ visibleUnits: 2, hiddenUnits: 2, visibleType: 'binary' as never }),
        /visibleType must be one of/,
      ],
      [() => new DBN({ layers: [784] }), /DBN: layers must be an array of at least 2/],
      [() => new DBN({ layers: [4, -1] }), /layers\[1\] must be/],
      [() => rbm.fit(x, { sparsityCost: 0.5 }), /sparsityCost needs sparsityTarget/],
      // Data a Bernoulli RBM cannot take: NaN would poison every weight, 5 is no probability.
      [
        () =>
          rbm.fit(
            tensor([
              [0, 1, 0],
              [1, Number.NaN, 0],
            ]),
          ),
        /RBM.fit\(\): x has NaN at row 1, column 1; Bernoulli visible units take values in \[0, 1\]/,
      ],
      [() => rbm.fit(x, { validation: tensor([[0, 5, 1]]) }), /validation has 5 at row 0, column 1/],
      [
        () =>
          new RBM({ visibleUnits: 2, hiddenUnits: 2, visibleType: 'gaussian' }).fit(
            tensor([[0.5, Number.POSITIVE_INFINITY]]),
          ),
        /x has Infinity at row 0, column 1; values must be finite/,
      ],
    ];
    for (const [fn, message] of cases)
      assert.throws(fn, (e: Error) => e instanceof ArgumentError && message.test(e.message));
    assert.throws(
      () => rbm.hiddenProbs(tensor([[1, 0]])),
      /RBM.hiddenProbs\(\): visible must be \[batch, 3\], got \[1, 2\]/,
    );
    assert.throws(() => rbm.fit(tensor([[1, 0]])), ShapeError);
  });
});
