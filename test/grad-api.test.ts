/**
 * Higher-order gradients through the public API: backward({ createGraph }), gradients() (as
 * torch.autograd.grad), grad()/valueAndGrad() (as TF.js / JAX), against hand-computed values;
 * gradgradcheck catching a rule that is right only to first order; element-wise ops defined with
 * defineUnary, and ops on a backend without the optional fused kernels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Backend,
  backendByName,
  cos,
  defineUnary,
  GraphError,
  grad,
  gradcheck,
  gradgradcheck,
  gradients,
  grads,
  noGrad,
  randn,
  record,
  SGD,
  ShapeError,
  sin,
  Tensor,
  tensor,
  valueAndGrad,
  valueAndGrads,
} from '../src/index.js';
import { biasActivation } from '../src/ops/bias-activation.js';
import { softmaxCrossEntropy } from '../src/ops/softmax-cross-entropy.js';
import { assertClose, describeEachBackend, flat } from './helpers.js';

describeEachBackend('higher-order gradients', () => {
  it('backward({ createGraph }) leaves a graph-connected .grad: d²/dx² x³ = 6x', () => {
    const x = tensor([1, -2, 0.5], { requiresGrad: true });
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const gx = x.grad!;
    assert.equal(gx.requiresGrad, true);
    assertClose(gx, [3, 12, 0.75]);
    x.grad = null;
    gx.sum().backward();
    assertClose(x.grad!, [6, -12, 3]);
  });

  it('createGraph keeps the graph by default (retainGraph), the first-order path frees it', () => {
    const x = tensor([0.3, 0.7], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { createGraph: true });
    y.backward(undefined, { createGraph: true }); // still there
    assertClose(x.grad!, [2 * Math.exp(0.3), 2 * Math.exp(0.7)], 1e-5);
    const z = x.exp().sum();
    z.backward();
    // Accumulating a first-order gradient runs with recording off: .grad is plain again.
    assert.equal(x.grad!.requiresGrad, false);
    assertClose(x.grad!, [3 * Math.exp(0.3), 3 * Math.exp(0.7)], 1e-5);
    assert.throws(
      () => z.backward(),
      (e: Error) => e instanceof GraphError && /freed/.test(e.message),
    );
  });

  it('first-order backward records nothing: .grad is a plain tensor', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    x.matmul(x).tanh().softmax(-1).sum().backward();
    assert.equal(x.grad!.requiresGrad, false);
    assert.equal(x.grad!._node, null);
  });

  it('gradients() returns the gradients and leaves .grad alone', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const w = tensor([0.5, -1, 2], { requiresGrad: true });
    const y = x.mul(w).sum();
    const [gx, gw] = gradients(y, [x, w]);
    assertClose(gx!, [0.5, -1, 2]);
    assertClose(gw!, [1, 2, 3]);
    assert.equal(x.grad, null);
    assert.equal(w.grad, null);
  });

  it('gradients() of an intermediate tensor, and with gradOutputs for a non-scalar output', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.square(); // [1, 4]
    const y = h.mul(3);
    assertClose(gradients(y, h, { gradOutputs: tensor([1, 10]) }), [3, 30]);
    const y2 = x.square().mul(3);
    assertClose(gradients([y2], [x], { gradOutputs: [tensor([1, 10])] })[0]!, [6, 120]);
  });

  it('Hessian-vector product of f(x) = ½xᵀAx + Σ sin x is (A+Aᵀ)/2·v − sin(x)·v', () => {
    const A = [
      [2, 1, 0],
      [-1, 3, 0.5],
      [0.25, 0, 1],
    ];
    const xv = [0.3, -0.8, 1.1];
    const v = [1, -2, 0.5];
    const x = tensor(xv, { requiresGrad: true });
    const f = x.matmul(tensor(A)).mul(x).sum().mul(0.5).add(x.sin().sum());
    const g = gradients(f, x, { createGraph: true });
    const hv = gradients(g.mul(tensor(v)).sum(), x);
    const expected = xv.map(
      (xi, i) =>
        A[i]!.reduce((s, _a, j) => s + 0.5 * (A[i]![j]! + A[j]![i]!) * v[j]!, 0) - Math.sin(xi) * v[i]!,
    );
    assertClose(hv, expected, 1e-5, 1e-4);
  });

  it('grad(f) nests: derivatives of sin to third order', () => {
    const xs = [0, 0.5, -1.2, 2];
    const x = tensor(xs);
    assertClose(grad(sin)(x), xs.map(Math.cos), 1e-6);
    assertClose(
      grad(grad(sin))(x),
      xs.map((v) => -Math.sin(v)),
      1e-6,
    );
    assertClose(
      grad(grad(grad(sin)))(x),
      xs.map((v) => -Math.cos(v)),
      1e-6,
    );
    // A linear function's second derivative is zero (the inner gradient does not depend on x).
    assertClose(grad(grad((t: Tensor) => t.mul(3)))(x), [0, 0, 0, 0]);
  });

  it('valueAndGrad / grads / valueAndGrads, with dy weighting a non-scalar output', () => {
    const x = tensor([1, 2]);
    const { value, grad: g } = valueAndGrad((t: Tensor) => t.square())(x, tensor([1, -1]));
    assertClose(value, [1, 4]);
    assertClose(g, [2, -4]);
    const [ga, gb] = grads((a, b) => a.mul(b).sum())([tensor([1, 2]), tensor([3, 4])]);
    assertClose(ga!, [3, 4]);
    assertClose(gb!, [1, 2]);
    const r = valueAndGrads((a, b) => a.div(b).sum())([tensor([1]), tensor([2])]);
    assertClose(r.value, 0.5);
    assertClose(r.grads[1]!, [-0.25]);
    // Inside noGrad the gradient is computed but not recorded.
    const plain = noGrad(() => grad(cos)(tensor([0.5])));
    assert.equal(plain.requiresGrad, false);
    assertClose(plain, [-Math.sin(0.5)], 1e-6);
  });

  it('a gradient penalty ‖∇ₓD(x)‖² trains D one step as computed by hand', () => {
    // D(x) = Σ_rows (x·w)², so ∇ₓD = 2(x·w)wᵀ per row and P(w) = Σ_n 4(x_n·w)²‖w‖²,
    // ∂P/∂w = 8‖w‖² Σ_n (x_n·w) x_n + 8 Σ_n (x_n·w)² w.
    const xs = [
      [0.5, -1, 2],
      [1.5, 0.25, -0.5],
    ];
    const ws = [0.3, -0.2, 0.4];
    const w = tensor(
      ws.map((v) => [v]),
      { requiresGrad: true },
    );
    const x = tensor(xs, { requiresGrad: true });
    const d = x.matmul(w).square().sum();
    const gx = gradients(d, x, { createGraph: true });
    const penalty = gx.square().sum();
    penalty.backward();
    const dots = xs.map((row) => row.reduce((s, v, i) => s + v * ws[i]!, 0));
    const norm2 = ws.reduce((s, v) => s + v * v, 0);
    const expectedPenalty = dots.reduce((s, t) => s + 4 * t * t * norm2, 0);
    const expectedGrad = ws.map(
      (wi, i) =>
        8 * norm2 * dots.reduce((s, t, n) => s + t * xs[n]![i]!, 0) +
        8 * dots.reduce((s, t) => s + t * t, 0) * wi,
    );
    assertClose(penalty, expectedPenalty, 1e-5, 1e-5);
    assertClose(
      w.grad!,
      expectedGrad.map((v) => [v]),
      1e-5,
      1e-4,
    );
    new SGD({ learningRate: 0.1 }).step([w]);
    assertClose(
      w,
      ws.map((v, i) => [v - 0.1 * expectedGrad[i]!]),
      1e-5,
      1e-4,
    );
  });

  it('a gradient penalty through a tanh layer matches float64 finite differences of the penalty', () => {
    const x = randn([4, 3], { seed: 7 });
    const w0 = randn([3, 2], { seed: 8 });
    const b0 = randn([2], { seed: 9 });
    const penalty = (w: Tensor, b: Tensor): Tensor => {
      const xr = x.to(w.backend.name);
      xr.requiresGrad = true;
      const score = biasActivation(xr.matmul(w), b, 'tanh').sum();
      return gradients(score, xr, { createGraph: true }).square().sum();
    };
    const w = w0.clone();
    w.requiresGrad = true;
    const b = b0.clone();
    b.requiresGrad = true;
    penalty(w, b).backward();
    const ts64 = backendByName('ts64');
    const at = (t: Tensor, j: number, h: number): Tensor => {
      const values = Float64Array.from(t.dataSync());
      values[j]! += h;
      return new Tensor(ts64.fromValues(values), t.shape, ts64);
    };
    const h = 1e-6;
    for (const [param, other, isW] of [
      [w0, b0, true],
      [b0, w0, false],
    ] as const) {
      const analytic = flat((isW ? w : b).grad!);
      const o64 = other.to('ts64');
      analytic.forEach((a, j) => {
        const hi = isW ? penalty(at(param, j, h), o64) : penalty(o64, at(param, j, h));
        const lo = isW ? penalty(at(param, j, -h), o64) : penalty(o64, at(param, j, -h));
        const numeric = (hi.item() - lo.item()) / (2 * h);
        assert.ok(Math.abs(a - numeric) <= 1e-4 * Math.max(1, Math.abs(numeric)), `${j}: ${a} vs ${numeric}`);
      });
    }
  });

  it('typed errors: an input that is not reachable, not differentiable, a wrong gradOutputs shape, a freed graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const unused = tensor([3], { requiresGrad: true });
    const y = x.square().sum();
    assert.throws(
      () => gradients(y, [x, unused], { retainGraph: true }),
      (e: Error) =>
        e instanceof GraphError && /do not depend on input 1 \(shape \[1\]\).*allowUnused/.test(e.message),
    );
    const [gx, gu] = gradients(y, [x, unused], { allowUnused: true, retainGraph: true });
    assertClose(gx!, [2, 4]);
    assertClose(gu!, [0]);
    assert.throws(
      () => gradients(y, tensor([1, 2]), { retainGraph: true }),
      (e: Error) =>
        e instanceof GraphError && /input 0 \(shape \[2\]\) does not require a gradient/.test(e.message),
    );
    const z = x.square();
    assert.throws(
      () => gradients(z, x, { gradOutputs: tensor([1, 2, 3]) }),
      (e: Error) =>
        e instanceof ShapeError &&
        /gradOutputs\[0\] has shape \[3\] but output 0 has shape \[2\]/.test(e.message),
    );
    assert.throws(
      () => gradients(z, x),
      (e: Error) => e instanceof GraphError && /shape \[2\], not a scalar/.test(e.message),
    );
    gradients(y, x); // frees the graph
    assert.throws(
      () => gradients(y, x),
      (e: Error) => e instanceof GraphError && /freed by an earlier backward/.test(e.message),
    );
    assert.throws(() => grad(5 as unknown as (t: Tensor) => Tensor), /grad\(f\): f must be a function/);
  });
});

describe('gradgradcheck catches a rule that is right only to first order', () => {
  // x³ whose rule computes 3x²·g from a detached x: correct values, but not differentiable again.
  const cubeDetached = (x: Tensor): Tensor => {
    const out = noGrad(() => x.pow(3));
    return record('cubeDetached', out, [x], (g) => [g.mul(x.detach().square().mul(3))]);
  };
  // A rule ignoring that g can depend on the inputs: uses g's values, not g.
  const scaleDetachedG = (x: Tensor): Tensor => {
    const out = noGrad(() => x.mul(2));
    return record('scaleDetachedG', out, [x], (g) => [g.detach().mul(2)]);
  };

  it('first-order gradcheck passes, second-order fails', () => {
    const x = randn([5], { seed: 3 });
    assert.ok(gradcheck(cubeDetached, [x]).ok);
    const r = gradgradcheck(cubeDetached, [x]);
    assert.equal(r.ok, false);
    assert.equal(r.worst!.input, 0);
  });

  it('a rule that drops the dependence on the upstream gradient fails the mixed check', () => {
    const x = randn([4], { seed: 4 });
    assert.ok(gradcheck(scaleDetachedG, [x]).ok);
    const r = gradgradcheck(scaleDetachedG, [x]);
    assert.equal(r.ok, false);
    assert.equal(r.worst!.input, 1); // the output weights
  });
});

describeEachBackend('defineUnary and the new element-wise ops', () => {
  it('match Math on each backend; round is half-to-even', () => {
    const xs = [-2.5, -1.5, -0.7, -0.5, 0, 0.25, 0.5, 1.5, 2.5, 3.7];
    const x = tensor(xs);
    const f32 = (v: number): number => Math.fround(v);
    assertClose(x.floor(), xs.map(Math.floor), 0);
    assertClose(x.ceil(), xs.map(Math.ceil), 0);
    assertClose(x.round(), [-2, -2, -1, -0, 0, 0, 0, 2, 2, 4], 0);
    assertClose(
      x.sin(),
      xs.map((v) => f32(Math.sin(v))),
      1e-7,
    );
    assertClose(
      x.cos(),
      xs.map((v) => f32(Math.cos(v))),
      1e-7,
    );
    assertClose(
      x.exp2(),
      xs.map((v) => 2 ** v),
      1e-6,
    );
    assertClose(x.expm1(), xs.map(Math.expm1), 1e-7);
    const p = [0.001, 0.5, 2, 9];
    const t = tensor(p);
    assertClose(t.log2(), p.map(Math.log2), 1e-6);
    assertClose(t.log1p(), p.map(Math.log1p), 1e-7);
    assertClose(
      t.rsqrt(),
      p.map((v) => 1 / Math.sqrt(v)),
      1e-6,
    );
    assertClose(
      t.reciprocal(),
      p.map((v) => 1 / v),
      1e-6,
    );
    assertClose(t.tan(), p.map(Math.tan), 1e-6);
    // erf against reference values (Abramowitz & Stegun table 7.1), odd.
    assertClose(
      tensor([0, 0.5, 1, 2, -1, 4]).erf(),
      [0, 0.5204998778, 0.8427007929, 0.995322265, -0.8427007929, 0.9999999846],
      1e-7,
    );
  });

  it('keeps digits near zero that 1 + x would round away (float32)', () => {
    const tiny = tensor([1e-10]);
    assert.ok(Math.abs(tiny.log1p().item() - 1e-10) < 1e-16);
    assert.ok(Math.abs(tiny.expm1().item() - 1e-10) < 1e-16);
  });

  it('one definition makes a new op with forward, gradient and second derivative', () => {
    const cube = defineUnary({
      name: 'cube',
      scalar: (v) => v * v * v,
      derivative: (x, _y, g) => g.mul(x.square()).mul(3),
    });
    const x = tensor([1, -2, 0.5], { requiresGrad: true });
    assertClose(cube(x), [1, -8, 0.125]);
    assertClose(grad(cube)(x), [3, 12, 0.75]);
    assertClose(grad(grad(cube))(x), [6, -12, 3]);
    assert.ok(gradgradcheck(cube, [randn([6], { seed: 11 })]).ok);
    // Non-differentiable ops pass a zero gradient.
    const y = x.floor().add(x).sum();
    y.backward();
    assertClose(x.grad!, [1, 1, 1]);
  });
});

describe('ops on a backend without the optional fused kernels', () => {
  const ts = backendByName('ts');
  // The ts kernels minus every optional one: ops must compose what is missing.
  const bare: Backend = {
    ...ts,
    name: 'bare',
    unary: undefined,
    unaryGrad: undefined,
    unaryMap: undefined,
    biasActivation: undefined,
    matmulBiasActivation: undefined,
    softmax: undefined,
    softmaxGrad: undefined,
    softmaxCrossEntropy: undefined,
    softmaxCrossEntropyGrad: undefined,
  };
  const on = (b: Backend, t: Tensor): Tensor => new Tensor(b.fromValues(t.dataSync()), t.shape, b, true);
  const x0 = randn([3, 4], { seed: 21 });
  const b0 = randn([4], { seed: 22 });
  const labels = noGrad(() => randn([3, 4], { seed: 23 }).softmax(-1));
  const programs: [string, (x: Tensor, b: Tensor, y: Tensor) => Tensor][] = [
    ['unary ops', (x) => x.sigmoid().add(x.tanh()).add(x.relu()).add(x.elu()).add(x.sin()).square().sum()],
    ['softmax, logSoftmax', (x) => x.softmax(-1).mul(x.logSoftmax(0)).sum()],
    [
      'biasActivation',
      (x, b) =>
        biasActivation(x, b, 'sigmoid')
          .add(biasActivation(x, b, 'elu'))
          .square()
          .sum(),
    ],
    ['softmaxCrossEntropy', (x, _b, y) => softmaxCrossEntropy(x, y).sum()],
  ];
  for (const [name, program] of programs) {
    it(`${name}: the same values and gradients as with the kernels`, () => {
      const results = [ts, bare].map((backend) => {
        const [x, b, y] = [on(backend, x0), on(backend, b0), on(backend, labels)];
        const out = program(x, b, y);
        out.backward();
        return [out, x.grad!, ...(b.grad ? [b.grad] : []), ...(y.grad ? [y.grad] : [])].map(flat);
      });
      results[0]!.forEach((expected, i) => {
        assertClose(results[1]![i]!, expected, 1e-5, 1e-4);
      });
    });
  }
});
