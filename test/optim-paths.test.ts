/**
 * Every optimiser is written once with tensor ops and may name a fused backend kernel as a fast
 * path. These tests run each one both ways on every backend — as the backend is (fused kernel where
 * the rule has one) and on a copy of the backend without `update` (the op version) — and hold both
 * to a float64 reference written here from the textbook formulas, for three steps.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import {
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ArgumentError,
  type Backend,
  exponentialDecay,
  getBackend,
  getOptimizer,
  Nadam,
  type Optimizer,
  RMSprop,
  registerBackend,
  SGD,
  ShapeError,
  setBackend,
  stepDecay,
  type Tensor,
  tensor,
} from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

// ---- the float64 reference -----------------------------------------------------------------------

interface Hyper {
  lr: number;
  weightDecay?: number;
  clipValue?: number;
  clipNorm?: number;
}

/** One step of a rule over flat float64 arrays (all parameters end to end), t counting from 1. */
type ReferenceRule = (w: number[], g: number[], s: number[][], lr: number, t: number) => void;

interface Case {
  name: string;
  make: () => Optimizer;
  hyper: Hyper;
  /** The learning rate at step t (1-based), when it is not constant. */
  lrAt?: (t: number) => number;
  slots: number;
  initial?: number;
  decoupled?: boolean;
  rule: ReferenceRule;
  /** Whether the rule names a fused kernel (so the plain backend must call update). */
  fused: boolean;
}

const each = (n: number, f: (i: number) => void) => {
  for (let i = 0; i < n; i++) f(i);
};

const sgd: ReferenceRule = (w, g, _s, lr) => each(w.length, (i) => (w[i]! -= lr * g[i]!));

const momentum =
  (mu: number, nesterov: boolean): ReferenceRule =>
  (w, g, [v], lr) =>
    each(w.length, (i) => {
      v![i] = mu * v![i]! - lr * g[i]!;
      w[i]! += nesterov ? mu * v![i]! - lr * g[i]! : v![i]!;
    });

const adagrad =
  (eps: number): ReferenceRule =>
  (w, g, [h], lr) =>
    each(w.length, (i) => {
      h![i]! += g[i]! ** 2;
      w[i]! -= (lr * g[i]!) / (Math.sqrt(h![i]!) + eps);
    });

const rmsprop =
  (rho: number, eps: number): ReferenceRule =>
  (w, g, [v], lr) =>
    each(w.length, (i) => {
      v![i] = rho * v![i]! + (1 - rho) * g[i]! ** 2;
      w[i]! -= (lr * g[i]!) / (Math.sqrt(v![i]!) + eps);
    });

/** Adam as Algorithm 1 of Kingma & Ba states it (bias-corrected moments; the code folds them). */
const adam =
  (b1: number, b2: number, eps: number): ReferenceRule =>
  (w, g, [m, v], lr, t) =>
    each(w.length, (i) => {
      m![i] = b1 * m![i]! + (1 - b1) * g[i]!;
      v![i] = b2 * v![i]! + (1 - b2) * g[i]! ** 2;
      const mHat = m![i]! / (1 - b1 ** t);
      const vHat = v![i]! / (1 - b2 ** t);
      w[i]! -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    });

const adamax =
  (b1: number, b2: number, eps: number): ReferenceRule =>
  (w, g, [m, u], lr, t) =>
    each(w.length, (i) => {
      m![i] = b1 * m![i]! + (1 - b1) * g[i]!;
      u![i] = Math.max(b2 * u![i]!, Math.abs(g[i]!));
      w[i]! -= ((lr / (1 - b1 ** t)) * m![i]!) / (u![i]! + eps);
    });

/** Keras' Nadam, with the momentum products multiplied out afresh each step. */
const nadam =
  (b1: number, b2: number, eps: number): ReferenceRule =>
  (w, g, [m, v], lr, t) => {
    const mu = (s: number) => b1 * (1 - 0.5 * 0.96 ** (0.004 * s));
    let product = 1;
    for (let s = 1; s <= t; s++) product *= mu(s);
    const productNext = product * mu(t + 1);
    each(w.length, (i) => {
      m![i] = b1 * m![i]! + (1 - b1) * g[i]!;
      v![i] = b2 * v![i]! + (1 - b2) * g[i]! ** 2;
      const mHat = (mu(t + 1) * m![i]!) / (1 - productNext) + ((1 - mu(t)) * g[i]!) / (1 - product);
      const vHat = v![i]! / (1 - b2 ** t);
      w[i]! -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    });
  };

const CASES: Case[] = [
  {
    name: 'SGD',
    make: () => new SGD({ learningRate: 0.1 }),
    hyper: { lr: 0.1 },
    slots: 0,
    rule: sgd,
    fused: true,
  },
  {
    name: 'SGD + momentum',
    make: () => new SGD({ learningRate: 0.1, momentum: 0.9 }),
    hyper: { lr: 0.1 },
    slots: 1,
    rule: momentum(0.9, false),
    fused: true,
  },
  {
    name: 'SGD + Nesterov',
    make: () => new SGD({ learningRate: 0.1, momentum: 0.8, nesterov: true }),
    hyper: { lr: 0.1 },
    slots: 1,
    rule: momentum(0.8, true),
    fused: true,
  },
  {
    name: 'Adagrad',
    make: () => new Adagrad({ learningRate: 0.1, epsilon: 1e-3 }),
    hyper: { lr: 0.1 },
    slots: 1,
    initial: 0.1,
    rule: adagrad(1e-3),
    fused: true,
  },
  {
    name: 'RMSprop',
    make: () => new RMSprop({ learningRate: 0.01, rho: 0.8 }),
    hyper: { lr: 0.01 },
    slots: 1,
    rule: rmsprop(0.8, 1e-7),
    fused: true,
  },
  {
    name: 'Adam',
    make: () => new Adam({ learningRate: 0.05, beta1: 0.8, beta2: 0.9, epsilon: 1e-3 }),
    hyper: { lr: 0.05 },
    slots: 2,
    rule: adam(0.8, 0.9, 1e-3),
    fused: true,
  },
  {
    name: 'AdamW',
    make: () => new AdamW({ learningRate: 0.05, weightDecay: 0.5 }),
    hyper: { lr: 0.05, weightDecay: 0.5 },
    slots: 2,
    decoupled: true,
    rule: adam(0.9, 0.999, 1e-7),
    fused: true,
  },
  {
    name: 'Adamax',
    make: () => new Adamax({ learningRate: 0.05, beta1: 0.8, beta2: 0.9, epsilon: 1e-3 }),
    hyper: { lr: 0.05 },
    slots: 2,
    rule: adamax(0.8, 0.9, 1e-3),
    fused: false,
  },
  {
    name: 'Nadam',
    make: () => new Nadam({ learningRate: 0.05, beta2: 0.9 }),
    hyper: { lr: 0.05 },
    slots: 2,
    rule: nadam(0.9, 0.9, 1e-7),
    fused: false,
  },
  // Decay and clipping, done with ops before the rule (fused or not) sees the gradient.
  {
    name: 'SGD + coupled weight decay',
    make: () => new SGD({ learningRate: 0.1, weightDecay: 0.3 }),
    hyper: { lr: 0.1, weightDecay: 0.3 },
    slots: 0,
    rule: sgd,
    fused: true,
  },
  {
    name: 'SGD + momentum + clipValue',
    make: () => new SGD({ learningRate: 0.1, momentum: 0.5, clipValue: 0.4 }),
    hyper: { lr: 0.1, clipValue: 0.4 },
    slots: 1,
    rule: momentum(0.5, false),
    fused: true,
  },
  {
    name: 'Adam + clipNorm (global)',
    make: () => new Adam({ learningRate: 0.05, clipNorm: 0.5 }),
    hyper: { lr: 0.05, clipNorm: 0.5 },
    slots: 2,
    rule: adam(0.9, 0.999, 1e-7),
    fused: true,
  },
  {
    name: 'Adamax + decay + clipValue + clipNorm',
    make: () => new Adamax({ learningRate: 0.05, weightDecay: 0.1, clipValue: 0.6, clipNorm: 1.5 }),
    hyper: { lr: 0.05, weightDecay: 0.1, clipValue: 0.6, clipNorm: 1.5 },
    slots: 2,
    rule: adamax(0.9, 0.999, 1e-7),
    fused: false,
  },
  {
    name: 'RMSprop on an exponential-decay schedule',
    make: () =>
      new RMSprop({
        learningRate: exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }),
      }),
    hyper: { lr: 0.1 },
    lrAt: (t) => 0.1 * 0.5 ** (t - 1),
    slots: 1,
    rule: rmsprop(0.9, 1e-7),
    fused: true,
  },
];

/** Parameter shapes: odd sizes, so SIMD kernels run their scalar tails too. */
const SHAPES = [[3, 5], [7], [1]];
const STEPS = 3;

/** Deterministic float32 values in about [−1.5, 1.5] (one exact zero, so a zero gradient is covered). */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) =>
    i === 2 ? 0 : Math.fround(1.5 * Math.sin(1.7 * i + 2.3 * seed + 0.4)),
  );
}

const initialWeights = () =>
  SHAPES.map((s, k) =>
    values(
      s.reduce((a, b) => a * b, 1),
      100 + k,
    ),
  );
const gradientsAt = (step: number) =>
  SHAPES.map((s, k) =>
    values(
      s.reduce((a, b) => a * b, 1),
      10 * step + k,
    ),
  );

/** The float64 reference run: the weights after each step, all parameters end to end. */
function reference(c: Case): number[][] {
  const w = initialWeights().flat();
  const slots = Array.from({ length: c.slots }, () => new Array<number>(w.length).fill(c.initial ?? 0));
  const history: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    const g = gradientsAt(t).flat();
    const { weightDecay = 0, clipValue, clipNorm } = c.hyper;
    if (weightDecay > 0 && !c.decoupled) each(g.length, (i) => (g[i]! += weightDecay * w[i]!));
    if (clipValue !== undefined)
      each(g.length, (i) => (g[i] = Math.min(clipValue, Math.max(-clipValue, g[i]!))));
    if (clipNorm !== undefined) {
      const norm = Math.sqrt(g.reduce((a, x) => a + x * x, 0));
      if (norm > clipNorm) each(g.length, (i) => (g[i]! *= clipNorm / norm));
    }
    const lr = c.lrAt ? c.lrAt(t) : c.hyper.lr;
    // Decoupled decay comes first, as in torch.optim.AdamW and Keras 3.
    if (c.decoupled) each(w.length, (i) => (w[i]! *= 1 - lr * weightDecay));
    c.rule(w, g, slots, lr, t);
    history.push([...w]);
  }
  return history;
}

/** The library's run on the backend called `backend`: the weights after each step. */
function run(c: Case, backend: string): number[][] {
  const previous = getBackend().name;
  setBackend(backend);
  try {
    const leaves = initialWeights().map((v, k) => leafOf(tensor(v).reshape(SHAPES[k]!)));
    const opt = c.make();
    const history: number[][] = [];
    for (let t = 1; t <= STEPS; t++) {
      gradientsAt(t).forEach((g, k) => {
        leaves[k]!.grad = tensor(g).reshape(SHAPES[k]!);
      });
      opt.step(leaves);
      opt.zeroGrad();
      history.push(leaves.flatMap((p) => Array.from(p.dataSync())));
    }
    return history;
  } finally {
    setBackend(previous);
  }
}

/** A parameter: a leaf that takes gradients, holding `t`'s values. */
function leafOf(t: Tensor): Tensor {
  const d = t.detach();
  d.requiresGrad = true;
  return d;
}

// ---- the tests -------------------------------------------------------------------------------------

describeEachBackend('optimisers: fused kernel and op version', () => {
  let plain = '';
  let opsOnly = '';
  let spied = '';
  let updateCalls = 0;
  before(() => {
    const backend = getBackend();
    plain = backend.name;
    // The same backend without the fused update: every optimiser runs its op version.
    opsOnly = `${plain}-without-update`;
    registerBackend({ ...backend, name: opsOnly, update: undefined } satisfies Backend);
    // …and one that counts fused calls, to show the plain backend really takes the fast path.
    spied = `${plain}-counting-update`;
    const update = backend.update!;
    registerBackend({
      ...backend,
      name: spied,
      update: (...args) => {
        updateCalls++;
        update(...args);
      },
    } satisfies Backend);
  });

  for (const c of CASES) {
    it(`${c.name}: both paths agree with the float64 reference for ${STEPS} steps`, () => {
      const expected = reference(c);
      const fused = run(c, plain);
      const ops = run(c, opsOnly);
      for (let t = 0; t < STEPS; t++) {
        assertClose(fused[t]!, expected[t]!, 2e-6, 2e-5);
        assertClose(ops[t]!, expected[t]!, 2e-6, 2e-5);
        // The two float32 paths round alike to within a few ulps.
        assertClose(ops[t]!, fused[t]!, 5e-7, 5e-6);
      }
    });
  }

  it('the fused kernel runs when the rule names one and the backend has update; otherwise the ops do', () => {
    for (const c of CASES) {
      updateCalls = 0;
      run(c, spied);
      assert.equal(updateCalls, c.fused ? STEPS * SHAPES.length : 0, c.name);
    }
  });

  it('the op version keeps its state across getState/setState like the fused one', () => {
    for (const make of [() => new Adam({ learningRate: 0.05 }), () => new Nadam({ learningRate: 0.05 })]) {
      for (const backend of [plain, opsOnly]) {
        const previous = getBackend().name;
        setBackend(backend);
        try {
          const w = leafOf(tensor([1, -2, 3]));
          const first = make();
          for (const g of [
            [0.5, 1, -1],
            [0.2, -0.4, 0.3],
          ]) {
            w.grad = tensor(g);
            first.step([w]);
          }
          const saved = first.getState([w]);
          const snapshot = Array.from(w.dataSync());
          // Two copies continue from the same point: the original and a fresh one given its state.
          const w2 = leafOf(tensor(snapshot));
          const second = make();
          second.setState([w2], saved);
          w.grad = tensor([1, 1, -2]);
          w2.grad = tensor([1, 1, -2]);
          first.step([w]);
          second.step([w2]);
          assert.deepEqual(
            Array.from(w2.dataSync()),
            Array.from(w.dataSync()),
            `${first.className} on ${backend}`,
          );
        } finally {
          setBackend(previous);
        }
      }
    }
  });

  it('learningRate is settable on a constant rate and refused, naming it, on a schedule', () => {
    const opt = new SGD({ learningRate: 0.1 });
    opt.learningRate = 0.5;
    assert.equal(opt.learningRate, 0.5);
    assert.equal(opt.getConfig().config.learningRate, 0.5);
    const w = leafOf(tensor([1]));
    w.grad = tensor([2]);
    opt.step([w]);
    assertClose(w.item(), 0); // 1 − 0.5·2
    assert.throws(() => {
      opt.learningRate = -1;
    }, /SGD: learningRate must be a positive number, got.*-1/);
    assert.throws(() => {
      opt.learningRate = Number.NaN;
    }, ArgumentError);
    const scheduled = new Adam({ learningRate: stepDecay({ initialLearningRate: 1, stepSize: 2 }) });
    assert.throws(
      () => {
        scheduled.learningRate = 0.01;
      },
      (e: unknown) =>
        e instanceof ArgumentError && /Adam: learningRate is set by its schedule stepDecay/.test(e.message),
    );
    assert.equal(scheduled.learningRate, 1);
  });

  it('refuses a gradient whose size is not the parameter’s, naming both shapes', () => {
    const w = leafOf(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    w.grad = tensor([1, 2, 3]);
    assert.throws(
      () => new SGD().step([w]),
      (e: unknown) => e instanceof ShapeError && /\[2, ?2\].*\[3\]/.test(e.message),
    );
    // The same values in another shape are taken in the parameter's shape.
    w.grad = tensor([1, 1, 1, 1]);
    new SGD({ learningRate: 0.5 }).step([w]);
    assertClose(w, [
      [0.5, 1.5],
      [2.5, 3.5],
    ]);
  });

  it('Adamax and Nadam resolve by name and round-trip their config', () => {
    for (const name of ['adamax', 'nadam'] as const) {
      const opt = getOptimizer(name);
      const again = getOptimizer(opt.getConfig());
      assert.equal(again.className, opt.className);
      assert.deepEqual(again.getConfig(), opt.getConfig());
    }
    assert.ok(getOptimizer({ className: 'Nadam', config: { beta_1: 0.8 } }) instanceof Nadam);
    assert.throws(() => new Adamax({ beta1: 1 }), /Adamax: beta1 must be/);
  });
});
