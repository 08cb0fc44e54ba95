/**
 * ONNX import (issue 17), the framework and the general operators: each operator on a hand-built
 * graph (test/onnx-graphs.ts), checked against a float64 reference of the specification's formula
 * written here and against ONNX Runtime on the same bytes; every attribute once left out so its
 * default is the one used; the importer's refusals (unknown operator, bad attributes, old opset,
 * undefined inputs, data-dependent values where constants are needed); Shape chains that PyTorch
 * emits for a dynamic batch; a fuzz test of the parser
 * and checks; fine-tuning an imported MLP; and saving/loading an imported model.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  gradcheck,
  Model,
  ModelFormatError,
  modelFromArtifacts,
  OnnxGraph,
  SGD,
  type Tensor,
  tensor,
} from '../src/index.js';
import { fromOnnx } from '../src/interop/onnx/import/from-onnx.js';
import { AttributeType } from '../src/interop/onnx/onnx-proto.js';
import { sealModelJson } from '../src/model/manifest.js';
import { loadOnnx } from '../src/node/index.js';
import { describeEachBackend, useTempDir } from './helpers.js';
import {
  type GraphSpec,
  type NodeSpec,
  onnxModel,
  runImportedWithShapes,
  runOrtModel,
  seededValues,
} from './onnx-graphs.js';

// ---------------------------------------------------------------------------------------------
// A float64 reference: n-d arrays as flat number[] + shape, with NumPy broadcasting.

interface Nd {
  data: number[];
  shape: number[];
}

const nd = (data: ArrayLike<number>, shape: number[]): Nd => ({ data: Array.from(data), shape });
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const strides = (s: readonly number[]) => s.map((_, i) => size(s.slice(i + 1)));

function unravel(i: number, shape: readonly number[]): number[] {
  return strides(shape).map((st, k) => Math.floor(i / st) % shape[k]!);
}

function broadcast(xs: Nd[], f: (...v: number[]) => number): Nd {
  const rank = Math.max(...xs.map((x) => x.shape.length));
  const padded = xs.map((x) => [...Array(rank - x.shape.length).fill(1), ...x.shape] as number[]);
  const shape = Array.from({ length: rank }, (_, k) => Math.max(...padded.map((s) => s[k]!)));
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return f(
      ...xs.map((x, j) => {
        const s = padded[j]!;
        const st = strides(s);
        return x.data[idx.reduce((acc, v, k) => acc + (s[k] === 1 ? 0 : v) * st[k]!, 0)]!;
      }),
    );
  });
  return { data, shape };
}

const map = (x: Nd, f: (v: number) => number): Nd => ({ data: x.data.map(f), shape: [...x.shape] });

function transposeNd(x: Nd, perm: number[]): Nd {
  const shape = perm.map((p) => x.shape[p]!);
  const st = strides(x.shape);
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return x.data[idx.reduce((acc, v, k) => acc + v * st[perm[k]!]!, 0)]!;
  });
  return { data, shape };
}

function matmul2d(a: Nd, b: Nd): Nd {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const data = Array.from({ length: m * n }, (_, i) => {
    const r = Math.floor(i / n);
    const c = i % n;
    let s = 0;
    for (let j = 0; j < k; j++) s += a.data[r * k + j]! * b.data[j * n + c]!;
    return s;
  });
  return { data, shape: [m, n] };
}

/** Reduce axis `axis` with f over the values along it. */
function alongAxis(x: Nd, axis: number, f: (v: number[]) => number[]): Nd {
  const out = [...x.data];
  const st = strides(x.shape)[axis]!;
  const n = x.shape[axis]!;
  for (let i = 0; i < x.data.length; i++) {
    if (unravel(i, x.shape)[axis] !== 0) continue;
    const line = Array.from({ length: n }, (_, j) => x.data[i + j * st]!);
    f(line).forEach((v, j) => {
      out[i + j * st] = v;
    });
  }
  return { data: out, shape: [...x.shape] };
}

function reduceNd(x: Nd, axes: number[], keep: boolean, f: (v: number[]) => number): Nd {
  const kept = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const groups = new Map<number, number[]>();
  const st = strides(kept);
  x.data.forEach((v, i) => {
    const idx = unravel(i, x.shape);
    const key = idx.reduce((acc, u, k) => acc + (axes.includes(k) ? 0 : u) * st[k]!, 0);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  });
  const data = Array.from({ length: size(kept) }, (_, i) => f(groups.get(i)!));
  return { data, shape: keep ? kept : x.shape.filter((_, k) => !axes.includes(k)) };
}

/** erf to ~1e-15 (series for small |x|, continued fraction beyond). */
function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc continued fraction (Lentz).
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f);
}

const sigmoid64 = (v: number) => 1 / (1 + Math.exp(-v));
const softmaxLine = (v: number[]) => {
  const m = Math.max(...v);
  const e = v.map((u) => Math.exp(u - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((u) => u / s);
};

// ---------------------------------------------------------------------------------------------
// Running one case: backprop (fromOnnx + predict) against the reference, and ONNX Runtime.

interface Case {
  spec: GraphSpec;
  inputs: Nd[];
  expected: Nd[];
  /** Absolute tolerance against the float64 reference (plus 1e-5 relative). */
  atol?: number;
  /** Compare with ONNX Runtime too (default true). */
  ort?: boolean;
}

function assertNear(
  got: { data: ArrayLike<number>; shape: readonly number[] },
  want: Nd,
  atol: number,
  what: string,
) {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  for (let i = 0; i < want.data.length; i++) {
    const w = want.data[i]!;
    const g = got.data[i]!;
    assert.ok(Math.abs(g - w) <= atol + 1e-5 * Math.abs(w), `${what}: element ${i}: got ${g}, expected ${w}`);
  }
}

async function check(c: Case, what: string): Promise<void> {
  const bytes = onnxModel(c.spec);
  const xs = c.inputs.map((x) => Float32Array.from(x.data));
  const shapes = c.inputs.map((x) => x.shape);
  const ours = runImportedWithShapes(bytes, xs, shapes);
  assert.equal(ours.length, c.expected.length, `${what}: output count`);
  c.expected.forEach((w, i) => {
    assertNear(ours[i]!, w, c.atol ?? 1e-6, `${what} output ${i} vs float64`);
  });
  if (c.ort === false) return;
  const theirs = await runOrtModel(bytes, c.spec, xs, shapes);
  theirs.forEach((t, i) => {
    assertNear({ data: t.data, shape: t.dims }, want(ours[i]!), 1e-5, `${what} output ${i} vs ORT`);
  });
}

const want = (o: { data: Float32Array; shape: number[] }): Nd => nd(o.data, o.shape);

/** A one-node graph on inputs x (and y…) of the given shapes; the first axis is the batch. */
function oneNode(
  node: Omit<NodeSpec, 'outputs'> & { outputs?: string[] },
  inputShapes: number[][],
  extra: Partial<GraphSpec> = {},
): GraphSpec {
  const names = inputShapes.map((_, i) => ['x', 'y', 'z'][i]!);
  const outputs = node.outputs ?? ['out'];
  return {
    inputs: inputShapes.map((s, i) => ({ name: names[i]!, shape: ['N', ...s.slice(1)] })),
    outputs: outputs.map((name) => ({ name })),
    nodes: [{ ...node, outputs }],
    ...extra,
  };
}

const rand = (seed: number, shape: number[], lo = -2, hi = 2) =>
  nd(seededValues(seed, size(shape), lo, hi), shape);

describeEachBackend('fromOnnx operators', () => {
  it('Add, Sub, Mul, Div, Pow broadcast both ways (multidirectional)', async () => {
    const cases: [string, (a: number, b: number) => number][] = [
      ['Add', (a, b) => a + b],
      ['Sub', (a, b) => a - b],
      ['Mul', (a, b) => a * b],
      ['Div', (a, b) => a / b],
      ['Pow', (a, b) => a ** b],
    ];
    for (const [op, f] of cases) {
      const x = op === 'Pow' ? rand(1, [2, 3, 1], 0.5, 2) : rand(1, [2, 3, 1]);
      const y = op === 'Div' ? rand(2, [2, 1, 4], 0.5, 2) : rand(2, [2, 1, 4]);
      await check(
        {
          spec: oneNode({ opType: op, inputs: ['x', 'y'] }, [x.shape, y.shape]),
          inputs: [x, y],
          expected: [broadcast([x, y], f)],
        },
        op,
      );
      // A weight (initializer) on the right, broadcast over the batch.
      const w = op === 'Div' ? rand(3, [4], 0.5, 2) : rand(3, [4]);
      const spec = oneNode({ opType: op, inputs: ['x', 'w'] }, [x.shape], {
        initializers: [{ name: 'w', dims: w.shape, data: w.data }],
      });
      await check({ spec, inputs: [x], expected: [broadcast([x, w], f)] }, `${op} with an initializer`);
      // A weight, trainable but in Pow's exponent (a constant of the formula).
      assert.equal(
        fromOnnx(onnxModel(spec)).trainableWeights.length,
        op === 'Pow' ? 0 : 1,
        `${op}: trainable`,
      );
    }
  });

  it('Sum, Mean, Max, Min fold any number of broadcast inputs', async () => {
    const x = rand(4, [2, 3]);
    const y = rand(5, [2, 1]);
    const z = rand(6, [2, 3]);
    const cases: [string, (...v: number[]) => number][] = [
      ['Sum', (...v) => v.reduce((a, b) => a + b, 0)],
      ['Mean', (...v) => v.reduce((a, b) => a + b, 0) / v.length],
      ['Max', (...v) => Math.max(...v)],
      ['Min', (...v) => Math.min(...v)],
    ];
    for (const [op, f] of cases) {
      const spec = oneNode({ opType: op, inputs: ['x', 'y', 'z'] }, [x.shape, y.shape, z.shape]);
      await check({ spec, inputs: [x, y, z], expected: [broadcast([x, y, z], f)] }, op);
      await check(
        { spec: oneNode({ opType: op, inputs: ['x'] }, [x.shape]), inputs: [x], expected: [x] },
        `${op} of one`,
      );
    }
  });

  it('the unary Neg, Abs, Sqrt, Exp, Log, Erf, Reciprocal, Floor, Ceil', async () => {
    const x = rand(7, [3, 5], -3, 3);
    const positive = rand(8, [3, 5], 0.1, 4);
    const cases: [string, Nd, (v: number) => number][] = [
      ['Neg', x, (v) => -v],
      ['Abs', x, Math.abs],
      ['Sqrt', positive, Math.sqrt],
      ['Exp', x, Math.exp],
      ['Log', positive, Math.log],
      ['Erf', x, erf64],
      ['Reciprocal', positive, (v) => 1 / v],
      ['Floor', x, Math.floor],
      ['Ceil', x, Math.ceil],
    ];
    for (const [op, input, f] of cases) {
      await check(
        {
          spec: oneNode({ opType: op, inputs: ['x'] }, [input.shape]),
          inputs: [input],
          expected: [map(input, f)],
          atol: 1e-6,
        },
        op,
      );
    }
  });

  it('activations with their default attributes and with each one given', async () => {
    const x = rand(9, [2, 3, 4], -4, 4);
    const cases: [string, Record<string, number | { float: number }>, (v: number) => number][] = [
      ['Relu', {}, (v) => Math.max(0, v)],
      ['LeakyRelu', {}, (v) => (v >= 0 ? v : 0.01 * v)],
      ['LeakyRelu', { alpha: 0.3 }, (v) => (v >= 0 ? v : 0.3 * v)],
      ['Elu', {}, (v) => (v >= 0 ? v : Math.exp(v) - 1)],
      ['Elu', { alpha: 0.5 }, (v) => (v >= 0 ? v : 0.5 * (Math.exp(v) - 1))],
      ['Sigmoid', {}, sigmoid64],
      ['Tanh', {}, Math.tanh],
      ['Softplus', {}, (v) => Math.log(Math.exp(v) + 1)],
      ['HardSigmoid', {}, (v) => Math.max(0, Math.min(1, 0.2 * v + 0.5))],
      ['HardSigmoid', { alpha: 0.25 }, (v) => Math.max(0, Math.min(1, 0.25 * v + 0.5))],
      ['HardSigmoid', { beta: 0.25 }, (v) => Math.max(0, Math.min(1, 0.2 * v + 0.25))],
    ];
    for (const [op, attributes, f] of cases) {
      const spec = oneNode({ opType: op, inputs: ['x'], attributes }, [x.shape]);
      await check({ spec, inputs: [x], expected: [map(x, f)] }, `${op} ${JSON.stringify(attributes)}`);
    }
  });

  it('Softmax and LogSoftmax: axis −1 by default, or the one given', async () => {
    const x = rand(10, [2, 3, 4], -3, 3);
    const logLine = (v: number[]) => softmaxLine(v).map(Math.log);
    for (const [op, line] of [
      ['Softmax', softmaxLine],
      ['LogSoftmax', logLine],
    ] as const) {
      await check(
        {
          spec: oneNode({ opType: op, inputs: ['x'] }, [x.shape]),
          inputs: [x],
          expected: [alongAxis(x, 2, line)],
        },
        `${op} default`,
      );
      await check(
        {
          spec: oneNode({ opType: op, inputs: ['x'], attributes: { axis: 1 } }, [x.shape]),
          inputs: [x],
          expected: [alongAxis(x, 1, line)],
        },
        `${op} axis 1`,
      );
    }
  });

  it('Gemm: alpha·A′B′ + beta·C with every attribute defaulted, each given, and C left out', async () => {
    const a = rand(11, [3, 4]);
    const b = rand(12, [4, 5]);
    const bt = transposeNd(b, [1, 0]);
    const c = rand(13, [5]);
    const init = (name: string, t: Nd) => ({ name, dims: t.shape, data: t.data });
    const ref = (alpha: number, beta: number, withC = true) =>
      broadcast(withC ? [matmul2d(a, b), c] : [matmul2d(a, b)], (p, q = 0) => alpha * p + beta * q);
    await check(
      {
        spec: oneNode({ opType: 'Gemm', inputs: ['x', 'B', 'C'] }, [a.shape], {
          initializers: [init('B', b), init('C', c)],
        }),
        inputs: [a],
        expected: [ref(1, 1)],
      },
      'Gemm defaults',
    );
    await check(
      {
        spec: oneNode(
          {
            opType: 'Gemm',
            inputs: ['x', 'B', 'C'],
            attributes: { alpha: 0.5, beta: { float: 2 }, transB: 1 },
          },
          [a.shape],
          {
            initializers: [init('B', bt), init('C', c)],
          },
        ),
        inputs: [a],
        expected: [ref(0.5, 2)],
      },
      'Gemm alpha, beta, transB',
    );
    await check(
      {
        spec: oneNode({ opType: 'Gemm', inputs: ['x', 'B'] }, [a.shape], { initializers: [init('B', b)] }),
        inputs: [a],
        expected: [ref(1, 1, false)],
      },
      'Gemm without C',
    );
    // transA: the Gemm reads Aᵀ (a Transpose of the input), so its output's batch is the input's.
    const spec = {
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Transpose', inputs: ['x'], outputs: ['xt'] },
        { opType: 'Gemm', inputs: ['xt', 'B', 'C'], outputs: ['out'], attributes: { transA: 1 } },
      ],
      initializers: [init('B', b), init('C', c)],
    };
    await check({ spec, inputs: [a], expected: [ref(1, 1)] }, 'Gemm transA');
  });

  it('MatMul: batched, broadcast and 1-D operands', async () => {
    const x = rand(14, [2, 3, 4]);
    const w = rand(15, [4, 2]);
    const batched = {
      data: [0, 1].flatMap((n) => matmul2d(nd(x.data.slice(n * 12, n * 12 + 12), [3, 4]), w).data),
      shape: [2, 3, 2],
    };
    const spec = oneNode({ opType: 'MatMul', inputs: ['x', 'W'] }, [x.shape], {
      initializers: [{ name: 'W', dims: w.shape, data: w.data }],
    });
    await check({ spec, inputs: [x], expected: [batched] }, 'MatMul 3-D × 2-D');
    const v = rand(16, [4]);
    const spec1 = oneNode({ opType: 'MatMul', inputs: ['x', 'v'] }, [x.shape], {
      initializers: [{ name: 'v', dims: [4], data: v.data }],
    });
    const mv = {
      data: batched.data
        .map((_, i) => i)
        .filter((i) => i < 6)
        .map((i) => x.data.slice(i * 4, i * 4 + 4).reduce((s, u, j) => s + u * v.data[j]!, 0)),
      shape: [2, 3],
    };
    await check({ spec: spec1, inputs: [x], expected: [mv] }, 'MatMul by a vector');
  });

  it('Flatten (axis 1 by default), Reshape (0 copies, −1 infers), Transpose (reversed by default)', async () => {
    const x = rand(17, [2, 3, 4, 2]);
    await check(
      {
        spec: oneNode({ opType: 'Flatten', inputs: ['x'] }, [x.shape]),
        inputs: [x],
        expected: [nd(x.data, [2, 24])],
      },
      'Flatten',
    );
    const x1 = rand(37, [2, 1, 3, 4]);
    await check(
      {
        spec: oneNode({ opType: 'Flatten', inputs: ['x'], attributes: { axis: 2 } }, [x1.shape]),
        inputs: [x1],
        expected: [nd(x1.data, [2, 12])],
      },
      'Flatten axis 2',
    );
    const reshape = oneNode({ opType: 'Reshape', inputs: ['x', 's'] }, [x.shape], {
      initializers: [{ name: 's', dims: [3], data: [0, -1, 2], type: 'int64' }],
    });
    await check({ spec: reshape, inputs: [x], expected: [nd(x.data, [2, 12, 2])] }, 'Reshape');
    const allowZero = oneNode(
      { opType: 'Reshape', inputs: ['x', 's'], attributes: { allowzero: 1 } },
      [x.shape],
      {
        initializers: [{ name: 's', dims: [2], data: [-1, 24], type: 'int64' }],
      },
    );
    await check({ spec: allowZero, inputs: [x], expected: [nd(x.data, [2, 24])] }, 'Reshape allowzero');
    // Before opset 14 Reshape has no allowzero: giving it is refused, and 0 copies.
    assert.throws(
      () => fromOnnx(onnxModel({ ...allowZero, opset: 13 })),
      /attribute 'allowzero' is not an attribute/,
    );
    await check(
      { spec: { ...reshape, opset: 13 }, inputs: [x], expected: [nd(x.data, [2, 12, 2])] },
      'Reshape opset 13',
    );
    const t3 = rand(18, [2, 3, 4]);
    // Reversing moves the batch axis: run it after a Transpose that brings it back first.
    const spec = {
      inputs: [{ name: 'x', shape: ['N', 3, 4] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Transpose', inputs: ['x'], outputs: ['r'] },
        { opType: 'Transpose', inputs: ['r'], outputs: ['out'], attributes: { perm: [2, 0, 1] } },
      ],
    };
    await check(
      { spec, inputs: [t3], expected: [transposeNd(transposeNd(t3, [2, 1, 0]), [2, 0, 1])] },
      'Transpose',
    );
  });

  it('Concat along a positive and a negative axis', async () => {
    const x = rand(19, [2, 3, 2]);
    const y = rand(20, [2, 1, 2]);
    const joined = {
      data: [0, 1].flatMap((n) => [...x.data.slice(n * 6, n * 6 + 6), ...y.data.slice(n * 2, n * 2 + 2)]),
      shape: [2, 4, 2],
    };
    await check(
      {
        spec: oneNode({ opType: 'Concat', inputs: ['x', 'y'], attributes: { axis: 1 } }, [x.shape, y.shape]),
        inputs: [x, y],
        expected: [joined],
      },
      'Concat 1',
    );
    await check(
      {
        spec: oneNode({ opType: 'Concat', inputs: ['x', 'y'], attributes: { axis: -2 } }, [x.shape, y.shape]),
        inputs: [x, y],
        expected: [joined],
      },
      'Concat −2',
    );
  });

  it('Gather: constant indices with negative ones, and run-time int64 indices into a weight (an embedding)', async () => {
    const x = rand(21, [2, 4, 3]);
    const idx = [3, -4, 1];
    const picked = {
      data: [0, 1].flatMap((n) =>
        idx.flatMap((k) => {
          const r = k < 0 ? k + 4 : k;
          return x.data.slice(n * 12 + r * 3, n * 12 + r * 3 + 3);
        }),
      ),
      shape: [2, 3, 3],
    };
    const spec = oneNode({ opType: 'Gather', inputs: ['x', 'i'], attributes: { axis: 1 } }, [x.shape], {
      initializers: [{ name: 'i', dims: [3], data: idx, type: 'int64' }],
    });
    await check({ spec, inputs: [x], expected: [picked] }, 'Gather constant indices');
    const table = rand(22, [5, 3]);
    const ids = nd([0, 4, -1, 2, 2, 1], [2, 3]);
    const embedded = {
      data: ids.data.flatMap((k) => {
        const r = k < 0 ? k + 5 : k;
        return table.data.slice(r * 3, r * 3 + 3);
      }),
      shape: [2, 3, 3],
    };
    const emb: GraphSpec = {
      inputs: [{ name: 'ids', shape: ['N', 3], type: 'int64' }],
      outputs: [{ name: 'out' }],
      nodes: [{ opType: 'Gather', inputs: ['E', 'ids'], outputs: ['out'] }],
      initializers: [{ name: 'E', dims: table.shape, data: table.data }],
    };
    await check(
      { spec: emb, inputs: [ids], expected: [embedded] },
      'Gather run-time indices (axis 0 by default)',
    );
  });

  it('Squeeze (given axes, or every size-1 axis) and Unsqueeze (negative axes count in the output)', async () => {
    const x = rand(23, [2, 1, 3, 1]);
    const sq = (axes?: number[]) =>
      oneNode({ opType: 'Squeeze', inputs: axes ? ['x', 'a'] : ['x'] }, [x.shape], {
        ...(axes && {
          initializers: [{ name: 'a', dims: [axes.length], data: axes, type: 'int64' as const }],
        }),
      });
    await check({ spec: sq([1]), inputs: [x], expected: [nd(x.data, [2, 3, 1])] }, 'Squeeze [1]');
    await check({ spec: sq([-1, 1]), inputs: [x], expected: [nd(x.data, [2, 3])] }, 'Squeeze [−1, 1]');
    await check({ spec: sq(), inputs: [x], expected: [nd(x.data, [2, 3])] }, 'Squeeze all');
    const y = rand(24, [2, 3]);
    const un = oneNode({ opType: 'Unsqueeze', inputs: ['x', 'a'] }, [y.shape], {
      initializers: [{ name: 'a', dims: [2], data: [-1, 1], type: 'int64' }],
    });
    await check({ spec: un, inputs: [y], expected: [nd(y.data, [2, 1, 3, 1])] }, 'Unsqueeze');
  });

  it('Constant in each form, Identity, Dropout (identity and a true mask) and Cast', async () => {
    const x = rand(25, [2, 3], -3, 3);
    const forms: [Record<string, unknown>, Nd][] = [
      [{ value: { tensor: { dims: [3], data: [1, -2, 0.5] } } }, nd([1, -2, 0.5], [3])],
      [{ value_float: 1.5 }, nd([1.5], [])],
      [{ value_floats: { floats: [2, 3, 4] } }, nd([2, 3, 4], [3])],
      [{ value_int: 3 }, nd([3], [])],
      [{ value_ints: { ints: [1, 2, 3] } }, nd([1, 2, 3], [3])],
      [{ value: { tensor: { dims: [3], data: [4, 5, -6], type: 'int64' } } }, nd([4, 5, -6], [3])],
    ];
    for (const [attributes, c] of forms) {
      const isInt =
        'value_int' in attributes ||
        'value_ints' in attributes ||
        JSON.stringify(attributes).includes('int64');
      const spec: GraphSpec = {
        inputs: [{ name: 'x', shape: ['N', 3] }],
        outputs: [{ name: 'out' }],
        nodes: [
          { opType: 'Constant', inputs: [], outputs: ['c'], attributes: attributes as never },
          // ORT needs matching element types: an integer constant is cast to float first.
          ...(isInt ? [{ opType: 'Cast', inputs: ['c'], outputs: ['cf'], attributes: { to: 1 } }] : []),
          { opType: 'Mul', inputs: ['x', isInt ? 'cf' : 'c'], outputs: ['out'] },
        ],
      };
      await check(
        { spec, inputs: [x], expected: [broadcast([x, c], (a, b) => a * b)] },
        `Constant ${Object.keys(attributes)[0]}`,
      );
    }
    await check(
      { spec: oneNode({ opType: 'Identity', inputs: ['x'] }, [x.shape]), inputs: [x], expected: [x] },
      'Identity',
    );
    const drop = oneNode({ opType: 'Dropout', inputs: ['x'], outputs: ['out', 'mask'] }, [x.shape]);
    const dropSpec: GraphSpec = {
      ...drop,
      outputs: [{ name: 'out' }, { name: 'm' }],
      nodes: [...drop.nodes, { opType: 'Cast', inputs: ['mask'], outputs: ['m'], attributes: { to: 1 } }],
    };
    await check({ spec: dropSpec, inputs: [x], expected: [x, map(x, () => 1)] }, 'Dropout');
    const ratio = oneNode({ opType: 'Dropout', inputs: ['x', 'r'], attributes: { seed: 3 } }, [x.shape], {
      initializers: [{ name: 'r', dims: [], data: [0.5] }],
    });
    await check({ spec: ratio, inputs: [x], expected: [x] }, 'Dropout with a ratio and seed');
    // Cast to INT64 truncates toward zero; to BOOL is x ≠ 0 (each cast back to FLOAT for the output).
    for (const [to, f] of [
      [7, Math.trunc],
      [6, Math.trunc],
      [9, (v: number) => (v !== 0 ? 1 : 0)],
      [11, (v: number) => v],
    ] as const) {
      const xs = nd([...x.data.slice(0, 5), 0], [2, 3]);
      const spec: GraphSpec = {
        inputs: [{ name: 'x', shape: ['N', 3] }],
        outputs: [{ name: 'out' }],
        nodes: [
          { opType: 'Cast', inputs: ['x'], outputs: ['i'], attributes: { to } },
          { opType: 'Cast', inputs: ['i'], outputs: ['out'], attributes: { to: 1 } },
        ],
      };
      await check({ spec, inputs: [xs], expected: [map(xs, f)] }, `Cast to ${to}`);
    }
  });

  it('ReduceMean and friends: axes as an attribute before opset 18 and an input from 18, keepdims 1 by default', async () => {
    const x = rand(26, [2, 3, 4]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    await check(
      {
        spec: oneNode({ opType: 'ReduceMean', inputs: ['x'], attributes: { axes: [-1] } }, [x.shape], {
          opset: 13,
        }),
        inputs: [x],
        expected: [reduceNd(x, [2], true, mean)],
      },
      'ReduceMean opset 13',
    );
    await check(
      {
        spec: oneNode(
          { opType: 'ReduceMean', inputs: ['x'], attributes: { axes: [1, 2], keepdims: 0 } },
          [x.shape],
          { opset: 17 },
        ),
        inputs: [x],
        expected: [reduceNd(x, [1, 2], false, mean)],
      },
      'ReduceMean keepdims 0',
    );
    const v18 = oneNode({ opType: 'ReduceMean', inputs: ['x', 'a'] }, [x.shape], {
      opset: 18,
      initializers: [{ name: 'a', dims: [1], data: [1], type: 'int64' }],
    });
    await check({ spec: v18, inputs: [x], expected: [reduceNd(x, [1], true, mean)] }, 'ReduceMean opset 18');
    const s = oneNode({ opType: 'ReduceSum', inputs: ['x', 'a'], attributes: { keepdims: 0 } }, [x.shape], {
      opset: 13,
      initializers: [{ name: 'a', dims: [1], data: [2], type: 'int64' }],
    });
    await check({ spec: s, inputs: [x], expected: [reduceNd(x, [2], false, sum)] }, 'ReduceSum');
    const noop = oneNode(
      { opType: 'ReduceSum', inputs: ['x'], attributes: { noop_with_empty_axes: 1 } },
      [x.shape],
      { opset: 13 },
    );
    await check({ spec: noop, inputs: [x], expected: [x] }, 'ReduceSum noop_with_empty_axes');
    await check(
      {
        spec: oneNode({ opType: 'ReduceMax', inputs: ['x'], attributes: { axes: [1] } }, [x.shape], {
          opset: 13,
        }),
        inputs: [x],
        expected: [reduceNd(x, [1], true, (v) => Math.max(...v))],
      },
      'ReduceMax',
    );
    const min = (v: number[]) => Math.min(...v);
    await check(
      {
        spec: oneNode(
          { opType: 'ReduceMin', inputs: ['x'], attributes: { axes: [-1, 1], keepdims: 0 } },
          [x.shape],
          { opset: 13 },
        ),
        inputs: [x],
        expected: [reduceNd(x, [1, 2], false, min)],
      },
      'ReduceMin opset 13, axes [-1, 1], keepdims 0',
    );
    const min18 = oneNode({ opType: 'ReduceMin', inputs: ['x', 'a'] }, [x.shape], {
      opset: 18,
      initializers: [{ name: 'a', dims: [1], data: [-1], type: 'int64' }],
    });
    await check({ spec: min18, inputs: [x], expected: [reduceNd(x, [2], true, min)] }, 'ReduceMin opset 18');
  });

  it('constant subgraphs are folded at import, integer division truncating', () => {
    const spec: GraphSpec = {
      inputs: [{ name: 'x', shape: ['N', 6] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Constant', inputs: [], outputs: ['six'], attributes: { value_ints: { ints: [-7, 12] } } },
        { opType: 'Constant', inputs: [], outputs: ['two'], attributes: { value_int: 2 } },
        // [-7, 12] / 2 → [-3, 6] in int64 (truncated); then [0, -3·… ] only the second is used.
        { opType: 'Div', inputs: ['six', 'two'], outputs: ['half'] },
        { opType: 'Gather', inputs: ['half', 'one'], outputs: ['cols'] },
        { opType: 'Unsqueeze', inputs: ['cols', 'zero'], outputs: ['shape1'] },
        { opType: 'Concat', inputs: ['minus1', 'shape1'], outputs: ['shape'], attributes: { axis: 0 } },
        { opType: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { opType: 'Gather', inputs: ['half', 'zero_s'], outputs: ['k'] },
        { opType: 'Cast', inputs: ['k'], outputs: ['kf'], attributes: { to: 1 } },
        { opType: 'Mul', inputs: ['r', 'kf'], outputs: ['out'] },
      ],
      initializers: [
        { name: 'one', dims: [], data: [1], type: 'int64' },
        { name: 'zero', dims: [1], data: [0], type: 'int64' },
        { name: 'zero_s', dims: [], data: [0], type: 'int64' },
        { name: 'minus1', dims: [1], data: [-1], type: 'int64' },
      ],
    };
    const model = fromOnnx(onnxModel(spec));
    const layer = model.layers.find((l) => l instanceof OnnxGraph) as OnnxGraph;
    // Only the run-time nodes remain; the shape arithmetic was done at import.
    assert.deepEqual(
      layer.nodes.map((n) => n.opType),
      ['Reshape', 'Mul'],
    );
    const x = rand(27, [2, 6]);
    const y = model.predict(tensor(Float32Array.from(x.data), { shape: [2, 6] })) as Tensor;
    assert.deepEqual(y.shape, [2, 6]);
    assertNear(
      { data: y.dataSync(), shape: y.shape },
      map(x, (v) => -3 * v),
      1e-6,
      'folded',
    );
  });

  it('an imported graph is differentiable in its inputs (gradcheck through Gemm, Softmax, HardSigmoid, Gather, Concat…)', () => {
    const w = rand(28, [4, 3]);
    const spec: GraphSpec = {
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Gemm', inputs: ['x', 'W'], outputs: ['h'] },
        { opType: 'HardSigmoid', inputs: ['h'], outputs: ['hs'] },
        { opType: 'Gather', inputs: ['x', 'idx'], outputs: ['g'], attributes: { axis: 1 } },
        { opType: 'Concat', inputs: ['hs', 'g'], outputs: ['c'], attributes: { axis: 1 } },
        { opType: 'Transpose', inputs: ['c'], outputs: ['t'], attributes: { perm: [1, 0] } },
        { opType: 'Transpose', inputs: ['t'], outputs: ['t2'], attributes: { perm: [1, 0] } },
        { opType: 'Softmax', inputs: ['t2'], outputs: ['s'] },
        { opType: 'Mul', inputs: ['s', 'g2'], outputs: ['out'] },
        { opType: 'Elu', inputs: ['c'], outputs: ['g2'] },
      ],
      initializers: [
        { name: 'W', dims: w.shape, data: w.data },
        { name: 'idx', dims: [2], data: [3, -4], type: 'int64' },
      ],
    };
    // Nodes out of order are refused; put Elu before its use.
    const ordered = { ...spec, nodes: [...spec.nodes.slice(0, 7), spec.nodes[8]!, spec.nodes[7]!] };
    const model = fromOnnx(onnxModel(ordered));
    const x = tensor(seededValues(29, 12, -1, 1), { shape: [3, 4] });
    const result = gradcheck((t) => model.call(t) as Tensor, [x]);
    assert.ok(result.ok, `gradcheck max error ${result.maxError}`);
  });
});

describeEachBackend('fromOnnx operators the exports also use', () => {
  it('Slice: negative starts and ends, clamping, steps, default axes and steps', async () => {
    const x = rand(40, [2, 5, 4]);
    const pick = (axis1: number[], axis2: number[]): Nd => {
      const data: number[] = [];
      for (let n = 0; n < 2; n++)
        for (const i of axis1) for (const j of axis2) data.push(x.data[n * 20 + i * 4 + j]!);
      return { data, shape: [2, axis1.length, axis2.length] };
    };
    const slice = (starts: number[], ends: number[], axes?: number[], steps?: number[]) => {
      const inits = [
        { name: 'st', dims: [starts.length], data: starts, type: 'int64' as const },
        { name: 'en', dims: [ends.length], data: ends, type: 'int64' as const },
        ...(axes ? [{ name: 'ax', dims: [axes.length], data: axes, type: 'int64' as const }] : []),
        ...(steps ? [{ name: 'sp', dims: [steps.length], data: steps, type: 'int64' as const }] : []),
      ];
      const ins = ['x', 'st', 'en', ...(axes ? ['ax'] : steps ? [''] : []), ...(steps ? ['sp'] : [])];
      return oneNode({ opType: 'Slice', inputs: ins }, [x.shape], { initializers: inits });
    };
    const all4 = [0, 1, 2, 3];
    await check(
      { spec: slice([1, -3], [-1, 1000], [1, 2]), inputs: [x], expected: [pick([1, 2, 3], [1, 2, 3])] },
      'Slice clamped',
    );
    await check(
      { spec: slice([0, 4], [2000, -1000], [0, 1], [1, -2]), inputs: [x], expected: [pick([4, 2, 0], all4)] },
      'Slice step −2',
    );
    await check(
      {
        spec: slice([0, 0, 3], [9, 5, 0], undefined, [1, 2, -1]),
        inputs: [x],
        expected: [pick([0, 2, 4], [3, 2, 1])],
      },
      'Slice default axes',
    );
    await check(
      { spec: slice([-1], [-1000], [1], [-1]), inputs: [x], expected: [pick([4, 3, 2, 1, 0], all4)] },
      'Slice reversed',
    );
  });

  it('Equal (1 where equal), ReduceProd (axes attribute before 18)', async () => {
    const x = nd([1, 2, 3, 0, 2, 2], [2, 3]);
    const y = nd([2], [1]);
    const spec: GraphSpec = {
      inputs: [{ name: 'x', shape: ['N', 3] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Equal', inputs: ['x', 'two'], outputs: ['e'] },
        { opType: 'Cast', inputs: ['e'], outputs: ['out'], attributes: { to: 1 } },
      ],
      initializers: [{ name: 'two', dims: [1], data: y.data }],
    };
    await check({ spec, inputs: [x], expected: [broadcast([x, y], (a, b) => (a === b ? 1 : 0))] }, 'Equal');
    const z = rand(41, [2, 3, 4], 0.5, 1.5);
    const prod = (v: number[]) => v.reduce((a, b) => a * b, 1);
    await check(
      {
        spec: oneNode(
          { opType: 'ReduceProd', inputs: ['x'], attributes: { axes: [1], keepdims: 0 } },
          [z.shape],
          { opset: 17 },
        ),
        inputs: [z],
        expected: [reduceNd(z, [1], false, prod)],
      },
      'ReduceProd',
    );
    await check(
      {
        spec: oneNode({ opType: 'ReduceProd', inputs: ['x'], attributes: { axes: [1, 2] } }, [z.shape], {
          opset: 13,
        }),
        inputs: [z],
        expected: [reduceNd(z, [1, 2], true, prod)],
      },
      'ReduceProd keepdims',
    );
  });

  it('Resize: nearest (default round_prefer_floor, and floor/asymmetric) and linear half_pixel, by scales or sizes', async () => {
    const x = rand(42, [2, 2, 3, 4]);
    const scales = (s: number[]) => [
      { name: 'roi', dims: [0], data: [] },
      { name: 'sc', dims: [4], data: s },
    ];
    // Reference: separable 1-D resampling with the specification's formulas, in float64.
    const resample = (
      t: Nd,
      axis: number,
      out: number,
      f: (i: number) => number[] /* [index, weight]… */,
    ): Nd => {
      const shape = t.shape.map((d, i) => (i === axis ? out : d));
      const st = strides(t.shape);
      const data = Array.from({ length: size(shape) }, (_, i) => {
        const idx = unravel(i, shape);
        const taps = f(idx[axis]!);
        let v = 0;
        for (let k = 0; k < taps.length; k += 2) {
          const src = idx.map((u, a) => (a === axis ? taps[k]! : u));
          v += taps[k + 1]! * t.data[src.reduce((acc, u, a) => acc + u * st[a]!, 0)]!;
        }
        return v;
      });
      return { data, shape };
    };
    const linear = (inSize: number, scale: number) => (i: number) => {
      const c = Math.min(Math.max((i + 0.5) / scale - 0.5, 0), inSize - 1);
      const lo = Math.floor(c);
      return [lo, 1 - (c - lo), Math.min(lo + 1, inSize - 1), c - lo];
    };
    const nearestFloorAsym = (scale: number) => (i: number) => [Math.floor(i / scale), 1];
    const nearestDefault = (inSize: number, scale: number) => (i: number) => {
      const c = (i + 0.5) / scale - 0.5;
      const r = c - Math.floor(c) === 0.5 ? Math.floor(c) : Math.round(c);
      return [Math.min(Math.max(r, 0), inSize - 1), 1];
    };
    const up = resample(resample(x, 2, 6, nearestFloorAsym(2)), 3, 12, nearestFloorAsym(3));
    await check(
      {
        spec: oneNode(
          {
            opType: 'Resize',
            inputs: ['x', 'roi', 'sc'],
            attributes: {
              mode: 'nearest',
              coordinate_transformation_mode: 'asymmetric',
              nearest_mode: 'floor',
            },
          },
          [x.shape],
          { initializers: scales([1, 1, 2, 3]) },
        ),
        inputs: [x],
        expected: [up],
      },
      'Resize nearest floor asymmetric (UpSampling2D)',
    );
    const bil = resample(resample(x, 2, 6, linear(3, 2)), 3, 8, linear(4, 2));
    await check(
      {
        spec: oneNode(
          { opType: 'Resize', inputs: ['x', 'roi', 'sc'], attributes: { mode: 'linear' } },
          [x.shape],
          { initializers: scales([1, 1, 2, 2]) },
        ),
        inputs: [x],
        expected: [bil],
      },
      'Resize linear half_pixel',
    );
    const dflt = resample(resample(x, 2, 5, nearestDefault(3, 5 / 3)), 3, 6, nearestDefault(4, 6 / 4));
    await check(
      {
        // sizes fix every axis they name: with axes (opset 18) the batch axis stays free.
        spec: oneNode(
          { opType: 'Resize', inputs: ['x', '', '', 'sz'], attributes: { axes: [2, 3] } },
          [x.shape],
          {
            opset: 18,
            initializers: [{ name: 'sz', dims: [2], data: [5, 6], type: 'int64' }],
          },
        ),
        inputs: [x],
        expected: [dflt],
      },
      'Resize defaults (nearest, half_pixel, round_prefer_floor) by sizes on given axes',
    );
  });
});

describeEachBackend('fromOnnx shape values (PyTorch dynamic-batch chains)', () => {
  it("Shape → Gather → Unsqueeze → Concat as Reshape's shape (x.view(x.size(0), -1))", async () => {
    const x = rand(50, [3, 2, 4]);
    const spec: GraphSpec = {
      inputs: [{ name: 'x', shape: ['N', 2, 4] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
        { opType: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attributes: { axis: 0 } },
        { opType: 'Unsqueeze', inputs: ['n', 'axes0'], outputs: ['n1'] },
        { opType: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attributes: { axis: 0 } },
        { opType: 'Reshape', inputs: ['x', 'target'], outputs: ['out'] },
      ],
      initializers: [
        { name: 'zero', dims: [], data: [0], type: 'int64' },
        { name: 'axes0', dims: [1], data: [0], type: 'int64' },
        { name: 'minus1', dims: [1], data: [-1], type: 'int64' },
      ],
    };
    await check({ spec, inputs: [x], expected: [nd(x.data, [3, 8])] }, 'view');
    const model = fromOnnx(onnxModel(spec));
    assert.deepEqual(model.outputs[0]!.shape, [null, 8]);
    const y = model.predict(tensor(Float32Array.from(x.data.slice(0, 8)), { shape: [1, 2, 4] })) as Tensor;
    assert.deepEqual(y.shape, [1, 8]);
  });

  it('ConstantOfShape sized from the batch (an RNN zero state), and Shape with start/end (opset 15)', async () => {
    const x = rand(51, [2, 3]);
    const spec: GraphSpec = {
      inputs: [{ name: 'x', shape: ['N', 3] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Shape', inputs: ['x'], outputs: ['s'], attributes: { end: 1 } },
        { opType: 'Shape', inputs: ['x'], outputs: ['f'], attributes: { start: -1 } },
        { opType: 'Concat', inputs: ['s', 'f'], outputs: ['target'], attributes: { axis: 0 } },
        {
          opType: 'ConstantOfShape',
          inputs: ['target'],
          outputs: ['half'],
          attributes: { value: { tensor: { dims: [1], data: [0.5] } } },
        },
        { opType: 'ConstantOfShape', inputs: ['target'], outputs: ['zeros'] },
        { opType: 'Add', inputs: ['x', 'half'], outputs: ['a'] },
        { opType: 'Add', inputs: ['a', 'zeros'], outputs: ['out'] },
      ],
      opset: 15,
    };
    await check({ spec, inputs: [x], expected: [map(x, (v) => v + 0.5)] }, 'ConstantOfShape');
  });
});

describeEachBackend('fromOnnx operators PyTorch writes for more layers', () => {
  it('Clip (constant or no bounds), PRelu (a trainable slope), Selu, HardSwish, Softsign, Gelu (both forms)', async () => {
    const x = rand(60, [2, 3, 4], -8, 8);
    const scalar = (name: string, v: number) => ({ name, dims: [], data: [v] });
    await check(
      {
        spec: oneNode({ opType: 'Clip', inputs: ['x', 'lo', 'hi'] }, [x.shape], {
          initializers: [scalar('lo', 0), scalar('hi', 6)],
        }),
        inputs: [x],
        expected: [map(x, (v) => Math.min(6, Math.max(0, v)))],
      },
      'Clip (ReLU6)',
    );
    const relu6 = oneNode({ opType: 'Clip', inputs: ['x', 'lo', 'hi'] }, [x.shape], {
      initializers: [scalar('lo', 0), scalar('hi', 6)],
    });
    assert.equal(fromOnnx(onnxModel(relu6)).trainableWeights.length, 0, "Clip's bounds are frozen");
    await check(
      {
        spec: oneNode({ opType: 'Clip', inputs: ['x', '', 'hi'] }, [x.shape], {
          initializers: [scalar('hi', 1)],
        }),
        inputs: [x],
        expected: [map(x, (v) => Math.min(1, v))],
      },
      'Clip max only',
    );
    await check(
      { spec: oneNode({ opType: 'Clip', inputs: ['x'] }, [x.shape]), inputs: [x], expected: [x] },
      'Clip without bounds',
    );
    const slope = rand(61, [3, 1], 0, 0.5);
    const prelu = oneNode({ opType: 'PRelu', inputs: ['x', 'slope'] }, [x.shape], {
      initializers: [{ name: 'slope', dims: slope.shape, data: slope.data }],
    });
    await check(
      { spec: prelu, inputs: [x], expected: [broadcast([x, slope], (v, s) => (v < 0 ? s * v : v))] },
      'PRelu',
    );
    assert.equal(fromOnnx(onnxModel(prelu)).trainableWeights.length, 1, 'the slope is a trainable weight');
    const alpha = Math.fround(1.6732632423543772); // the specification's float32 defaults
    const gamma = Math.fround(1.0507009873554805);
    const cases: [
      string,
      Record<string, number | string | { float: number }>,
      (v: number) => number,
      number?,
    ][] = [
      ['Selu', {}, (v) => gamma * (v > 0 ? v : alpha * (Math.exp(v) - 1))],
      ['Selu', { alpha: { float: 2 }, gamma: 0.5 }, (v) => 0.5 * (v > 0 ? v : 2 * (Math.exp(v) - 1))],
      ['HardSwish', {}, (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5)), 14],
      ['Softsign', {}, (v) => v / (1 + Math.abs(v))],
      ['Gelu', {}, (v) => 0.5 * v * (1 + erf64(v / Math.SQRT2)), 20],
      [
        'Gelu',
        { approximate: 'tanh' },
        (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
        20,
      ],
    ];
    for (const [op, attributes, f, opset] of cases) {
      const spec = oneNode(
        { opType: op, inputs: ['x'], attributes: attributes as never },
        [x.shape],
        opset ? { opset } : {},
      );
      await check(
        { spec, inputs: [x], expected: [map(x, f)], atol: 1e-5 },
        `${op} ${JSON.stringify(attributes)}`,
      );
    }
    assert.throws(
      () => fromOnnx(onnxModel(oneNode({ opType: 'Gelu', inputs: ['x'] }, [x.shape], { opset: 19 }))),
      /Gelu exists from opset 20/,
    );
  });

  it('Expand, Tile, Where, Split (sizes, equal parts by outputs, num_outputs)', async () => {
    const x = rand(62, [2, 3, 1]);
    const ints = (name: string, v: number[]) => ({ name, dims: [v.length], data: v, type: 'int64' as const });
    await check(
      {
        spec: oneNode({ opType: 'Expand', inputs: ['x', 's'] }, [x.shape], {
          initializers: [ints('s', [3, 4])],
        }),
        inputs: [x],
        expected: [broadcast([x, nd(Array(12).fill(0), [3, 4])], (a) => a)],
      },
      'Expand',
    );
    const tiled = transposeNd(
      nd(
        [0, 1].flatMap((n) => [0, 1].flatMap(() => x.data.slice(n * 3, n * 3 + 3))),
        [2, 2, 3],
      ),
      [0, 1, 2],
    );
    await check(
      {
        spec: oneNode({ opType: 'Tile', inputs: ['x', 'r'] }, [x.shape], {
          initializers: [ints('r', [1, 2, 1])],
        }),
        inputs: [x],
        expected: [nd(tiled.data, [2, 6, 1])],
      },
      'Tile',
    );
    const a = rand(63, [2, 4]);
    const b = rand(64, [2, 4]);
    const whereSpec: GraphSpec = {
      inputs: [
        { name: 'x', shape: ['N', 4] },
        { name: 'y', shape: ['N', 4] },
      ],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Max', inputs: ['x', 'y'], outputs: ['m'] },
        { opType: 'Equal', inputs: ['m', 'x'], outputs: ['cond'] },
        { opType: 'Where', inputs: ['cond', 'x', 'zero'], outputs: ['out'] },
      ],
      initializers: [{ name: 'zero', dims: [], data: [0] }],
    };
    await check(
      { spec: whereSpec, inputs: [a, b], expected: [broadcast([a, b], (u, v) => (u >= v ? u : 0))] },
      'Where',
    );
    const s = rand(65, [2, 5]);
    const part = (from: number, to: number) =>
      nd(
        [0, 1].flatMap((n) => s.data.slice(n * 5 + from, n * 5 + to)),
        [2, to - from],
      );
    const split = (inputs: string[], outputs: string[], extra: Partial<GraphSpec>, attributes = {}) => ({
      ...oneNode(
        { opType: 'Split', inputs, outputs, attributes: { axis: 1, ...attributes } },
        [s.shape],
        extra,
      ),
    });
    await check(
      {
        spec: split(['x', 'sz'], ['p', 'q'], { initializers: [ints('sz', [2, 3])] }),
        inputs: [s],
        expected: [part(0, 2), part(2, 5)],
      },
      'Split by sizes',
    );
    await check(
      {
        spec: split(['x'], ['p', 'q', 'r', 't', 'u'], { opset: 17 }),
        inputs: [s],
        expected: [0, 1, 2, 3, 4].map((k) => part(k, k + 1)),
      },
      'Split into outputs',
    );
    assert.throws(
      () => fromOnnx(onnxModel(split(['x'], ['p', 'q'], { opset: 17 }))),
      /cannot split size 5 into 2 equal parts/,
    );
    await check(
      {
        spec: split(['x'], ['p', 'q', 'r'], { opset: 18 }, { num_outputs: 3 }),
        inputs: [s],
        expected: [part(0, 2), part(2, 4), part(4, 5)],
      },
      'Split uneven',
    );
    await check(
      {
        spec: split(['x'], ['p', 'q'], { opset: 18 }, { num_outputs: 2 }),
        inputs: [s],
        expected: [part(0, 3), part(3, 5)],
      },
      'Split num_outputs',
    );
  });
});

describeEachBackend('gradients through the added operators', () => {
  it('gradcheck through Slice (step 2), Resize (linear), Expand, Split, PRelu, Gelu, Clip, Where, ReduceProd', () => {
    const ints = (name: string, v: number[]) => ({ name, dims: [v.length], data: v, type: 'int64' as const });
    const spec: GraphSpec = {
      inputs: [{ name: 'x', shape: ['N', 2, 3, 4] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Slice', inputs: ['x', 'st', 'en', 'ax', 'sp'], outputs: ['s'] },
        { opType: 'Resize', inputs: ['s', '', 'sc'], outputs: ['r'], attributes: { mode: 'linear' } },
        { opType: 'Split', inputs: ['r', 'sz'], outputs: ['a', 'b'], attributes: { axis: 1 } },
        { opType: 'PRelu', inputs: ['a', 'slope'], outputs: ['pa'] },
        { opType: 'Gelu', inputs: ['b'], outputs: ['gb'] },
        { opType: 'Expand', inputs: ['gb', 'shape'], outputs: ['eb'] },
        { opType: 'Clip', inputs: ['pa', 'lo', 'hi'], outputs: ['ca'] },
        { opType: 'Max', inputs: ['ca', 'eb'], outputs: ['m'] },
        { opType: 'Equal', inputs: ['m', 'ca'], outputs: ['cond'] },
        { opType: 'Where', inputs: ['cond', 'ca', 'eb'], outputs: ['w'] },
        { opType: 'ReduceProd', inputs: ['w', 'rax'], outputs: ['out'], attributes: { keepdims: 0 } },
      ],
      initializers: [
        ints('rax', [3]),
        ints('st', [0]),
        ints('en', [4]),
        ints('ax', [3]),
        ints('sp', [2]),
        { name: 'sc', dims: [4], data: [1, 1, 2, 1] },
        ints('sz', [1, 1]),
        { name: 'slope', dims: [1, 1, 1], data: [0.3] },
        ints('shape', [1, 6, 2]),
        { name: 'lo', dims: [], data: [-1.5] },
        { name: 'hi', dims: [], data: [1.5] },
      ],
      opset: 20,
    };
    const model = fromOnnx(onnxModel(spec));
    assert.deepEqual(model.outputs[0]!.shape, [null, 1, 6]);
    const x = tensor(seededValues(70, 48, -1, 1), { shape: [2, 2, 3, 4] });
    const result = gradcheck((t) => model.call(t) as Tensor, [x]);
    assert.ok(result.ok, `gradcheck max error ${result.maxError}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Refusals.

function refuses(spec: GraphSpec | Uint8Array, pattern: RegExp): void {
  const bytes = spec instanceof Uint8Array ? spec : onnxModel(spec);
  assert.throws(
    () => fromOnnx(bytes),
    (e: Error) => {
      assert.ok(e instanceof ModelFormatError, `expected ModelFormatError, got ${e.name}: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

const reluGraph = (node: Partial<NodeSpec> = {}, extra: Partial<GraphSpec> = {}): GraphSpec => ({
  inputs: [{ name: 'x', shape: ['N', 3] }],
  outputs: [{ name: 'out' }],
  nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['out'], name: 'act', ...node }],
  ...extra,
});

describe('fromOnnx refuses', () => {
  it('an unknown operator, naming it, the node, and the supported ones', () => {
    refuses(reluGraph({ opType: 'Frobnicate' }), /node 'act'.*Frobnicate.*supported: .*Gemm.*Relu/);
  });

  it('an attribute the operator does not have, or of the wrong type, or a missing required one', () => {
    refuses(
      reluGraph({ opType: 'LeakyRelu', attributes: { alpah: 0.1 } }),
      /node 'act' \(LeakyRelu\): attribute 'alpah' is not an attribute.*alpha/,
    );
    refuses(
      reluGraph({ opType: 'LeakyRelu', attributes: { alpha: 1 } }),
      /node 'act' \(LeakyRelu\): attribute 'alpha' must be of type float, got int/,
    );
    refuses(
      reluGraph({ opType: 'Softmax', attributes: { axis: { raw: { type: AttributeType.FLOAT, f: 1 } } } }),
      /attribute 'axis' must be of type int, got float/,
    );
    refuses(
      reluGraph({ opType: 'Concat', inputs: ['x', 'x'] }),
      /node 'act' \(Concat\): required attribute 'axis' \(int\) is missing/,
    );
    refuses(reluGraph({ opType: 'Cast' }), /required attribute 'to'/);
  });

  it('opsets before 13 or after 21, other domains, and old IR versions', () => {
    refuses(reluGraph({}, { opset: 12 }), /opset 12 is not supported \(13…21/);
    refuses(reluGraph({}, { opset: 22 }), /opset 22 is not supported/);
    refuses(
      reluGraph({}, { extraOpsets: [{ domain: 'com.microsoft', version: 1 }] }),
      /other domains.*'com\.microsoft'/,
    );
    refuses(reluGraph({ domain: 'com.microsoft' }), /node 'act'.*domain 'com\.microsoft'/);
    refuses(reluGraph({}, { irVersion: 6 }), /IR version 6/);
  });

  it('a node reading a value nothing defines before it (naming node and value)', () => {
    refuses(reluGraph({ inputs: ['nowhere'] }), /node 'act' \(Relu\): reads 'nowhere'.*topological order/);
    refuses(
      reluGraph(
        {},
        {
          nodes: [
            { opType: 'Relu', inputs: ['h'], outputs: ['out'], name: 'second' },
            { opType: 'Relu', inputs: ['x'], outputs: ['h'], name: 'first' },
          ],
        },
      ),
      /node 'second' \(Relu\): reads 'h'/,
    );
  });

  it('a constant input computed from data at run time (naming node and slot)', () => {
    refuses(
      reluGraph(
        {},
        {
          nodes: [{ opType: 'Reshape', inputs: ['x', 'x'], outputs: ['out'], name: 'rs' }],
        },
      ),
      /node 'rs' \(Reshape\): input 1 \('x'\) must be a constant known at import.*from data/,
    );
  });

  it('sizes from the file that would create huge tensors, before allocating them', () => {
    refuses(
      reluGraph(
        {},
        {
          nodes: [
            { opType: 'ConstantOfShape', inputs: ['s'], outputs: ['big'], name: 'fill' },
            { opType: 'Add', inputs: ['x', 'big'], outputs: ['out'] },
          ],
          initializers: [{ name: 's', dims: [2], data: [100000, 100000], type: 'int64' }],
        },
      ),
      /node 'fill' \(ConstantOfShape\): input shape \[100000, 100000\] would create a tensor of shape \[100000, 100000\]/,
    );
    refuses(
      reluGraph(
        {},
        {
          nodes: [{ opType: 'Resize', inputs: ['x', '', 'sc'], outputs: ['out'], name: 'up' }],
          initializers: [{ name: 'sc', dims: [2], data: [1, 1e9] }],
        },
      ),
      /node 'up' \(Resize\): input scales \[1, 1000000000\] would create a tensor/,
    );
  });

  it('an output without the batch axis first', () => {
    refuses(
      {
        inputs: [{ name: 'x', shape: ['N', 3] }],
        outputs: [{ name: 'out' }],
        nodes: [{ opType: 'Transpose', inputs: ['x'], outputs: ['out'] }],
      },
      /output 'out' does not keep the batch axis first/,
    );
  });

  it('malformed bytes: random truncations and bit flips of a valid model give ModelFormatError only', () => {
    const w = rand(30, [4, 3]);
    const valid = onnxModel({
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: [{ name: 'out' }],
      nodes: [
        { opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['h'], attributes: { transB: 0, alpha: 0.5 } },
        { opType: 'Reshape', inputs: ['h', 's'], outputs: ['r'] },
        { opType: 'Softmax', inputs: ['r'], outputs: ['out'], attributes: { axis: -1 } },
      ],
      initializers: [
        { name: 'W', dims: w.shape, data: w.data },
        { name: 'b', dims: [3], data: [0.1, 0.2, 0.3] },
        { name: 's', dims: [2], data: [0, -1], type: 'int64' },
      ],
    });
    assert.ok(fromOnnx(valid) instanceof Model);
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    let refused = 0;
    for (let k = 0; k < 300; k++) {
      const bytes = valid.slice(0, k % 3 === 0 ? next() % valid.length : valid.length);
      if (k % 3 !== 0)
        for (let f = 0; f < 1 + (k % 4); f++) bytes[next() % bytes.length]! ^= 1 << (next() % 8);
      try {
        fromOnnx(bytes);
      } catch (e) {
        assert.ok(e instanceof ModelFormatError, `case ${k}: ${(e as Error).name}: ${(e as Error).message}`);
        refused++;
      }
    }
    assert.ok(refused > 100, `only ${refused} of 300 damaged files were refused`);
  });
});

// ---------------------------------------------------------------------------------------------
// Fine-tuning and saving.

function mlpSpec(): GraphSpec {
  const w1 = rand(31, [4, 8], -0.8, 0.8);
  const w2 = rand(32, [3, 8], -0.8, 0.8);
  return {
    inputs: [{ name: 'x', shape: ['N', 4] }],
    outputs: [{ name: 'y' }],
    nodes: [
      { opType: 'Gemm', inputs: ['x', 'fc1.weight', 'fc1.bias'], outputs: ['h'] },
      // A shift read by Sub is an ordinary weight (it trains); only an operator's frozenInputs do not.
      // Its name has a '/', which a backprop weight name cannot: it becomes 'running_mean'.
      { opType: 'Sub', inputs: ['h', 'running/mean'], outputs: ['hc'] },
      { opType: 'Tanh', inputs: ['hc'], outputs: ['a'] },
      { opType: 'Gemm', inputs: ['a', 'fc2.weight', 'fc2.bias'], outputs: ['y'], attributes: { transB: 1 } },
    ],
    initializers: [
      { name: 'fc1.weight', dims: [4, 8], data: w1.data },
      { name: 'fc1.bias', dims: [8], data: Array(8).fill(0.1) },
      { name: 'running/mean', dims: [8], data: Array.from({ length: 8 }, (_, i) => i / 10) },
      { name: 'fc2.weight', dims: [3, 8], data: w2.data },
      { name: 'fc2.bias', dims: [3], data: [0, 0, 0] },
    ],
  };
}

describeEachBackend('an imported model', () => {
  it('fine-tunes: the loss falls and the float initializers, now weights, change', async () => {
    const model = fromOnnx(onnxModel(mlpSpec()));
    const layer = model.layers.find((l) => l instanceof OnnxGraph) as OnnxGraph;
    assert.deepEqual(
      layer.weights.map((w) => w.name),
      [
        'onnx_graph/fc1.weight',
        'onnx_graph/fc1.bias',
        'onnx_graph/running_mean',
        'onnx_graph/fc2.weight',
        'onnx_graph/fc2.bias',
      ],
    );
    assert.equal(model.trainableWeights.length, 5);
    const x = tensor(seededValues(33, 64 * 4, -1, 1), { shape: [64, 4] });
    const targets = tensor(seededValues(34, 64 * 3, -1, 1), { shape: [64, 3] });
    const before = model.getWeights().map((t) => Array.from(t.dataSync()));
    model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const history = await model.fit(x, targets, { epochs: 8, batchSize: 16, verbose: 0, shuffle: false });
    const losses = history.history.loss as number[];
    assert.ok(
      losses[losses.length - 1]! < losses[0]! * 0.9,
      `loss ${losses[0]} → ${losses[losses.length - 1]}`,
    );
    const after = model.getWeights().map((t) => Array.from(t.dataSync()));
    for (const i of [0, 1, 2, 3, 4]) assert.notDeepEqual(after[i], before[i], `weight ${i} changed`);
  });

  it("keeps a frozen slot frozen: BatchNormalization's mean and variance are weights that do not train", async () => {
    // A float initializer in a constant slot (Dropout's ratio) is no weight at all.
    const dropout = fromOnnx(
      onnxModel({
        inputs: [{ name: 'x', shape: ['N', 2] }],
        outputs: [{ name: 'y' }],
        nodes: [{ opType: 'Dropout', inputs: ['x', 'ratio'], outputs: ['y'] }],
        initializers: [{ name: 'ratio', dims: [], data: [0.25] }],
      }),
    );
    assert.equal(dropout.weights.length, 0);
    const x = rand(35, [4, 2, 3, 3]);
    const m = fromOnnx(
      onnxModel({
        inputs: [{ name: 'x', shape: ['N', 2, 3, 3] }],
        outputs: [{ name: 'y' }],
        nodes: [{ opType: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'] }],
        initializers: [
          { name: 's', dims: [2], data: [1, 2] },
          { name: 'b', dims: [2], data: [0, 1] },
          { name: 'm', dims: [2], data: [0.5, -0.5] },
          { name: 'v', dims: [2], data: [1, 4] },
        ],
      }),
    );
    const trainable = new Set(m.trainableWeights);
    assert.deepEqual(
      m.weights.map((w) => trainable.has(w.tensor)),
      [true, true, false, false],
    );
    m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const before = m.getWeights().map((t) => Array.from(t.dataSync()));
    const xt = tensor(Float32Array.from(x.data), { shape: x.shape });
    await m.fit(xt, xt.mul(0.5), { epochs: 2, batchSize: 2, verbose: 0 });
    const after = m.getWeights().map((t) => Array.from(t.dataSync()));
    assert.notDeepEqual(after[0], before[0]);
    assert.notDeepEqual(after[1], before[1]);
    assert.deepEqual(after[2], before[2]);
    assert.deepEqual(after[3], before[3]);
  });

  it('saves and loads in backprop format with identical predictions', () => {
    const model = fromOnnx(onnxModel(mlpSpec()), { name: 'imported_mlp' });
    assert.equal(model.name, 'imported_mlp');
    const loaded = modelFromArtifacts<Model>(model.toArtifacts(), 'imported');
    const x = tensor(seededValues(36, 5 * 4, -2, 2), { shape: [5, 4] });
    const a = (model.predict(x) as Tensor).dataSync();
    const b = (loaded.predict(x) as Tensor).dataSync();
    assert.deepEqual(Array.from(b), Array.from(a));
    assert.deepEqual(
      loaded.layers.find((l) => l instanceof OnnxGraph)?.getConfig(),
      model.layers.find((l) => l instanceof OnnxGraph)?.getConfig(),
    );
  });

  it('keeps a large float Constant read as data with the weights (frozen), small ones in the config', () => {
    const big = rand(38, [20, 16]);
    const spec: GraphSpec = {
      inputs: [{ name: 'x', shape: ['N', 20] }],
      outputs: [{ name: 'y' }],
      nodes: [
        {
          opType: 'Constant',
          inputs: [],
          outputs: ['K'],
          attributes: { value: { tensor: { dims: big.shape, data: big.data } } },
        },
        {
          opType: 'Constant',
          inputs: [],
          outputs: ['b'],
          attributes: { value_floats: { floats: [0.5, -0.5] } },
        },
        { opType: 'MatMul', inputs: ['x', 'K'], outputs: ['h'] },
        { opType: 'Reshape', inputs: ['h', 'shape'], outputs: ['h2'] },
        { opType: 'Add', inputs: ['h2', 'b'], outputs: ['y'] },
      ],
      initializers: [{ name: 'shape', dims: [3], data: [0, 8, 2], type: 'int64' }],
    };
    const model = fromOnnx(onnxModel(spec));
    assert.deepEqual(
      model.weights.map((w) => [w.name, w.tensor.shape]),
      [['onnx_graph/K', [20, 16]]],
    );
    assert.equal(model.trainableWeights.length, 0);
    const config = JSON.stringify(model.layers.find((l) => l instanceof OnnxGraph)!.getConfig());
    assert.ok(config.length < 2000, `config holds ${config.length} characters`);
    const x = rand(39, [2, 20]);
    const h = matmul2d(x, big);
    const want = broadcast([nd(h.data, [2, 8, 2]), nd([0.5, -0.5], [2])], (a, b) => a + b);
    const got = model.predict(tensor(Float32Array.from(x.data), { shape: [2, 20] })) as Tensor;
    assertNear({ data: got.dataSync(), shape: got.shape }, want, 1e-5, 'large constant');
    const loaded = modelFromArtifacts<Model>(model.toArtifacts(), 'constants');
    const again = loaded.predict(tensor(Float32Array.from(x.data), { shape: [2, 20] })) as Tensor;
    assert.deepEqual(Array.from(again.dataSync()), Array.from(got.dataSync()));
  });

  it('refuses a saved OnnxGraph config whose attributes were tampered with', () => {
    const model = fromOnnx(onnxModel(mlpSpec()));
    const artifacts = model.toArtifacts();
    const text = JSON.stringify(artifacts.modelJson);
    assert.ok(text.includes('"transB":1'));
    const bad = {
      ...artifacts,
      modelJson: sealModelJson(JSON.parse(text.replace('"transB":1', '"transB":"yes"'))),
    };
    assert.throws(
      () => modelFromArtifacts<Model>(bad, 'tampered'),
      /\(Gemm\): attribute 'transB' must be of type int/,
    );
    const unknown = {
      ...artifacts,
      modelJson: sealModelJson(JSON.parse(text.replace('"transB":1', '"transC":1'))),
    };
    assert.throws(
      () => modelFromArtifacts<Model>(unknown, 'tampered'),
      /attribute 'transC' is not an attribute/,
    );
    // Nodes reordered: a node now reads a value before anything defines it.
    const json = JSON.parse(text);
    const nodesOf = (o: unknown): unknown[] | undefined => {
      if (typeof o !== 'object' || o === null) return undefined;
      const r = o as Record<string, unknown>;
      if (r.className === 'OnnxGraph') return (r.config as { nodes: unknown[] }).nodes;
      for (const v of Object.values(r)) {
        const found = nodesOf(v);
        if (found) return found;
      }
      return undefined;
    };
    nodesOf(json)!.reverse();
    assert.throws(
      () => modelFromArtifacts<Model>({ ...artifacts, modelJson: sealModelJson(json) }, 'tampered'),
      /reads '.*', which is not defined before it/,
    );
  });

  it('dynamic non-batch axes stay dynamic; fixed ones are kept; int64 inputs become float32', () => {
    const spec: GraphSpec = {
      inputs: [{ name: 'ids', shape: ['N', 'seq'], type: 'int64' }],
      outputs: [{ name: 'out' }],
      nodes: [{ opType: 'Gather', inputs: ['E', 'ids'], outputs: ['out'] }],
      initializers: [{ name: 'E', dims: [6, 2], data: Array.from({ length: 12 }, (_, i) => i) }],
    };
    const model = fromOnnx(onnxModel(spec));
    assert.deepEqual(model.inputs[0]!.shape, [null, null]);
    assert.deepEqual(model.outputs[0]!.shape, [null, null, 2]);
    const y = model.predict(tensor([[5, 0, 1]])) as Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [10, 11, 0, 1, 2, 3]);
  });
});

describe('loadOnnx (Node)', () => {
  const tmp = useTempDir('onnx-import');
  it('reads an .onnx file; a damaged one is refused naming the file', async () => {
    const path = join(tmp.path, 'mlp.onnx');
    const bytes = onnxModel(mlpSpec());
    await writeFile(path, bytes);
    const model = await loadOnnx(path);
    const x = tensor(seededValues(37, 8, -1, 1), { shape: [2, 4] });
    assert.deepEqual(
      Array.from((model.predict(x) as Tensor).dataSync()),
      Array.from((fromOnnx(bytes).predict(x) as Tensor).dataSync()),
    );
    const broken = join(tmp.path, 'broken.onnx');
    await writeFile(broken, bytes.slice(0, 40));
    await assert.rejects(
      loadOnnx(broken),
      (e: Error) => e instanceof ModelFormatError && e.message.startsWith(broken),
    );
  });
});
