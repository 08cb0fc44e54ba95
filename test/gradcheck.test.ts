/**
 * Every differentiable op against central differences, including broadcasting, batched matmul,
 * axis reductions and the non-default axes of softmax. Prints a table of the worst errors.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  avgPool2d,
  BatchNormalization,
  Conv2D,
  concat,
  conv2d,
  eye,
  GlobalAveragePooling2D,
  type GradcheckOptions,
  getBackend,
  gradcheck,
  manualSeed,
  matmulTransposed,
  maxPool2d,
  noGrad,
  Rng,
  randn,
  stack,
  type Tensor,
  tensor,
} from '../src/index.js';
import { biasActivation } from '../src/ops/bias-activation.js';
import { softmaxCrossEntropy } from '../src/ops/softmax-cross-entropy.js';
import { describeEachBackend } from './helpers.js';

type Case = [
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: () => Tensor[],
  options?: GradcheckOptions,
];

let seed = 100;
const r = (...shape: number[]): Tensor => randn(shape, { seed: seed++ });
/** Values at least 0.2 away from 0, for ops with a kink or pole there. */
const away = (...shape: number[]): Tensor =>
  noGrad(() => {
    const x = r(...shape);
    return x.add(x.sign().mul(0.3));
  });
/** Values 0.1 apart in random order: no near-ties for max pooling's finite differences to cross. */
const distinct = (...shape: number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = new Rng(seed++).permutation(n);
  return tensor(
    Float32Array.from(order, (v) => (v - n / 2) * 0.1),
    { shape },
  );
};
const positive = (...shape: number[]): Tensor =>
  noGrad(() =>
    r(...shape)
      .abs()
      .add(0.5),
  );

const cases: Case[] = [
  ['add', (a, b) => a.add(b), () => [r(3, 4), r(3, 4)]],
  ['add [3,4]+[4]', (a, b) => a.add(b), () => [r(3, 4), r(4)]],
  ['add [3,1]+[1,4]', (a, b) => a.add(b), () => [r(3, 1), r(1, 4)]],
  ['add number', (a) => a.add(2.5), () => [r(2, 3)]],
  ['sub [2,3]-[]', (a, b) => a.sub(b), () => [r(2, 3), r()]],
  ['mul [2,3,4]*[3,1]', (a, b) => a.mul(b), () => [r(2, 3, 4), r(3, 1)]],
  ['div', (a, b) => a.div(b), () => [r(3, 4), away(3, 4)]],
  ['div [4]/[3,1]', (a, b) => a.div(b), () => [r(4), away(3, 1)]],
  ['pow tensor^tensor', (a, b) => a.pow(b), () => [positive(3, 3), r(3, 3)]],
  ['pow tensor^3', (a) => a.pow(3), () => [r(2, 5)]],
  ['neg', (a) => a.neg(), () => [r(4)]],
  ['exp', (a) => a.exp(), () => [r(3, 4)]],
  ['log', (a) => a.log(), () => [positive(3, 4)]],
  ['sqrt', (a) => a.sqrt(), () => [positive(3, 4)]],
  ['abs', (a) => a.abs(), () => [away(3, 4)]],
  ['square', (a) => a.square(), () => [r(3, 4)]],
  ['maximum [3,4],[4]', (a, b) => a.maximum(b), () => [r(3, 4), r(4)]],
  ['minimum', (a, b) => a.minimum(b), () => [r(3, 4), r(3, 4)]],
  ['clip', (a) => a.clip(-0.5, 0.5), () => [noGrad(() => tensor([-1.3, -0.2, 0.1, 0.45, 0.9, 2]))]],
  ['sigmoid', (a) => a.sigmoid(), () => [r(3, 4)]],
  ['tanh', (a) => a.tanh(), () => [r(3, 4)]],
  ['relu', (a) => a.relu(), () => [away(3, 4)]],
  ['leakyRelu', (a) => a.leakyRelu(0.1), () => [away(3, 4)]],
  ['elu', (a) => a.elu(), () => [away(3, 4)]],
  ['softplus', (a) => a.softplus(), () => [r(3, 4)]],
  ['sin', (a) => a.sin(), () => [r(3, 4)]],
  ['cos', (a) => a.cos(), () => [r(3, 4)]],
  ['tan', (a) => a.tan(), () => [noGrad(() => r(3, 4).tanh())]],
  ['exp2', (a) => a.exp2(), () => [r(3, 4)]],
  ['log2', (a) => a.log2(), () => [positive(3, 4)]],
  ['log1p', (a) => a.log1p(), () => [positive(3, 4)]],
  ['expm1', (a) => a.expm1(), () => [r(3, 4)]],
  ['reciprocal', (a) => a.reciprocal(), () => [away(3, 4)]],
  ['rsqrt', (a) => a.rsqrt(), () => [positive(3, 4)]],
  ['erf', (a) => a.erf(), () => [r(3, 4)]],
  ['softmax axis -1', (a) => a.softmax(-1), () => [r(3, 5)]],
  ['softmax axis 0', (a) => a.softmax(0), () => [r(3, 5)]],
  ['softmax [2,3,4] axis 1', (a) => a.softmax(1), () => [r(2, 3, 4)]],
  ['logSoftmax', (a) => a.logSoftmax(), () => [r(4, 6)]],
  ['logSoftmax axis 0', (a) => a.logSoftmax(0), () => [r(4, 6)]],
  ['matmul 2-D', (a, b) => a.matmul(b), () => [r(3, 4), r(4, 5)]],
  ['matmul 6x9 · 9x7 (blocked rows + tail)', (a, b) => a.matmul(b), () => [r(6, 9), r(9, 7)]],
  ['matmul batched', (a, b) => a.matmul(b), () => [r(2, 3, 4), r(2, 4, 5)]],
  [
    'matmul 20×60·60×60 (packed kernel)',
    (a, b) => a.matmul(b),
    () => [r(20, 60), r(60, 60)],
    { maxElements: 150 },
  ],
  ['matmul [2,3,4]·[4,5]', (a, b) => a.matmul(b), () => [r(2, 3, 4), r(4, 5)]],
  ['matmul [3,4]·[2,4,5]', (a, b) => a.matmul(b), () => [r(3, 4), r(2, 4, 5)]],
  ['matmul [2,1,3,4]·[3,4,2]', (a, b) => a.matmul(b), () => [r(2, 1, 3, 4), r(3, 4, 2)]],
  ['matmul [4]·[4,3]', (a, b) => a.matmul(b), () => [r(4), r(4, 3)]],
  ['matmul [3,4]·[4]', (a, b) => a.matmul(b), () => [r(3, 4), r(4)]],
  ['matmul [4]·[4]', (a, b) => a.matmul(b), () => [r(4), r(4)]],
  ['matmul Aᵀ·B', (a, b) => matmulTransposed(a, b, true, false), () => [r(4, 3), r(4, 5)]],
  ['matmul A·Bᵀ batched', (a, b) => matmulTransposed(a, b, false, true), () => [r(2, 3, 4), r(5, 4)]],
  ['matmul Aᵀ·Bᵀ', (a, b) => matmulTransposed(a, b, true, true), () => [r(4, 3), r(5, 4)]],
  ['transpose', (a) => a.T, () => [r(3, 5)]],
  ['permute [2,3,4]→(2,0,1)', (a) => a.permute(2, 0, 1), () => [r(2, 3, 4)]],
  ['reshape', (a, b) => a.reshape(4, -1).mul(b), () => [r(2, 6), r(4, 3)]],
  ['flatten(1)', (a) => a.flatten(1), () => [r(2, 3, 2)]],
  ['expand [3,1]→[3,4]', (a) => a.expand([2, 3, 4]), () => [r(3, 1)]],
  ['slice rows 1..3', (a) => a.slice(1, 3), () => [r(4, 3)]],
  ['gather rows (repeats)', (a) => a.gather([2, 0, 2, 1]), () => [r(3, 4)]],
  ['gather axis 1', (a) => a.gather([3, 0], 1), () => [r(2, 4, 3)]],
  ['concat axis 0', (a, b) => concat([a, b], 0), () => [r(2, 3), r(4, 3)]],
  ['concat axis 1 (3 inputs, one reused)', (a, b) => concat([a, b, a], 1), () => [r(2, 3), r(2, 1)]],
  ['stack axis 1', (a, b) => stack([a, b], 1), () => [r(3, 2), r(3, 2)]],
  ['conv2d 3×3 valid', (x, w) => conv2d(x, w), () => [r(2, 5, 6, 3), r(3, 3, 3, 4)]],
  [
    'conv2d 3×3 same, stride 2, odd size',
    (x, w) => conv2d(x, w, { strides: 2, padding: 'same' }),
    () => [r(2, 7, 5, 2), r(3, 3, 2, 3)],
  ],
  ['conv2d 5×5 same', (x, w) => conv2d(x, w, { padding: 'same' }), () => [r(1, 6, 6, 2), r(5, 5, 2, 2)]],
  [
    'conv2d 4×4 same, strides [2,1]',
    (x, w) => conv2d(x, w, { strides: [2, 1], padding: 'same' }),
    () => [r(1, 7, 6, 1), r(4, 4, 1, 2)],
  ],
  ['conv2d 3×3 dilation 2', (x, w) => conv2d(x, w, { dilation: 2 }), () => [r(1, 7, 7, 2), r(3, 3, 2, 2)]],
  ['conv2d 5×5 valid stride 2', (x, w) => conv2d(x, w, { strides: 2 }), () => [r(2, 9, 8, 3), r(5, 5, 3, 2)]],
  ['maxPool2d 2 (odd size)', (x) => maxPool2d(x, 2), () => [distinct(2, 5, 5, 3)]],
  [
    'maxPool2d 3 stride 2 same',
    (x) => maxPool2d(x, 3, { strides: 2, padding: 'same' }),
    () => [distinct(1, 7, 6, 2)],
  ],
  ['avgPool2d 2', (x) => avgPool2d(x, 2), () => [r(2, 4, 6, 3)]],
  [
    'avgPool2d 3 stride 2 same',
    (x) => avgPool2d(x, 3, { strides: 2, padding: 'same' }),
    () => [r(1, 7, 5, 2)],
  ],
  ['sum all', (a) => a.sum(), () => [r(3, 4)]],
  ['sum axis 0', (a) => a.sum(0), () => [r(3, 4)]],
  ['sum axes [0,2] keepdims', (a) => a.sum([0, 2], true), () => [r(2, 3, 4)]],
  ['mean axis -1', (a) => a.mean(-1), () => [r(3, 4)]],
  ['mean all', (a) => a.mean(), () => [r(3, 4)]],
  ['max axis 1', (a) => a.max(1), () => [r(3, 4)]],
  ['max all', (a) => a.max(), () => [r(3, 4)]],
  ['min axis 0 keepdims', (a) => a.min(0, true), () => [r(3, 4)]],
  [
    'dense layer + cross-entropy',
    (x, w, b) =>
      x
        .matmul(w)
        .add(b)
        .logSoftmax()
        .mul(
          tensor([
            [1, 0, 0],
            [0, 0, 1],
          ]),
        )
        .sum()
        .neg(),
    () => [r(2, 4), r(4, 3), r(3)],
  ],
  [
    'two-layer sigmoid net, sum of squares',
    (w1, w2) =>
      tensor([
        [0, 0, 1],
        [1, 1, 1],
      ])
        .matmul(w1)
        .sigmoid()
        .matmul(w2)
        .sigmoid()
        .sub(tensor([[0], [1]]))
        .square()
        .sum()
        .mul(0.5),
    () => [r(3, 4), r(4, 1)],
  ],
];

/** One instance of a layer per backend (its weights live on the backend active when it was built). */
function perBackend<T>(make: () => T): () => T {
  const made = new Map<string, T>();
  return () => {
    const name = getBackend().name;
    if (!made.has(name)) made.set(name, make());
    return made.get(name)!;
  };
}
const bn = perBackend(() => new BatchNormalization({ epsilon: 1e-3 }));
const bn4 = perBackend(() => new BatchNormalization());
const gap = perBackend(() => new GlobalAveragePooling2D());
const convLayer = perBackend(() => {
  manualSeed(3);
  return new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' });
});
// Layers, with respect to their input (their weights' gradients go through the ops above).
cases.push(
  ['softmaxCrossEntropy one-hot', (z) => softmaxCrossEntropy(z, eye(4).gather([2, 0, 3])), () => [r(3, 4)]],
  [
    'softmaxCrossEntropy soft labels (both inputs)',
    (z, y) => softmaxCrossEntropy(z, y),
    () => [r(2, 3, 5), noGrad(() => r(2, 3, 5).softmax(-1))],
  ],
  ['biasActivation linear', (x, b) => biasActivation(x, b), () => [r(3, 5), r(5)]],
  ['biasActivation sigmoid', (x, b) => biasActivation(x, b, 'sigmoid'), () => [r(3, 5), r(5)]],
  ['biasActivation tanh [2,3,4]', (x, b) => biasActivation(x, b, 'tanh'), () => [r(2, 3, 4), r(4)]],
  ['biasActivation relu', (x, b) => biasActivation(x, b, 'relu'), () => [away(4, 6), r(6).mul(0.01)]],
  [
    'biasActivation leakyRelu',
    (x, b) => biasActivation(x, b, 'leakyRelu'),
    () => [away(4, 6), r(6).mul(0.01)],
  ],
  ['biasActivation elu', (x, b) => biasActivation(x, b, 'elu'), () => [away(4, 6), r(6).mul(0.01)]],
  ['BatchNormalization (training) [6,4]', (x) => bn().apply(x, { training: true }), () => [r(6, 4)]],
  [
    'BatchNormalization (training) [2,3,3,2]',
    (x) => bn4().apply(x, { training: true }),
    () => [r(2, 3, 3, 2)],
  ],
  ['GlobalAveragePooling2D', (x) => gap().apply(x), () => [r(2, 3, 4, 2)]],
  ['Conv2D layer, stride 2 same, bias, tanh', (x) => convLayer().apply(x), () => [r(2, 5, 6, 2)]],
);

const report: string[] = [];

describeEachBackend('gradcheck', () => {
  for (const [name, f, inputs, options] of cases) {
    it(name, () => {
      const result = gradcheck(f, inputs(), options);
      report.push(
        `${`[${getBackend().name}] ${name}`.padEnd(48)} ${result.maxError.toExponential(2).padStart(9)}  (${result.checked} elements)`,
      );
      assert.ok(
        result.ok,
        `${name}: worst error ${result.maxError} at input ${result.worst?.input} index [${result.worst?.index}]: ` +
          `analytic ${result.worst?.analytic}, numeric ${result.worst?.numeric}`,
      );
    });
  }
});

it('gradcheck catches a wrong gradient', async () => {
  const { record } = await import('../src/index.js');
  const wrongSquare = (x: Tensor): Tensor =>
    record('wrongSquare', x.detach().square(), [x], (g) => [g.mul(x)]);
  const result = gradcheck(wrongSquare, [randn([5], { seed: 7 })]);
  assert.equal(result.ok, false);
  assert.ok(result.maxError > 0.1);
});

describe('pow at and near base 0 (float64 inputs on ts64)', () => {
  const f64 = (values: number[]): Tensor => tensor(values).to('ts64');
  const check = (f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void => {
    const result = gradcheck(f, inputs, { eps: 1e-6, tolerance: 1e-6 });
    assert.ok(result.ok, `worst error ${result.maxError} at ${JSON.stringify(result.worst)}`);
  };

  it('d(bᵗ)/dt at b = 0 is 0 for t ≥ 0 (0·ln 0 taken as 0, as torch and TF.js), and matches numerics', () => {
    const base = f64([0, 0, 0, 1e-3, 2]);
    check((t) => base.pow(t), [f64([0.5, 3, 1e-3, 0.7, 1.5])]);
    // Exact values, torch's pow_backward_exponent: 0 where b = 0 and t ≥ 0; at t < 0, 0ᵗ·ln 0 = −∞.
    const t = f64([0.5, 3, 0, -1]).detach();
    t.requiresGrad = true;
    f64([0, 0, 0, 0]).pow(t).sum().backward();
    assert.deepEqual(Array.from(t.grad!.dataSync()), [0, 0, 0, Number.NEGATIVE_INFINITY]);
  });

  it('d(bᵗ)/db at t = 0 is 0 even at b = 0 (as torch), and both arguments match numerics near 0', () => {
    const exponent = f64([0, 2, 0, 3]);
    check((b) => b.pow(exponent), [f64([0, 0, 1e-3, -1e-3])]);
    check((b, t) => b.pow(t), [f64([1e-3, 0.02, 2]), f64([0.5, 3, -0.5])]);
  });
});

after(() => {
  console.log(
    `\ngradcheck: worst |analytic − numeric| / max(1, |a|, |n|) per op (tolerance 1e-2)\n${report.join('\n')}`,
  );
});
