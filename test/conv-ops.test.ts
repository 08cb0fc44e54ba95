/**
 * Convolution and pooling ops beyond conv2d's forward: the transposed convolution and depthwise
 * convolution against float64 loops (conv-reference.ts, not the library's code), and the derivatives of
 * conv2d / pooling as ops of their own — checked numerically, to first order through the ops and to
 * second order through the backward rules (gradgradcheck, and each rule's output gradchecked).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { gradgradcheck } from '../src/autograd/gradcheck.js';
import { enableGrad, randn, ShapeError, type Tensor, tensor } from '../src/index.js';
import {
  avgPool2d,
  col2im,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dTranspose,
  depthwiseConv2d,
  im2col,
  maxPool2d,
  windowGeometry,
} from '../src/ops/conv.js';
import { Rng } from '../src/random/rng.js';
import {
  expectGradcheck,
  geometry,
  type RefGeometry,
  refConvTranspose,
  refDepthwise,
  ruleOf,
} from './conv-reference.js';
import { assertClose, describeEachBackend } from './helpers.js';

let seed = 500;
const r = (...shape: number[]): Tensor => randn(shape, { seed: seed++ });
/** Values 0.1 apart in random order: no near-ties for max pooling's finite differences to cross. */
const distinct = (...shape: number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = new Rng(seed++).permutation(n);
  return tensor(
    Float32Array.from(order, (v) => (v - n / 2) * 0.1),
    { shape },
  );
};

describeEachBackend('conv2dTranspose', () => {
  it('output sizes follow Keras (deconv_output_length), incl. outputPadding', () => {
    const size = (h: number, k: number, options: Parameters<typeof conv2dTranspose>[2]) =>
      conv2dTranspose(r(1, h, h, 2), r(k, k, 3, 2), options).shape;
    assert.deepEqual(size(3, 3, {}), [1, 5, 5, 3]); // (3 − 1) + 3
    assert.deepEqual(size(3, 3, { strides: 2 }), [1, 7, 7, 3]); // 3·2 + max(3 − 2, 0)
    assert.deepEqual(size(3, 1, { strides: 3 }), [1, 9, 9, 3]); // 3·3 + max(1 − 3, 0)
    assert.deepEqual(size(3, 3, { strides: 2, padding: 'same' }), [1, 6, 6, 3]);
    assert.deepEqual(size(3, 4, { strides: 2, padding: 'same' }), [1, 6, 6, 3]);
    assert.deepEqual(size(3, 3, { strides: 2, outputPadding: 1 }), [1, 8, 8, 3]); // (3−1)·2 + 3 + 1
    assert.deepEqual(size(3, 3, { strides: 2, padding: 'same', outputPadding: 0 }), [1, 5, 5, 3]);
    assert.deepEqual(size(2, 3, { dilation: 2 }), [1, 6, 6, 3]); // span 5
  });

  const cases: Array<[string, number[], number[], RefGeometry, [number, number], object]> = [
    ['3×3 stride 1 valid', [2, 3, 4, 2], [3, 3, 3, 2], geometry(1, 'valid'), [5, 6], {}],
    ['3×3 stride 2 valid', [1, 3, 3, 2], [3, 3, 2, 2], geometry(2, 'valid'), [7, 7], { strides: 2 }],
    [
      '3×3 stride 2 same',
      [2, 3, 2, 3],
      [3, 3, 2, 3],
      geometry(2, 'same'),
      [6, 4],
      { strides: 2, padding: 'same' },
    ],
    [
      '4×4 stride 2 same',
      [1, 3, 3, 1],
      [4, 4, 2, 1],
      geometry(2, 'same'),
      [6, 6],
      { strides: 2, padding: 'same' },
    ],
    [
      '2×3 strides [2,1] outputPadding [1,0]',
      [1, 2, 3, 2],
      [2, 3, 2, 2],
      geometry([2, 1], 'valid'),
      [5, 5],
      { strides: [2, 1], outputPadding: [1, 0] },
    ],
    ['3×3 dilation 2', [1, 2, 3, 1], [3, 3, 2, 1], geometry(1, 'valid', 2), [6, 7], { dilation: 2 }],
  ];
  for (const [name, xShape, wShape, ref, [outH, outW], options] of cases) {
    it(`${name}: forward against a float64 scatter loop, and gradcheck`, () => {
      const x = r(...xShape);
      const w = r(...wShape);
      const y = conv2dTranspose(x, w, options);
      assert.deepEqual(y.shape, [xShape[0], outH, outW, wShape[2]]);
      assertClose(y, Array.from(refConvTranspose(x, w, outH, outW, ref)), 1e-4, 1e-4);
      expectGradcheck(name, (a, b) => conv2dTranspose(a, b, options), [x, w]);
    });
  }

  it('is the gradient of conv2d for its input (same geometry)', () => {
    const x = r(2, 7, 6, 3);
    const w = r(3, 3, 3, 4);
    const xs = enableGrad(() => x.clone());
    xs.requiresGrad = true;
    const y = conv2d(xs, w, { strides: 2 });
    const dy = r(...y.shape);
    y.backward(dy);
    // The convolution maps 7×6 to 3×2; its transpose maps 3×2 back to 7×6 with outputPadding [0, 1].
    assertClose(conv2dTranspose(dy, w, { strides: 2, outputPadding: [0, 1] }), xs.grad!, 1e-4, 1e-4);
  });

  it('refuses bad kernels, channels, outputPadding and inconsistent sizes with ShapeError/ArgumentError', () => {
    assert.throws(() => conv2dTranspose(r(1, 3, 3, 2), r(3, 3, 2)), /conv2dTranspose: kernel must be 4-D/);
    assert.throws(
      () => conv2dTranspose(r(1, 3, 3, 2), r(3, 3, 4, 5)),
      (e: Error) =>
        e instanceof ShapeError && /2 channels but the kernel \[3, 3, 4, 5\] expects 5/.test(e.message),
    );
    assert.throws(
      () => conv2dTranspose(r(1, 3, 3, 2), r(3, 3, 1, 2), { strides: 2, outputPadding: 2 }),
      /outputPadding must be .* smaller than the strides/,
    );
    assert.throws(
      () => conv2dTranspose(r(1, 3, 3, 2), r(3, 3, 1, 2), { padding: 'full' as never }),
      /padding must be 'valid' or 'same'/,
    );
    // 'same' with an even kernel and outputPadding 0: Keras' length 4 convolves back to 2, not 3.
    assert.throws(
      () => conv2dTranspose(r(1, 3, 3, 2), r(2, 2, 1, 2), { strides: 2, padding: 'same', outputPadding: 0 }),
      (e: Error) => e instanceof ShapeError && /maps back to another size/.test(e.message),
    );
  });
});

describeEachBackend('depthwiseConv2d', () => {
  const cases: Array<[string, number[], number[], RefGeometry]> = [
    ['3×3 valid, multiplier 1', [2, 5, 4, 3], [3, 3, 3, 1], geometry(1, 'valid')],
    ['3×3 same stride 2, multiplier 2', [1, 5, 6, 2], [3, 3, 2, 2], geometry(2, 'same')],
    ['2×3 dilation [2,1], multiplier 3', [1, 6, 5, 2], [2, 3, 2, 3], geometry(1, 'valid', [2, 1])],
  ];
  for (const [name, xShape, wShape, ref] of cases) {
    it(`${name}: forward against a float64 loop, and gradcheck`, () => {
      const x = r(...xShape);
      const w = r(...wShape);
      const options = { strides: ref.strides, padding: ref.padding, dilation: ref.dilation };
      const y = depthwiseConv2d(x, w, options);
      const expected = refDepthwise(x, w, ref);
      assert.deepEqual(y.shape, expected.shape);
      assertClose(y, Array.from(expected.y), 1e-4, 1e-4);
      expectGradcheck(name, (a, b) => depthwiseConv2d(a, b, options), [x, w]);
      const second = gradgradcheck((a, b) => depthwiseConv2d(a, b, options), [x, w]);
      assert.ok(second.ok, `${name}: worst second-order error ${second.maxError}`);
    });
  }
  it('refuses a kernel for other channels', () => {
    assert.throws(
      () => depthwiseConv2d(r(1, 4, 4, 3), r(3, 3, 2, 1)),
      (e: Error) =>
        e instanceof ShapeError && /depthwiseConv2d: input \[1, 4, 4, 3\] has 3 channels/.test(e.message),
    );
  });
});

/** Conv2d geometries for the derivative checks: strides, dilation, same/valid, non-square. */
const convCases: Array<[string, number[], number[], object]> = [
  ['3×3 valid', [2, 5, 4, 2], [3, 3, 2, 3], {}],
  ['3×3 same stride 2', [1, 5, 6, 2], [3, 3, 2, 2], { strides: 2, padding: 'same' }],
  [
    '2×3 same strides [1,2] dilation [2,1]',
    [1, 6, 5, 1],
    [2, 3, 1, 2],
    { strides: [1, 2], padding: 'same', dilation: [2, 1] },
  ],
  ['3×3 valid dilation 2', [1, 6, 6, 2], [3, 3, 2, 1], { dilation: 2 }],
];

describeEachBackend('conv2d derivatives as ops (second order)', () => {
  for (const [name, xShape, wShape, options] of convCases) {
    const conv = (x: Tensor, w: Tensor) => conv2d(x, w, options);
    it(`${name}: the input-gradient rule is differentiable in x, w and dy`, () => {
      const y = conv(r(...xShape), r(...wShape));
      expectGradcheck(name, ruleOf(conv, 0), [r(...xShape), r(...wShape), r(...y.shape)]);
    });
    it(`${name}: the kernel-gradient rule is differentiable in x, w and dy`, () => {
      const y = conv(r(...xShape), r(...wShape));
      expectGradcheck(name, ruleOf(conv, 1), [r(...xShape), r(...wShape), r(...y.shape)]);
    });
    it(`${name}: gradgradcheck`, () => {
      const result = gradgradcheck(conv, [r(...xShape), r(...wShape)]);
      assert.ok(result.ok, `${name}: worst second-order error ${result.maxError}`);
    });
  }

  it('conv2dBackpropInput and conv2dBackpropFilter gradcheck as ops of their own', () => {
    const g = windowGeometry('test', [2, 6, 5, 2], [3, 3], [2, 1], [1, 1], 'same');
    const dy = r(2, g.outH, g.outW, 3);
    expectGradcheck('backpropInput', (d, w) => conv2dBackpropInput(d, w, g), [dy, r(3, 3, 2, 3)]);
    expectGradcheck('backpropFilter', (x, d) => conv2dBackpropFilter(x, d, g), [r(2, 6, 5, 2), dy]);
  });

  it('im2col and col2im are each other’s adjoint, and both gradcheck', () => {
    const g = windowGeometry('test', [1, 4, 5, 2], [2, 3], [1, 2], [1, 1], 'same');
    const x = r(1, 4, 5, 2);
    const c = r(g.outH * g.outW, 12);
    // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩
    const lhs = im2col(x, g).mul(c).sum().item();
    const rhs = x.mul(col2im(c, g)).sum().item();
    assert.ok(Math.abs(lhs - rhs) < 1e-4 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
    expectGradcheck('im2col', (a) => im2col(a, g), [x]);
    expectGradcheck('col2im', (a) => col2im(a, g), [c]);
  });

  it('the transposed convolution differentiates twice', () => {
    const t = (x: Tensor, w: Tensor) => conv2dTranspose(x, w, { strides: 2, padding: 'same' });
    const y = t(r(1, 3, 2, 2), r(3, 3, 3, 2));
    expectGradcheck('transpose dx rule', ruleOf(t, 0), [r(1, 3, 2, 2), r(3, 3, 3, 2), r(...y.shape)]);
    expectGradcheck('transpose dw rule', ruleOf(t, 1), [r(1, 3, 2, 2), r(3, 3, 3, 2), r(...y.shape)]);
    const result = gradgradcheck(t, [r(1, 3, 2, 2), r(3, 3, 3, 2)]);
    assert.ok(result.ok, `conv2dTranspose: worst second-order error ${result.maxError}`);
  });
});

describeEachBackend('pooling derivatives as ops (second order)', () => {
  it('maxPool2d: a window of −∞ whose first cell is padding sends its gradient inside the image', () => {
    // 'same' 3×3 windows over 2×2 images: every window starts in the padding, and (0, 0) is the
    // first cell inside each. Two images: a gradient routed to a padding cell would land in the
    // previous image (or before the buffer).
    const x = tensor(new Float32Array(16).fill(Number.NEGATIVE_INFINITY), { shape: [2, 2, 2, 2] });
    x.requiresGrad = true;
    maxPool2d(x, 3, { strides: 1, padding: 'same' }).sum().backward();
    assert.deepEqual(Array.from(x.grad!.dataSync()), [4, 4, 0, 0, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0]);
  });
  const pools: Array<[string, (x: Tensor) => Tensor, number[], boolean]> = [
    ['maxPool2d 2', (x) => maxPool2d(x, 2), [2, 5, 4, 3], true],
    [
      'maxPool2d 3 stride 2 same',
      (x) => maxPool2d(x, 3, { strides: 2, padding: 'same' }),
      [1, 5, 6, 2],
      true,
    ],
    ['avgPool2d 2', (x) => avgPool2d(x, 2), [2, 4, 6, 3], false],
    [
      'avgPool2d 3 stride 2 same',
      (x) => avgPool2d(x, 3, { strides: 2, padding: 'same' }),
      [1, 5, 5, 2],
      false,
    ],
  ];
  for (const [name, pool, shape, isMax] of pools) {
    const input = () => (isMax ? distinct(...shape) : r(...shape));
    it(`${name}: gradcheck, and its backward is an op that gradchecks in dy`, () => {
      expectGradcheck(name, pool, [input()]);
      const x = input();
      const dy = r(...pool(x).shape);
      // The rule as a function of dy alone (x fixed: the argmax must not move).
      const rule = (d: Tensor) => ruleOf(pool, 0)(x, d);
      expectGradcheck(`${name} backward`, rule, [dy]);
      // …and its own backward is an op too (third order).
      const dx = rule(dy);
      const again = (h: Tensor) =>
        enableGrad(() => {
          const d = dy.clone();
          d.requiresGrad = true;
          return ruleOf(pool, 0)(x, d)._node!.backward(h)[0]!;
        });
      expectGradcheck(`${name} backward of backward`, again, [r(...dx.shape)]);
    });
    it(`${name}: gradgradcheck`, () => {
      const result = gradgradcheck(pool, [input()], { eps: 1e-3 });
      assert.ok(result.ok, `${name}: worst second-order error ${result.maxError}`);
    });
  }
});
