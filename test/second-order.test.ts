/**
 * Second-order gradients of every differentiable op of the autodiff core: gradgradcheck compares
 * the double backward (rules recorded with createGraph) with float64 central differences of the
 * first-order gradient — on each backend (analytic side in float32) and on the float64 checking
 * backend 'ts64' (analytic side in float64, tight tolerance). Prints a table of the worst errors.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  backendByName,
  Conv2D,
  Dense,
  type GradgradcheckOptions,
  getBackend,
  gradgradcheck,
  matmulTransposed,
  noGrad,
  randn,
  type Tensor,
  tensor,
} from '../src/index.js';
import { biasActivation as biasActivationOp } from '../src/ops/bias-activation.js';
import { softmaxCrossEntropy as softmaxCrossEntropyOp } from '../src/ops/softmax-cross-entropy.js';
import { describeEachBackend } from './helpers.js';

type Case = [
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: () => Tensor[],
  options?: GradgradcheckOptions,
];

let seed = 500;
const r = (...shape: number[]): Tensor => randn(shape, { seed: seed++ });
/** Values at least 0.3 away from 0, for ops with a kink or pole there. */
const away = (...shape: number[]): Tensor =>
  noGrad(() => {
    const x = r(...shape);
    return x.add(x.sign().mul(0.3));
  });
const positive = (...shape: number[]): Tensor =>
  noGrad(() =>
    r(...shape)
      .abs()
      .add(0.5),
  );
/** In (−1.2, 1.2): tan stays far from its poles. */
const small = (...shape: number[]): Tensor =>
  noGrad(() =>
    r(...shape)
      .tanh()
      .mul(1.2),
  );
/** Rows of positive weights summing to 1 (soft labels). */
const soft = (...shape: number[]): Tensor => noGrad(() => r(...shape).softmax(-1));

const cases: Case[] = [
  // Element-wise binary ops, with broadcasting.
  ['add [3,4]+[4]', (a, b) => a.add(b), () => [r(3, 4), r(4)]],
  ['sub [2,3]-[]', (a, b) => a.sub(b), () => [r(2, 3), r()]],
  ['mul [2,3,4]*[3,1]', (a, b) => a.mul(b), () => [r(2, 3, 4), r(3, 1)]],
  ['mul same tensor (x·x)', (a) => a.mul(a), () => [r(3, 4)]],
  ['div [3,4]/[4]', (a, b) => a.div(b), () => [r(3, 4), away(4)]],
  ['pow tensor^tensor', (a, b) => a.pow(b), () => [positive(3, 3), r(3, 3)]],
  ['pow tensor^3', (a) => a.pow(3), () => [r(2, 5)]],
  ['maximum [3,4],[4]', (a, b) => a.maximum(b).square(), () => [r(3, 4), r(4)]],
  ['minimum', (a, b) => a.minimum(b).square(), () => [r(3, 4), r(3, 4)]],
  // Element-wise unary ops and activations.
  ['neg', (a) => a.neg(), () => [r(4)]],
  ['exp', (a) => a.exp(), () => [r(3, 4)]],
  ['log', (a) => a.log(), () => [positive(3, 4)]],
  ['sqrt', (a) => a.sqrt(), () => [positive(3, 4)]],
  ['abs', (a) => a.abs().square(), () => [away(3, 4)]],
  ['square', (a) => a.square(), () => [r(3, 4)]],
  ['sign (zero gradient)', (a) => a.sign().mul(a), () => [away(3, 4)]],
  ['clip', (a) => a.clip(-0.5, 0.5).square(), () => [noGrad(() => tensor([-1.3, -0.2, 0.1, 0.45, 0.9, 2]))]],
  ['sigmoid', (a) => a.sigmoid(), () => [r(3, 4)]],
  ['tanh', (a) => a.tanh(), () => [r(3, 4)]],
  ['relu', (a) => a.relu().square(), () => [away(3, 4)]],
  ['leakyRelu', (a) => a.leakyRelu(0.1).square(), () => [away(3, 4)]],
  ['elu', (a) => a.elu(0.7), () => [away(3, 4)]],
  ['softplus', (a) => a.softplus(), () => [r(3, 4)]],
  ['sin', (a) => a.sin(), () => [r(3, 4)]],
  ['cos', (a) => a.cos(), () => [r(3, 4)]],
  ['tan', (a) => a.tan(), () => [small(3, 4)]],
  ['exp2', (a) => a.exp2(), () => [r(3, 4)]],
  ['log2', (a) => a.log2(), () => [positive(3, 4)]],
  ['log1p', (a) => a.log1p(), () => [positive(3, 4)]],
  ['expm1', (a) => a.expm1(), () => [r(3, 4)]],
  ['reciprocal', (a) => a.reciprocal(), () => [away(3, 4)]],
  ['rsqrt', (a) => a.rsqrt(), () => [positive(3, 4)]],
  ['erf', (a) => a.erf(), () => [r(3, 4)]],
  [
    'floor, ceil, round (zero gradient)',
    (a) => a.floor().add(a.ceil()).add(a.round()).mul(a),
    () => [r(3, 4)],
  ],
  // Softmax family.
  ['softmax axis -1', (a) => a.softmax(-1), () => [r(3, 5)]],
  ['softmax axis 0', (a) => a.softmax(0), () => [r(3, 5)]],
  ['softmax [2,3,4] axis 1', (a) => a.softmax(1), () => [r(2, 3, 4)]],
  ['logSoftmax', (a) => a.logSoftmax(), () => [r(4, 6)]],
  ['logSoftmax axis 0', (a) => a.logSoftmax(0), () => [r(4, 6)]],
  [
    'softmaxCrossEntropy (logits and soft labels)',
    (z, y) => softmaxCrossEntropyOp(z, y),
    () => [r(3, 5), soft(3, 5)],
  ],
  ['softmaxCrossEntropy [2,3,4]', (z, y) => softmaxCrossEntropyOp(z, y), () => [r(2, 3, 4), soft(2, 3, 4)]],
  // Bias + activation, fused.
  ['biasActivation linear', (x, b) => biasActivationOp(x, b, 'linear').square(), () => [r(3, 4), r(4)]],
  ['biasActivation sigmoid', (x, b) => biasActivationOp(x, b, 'sigmoid'), () => [r(3, 4), r(4)]],
  ['biasActivation tanh', (x, b) => biasActivationOp(x, b, 'tanh'), () => [r(3, 4), r(4)]],
  ...(['relu', 'leakyRelu', 'elu'] as const).map(
    (act): Case => [
      `biasActivation ${act}`,
      (x, b) => biasActivationOp(x, b, act).square(),
      () => [away(3, 4), noGrad(() => r(4).mul(0.05))],
    ],
  ),
  // Reductions.
  ['sum all', (a) => a.sum().square(), () => [r(3, 4)]],
  ['sum axis 0', (a) => a.sum(0).square(), () => [r(3, 4)]],
  ['sum axes [0,2] keepdims', (a) => a.sum([0, 2], true).square(), () => [r(2, 3, 4)]],
  ['mean axis -1', (a) => a.mean(-1).square(), () => [r(3, 4)]],
  ['mean all', (a) => a.mean().exp(), () => [r(3, 4)]],
  ['max axis 1', (a) => a.max(1).square(), () => [r(3, 4)]],
  ['max all', (a) => a.max().square(), () => [r(3, 4)]],
  ['min axis 0 keepdims', (a) => a.min(0, true).square(), () => [r(3, 4)]],
  // Matrix products.
  ['matmul 2-D', (a, b) => a.matmul(b), () => [r(3, 4), r(4, 5)]],
  ['matmul 2-D, squared', (a, b) => a.matmul(b).square(), () => [r(3, 4), r(4, 5)]],
  ['matmul batched', (a, b) => a.matmul(b).square(), () => [r(2, 3, 4), r(2, 4, 5)]],
  ['matmul [2,3,4]·[4,5] (broadcast)', (a, b) => a.matmul(b).square(), () => [r(2, 3, 4), r(4, 5)]],
  ['matmul [4]·[4,3]', (a, b) => a.matmul(b).square(), () => [r(4), r(4, 3)]],
  ['matmul [3,4]·[4]', (a, b) => a.matmul(b).square(), () => [r(3, 4), r(4)]],
  ['matmul Aᵀ·B', (a, b) => matmulTransposed(a, b, true, false).square(), () => [r(4, 3), r(4, 5)]],
  ['matmul A·Bᵀ', (a, b) => matmulTransposed(a, b, false, true).square(), () => [r(3, 4), r(5, 4)]],
  [
    'matmul Aᵀ·Bᵀ batched',
    (a, b) => matmulTransposed(a, b, true, true).square(),
    () => [r(2, 4, 3), r(2, 5, 4)],
  ],
  ['matmul x·xᵀ (one input twice)', (a) => matmulTransposed(a, a, false, true), () => [r(3, 4)]],
  // Compositions: a small network and its loss.
  [
    'dense tanh layer + softmax cross-entropy',
    (x, w, b) =>
      softmaxCrossEntropyOp(
        biasActivationOp(x.matmul(w), b, 'tanh'),
        tensor([
          [1, 0, 0],
          [0, 0, 1],
        ]),
      ),
    () => [r(2, 4), r(4, 3), r(3)],
  ],
];

const table: string[] = [];
after(() => {
  console.log('# gradgradcheck: worst |analytic − numeric| / max(1, |a|, |n|) per op');
  for (const line of table) console.log(`# ${line}`);
});

function check(
  fixedLabel: string | null,
  [name, f, inputs, options]: Case,
  move: (t: Tensor) => Tensor,
): void {
  it(name, () => {
    const label = fixedLabel ?? getBackend().name;
    const xs = inputs().map(move);
    const result = gradgradcheck(f, xs, options);
    table.push(
      `[${label}] ${name.padEnd(48)} ${result.maxError.toExponential(2)}  (${result.checked} elements)`,
    );
    assert.ok(
      result.ok,
      `${name}: max error ${result.maxError} at ${JSON.stringify(result.worst)} (${result.checked} elements)`,
    );
    assert.ok(result.checked > 0);
  });
}

describeEachBackend('gradgradcheck: every op of the autodiff core', () => {
  for (const c of cases) check(null, c, (t) => t);
});

describe('gradgradcheck in float64 (inputs on ts64)', () => {
  const ts64 = backendByName('ts64');
  for (const c of cases) {
    const [name, f, inputs, options] = c;
    check('ts64', [name, f, inputs, { ...options, tolerance: 1e-6 }], (t) => t.to(ts64.name));
  }
});

describeEachBackend('gradgradcheck through layers (weights on the backend, reference on ts64)', () => {
  it('Dense and Conv2D pass by default; their weights come back bit for bit, on their backend', () => {
    const c = tensor([0.5, -2]); // a constant made outside f: moved for the check as well
    const cases: Array<[Dense | Conv2D, Tensor]> = [
      [new Dense({ units: 2, activation: 'tanh' }), randn([2, 3], { seed: 5 })],
      [new Conv2D({ filters: 2, kernelSize: 2, activation: 'tanh' }), randn([1, 4, 4, 2], { seed: 6 })],
    ];
    for (const [layer, x] of cases) {
      const f = (t: Tensor): Tensor => (layer.apply(t) as Tensor).mul(c).square().sum();
      f(x); // builds the weights on this backend
      const before = [...layer.weights.map((w) => w.tensor), c].map((t) => ({
        t,
        storage: t.storage,
        values: t.dataSync(),
      }));
      const result = gradgradcheck(f, [x]);
      assert.ok(
        result.ok,
        `${layer.className}: max error ${result.maxError} at ${JSON.stringify(result.worst)}`,
      );
      for (const { t, storage, values } of before) {
        assert.equal(t.backend.name, getBackend().name);
        assert.equal(t.storage, storage);
        assert.deepEqual(t.dataSync(), values);
        assert.equal(t.grad, null);
      }
    }
  });
});
