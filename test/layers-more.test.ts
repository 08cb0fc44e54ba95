/**
 * LayerNormalization, Conv1D, Conv2DTranspose, UpSampling2D, ZeroPadding2D, DepthwiseConv2D and
 * SeparableConv2D: forward against float64 loops (conv-reference.ts, or values worked by hand),
 * gradcheck through each layer for its input and its weights, config round trips through the
 * registry, refused options, weight shapes and output shapes (strides, padding, unknown sizes).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ArgumentError,
  Conv1D,
  Conv2DTranspose,
  Dense,
  DepthwiseConv2D,
  Flatten,
  type Layer,
  LayerNormalization,
  modelFromArtifacts,
  randn,
  SeparableConv2D,
  Sequential,
  ShapeError,
  type Tensor,
  tensor,
  UpSampling2D,
  ZeroPadding2D,
} from '../src/index.js';
import { layerFromConfig } from '../src/nn/registry.js';
import {
  eachTap,
  expectGradcheck,
  geometry,
  refConvTranspose,
  refDepthwise,
  tfAxis,
} from './conv-reference.js';
import { assertClose, describeEachBackend } from './helpers.js';

let seed = 900;
const r = (...shape: number[]): Tensor => randn(shape, { seed: seed++ });

/**
 * The layer as a function of its input and of the given weights: `getWeight` is pointed at the
 * tensors passed in, so gradcheck's perturbed copies are what the forward pass reads.
 */
function withWeights(layer: Layer, names: readonly string[]) {
  return (x: Tensor, ...ws: Tensor[]): Tensor => {
    const own = layer.getWeight.bind(layer);
    layer.getWeight = (name: string) => {
      const i = names.indexOf(name);
      return i >= 0 ? ws[i]! : own(name);
    };
    try {
      return layer.apply(x, { training: true });
    } finally {
      delete (layer as { getWeight?: unknown }).getWeight;
    }
  };
}

/** Build the layer on x, then random weights of the built shapes, in `names` order. */
function randomWeights(layer: Layer, x: Tensor, names: readonly string[]): Tensor[] {
  layer.apply(x);
  return names.map((n) => r(...layer.getWeight(n).shape));
}

function roundTrip(layer: Layer): void {
  const config = layer.getConfig();
  const json = JSON.parse(JSON.stringify(config));
  assert.deepEqual(layerFromConfig(json).getConfig(), config);
}

/** The built weights, as [name, shape], equal to what weightShapes() promised the loader. */
function checkWeightShapes(layer: Layer, inputShape: number[]): void {
  const promised = layer.weightShapes(inputShape);
  const built = layer.weights.map((w) => [w.name.split('/').pop(), [...w.tensor.shape]]);
  assert.deepEqual(promised, built);
}

function refuses(
  make: () => unknown,
  pattern: RegExp,
  type: new (...a: never[]) => Error = ArgumentError,
): void {
  assert.throws(make, (e: Error) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

const asShape = (s: (number | null)[]) => s as never;

describeEachBackend('LayerNormalization', () => {
  /** Float64: normalise each sample over `axes` (batch counted), then γ, β along those axes. */
  function reference(x: Tensor, axes: number[], gamma: Tensor, beta: Tensor, eps: number): number[] {
    const shape = x.shape;
    const v = Array.from(x.dataSync());
    const g = gamma.dataSync();
    const b = beta.dataSync();
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, d) => a * d, 1));
    const index = (flat: number) => shape.map((d, i) => Math.floor(flat / strides[i]!) % d);
    const groupOf = (flat: number) =>
      index(flat)
        .map((k, i) => (axes.includes(i) ? 0 : k))
        .join();
    const paramOf = (flat: number) => {
      const idx = index(flat);
      return axes.reduce((p, a) => p * shape[a]! + idx[a]!, 0);
    };
    const groups = new Map<string, number[]>();
    v.forEach((_, i) => {
      const key = groupOf(i);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(i);
    });
    const out = new Array<number>(v.length);
    for (const members of groups.values()) {
      const mean = members.reduce((s, i) => s + v[i]!, 0) / members.length;
      const variance = members.reduce((s, i) => s + (v[i]! - mean) ** 2, 0) / members.length;
      for (const i of members) {
        out[i] = ((v[i]! - mean) / Math.sqrt(variance + eps)) * g[paramOf(i)]! + b[paramOf(i)]!;
      }
    }
    return out;
  }

  it('axis −1: forward against float64, gradcheck for x, γ and β; same in training and inference', () => {
    const layer = new LayerNormalization();
    const x = r(4, 6);
    const [gamma, beta] = randomWeights(layer, x, ['gamma', 'beta']);
    const f = withWeights(layer, ['gamma', 'beta']);
    assertClose(f(x, gamma!, beta!), reference(x, [1], gamma!, beta!, 1e-3), 1e-5, 1e-4);
    assertClose(layer.apply(x, { training: false }), layer.apply(x, { training: true }), 0, 0);
    expectGradcheck('LayerNormalization', f, [x, gamma!, beta!]);
  });

  it('axes [2, 3] of images [batch, h, w, c], epsilon 0.01: γ, β of shape [w, c]', () => {
    const layer = new LayerNormalization({ axis: [-2, 3], epsilon: 0.01 });
    const x = r(2, 3, 4, 2);
    const [gamma, beta] = randomWeights(layer, x, ['gamma', 'beta']);
    assert.deepEqual(gamma!.shape, [4, 2]);
    checkWeightShapes(layer, [3, 4, 2]);
    const f = withWeights(layer, ['gamma', 'beta']);
    assertClose(f(x, gamma!, beta!), reference(x, [2, 3], gamma!, beta!, 0.01), 1e-5, 1e-4);
    expectGradcheck('LayerNormalization axes', f, [x, gamma!, beta!]);
  });

  it('center/scale false: no weights; configs round-trip; bad options refused', () => {
    const plain = new LayerNormalization({ center: false, scale: false, name: 'ln_plain' });
    assert.deepEqual(plain.weightShapes([5]), []);
    const y = plain.apply(r(3, 5));
    assertClose(y.mean(1), [0, 0, 0], 1e-5, 0);
    roundTrip(plain);
    roundTrip(new LayerNormalization({ axis: [1, 2], epsilon: 1e-5, gammaRegularizer: 'l2' }));
    assert.deepEqual(new LayerNormalization().computeOutputShape(asShape([null, 8])), [null, 8]);
    refuses(() => new LayerNormalization({ axis: 0, name: 'ln' }), /LayerNormalization 'ln': axis must be/);
    refuses(() => new LayerNormalization({ epsilon: 0, name: 'ln2' }), /LayerNormalization 'ln2': epsilon/);
    refuses(
      () => new LayerNormalization({ axis: 3, name: 'ln3' }).apply(r(2, 4)),
      /'ln3': axis 3 does not name/,
    );
    refuses(
      () => new LayerNormalization({ name: 'ln4' }).weightShapes(asShape([4, null])),
      /'ln4': the normalised axis 2 .* must be known/,
    );
    refuses(() => new LayerNormalization({ axes: -1 } as never), /axes/);
  });
});

describeEachBackend('Conv1D', () => {
  /** Float64: x [n, L, C], kernel [k, C, F]; causal = left padding of (k−1)·d, then 'valid'. */
  function reference(x: Tensor, w: Tensor, b: Tensor, s: number, d: number, padding: string): number[] {
    const [n, length, c] = x.shape as number[];
    const [k, , f] = w.shape as number[];
    const xv = x.dataSync();
    const wv = w.dataSync();
    const bv = b.dataSync();
    const before = padding === 'causal' ? (k! - 1) * d : 0;
    const [outL, pad] = tfAxis(length! + before, k!, s, d, padding === 'same' ? 'same' : 'valid');
    const out: number[] = [];
    for (let i = 0; i < n!; i++)
      for (let t = 0; t < outL; t++)
        for (let o = 0; o < f!; o++) {
          let sum = bv[o]!;
          for (let j = 0; j < k!; j++) {
            const at = t * s - pad + j * d - before;
            if (at < 0 || at >= length!) continue;
            for (let ch = 0; ch < c!; ch++)
              sum += xv[(i * length! + at) * c! + ch]! * wv[(j * c! + ch) * f! + o]!;
          }
          out.push(sum);
        }
    return out;
  }

  const cases: Array<[string, object, number[], number[]]> = [
    ['k3 valid', { kernelSize: 3 }, [2, 7, 2], [2, 5, 3]],
    ['k3 same stride 2', { kernelSize: 3, strides: 2, padding: 'same' }, [2, 7, 2], [2, 4, 3]],
    ['k2 causal dilation 2', { kernelSize: 2, padding: 'causal', dilationRate: 2 }, [1, 6, 2], [1, 6, 3]],
    ['k3 causal stride 2', { kernelSize: [3], strides: [2], padding: 'causal' }, [2, 5, 1], [2, 3, 3]],
  ];
  for (const [name, options, xShape, outShape] of cases) {
    it(`${name}: shape ${JSON.stringify(outShape)}, forward against float64, gradcheck for x, kernel, bias`, () => {
      const layer = new Conv1D({ filters: 3, ...options } as never);
      const x = r(...xShape);
      const [kernel, bias] = randomWeights(layer, x, ['kernel', 'bias']);
      checkWeightShapes(layer, xShape.slice(1));
      const f = withWeights(layer, ['kernel', 'bias']);
      const y = f(x, kernel!, bias!);
      assert.deepEqual(y.shape, outShape);
      assert.deepEqual(layer.computeOutputShape(xShape.slice(1)), outShape.slice(1));
      const o = options as { strides?: number | number[]; dilationRate?: number; padding?: string };
      const s = Array.isArray(o.strides) ? o.strides[0]! : (o.strides ?? 1);
      assertClose(y, reference(x, kernel!, bias!, s, o.dilationRate ?? 1, o.padding ?? 'valid'), 1e-4, 1e-4);
      expectGradcheck(name, f, [x, kernel!, bias!]);
      roundTrip(layer);
    });
  }

  it('causal: output t does not depend on inputs after t', () => {
    const layer = new Conv1D({ filters: 2, kernelSize: 3, padding: 'causal' });
    const x = r(1, 6, 2);
    const y1 = layer.apply(x).dataSync();
    const later = x.dataSync().slice();
    for (let i = 4 * 2; i < later.length; i++) later[i]! += 10; // change steps 4 and 5
    const y2 = layer.apply(tensor(later, { shape: [1, 6, 2] })).dataSync();
    assert.deepEqual(Array.from(y1.slice(0, 4 * 2)), Array.from(y2.slice(0, 4 * 2)));
    assert.notDeepEqual(Array.from(y1.slice(8)), Array.from(y2.slice(8)));
  });

  it('unknown lengths stay unknown; bad options and inputs refused, naming the layer and option', () => {
    const layer = new Conv1D({ filters: 4, kernelSize: 3, strides: 2, padding: 'causal', name: 'c1' });
    assert.deepEqual(layer.computeOutputShape(asShape([null, 3])), [null, 4]);
    assert.deepEqual(layer.computeOutputShape([9, 3]), [5, 4]);
    refuses(
      () => new Conv1D({ filters: 2, kernelSize: 3, padding: 'full' as never, name: 'c2' }),
      /Conv1D 'c2'.*padding/,
    );
    refuses(
      () => new Conv1D({ filters: 2, kernelSize: [3, 3] as never, name: 'c3' }),
      /Conv1D 'c3': kernelSize must be/,
    );
    refuses(() => new Conv1D({ filters: 0, kernelSize: 3, name: 'c4' }), /Conv1D 'c4': filters/);
    refuses(() => new Conv1D({ filters: 2, kernelSize: 3, kernel_size: 3 } as never), /kernel_size/);
    refuses(
      () => new Conv1D({ filters: 2, kernelSize: 5, name: 'c5' }).apply(r(1, 3, 2)),
      /'c5': a sequence of length 3 is shorter/,
    );
    refuses(
      () => new Conv1D({ filters: 2, kernelSize: 2, name: 'c6' }).apply(r(2, 5)),
      /'c6': input must be sequences/,
    );
  });
});

describeEachBackend('Conv2DTranspose', () => {
  const cases: Array<[string, object, number[], number[]]> = [
    ['3×3 stride 2 valid', { kernelSize: 3, strides: 2 }, [2, 3, 2, 2], [2, 7, 5, 3]],
    ['3×3 stride 2 same', { kernelSize: 3, strides: 2, padding: 'same' }, [1, 3, 3, 2], [1, 6, 6, 3]],
    ['4×4 stride 2 same', { kernelSize: 4, strides: 2, padding: 'same' }, [1, 2, 3, 1], [1, 4, 6, 3]],
    [
      '3×2 strides [2, 3] outputPadding [1, 2]',
      { kernelSize: [3, 2], strides: [2, 3], outputPadding: [1, 2] },
      [1, 2, 2, 2],
      [1, 6, 7, 3],
    ],
  ];
  for (const [name, options, xShape, outShape] of cases) {
    it(`${name}: shape ${JSON.stringify(outShape)}, forward against float64, gradcheck for x, kernel, bias`, () => {
      const layer = new Conv2DTranspose({ filters: 3, ...options } as never);
      const x = r(...xShape);
      const [kernel, bias] = randomWeights(layer, x, ['kernel', 'bias']);
      assert.deepEqual(kernel!.shape.slice(2), [3, xShape[3]]); // [kh, kw, filters, inChannels]
      checkWeightShapes(layer, xShape.slice(1));
      const f = withWeights(layer, ['kernel', 'bias']);
      const y = f(x, kernel!, bias!);
      assert.deepEqual(y.shape, outShape);
      assert.deepEqual(layer.computeOutputShape(xShape.slice(1)), outShape.slice(1));
      const o = options as { strides: number | [number, number]; padding?: 'valid' | 'same' };
      const scattered = refConvTranspose(
        x,
        kernel!,
        outShape[1]!,
        outShape[2]!,
        geometry(o.strides, o.padding ?? 'valid'),
      );
      const b = bias!.dataSync();
      assertClose(
        y,
        Array.from(scattered, (v, i) => v + b[i % 3]!),
        1e-4,
        1e-4,
      );
      expectGradcheck(name, f, [x, kernel!, bias!]);
      roundTrip(layer);
    });
  }

  it('unknown sizes stay unknown; bad options refused', () => {
    const layer = new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 't1' });
    assert.deepEqual(layer.computeOutputShape(asShape([null, 5, 4])), [null, 10, 2]);
    refuses(
      () => new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2, name: 't2' }),
      /Conv2DTranspose 't2': outputPadding must be smaller than the strides/,
    );
    refuses(
      () => new Conv2DTranspose({ filters: 2, kernelSize: 3, outputPadding: -1, name: 't3' }),
      /Conv2DTranspose 't3': outputPadding/,
    );
    refuses(
      () => new Conv2DTranspose({ filters: 2, kernelSize: 0, name: 't4' }),
      /Conv2DTranspose 't4': kernelSize/,
    );
    refuses(
      () =>
        new Conv2DTranspose({
          filters: 2,
          kernelSize: 2,
          strides: 2,
          padding: 'same',
          outputPadding: 0,
          name: 't5',
        }).apply(r(1, 3, 3, 1)),
      /maps back to another size/,
      ShapeError,
    );
    refuses(
      () => new Conv2DTranspose({ filters: 2, kernelSize: 2, name: 't6' }).apply(r(1, 3, 3)),
      /'t6': input must be images/,
    );
  });
});

describeEachBackend('UpSampling2D', () => {
  it('nearest [2, 3]: each pixel repeated in a 2×3 block (float64 loop), gradcheck', () => {
    const layer = new UpSampling2D({ size: [2, 3] });
    const x = r(2, 2, 3, 2);
    const y = layer.apply(x);
    assert.deepEqual(y.shape, [2, 4, 9, 2]);
    const xv = x.dataSync();
    const expected: number[] = [];
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 9; j++)
          for (let c = 0; c < 2; c++)
            expected.push(xv[((n * 2 + Math.floor(i / 2)) * 3 + Math.floor(j / 3)) * 2 + c]!);
    assertClose(y, expected, 0, 0);
    expectGradcheck('UpSampling2D nearest', (a) => layer.apply(a), [x]);
    assert.deepEqual(layer.weightShapes([2, 3, 2]), []);
  });

  it('bilinear: half-pixel centres as Keras (tf.image.resize), gradcheck', () => {
    const layer = new UpSampling2D({ interpolation: 'bilinear' });
    const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1] });
    // tf.image.resize([[1, 2], [3, 4]], [4, 4], 'bilinear'), worked by hand.
    assertClose(
      layer.apply(x),
      [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4],
      1e-6,
      0,
    );
    const three = new UpSampling2D({ size: [3, 2], interpolation: 'bilinear' });
    // Rows ×3 of [0, 3]: sample points −1/3, 0, 1/3, 2/3, 1, 4/3 clamped to [0, 1] → 0, 0, 1, 2, 3, 3.
    assertClose(
      three
        .apply(tensor([0, 3], { shape: [1, 2, 1, 1] }))
        .reshape([6, 2])
        .sum(1)
        .div(2),
      [0, 0, 1, 2, 3, 3],
      1e-6,
      0,
    );
    const other = new UpSampling2D({ size: [3, 2], interpolation: 'bilinear' });
    expectGradcheck('UpSampling2D bilinear', (a) => other.apply(a), [r(2, 3, 2, 2)]);
  });

  it('shapes with unknown sizes; config round trip; bad options refused', () => {
    const layer = new UpSampling2D({ size: 3, name: 'up' });
    assert.deepEqual(layer.computeOutputShape(asShape([null, 4, 2])), [null, 12, 2]);
    roundTrip(layer);
    roundTrip(new UpSampling2D({ interpolation: 'bilinear' }));
    refuses(
      () => new UpSampling2D({ interpolation: 'bicubic' as never, name: 'u1' }),
      /UpSampling2D 'u1'.*interpolation/,
    );
    refuses(() => new UpSampling2D({ size: [2, 0], name: 'u2' }), /UpSampling2D 'u2': size/);
    refuses(() => new UpSampling2D({ name: 'u3' }).apply(r(2, 4)), /'u3': input must be images/);
  });
});

describeEachBackend('ZeroPadding2D', () => {
  it('[[1, 0], [2, 1]]: zeros around, by hand; gradcheck', () => {
    const layer = new ZeroPadding2D({
      padding: [
        [1, 0],
        [2, 1],
      ],
    });
    const y = layer.apply(tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1] }));
    assert.deepEqual(y.shape, [1, 3, 5, 1]);
    assert.deepEqual(Array.from(y.dataSync()), [0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 3, 4, 0]);
    const other = new ZeroPadding2D({
      padding: [
        [1, 0],
        [2, 1],
      ],
    });
    expectGradcheck('ZeroPadding2D', (a) => other.apply(a), [r(2, 3, 2, 2)]);
  });

  it('an int or a [rows, columns] pair; unknown sizes; round trip; bad padding refused', () => {
    assert.deepEqual(new ZeroPadding2D().computeOutputShape([3, 4, 2]), [5, 6, 2]);
    assert.deepEqual(new ZeroPadding2D({ padding: [2, 0] }).computeOutputShape(asShape([3, null, 2])), [
      7,
      null,
      2,
    ]);
    assert.deepEqual(new ZeroPadding2D({ padding: 2 }).padding, [
      [2, 2],
      [2, 2],
    ]);
    assert.deepEqual(new ZeroPadding2D({ padding: [1, 3] }).weightShapes([2, 2, 1]), []);
    roundTrip(new ZeroPadding2D({ padding: [1, 3] }));
    refuses(() => new ZeroPadding2D({ padding: -1, name: 'z1' }), /ZeroPadding2D 'z1': padding must be/);
    refuses(
      () => new ZeroPadding2D({ padding: [1, 2, 3] as never, name: 'z2' }),
      /ZeroPadding2D 'z2': padding must be .*\[1,2,3\]/,
    );
    refuses(() => new ZeroPadding2D({ padding: [[1], [2, 3]] as never, name: 'z3' }), /'z3': padding/);
  });
});

describeEachBackend('DepthwiseConv2D', () => {
  const cases: Array<[string, object, number[], number[]]> = [
    [
      '3×3 valid, multiplier 2, tanh',
      { kernelSize: 3, depthMultiplier: 2, activation: 'tanh' },
      [2, 5, 4, 2],
      [2, 3, 2, 4],
    ],
    ['3×3 same stride 2', { kernelSize: 3, strides: 2, padding: 'same' }, [1, 5, 6, 3], [1, 3, 3, 3]],
    ['2×2 dilation 2', { kernelSize: 2, dilationRate: 2 }, [1, 4, 5, 2], [1, 2, 3, 2]],
  ];
  for (const [name, options, xShape, outShape] of cases) {
    it(`${name}: forward against float64, gradcheck for x, depthwise_kernel, bias`, () => {
      const layer = new DepthwiseConv2D(options as never);
      const x = r(...xShape);
      const names = ['depthwise_kernel', 'bias'];
      const [kernel, bias] = randomWeights(layer, x, names);
      checkWeightShapes(layer, xShape.slice(1));
      const f = withWeights(layer, names);
      const y = f(x, kernel!, bias!);
      assert.deepEqual(y.shape, outShape);
      assert.deepEqual(layer.computeOutputShape(xShape.slice(1)), outShape.slice(1));
      const o = options as { strides?: number; padding?: 'same'; dilationRate?: number; activation?: string };
      const { y: z } = refDepthwise(
        x,
        kernel!,
        geometry(o.strides ?? 1, o.padding ?? 'valid', o.dilationRate ?? 1),
      );
      const b = bias!.dataSync();
      const act = o.activation === 'tanh' ? Math.tanh : (v: number) => v;
      assertClose(
        y,
        Array.from(z, (v, i) => act(v + b[i % outShape[3]!]!)),
        1e-4,
        1e-4,
      );
      expectGradcheck(name, f, [x, kernel!, bias!]);
      roundTrip(layer);
    });
  }

  it('Keras weight layout, unknown sizes, no bias; bad options refused', () => {
    const layer = new DepthwiseConv2D({ kernelSize: [3, 2], depthMultiplier: 3, useBias: false, name: 'dw' });
    assert.deepEqual(layer.weightShapes([8, 8, 4]), [['depthwise_kernel', [3, 2, 4, 3]]]);
    assert.deepEqual(layer.computeOutputShape(asShape([null, 8, 4])), [null, 7, 12]);
    refuses(
      () => new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 0, name: 'dw1' }),
      /DepthwiseConv2D 'dw1': depthMultiplier/,
    );
    refuses(
      () => new DepthwiseConv2D({ kernelSize: 3, depthwiseInitializer: 'nope' as never, name: 'dw2' }),
      /DepthwiseConv2D 'dw2': depthwiseInitializer/,
    );
    refuses(
      () => new DepthwiseConv2D({ kernelSize: 3, kernelInitializer: 'zeros' } as never),
      /kernelInitializer/,
    );
    refuses(
      () => new DepthwiseConv2D({ kernelSize: 5, name: 'dw3' }).computeOutputShape([3, 8, 1]),
      /'dw3': input \[3, 8, 1\] is smaller/,
    );
    refuses(
      () => new DepthwiseConv2D({ kernelSize: 3, name: 'dw4' }).weightShapes(asShape([4, 4, null])),
      /'dw4': the channel axis/,
    );
  });
});

describeEachBackend('SeparableConv2D', () => {
  it('depthwise then pointwise: forward against float64, gradcheck for x and all three weights', () => {
    const layer = new SeparableConv2D({
      filters: 3,
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
      strides: 2,
    });
    const x = r(2, 5, 4, 2);
    const names = ['depthwise_kernel', 'pointwise_kernel', 'bias'];
    const [dw, pw, bias] = randomWeights(layer, x, names);
    assert.deepEqual(pw!.shape, [1, 1, 4, 3]);
    checkWeightShapes(layer, [5, 4, 2]);
    const f = withWeights(layer, names);
    const y = f(x, dw!, pw!, bias!);
    assert.deepEqual(y.shape, [2, 3, 2, 3]);
    const { y: z } = refDepthwise(x, dw!, geometry(2, 'same'));
    const p = pw!.dataSync();
    const b = bias!.dataSync();
    const expected: number[] = [];
    for (let pixel = 0; pixel < 2 * 3 * 2; pixel++)
      for (let o = 0; o < 3; o++) {
        let s = b[o]!;
        for (let c = 0; c < 4; c++) s += z[pixel * 4 + c]! * p[c * 3 + o]!;
        expected.push(s);
      }
    assertClose(y, expected, 1e-4, 1e-4);
    expectGradcheck('SeparableConv2D', f, [x, dw!, pw!, bias!]);
    roundTrip(layer);
    roundTrip(
      new SeparableConv2D({ filters: 2, kernelSize: 2, pointwiseRegularizer: 'l2', activation: 'relu' }),
    );
  });

  it('unknown sizes; bad options refused', () => {
    const layer = new SeparableConv2D({ filters: 5, kernelSize: 3, name: 'sep' });
    assert.deepEqual(layer.computeOutputShape(asShape([10, null, 3])), [8, null, 5]);
    refuses(
      () => new SeparableConv2D({ kernelSize: 3, name: 'sep1' } as never),
      /SeparableConv2D 'sep1': filters/,
    );
    refuses(
      () => new SeparableConv2D({ filters: 2, kernelSize: 3, padding: 'causal' as never, name: 'sep2' }),
      /'sep2'.*padding/,
    );
    refuses(
      () => new SeparableConv2D({ filters: 2, kernelSize: 3, pointwise_initializer: 'x' } as never),
      /pointwise_initializer/,
    );
  });
});

it('the reference loops agree with a hand-worked 1-channel convolution', () => {
  // Guards the references themselves: a 2×2 'valid' window over a 3×3 image touches 4 pixels per output.
  const taps: number[] = [];
  eachTap(3, 3, 2, 2, geometry(1, 'valid'), (oy, ox, iy, ix) => taps.push(oy * 10 + ox, iy * 3 + ix));
  assert.equal(taps.length, 2 * 16);
  assert.deepEqual(taps.slice(0, 8), [0, 0, 0, 1, 0, 3, 0, 4]);
});

describeEachBackend('the new layers in a model', () => {
  it('train a step, then save and reload with identical predictions (weights found by their Keras names)', async () => {
    const image = new Sequential();
    image.add(
      new ZeroPadding2D({
        padding: [
          [1, 0],
          [0, 1],
        ],
        inputShape: [6, 6, 2],
      }),
    );
    image.add(new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, activation: 'relu' }));
    image.add(new SeparableConv2D({ filters: 3, kernelSize: 3, padding: 'same' }));
    image.add(new UpSampling2D({ interpolation: 'bilinear' }));
    image.add(new Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 2 }));
    image.add(new LayerNormalization());
    image.add(new Flatten());
    image.add(new Dense({ units: 2 }));
    const sequence = new Sequential();
    sequence.add(
      new Conv1D({ filters: 3, kernelSize: 2, padding: 'causal', dilationRate: 2, inputShape: [7, 2] }),
    );
    sequence.add(new Flatten());
    sequence.add(new Dense({ units: 1 }));
    for (const [model, x, y] of [
      [image, r(4, 6, 6, 2), r(4, 2)],
      [sequence, r(4, 7, 2), r(4, 1)],
    ] as const) {
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      const before = model.predict(x).dataSync().slice();
      await model.fit(x, y, { epochs: 1, verbose: 0 });
      const after = model.predict(x);
      assert.notDeepEqual(Array.from(after.dataSync()), Array.from(before), 'training changed nothing');
      const copy = modelFromArtifacts(structuredClone(model.toArtifacts()));
      assertClose(copy.predict(x), after, 0, 0);
    }
  });
});
