import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  Adagrad,
  Adam,
  AdamW,
  cosineDecay,
  exponentialDecay,
  getOptimizer,
  type Optimizer,
  RMSprop,
  randn,
  SGD,
  stepDecay,
  type Tensor,
  tensor,
} from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

/** One parameter w = 1 with gradient g; returns w after each of `steps` steps. */
function run(opt: Optimizer, grads: number[], w0 = 1): number[] {
  const w = tensor([w0], { requiresGrad: true });
  return grads.map((g) => {
    w.grad = tensor([g]);
    opt.step([w]);
    opt.zeroGrad();
    return w.item();
  });
}

describeEachBackend('optimisers', () => {
  it('apply the textbook update rules', () => {
    assertClose(run(new SGD({ learningRate: 0.1 }), [0.5]), [0.95]);
    assertClose(run(new SGD({ learningRate: 0.1, momentum: 0.9 }), [0.5, 0.5]), [0.95, 0.855]);
    assertClose(run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [0.5]), [0.905]);
    assertClose(run(new Adagrad(), [0.5]), [1 - (0.001 * 0.5) / (Math.sqrt(0.35) + 1e-7)]);
    assertClose(run(new RMSprop(), [0.5]), [1 - (0.001 * 0.5) / (Math.sqrt(0.025) + 1e-7)]);
    // Adam's first step is ±lr whatever the gradient's size (bias correction).
    assertClose(run(new Adam(), [0.5]), [0.999], 1e-6);
    assertClose(run(new Adam({ learningRate: 0.01 }), [-20]), [1.01], 1e-6);
    // AdamW: w·(1 − lr·wd), then the Adam step (not (1 − 0.01)·(1 − 0.001) = 0.98901).
    assertClose(
      run(new AdamW({ learningRate: 0.01, weightDecay: 0.1 }), [0.5]),
      [1 * (1 - 0.001) - 0.01],
      1e-6,
      0,
    );
    // Coupled L2 decay adds wd·w to the gradient: 0.1·(0.5 + 0.2·1).
    assertClose(run(new SGD({ learningRate: 0.1, weightDecay: 0.2 }), [0.5]), [0.93]);
  });

  it('AdamW decays before the Adam step, matching torch.optim.AdamW', () => {
    // f = Σ c·w³/3 + w for 5 steps, lr 0.1, wd 0.2, ε 1e-7 (torch's own run: the probe's
    // torch-opt.py). Decaying after the step instead gives w[0] = −0.01548.
    const w0 = [0.5, -1.2, 2.0, 0.0, 3.3];
    const c = [1, 2, 0.5, -3, 0.1];
    const torch = [
      -0.02497836947441101, -1.5672560930252075, 1.3331788778305054, -0.4732140600681305, 2.5052499771118164,
    ];
    const w = tensor(w0, { requiresGrad: true });
    const opt = new AdamW({ learningRate: 0.1, weightDecay: 0.2 });
    for (let i = 0; i < 5; i++) {
      w.mul(w).mul(w).mul(tensor(c)).div(3).add(w).sum().backward();
      opt.step([w]);
      opt.zeroGrad();
    }
    const got = Array.from(w.dataSync());
    assertClose(got, torchAdamW(w0, c, { lr: 0.1, wd: 0.2, steps: 5 }), 1e-5, 1e-5);
    assertClose(got, torch, 1e-5, 1e-5);
  });

  it('clip gradients by value and by global norm', () => {
    assertClose(run(new SGD({ learningRate: 1, clipValue: 0.1 }), [5]), [0.9]);
    const a = tensor([0], { requiresGrad: true });
    const b = tensor([0], { requiresGrad: true });
    a.grad = tensor([3]);
    b.grad = tensor([4]); // global norm 5 → scaled to norm 1
    new SGD({ learningRate: 1, clipNorm: 1 }).step([a, b]);
    assertClose([a.item(), b.item()], [-0.6, -0.8]);
  });

  it('follow learning-rate schedules step by step', () => {
    const s = stepDecay({ initialLearningRate: 1, stepSize: 2, gamma: 0.5 });
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => s.at(i)),
      [1, 1, 0.5, 0.5, 0.25],
    );
    const e = exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.1 });
    assertClose(e.at(5), Math.sqrt(0.1));
    const c = cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 0.1 });
    assertClose([c.at(0), c.at(5), c.at(10), c.at(20)], [1, 0.55, 0.1, 0.1]);
    const opt = new SGD({ learningRate: s });
    assertClose(run(opt, [1, 1, 1]), [0, -1, -1.5]);
  });

  it('skip parameters without a gradient and keep state per parameter', () => {
    const opt = new SGD({ learningRate: 0.1, momentum: 0.5 });
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    a.grad = tensor([1]);
    opt.step([a, b]);
    assert.equal(b.item(), 1);
    assertClose(a.item(), 0.9);
  });

  it('resolve by name and reject bad settings', () => {
    assert.ok(getOptimizer('adam') instanceof Adam);
    assert.equal((getOptimizer('momentum') as SGD).momentum, 0.9);
    assert.throws(() => getOptimizer('lbfgs' as never), /unknown optimizer 'lbfgs'/);
    assert.throws(() => new SGD({ learningRate: -1 }), /learningRate must be a positive number/);
  });

  it('every optimiser lowers the loss of the same least-squares problem', () => {
    const X = randn([64, 4], { seed: 1 });
    const Y = X.matmul(tensor([[1], [-2], [0.5], [3]]));
    const makers: Array<[string, () => Optimizer]> = [
      ['sgd', () => new SGD({ learningRate: 0.05 })],
      ['momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9 })],
      ['nesterov', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
      ['adagrad', () => new Adagrad({ learningRate: 0.1 })],
      ['rmsprop', () => new RMSprop({ learningRate: 0.05 })],
      ['adam', () => new Adam({ learningRate: 0.05 })],
      ['adamw', () => new AdamW({ learningRate: 0.05 })],
    ];
    for (const [name, make] of makers) {
      const w = tensor([[0], [0], [0], [0]], { requiresGrad: true });
      const opt = make();
      const loss = (): Tensor => X.matmul(w).sub(Y).square().mean();
      const first = loss().item();
      for (let i = 0; i < 100; i++) {
        loss().backward();
        opt.step([w]);
        opt.zeroGrad();
      }
      const last = loss().item();
      assert.ok(last < first * 0.2, `${name}: loss ${first} → ${last}`);
    }
  });
});

/**
 * torch.optim.AdamW's algorithm in float64 (torch/optim/adamw.py, single-tensor path) for
 * f = Σ c·w³/3 + w: w ← w·(1 − lr·wd); m, v updated; w ← w − lr/(1−β1ᵗ)·m/(√v/√(1−β2ᵗ) + ε).
 */
function torchAdamW(w0: number[], c: number[], o: { lr: number; wd: number; steps: number }): number[] {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-7];
  const w = w0.slice();
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  for (let t = 1; t <= o.steps; t++) {
    for (let i = 0; i < w.length; i++) {
      const g = c[i]! * w[i]! * w[i]! + 1;
      w[i]! *= 1 - o.lr * o.wd;
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - beta2 ** t) + eps;
      w[i]! -= (o.lr / (1 - beta1 ** t)) * (m[i]! / denom);
    }
  }
  return w;
}
