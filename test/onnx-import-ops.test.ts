/**
 * ONNX import of the image, normalization and padding operators: Conv, ConvTranspose, MaxPool,
 * AveragePool, GlobalAveragePool, GlobalMaxPool, BatchNormalization, LayerNormalization and Pad.
 * Each attribute and mode is a hand-built one-node graph checked against a float64 reference of
 * the specification's formula (onnx-import-reference.ts), through the operator's run, through
 * fromOnnx, and in ONNX Runtime; gradients are checked numerically; bad attributes are refused
 * naming the node, the attribute and the value.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fromOnnx, ModelFormatError, tensor } from '../src/index.js';
import { describeEachBackend } from './helpers.js';
import { onnxModel } from './onnx-graphs.js';
import { type Arr, refConv, refConvTranspose, refPad, refPool } from './onnx-import-reference.js';
import {
  checkCase,
  data,
  expectGradcheck,
  expectRefused,
  type OpCase,
  runOurs,
  values,
} from './onnx-op-cases.js';

const win = (
  kernel: number[],
  o: Partial<{ strides: number[]; dilations: number[]; padsBegin: number[]; padsEnd: number[] }> = {},
) => ({
  kernel,
  strides: o.strides ?? kernel.map(() => 1),
  dilations: o.dilations ?? kernel.map(() => 1),
  padsBegin: o.padsBegin ?? kernel.map(() => 0),
  padsEnd: o.padsEnd ?? kernel.map(() => 0),
});

/** Numerical gradients of Σ w·run(...) for the case's float inputs (all of them, tiny sizes). */
describeEachBackend('ONNX import: Conv', () => {
  const x = data(1, [2, 4, 5, 6]);
  const w = data(2, [6, 2, 3, 2]);
  const b = data(3, [6]);
  it('2-D with asymmetric pads, strides, dilations, groups and a bias', async () => {
    const c: OpCase = {
      op: 'Conv',
      attributes: { group: 2, pads: [1, 0, 0, 2], strides: [2, 1], dilations: [1, 2], kernel_shape: [3, 2] },
      inputs: [x, w, b],
      outputs: 1,
    };
    const ref = refConv(x, w, [...b.data], {
      ...win([3, 2], { strides: [2, 1], dilations: [1, 2], padsBegin: [1, 0], padsEnd: [0, 2] }),
      group: 2,
    });
    await checkCase(c, [ref], 'Conv 2-D');
  });
  it('depthwise (group = channels), no bias, default attributes', async () => {
    const dw = data(4, [8, 1, 3, 3]);
    const c: OpCase = { op: 'Conv', attributes: { group: 4 }, inputs: [x, dw], outputs: 1 };
    await checkCase(c, [refConv(x, dw, undefined, { ...win([3, 3]), group: 4 })], 'Conv depthwise');
  });
  for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID'] as const) {
    it(`auto_pad ${autoPad} with stride 2 on odd sizes`, async () => {
      const xi = data(5, [1, 4, 5, 7]);
      const wi = data(6, [3, 4, 2, 4]);
      const c: OpCase = {
        op: 'Conv',
        attributes: { auto_pad: autoPad, strides: [2, 2] },
        inputs: [xi, wi],
        outputs: 1,
      };
      // out = ceil(n / 2); total pad = (out − 1)·2 + k − n, the odd cell at the end (UPPER) or start (LOWER).
      const totals = autoPad === 'VALID' ? [0, 0] : [2 * 2 + 2 - 5, 3 * 2 + 4 - 7];
      const begin = totals.map((t) => (autoPad === 'SAME_LOWER' ? t - Math.floor(t / 2) : Math.floor(t / 2)));
      const end = totals.map((t, i) => t - begin[i]!);
      const ref = refConv(xi, wi, undefined, {
        ...win([2, 4], { strides: [2, 2], padsBegin: begin, padsEnd: end }),
        group: 1,
      });
      await checkCase(c, [ref], `Conv ${autoPad}`);
    });
  }
  it('1-D with pads, stride and dilation', async () => {
    const x1 = data(7, [2, 3, 9]);
    const w1 = data(8, [4, 3, 3]);
    const b1 = data(9, [4]);
    const c: OpCase = {
      op: 'Conv',
      attributes: { pads: [2, 1], strides: [2], dilations: [2] },
      inputs: [x1, w1, b1],
      outputs: 1,
    };
    const ref = refConv(x1, w1, [...b1.data], {
      ...win([3], { strides: [2], dilations: [2], padsBegin: [2], padsEnd: [1] }),
      group: 1,
    });
    await checkCase(c, [ref], 'Conv 1-D');
  });
  it('gradcheck through X, W and B', () => {
    const c: OpCase = {
      op: 'Conv',
      attributes: { group: 2, pads: [1, 0, 0, 1], strides: [2, 1] },
      inputs: [data(10, [1, 2, 4, 3]), data(11, [4, 1, 2, 2]), data(12, [4])],
      outputs: 1,
    };
    expectGradcheck(c, 'Conv', [0, 1, 2]);
  });
  it('refuses 3-D convolution, a bad group and a kernel_shape that disagrees with W, naming the node', () => {
    expectRefused(
      { op: 'Conv', inputs: [data(1, [1, 1, 2, 2, 2]), data(2, [1, 1, 1, 1, 1])], outputs: 1 },
      /the_conv.*3-D/,
    );
    expectRefused({ op: 'Conv', attributes: { group: 3 }, inputs: [x, w], outputs: 1 }, /the_conv.*group 3/);
    const w1 = data(2, [6, 4, 3, 2]);
    expectRefused(
      { op: 'Conv', attributes: { kernel_shape: [2, 2] }, inputs: [x, w1], outputs: 1 },
      /kernel_shape \[2,2\]/,
    );
    expectRefused(
      { op: 'Conv', attributes: { auto_pad: 'SAME' }, inputs: [x, w1], outputs: 1 },
      /auto_pad.*"SAME"/,
    );
    expectRefused(
      { op: 'Conv', attributes: { strides: [0, 1] }, inputs: [x, w1], outputs: 1 },
      /strides.*\[0,1\]/,
    );
  });
});

describeEachBackend('ONNX import: ConvTranspose', () => {
  const x = data(20, [2, 4, 3, 4]);
  it('2-D with strides, asymmetric pads, output_padding, groups and a bias', async () => {
    const w = data(21, [4, 3, 3, 2]);
    const b = data(22, [6]);
    const c: OpCase = {
      op: 'ConvTranspose',
      attributes: { group: 2, strides: [2, 3], pads: [1, 0, 0, 1], output_padding: [1, 2] },
      inputs: [x, w, b],
      outputs: 1,
    };
    // out = s·(n − 1) + output_padding + k − pads.
    const outSizes = [2 * 2 + 1 + 3 - 1, 3 * 3 + 2 + 2 - 1];
    const ref = refConvTranspose(x, w, [...b.data], {
      ...win([3, 2], { strides: [2, 3], padsBegin: [1, 0], padsEnd: [0, 1] }),
      group: 2,
      outSizes,
    });
    await checkCase(c, [ref], 'ConvTranspose 2-D');
  });
  it('dilations, no bias', async () => {
    const w = data(23, [4, 2, 2, 3]);
    const c: OpCase = {
      op: 'ConvTranspose',
      attributes: { dilations: [2, 2], strides: [1, 2] },
      inputs: [x, w],
      outputs: 1,
    };
    const outSizes = [1 * 2 + 2 + 1, 2 * 3 + 4 + 1];
    const ref = refConvTranspose(x, w, undefined, {
      ...win([2, 3], { strides: [1, 2], dilations: [2, 2] }),
      group: 1,
      outSizes,
    });
    await checkCase(c, [ref], 'ConvTranspose dilated');
  });
  for (const [name, attributes] of [
    ['output_shape', { output_shape: [6, 7], strides: [2, 2] }],
    ['SAME_UPPER', { auto_pad: 'SAME_UPPER', strides: [2, 2] }],
    ['SAME_LOWER', { auto_pad: 'SAME_LOWER', strides: [2, 2] }],
    ['VALID', { auto_pad: 'VALID', strides: [2, 2] }],
  ] as const) {
    it(`pads derived from ${name}`, async () => {
      const w = data(24, [4, 5, 3, 3]);
      const c: OpCase = {
        op: 'ConvTranspose',
        attributes: attributes as unknown as OpCase['attributes'],
        inputs: [x, w],
        outputs: 1,
      };
      // SAME_*: out = n·stride; VALID: no padding, out = s·(n − 1) + k.
      const outSizes =
        'output_shape' in attributes
          ? [...attributes.output_shape]
          : attributes.auto_pad === 'VALID'
            ? [7, 9]
            : [6, 8];
      // total = s·(n − 1) + k − out; its odd half at the end for SAME_UPPER, at the start otherwise.
      const totals = outSizes.map((o, i) => 2 * ([3, 4][i]! - 1) + 3 - o);
      const upper = 'auto_pad' in attributes && attributes.auto_pad === 'SAME_UPPER';
      const begin = totals.map((t) => (upper ? Math.floor(t / 2) : t - Math.floor(t / 2)));
      const ref = refConvTranspose(x, w, undefined, {
        ...win([3, 3], { strides: [2, 2], padsBegin: begin }),
        group: 1,
        outSizes,
      });
      await checkCase(c, [ref], `ConvTranspose ${name}`);
    });
  }
  it('1-D', async () => {
    const x1 = data(25, [1, 2, 5]);
    const w1 = data(26, [2, 3, 3]);
    const c: OpCase = {
      op: 'ConvTranspose',
      attributes: { strides: [2], pads: [1, 0], output_padding: [1] },
      inputs: [x1, w1],
      outputs: 1,
    };
    const ref = refConvTranspose(x1, w1, undefined, {
      ...win([3], { strides: [2], padsBegin: [1] }),
      group: 1,
      outSizes: [2 * 4 + 1 + 3 - 1],
    });
    await checkCase(c, [ref], 'ConvTranspose 1-D');
  });
  it('gradcheck through X, W and B', () => {
    const c: OpCase = {
      op: 'ConvTranspose',
      attributes: { strides: [2, 1], pads: [0, 1, 1, 0], output_padding: [1, 0] },
      inputs: [data(27, [1, 2, 2, 3]), data(28, [2, 2, 2, 2]), data(29, [2])],
      outputs: 1,
    };
    expectGradcheck(c, 'ConvTranspose', [0, 1, 2]);
  });
  it('refuses an output_padding not below the stride and an output_shape too large', () => {
    const w = data(24, [4, 5, 3, 3]);
    expectRefused(
      {
        op: 'ConvTranspose',
        attributes: { output_padding: [2, 0], strides: [2, 1] },
        inputs: [x, w],
        outputs: 1,
      },
      /output_padding \[2,0\]/,
    );
    expectRefused(
      { op: 'ConvTranspose', attributes: { output_shape: [20, 20] }, inputs: [x, w], outputs: 1 },
      /output_shape \[20,20\]/,
    );
    // ONNX's shape inference (and so ONNX Runtime) takes the spatial sizes only, not [N, C, …].
    expectRefused(
      { op: 'ConvTranspose', attributes: { output_shape: [2, 5, 6, 7] }, inputs: [x, w], outputs: 1 },
      /output_shape must be 2 integer/,
    );
  });
});

describeEachBackend('ONNX import: pooling', () => {
  const x = data(30, [2, 3, 6, 7]);
  const pooled = (
    o: { kernel: number[]; strides?: number[]; pads?: number[]; dilations?: number[] },
    sizes: number[],
    ceil: boolean,
  ) =>
    sizes.map((n, i) => {
      const span = (o.kernel[i]! - 1) * (o.dilations?.[i] ?? 1) + 1;
      const s = o.strides?.[i] ?? 1;
      const reach = n + (o.pads?.[i] ?? 0) + (o.pads?.[i + sizes.length] ?? 0) - span;
      let out = (ceil ? Math.ceil(reach / s) : Math.floor(reach / s)) + 1;
      if (ceil && (out - 1) * s >= n + (o.pads?.[i] ?? 0)) out--;
      return out;
    });
  const cases = [
    { name: 'pads and strides', kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1] },
    { name: 'ceil_mode', kernel: [2, 3], strides: [2, 2], pads: [0, 1, 0, 0], ceil: true },
    // On the 6-high axis a fourth window would start past the input and its leading padding: dropped.
    { name: 'ceil_mode and end pads', kernel: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil: true },
    { name: 'dilations', kernel: [2, 2], strides: [1, 2], dilations: [2, 3] },
    { name: 'ceil_mode and dilations', kernel: [2, 2], strides: [3, 2], dilations: [2, 1], ceil: true },
  ];
  for (const kind of ['max', 'average'] as const) {
    const op = kind === 'max' ? 'MaxPool' : 'AveragePool';
    for (const p of cases) {
      for (const include of kind === 'average' ? [0, 1] : [0]) {
        it(`${op} with ${p.name}${include ? ', count_include_pad 1' : ''}`, async () => {
          const attributes: OpCase['attributes'] = {
            kernel_shape: p.kernel,
            strides: p.strides,
            ...(p.pads && { pads: p.pads }),
            ...(p.dilations && { dilations: p.dilations }),
            ...(p.ceil && { ceil_mode: 1 }),
            ...(include && { count_include_pad: 1 }),
          };
          // AveragePool has dilations from opset 19.
          const c: OpCase = { op, attributes, inputs: [x], outputs: 1, ...(p.dilations && { opset: 19 }) };
          const ref = refPool(kind, x, {
            ...win(p.kernel, {
              strides: p.strides,
              dilations: p.dilations,
              padsBegin: p.pads?.slice(0, 2),
              padsEnd: p.pads?.slice(2),
            }),
            outSizes: pooled(p, [6, 7], p.ceil ?? false),
            countIncludePad: include === 1,
          });
          await checkCase(c, [ref], `${op} ${p.name}`);
        });
      }
    }
    for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID'] as const) {
      it(`${op} with auto_pad ${autoPad}`, async () => {
        const c: OpCase = {
          op,
          attributes: { kernel_shape: [3, 2], strides: [2, 2], auto_pad: autoPad },
          inputs: [x],
          outputs: 1,
        };
        // SAME: out = ceil(n / 2) = [3, 4]; totals (3−1)·2 + 3 − 6 = 1 and (4−1)·2 + 2 − 7 = 1.
        // VALID: no padding, out = floor((n − k) / 2) + 1 = [2, 3].
        const pads = { SAME_UPPER: [0, 0, 1, 1], SAME_LOWER: [1, 1, 0, 0], VALID: [0, 0, 0, 0] }[autoPad];
        const ref = refPool(kind, x, {
          ...win([3, 2], { strides: [2, 2], padsBegin: pads.slice(0, 2), padsEnd: pads.slice(2) }),
          outSizes: autoPad === 'VALID' ? [2, 3] : [3, 4],
        });
        await checkCase(c, [ref], `${op} ${autoPad}`);
      });
    }
    it(`${op} 1-D`, async () => {
      const x1 = data(31, [2, 3, 8]);
      const c: OpCase = {
        op,
        attributes: { kernel_shape: [3], strides: [2], pads: [1, 1] },
        inputs: [x1],
        outputs: 1,
      };
      const ref = refPool(kind, x1, {
        ...win([3], { strides: [2], padsBegin: [1], padsEnd: [1] }),
        outSizes: [4],
      });
      await checkCase(c, [ref], `${op} 1-D`);
    });
  }
  it('MaxPool accepts storage_order (it only orders the refused Indices output)', async () => {
    const c: OpCase = {
      op: 'MaxPool',
      attributes: { kernel_shape: [2, 2], storage_order: 1 },
      inputs: [x],
      outputs: 1,
    };
    await checkCase(c, [refPool('max', x, { ...win([2, 2]), outSizes: [5, 6] })], 'MaxPool storage_order');
  });
  for (const [op, kind] of [
    ['GlobalAveragePool', 'average'],
    ['GlobalMaxPool', 'max'],
  ] as const) {
    it(`${op} on 2-D and 1-D inputs`, async () => {
      await checkCase(
        { op, inputs: [x], outputs: 1 },
        [refPool(kind, x, { ...win([6, 7]), outSizes: [1, 1] })],
        op,
      );
      const x1 = data(32, [2, 3, 5]);
      await checkCase(
        { op, inputs: [x1], outputs: 1 },
        [refPool(kind, x1, { ...win([5]), outSizes: [1] })],
        `${op} 1-D`,
      );
    });
  }
  it('gradcheck through MaxPool, AveragePool (both counts) and the global pools', () => {
    // Values 0.1 apart in a scrambled order: no near-ties for max pooling's finite differences.
    const distinct: OpCase['inputs'][0] = {
      dims: [1, 2, 4, 5],
      data: Array.from({ length: 40 }, (_, i) => ((i * 17) % 40) / 10 - 2),
    };
    const attributes = { kernel_shape: [2, 3], strides: [2, 2], pads: [1, 1, 0, 1], ceil_mode: 1 };
    expectGradcheck({ op: 'MaxPool', attributes, inputs: [distinct], outputs: 1 }, 'MaxPool', [0]);
    expectGradcheck({ op: 'AveragePool', attributes, inputs: [distinct], outputs: 1 }, 'AveragePool', [0]);
    expectGradcheck(
      {
        op: 'AveragePool',
        attributes: { ...attributes, count_include_pad: 1 },
        inputs: [distinct],
        outputs: 1,
      },
      'AveragePool incl. pad',
      [0],
    );
    expectGradcheck({ op: 'GlobalMaxPool', inputs: [distinct], outputs: 1 }, 'GlobalMaxPool', [0]);
    expectGradcheck({ op: 'GlobalAveragePool', inputs: [distinct], outputs: 1 }, 'GlobalAveragePool', [0]);
  });
  it('refuses a missing kernel_shape, pads as wide as the window and 3-D pooling', () => {
    expectRefused({ op: 'MaxPool', inputs: [x], outputs: 1 }, /the_maxpool.*kernel_shape is required/);
    expectRefused(
      {
        op: 'AveragePool',
        attributes: { kernel_shape: [2, 2], pads: [2, 0, 0, 0] },
        inputs: [x],
        outputs: 1,
      },
      /pads \[2,0,0,0\]/,
    );
    expectRefused(
      {
        op: 'MaxPool',
        attributes: { kernel_shape: [2, 2, 2] },
        inputs: [data(1, [1, 1, 2, 2, 2])],
        outputs: 1,
      },
      /3-D/,
    );
    expectRefused(
      { op: 'MaxPool', attributes: { kernel_shape: [2, 2], ceil_mode: 2 }, inputs: [x], outputs: 1 },
      /ceil_mode.*2/,
    );
    expectRefused(
      { op: 'AveragePool', attributes: { kernel_shape: [2, 2], dilations: [2, 2] }, inputs: [x], outputs: 1 },
      /dilations needs opset 19/,
    );
    // …and the importer, reading the opset-18 attribute list, does not know the attribute.
    assert.throws(
      () =>
        runOurs({
          op: 'AveragePool',
          attributes: { kernel_shape: [2, 2], dilations: [2, 2] },
          inputs: [x],
          outputs: 1,
        }),
      (e: unknown) => e instanceof ModelFormatError && /dilations/.test(e.message),
    );
  });
});

/** BatchNormalization by the formula, per channel (axis 1). */
function refBatchNorm(
  x: Arr,
  scale: number[],
  bias: number[],
  mean: number[],
  variance: number[],
  epsilon: number,
): Arr {
  const channels = x.dims[1]!;
  const inner = x.dims.slice(2).reduce((a, b) => a * b, 1);
  const out = Float64Array.from(x.data, (v, i) => {
    const c = Math.floor(i / inner) % channels;
    return ((v - mean[c]!) / Math.sqrt(variance[c]! + epsilon)) * scale[c]! + bias[c]!;
  });
  return { dims: x.dims, data: out };
}

/** LayerNormalization over the axes from `axis` on: Y, Mean and InvStdDev (reduced axes kept as 1). */
function refLayerNorm(
  x: Arr,
  axis: number,
  scale: number[],
  bias: number[] | undefined,
  epsilon: number,
): Arr[] {
  const start = axis < 0 ? axis + x.dims.length : axis;
  const inner = x.dims.slice(start).reduce((a, b) => a * b, 1);
  const outer = x.data.length / inner;
  const y = new Float64Array(x.data.length);
  const means = new Float64Array(outer);
  const inv = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    let m = 0;
    for (let i = 0; i < inner; i++) m += x.data[o * inner + i]!;
    m /= inner;
    let v = 0;
    for (let i = 0; i < inner; i++) v += (x.data[o * inner + i]! - m) ** 2;
    const r = 1 / Math.sqrt(v / inner + epsilon);
    means[o] = m;
    inv[o] = r;
    for (let i = 0; i < inner; i++)
      y[o * inner + i] = (x.data[o * inner + i]! - m) * r * scale[i]! + (bias?.[i] ?? 0);
  }
  const reduced = x.dims.map((d, i) => (i < start ? d : 1));
  return [
    { dims: x.dims, data: y },
    { dims: reduced, data: means },
    { dims: reduced, data: inv },
  ];
}

describeEachBackend('ONNX import: normalization', () => {
  for (const dims of [
    [2, 3, 4, 5],
    [4, 3],
    [2, 3, 6],
  ]) {
    it(`BatchNormalization on [${dims.join(', ')}] with epsilon`, async () => {
      const x = data(40, dims);
      const [s, b, m] = [41, 42, 43].map((seed) => values(seed, 3));
      const v = values(44, 3, 0.2, 2);
      const c: OpCase = {
        op: 'BatchNormalization',
        attributes: { epsilon: 0.01, momentum: 0.8 },
        inputs: [
          x,
          { dims: [3], data: s! },
          { dims: [3], data: b! },
          { dims: [3], data: m! },
          { dims: [3], data: v },
        ],
        outputs: 1,
      };
      await checkCase(c, [refBatchNorm(x, s!, b!, m!, v, 0.01)], 'BatchNormalization');
    });
  }
  it('BatchNormalization gradcheck through X, scale and B; training_mode 1 refused', () => {
    const c: OpCase = {
      op: 'BatchNormalization',
      inputs: [data(45, [2, 2, 2, 3]), data(46, [2]), data(47, [2]), data(48, [2]), data(49, [2], 0.5, 2)],
      outputs: 1,
    };
    expectGradcheck(c, 'BatchNormalization', [0, 1, 2]);
    expectRefused({ ...c, attributes: { training_mode: 1 } }, /the_batchnormalization.*training_mode 1/);
    expectRefused(
      { ...c, inputs: [c.inputs[0]!, data(46, [3]), ...c.inputs.slice(2)] },
      /scale must be \[2\]/,
    );
  });
  it('LayerNormalization over the last axis (defaults), with Mean and InvStdDev', async () => {
    const x = data(50, [2, 3, 4]);
    const s = values(51, 4);
    const b = values(52, 4);
    const c: OpCase = {
      op: 'LayerNormalization',
      inputs: [x, { dims: [4], data: s }, { dims: [4], data: b }],
      outputs: 3,
    };
    await checkCase(c, refLayerNorm(x, -1, s, b, 1e-5), 'LayerNormalization');
  });
  it('LayerNormalization over axis 1, epsilon, no bias', async () => {
    const x = data(53, [2, 3, 4]);
    const s = values(54, 12);
    const c: OpCase = {
      op: 'LayerNormalization',
      attributes: { axis: 1, epsilon: 0.1 },
      inputs: [x, { dims: [3, 4], data: s }],
      outputs: 1,
    };
    await checkCase(c, refLayerNorm(x, 1, s, undefined, 0.1).slice(0, 1), 'LayerNormalization axis 1');
  });
  it('LayerNormalization gradcheck through X, Scale and B; a Scale of the wrong shape refused', () => {
    const c: OpCase = {
      op: 'LayerNormalization',
      attributes: { axis: -2 },
      inputs: [data(55, [2, 3, 2]), data(56, [3, 2]), data(57, [3, 2])],
      outputs: 1,
    };
    expectGradcheck(c, 'LayerNormalization', [0, 1, 2]);
    expectRefused(
      { ...c, inputs: [c.inputs[0]!, data(56, [4])] },
      /the_layernormalization.*Scale of shape \[4\]/,
    );
    expectRefused({ ...c, attributes: { axis: 3 } }, /axis.*3/);
  });
});

describeEachBackend('ONNX import: Pad', () => {
  // The batch axis (0) is never padded: an imported model keeps it.
  const x = data(60, [2, 4, 5]);
  const int64 = (values: number[]): OpCase['inputs'][0] => ({
    dims: [values.length],
    data: values,
    type: 'int64',
  });
  for (const mode of ['constant', 'reflect', 'edge'] as const) {
    it(`mode ${mode}, with a crop (negative pad)`, async () => {
      const pads = [0, 2, 1, 0, -1, 3];
      const c: OpCase = {
        op: 'Pad',
        attributes: { mode },
        inputs: [x, int64(pads), ...(mode === 'constant' ? [{ dims: [], data: [1.5] }] : [])],
        outputs: 1,
      };
      // Crop first, then pad the rest.
      const cropped: Arr = { dims: [2, 3, 5], data: x.data.filter((_, i) => Math.floor(i / 5) % 4 !== 3) };
      await checkCase(c, [refPad(cropped, [0, 2, 1], [0, 0, 3], mode, 1.5)], `Pad ${mode}`);
    });
  }
  it('the axes input (opset 18), negative axes, and the default constant 0', async () => {
    const c: OpCase = { op: 'Pad', inputs: [x, int64([1, 2, 0, 1]), null, int64([-1, 1])], outputs: 1 };
    await checkCase(c, [refPad(x, [0, 2, 1], [0, 1, 0], 'constant', 0)], 'Pad axes');
  });
  it('opset 13 (no axes input)', async () => {
    const c: OpCase = {
      op: 'Pad',
      attributes: { mode: 'edge' },
      inputs: [x, int64([0, 1, 0, 0, 2, 2])],
      outputs: 1,
      opset: 13,
    };
    await checkCase(c, [refPad(x, [0, 1, 0], [0, 2, 2], 'edge', 0)], 'Pad opset 13');
  });
  it('gradcheck in each mode', () => {
    for (const mode of ['constant', 'reflect', 'edge']) {
      const c: OpCase = {
        op: 'Pad',
        attributes: { mode },
        inputs: [data(61, [2, 4]), int64([0, 2, 0, -1])],
        outputs: 1,
      };
      expectGradcheck(c, `Pad ${mode}`, [0]);
    }
  });
  it('refuses wrap, reflect wider than the axis, a pads of the wrong length and axes before opset 18', () => {
    expectRefused(
      { op: 'Pad', attributes: { mode: 'wrap' }, inputs: [x, int64([0, 0, 1, 0, 0, 1])], outputs: 1 },
      /the_pad.*mode.*"wrap"/,
    );
    expectRefused(
      { op: 'Pad', attributes: { mode: 'reflect' }, inputs: [x, int64([0, 0, 5, 0, 0, 0])], outputs: 1 },
      /reflect pads 5, 0 on axis 2/,
    );
    expectRefused({ op: 'Pad', inputs: [x, int64([1, 1])], outputs: 1 }, /pads has 2 values/);
    expectRefused(
      { op: 'Pad', inputs: [x, int64([1, 1]), null, int64([0])], outputs: 1, opset: 17 },
      /axes needs opset 18/,
    );
  });
});

describeEachBackend('ONNX import: the operators in an imported model', () => {
  it('Conv → BatchNormalization → MaxPool fine-tunes: W, B, scale and bias train, the mean and var stay', async () => {
    const bytes = onnxModel({
      inputs: [{ name: 'x', shape: ['N', 2, 5, 5] }],
      outputs: [{ name: 'y' }],
      initializers: [
        { name: 'w', dims: [3, 2, 2, 2], data: values(70, 24) },
        { name: 'b', dims: [3], data: values(71, 3) },
        { name: 'scale', dims: [3], data: values(72, 3) },
        { name: 'bias', dims: [3], data: values(73, 3) },
        { name: 'mean', dims: [3], data: values(74, 3) },
        { name: 'var', dims: [3], data: values(75, 3, 0.5, 2) },
      ],
      nodes: [
        { opType: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attributes: { pads: [1, 1, 0, 0] } },
        { opType: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['n'] },
        {
          opType: 'MaxPool',
          inputs: ['n'],
          outputs: ['p'],
          attributes: { kernel_shape: [2, 2], strides: [2, 2] },
        },
        { opType: 'Flatten', inputs: ['p'], outputs: ['y'] },
      ],
    });
    const model = fromOnnx(bytes);
    const sizes = model.trainableWeights.map((w) => w.shape.reduce((a, b) => a * b, 1)).sort((a, b) => a - b);
    assert.deepEqual(sizes, [3, 3, 3, 24], 'trainable: b, scale, bias, w (not mean, var)');
    const frozen = model.weights.filter((w) => !model.trainableWeights.includes(w.tensor));
    const before = frozen.map((w) => [...w.tensor.dataSync()]);
    assert.equal(frozen.length, 2);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor(Float32Array.from(values(76, 2 * 50)), { shape: [2, 2, 5, 5] });
    const y = tensor(Float32Array.from(values(77, 2 * 12)), { shape: [2, 12] });
    const start = model.evaluate(x, y).loss!;
    await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    assert.ok(model.evaluate(x, y).loss! < start, 'a step of gradient descent lowers the loss');
    frozen.forEach((w, i) => {
      assert.deepEqual([...w.tensor.dataSync()], before[i], `${w.name} stays`);
    });
  });
  it('refuses MaxPool naming its Indices output, by the node', () => {
    const c: OpCase = {
      op: 'MaxPool',
      attributes: { kernel_shape: [2, 2] },
      inputs: [data(78, [1, 1, 4, 4])],
      outputs: 2,
    };
    assert.throws(
      () => runOurs(c),
      (e: unknown) => e instanceof ModelFormatError && /the_maxpool/.test(e.message),
    );
  });
});
