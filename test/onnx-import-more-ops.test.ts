/**
 * ONNX import of TopK, GatherElements and CumSum — the operators of toOnnx's masked recurrent
 * export (Embedding({ maskZero }) or Masking into LSTM/GRU/SimpleRNN/Bidirectional). Each attribute
 * and default is a hand-built graph checked against a float64 reference of the specification,
 * through the operator's run, through fromOnnx and in ONNX Runtime; gradients numerically; bad
 * inputs refused naming the node. Then the masked models round-trip (toOnnx → fromOnnx → predict)
 * to identical predictions.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { gradcheck } from '../src/autograd/gradcheck.js';
import {
  Bidirectional,
  Dense,
  Embedding,
  GRU,
  LSTM,
  Masking,
  ModelFormatError,
  manualSeed,
  Rng,
  Sequential,
  ShapeError,
  SimpleRNN,
  type Tensor,
  tensor,
} from '../src/index.js';
import { toOnnx } from '../src/interop/onnx/export.js';
import { fromOnnx } from '../src/interop/onnx/import/from-onnx.js';
import type { Attributes, ConstTensor } from '../src/interop/onnx/import/op-types.js';
import { selectScanOperators } from '../src/interop/onnx/import/ops/select-scan.js';
import { decodeModel } from '../src/interop/onnx/onnx-proto.js';
import { describeEachBackend } from './helpers.js';
import { type AttributeInput, onnxModel, runImportedWithShapes, runOrtModel } from './onnx-graphs.js';
import type { Arr } from './onnx-import-reference.js';
import { assertArrClose, values } from './onnx-op-cases.js';

// ---- float64 references of the specification's formulas -----------------------------------

const sizeOf = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const stridesOf = (dims: readonly number[]) => dims.map((_, i) => sizeOf(dims.slice(i + 1)));

/** Every line along `axis`: the flat positions of its entries, in order. */
function lines(dims: readonly number[], axis: number): number[][] {
  const n = dims[axis]!;
  const inner = sizeOf(dims.slice(axis + 1));
  const outer = sizeOf(dims.slice(0, axis));
  const out: number[][] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out.push(Array.from({ length: n }, (_, s) => (o * n + s) * inner + i));
  }
  return out;
}

/** TopK: the K largest (smallest) of each line, sorted, equal values lower index first. */
function refTopK(x: Arr, k: number, axis: number, largest: boolean): [Arr, Arr] {
  const dims = x.dims.map((d, i) => (i === axis ? k : d));
  const vals = new Float64Array(sizeOf(dims));
  const idx = new Float64Array(sizeOf(dims));
  const outLines = lines(dims, axis);
  lines(x.dims, axis).forEach((line, l) => {
    const order = line.map((_, s) => s);
    order.sort((p, q) => {
      const d = Number(x.data[line[p]!]) - Number(x.data[line[q]!]);
      return (largest ? -d : d) || p - q;
    });
    outLines[l]!.forEach((at, j) => {
      vals[at] = Number(x.data[line[order[j]!]!]);
      idx[at] = order[j]!;
    });
  });
  return [
    { dims, data: vals },
    { dims, data: idx },
  ];
}

/** GatherElements: out[p] = data[p with its axis coordinate replaced by indices[p]]. */
function refGatherElements(data: Arr, indices: Arr, axis: number): Arr {
  const ds = stridesOf(data.dims);
  const is = stridesOf(indices.dims);
  const out = new Float64Array(indices.data.length);
  for (let p = 0; p < out.length; p++) {
    let offset = 0;
    indices.dims.forEach((_, i) => {
      const coord = Math.floor(p / is[i]!) % indices.dims[i]!;
      let v = i === axis ? Number(indices.data[p]) : coord;
      if (v < 0) v += data.dims[axis]!;
      offset += v * ds[i]!;
    });
    out[p] = Number(data.data[offset]);
  }
  return { dims: [...indices.dims], data: out };
}

/** CumSum with exclusive and reverse, summed in float64. */
function refCumSum(x: Arr, axis: number, exclusive: boolean, reverse: boolean): Arr {
  const out = new Float64Array(x.data.length);
  for (const line of lines(x.dims, axis)) {
    const order = reverse ? [...line].reverse() : line;
    let sum = 0;
    for (const at of order) {
      if (exclusive) {
        out[at] = sum;
        sum += Number(x.data[at]);
      } else {
        sum += Number(x.data[at]);
        out[at] = sum;
      }
    }
  }
  return { dims: [...x.dims], data: out };
}

// ---- one node, three ways --------------------------------------------------------------------

interface Input {
  dims: number[];
  data: number[];
  /** An initializer of this type, or fed (float) at run time — Cast to int64 when `castTo`. */
  as: 'fed' | 'int64' | 'int32' | 'float';
  castTo?: 'int64';
}

interface Case {
  op: 'TopK' | 'GatherElements' | 'CumSum';
  inputs: Input[];
  attributes?: Record<string, number>;
  /** Outputs that are integers (TopK's indices): Cast to float in the graph for ONNX Runtime. */
  intOutputs?: number[];
  outputs: number;
  opset?: number;
  /**
   * false: skip the fromOnnx leg. An imported model's outputs keep the batch axis first (fromOnnx
   * runs the graph at two batch sizes to check), so a node that picks along axis 0 (TopK axis 0)
   * or constant indices that fix its size cannot be a whole imported model; run and ONNX Runtime
   * check them.
   */
  imported?: boolean;
}

const castTypes = { int64: 7, float: 1 } as const;

function caseModel(c: Case): Uint8Array {
  const fed = c.inputs.flatMap((t, i) => (t.as === 'fed' ? [i] : []));
  const nodeIn = (i: number) => (c.inputs[i]!.castTo ? `cast${i}` : `in${i}`);
  const nodeOut = (i: number) => (c.intOutputs?.includes(i) ? `int_out${i}` : `out${i}`);
  const opset = c.opset ?? 18;
  return onnxModel({
    opset,
    irVersion: opset >= 21 ? 10 : 8,
    inputs: fed.map((i) => ({ name: `in${i}`, shape: c.inputs[i]!.dims })),
    outputs: Array.from({ length: c.outputs }, (_, i) => ({ name: `out${i}` })),
    initializers: c.inputs.flatMap((t, i) =>
      t.as === 'fed' ? [] : [{ name: `in${i}`, dims: t.dims, data: t.data, type: t.as }],
    ),
    nodes: [
      ...c.inputs.flatMap((t, i) =>
        t.castTo
          ? [
              {
                opType: 'Cast',
                inputs: [`in${i}`],
                outputs: [`cast${i}`],
                attributes: { to: castTypes.int64 },
              },
            ]
          : [],
      ),
      {
        opType: c.op,
        name: `the_${c.op.toLowerCase()}`,
        inputs: c.inputs.map((_, i) => nodeIn(i)),
        outputs: Array.from({ length: c.outputs }, (_, i) => nodeOut(i)),
        ...(c.attributes && { attributes: c.attributes as Record<string, AttributeInput> }),
      },
      ...(c.intOutputs ?? []).map((i) => ({
        opType: 'Cast',
        inputs: [nodeOut(i)],
        outputs: [`out${i}`],
        attributes: { to: castTypes.float },
      })),
    ],
  });
}

const fedOf = (c: Case) => c.inputs.filter((t) => t.as === 'fed');

function runImported(c: Case): Arr[] {
  const fed = fedOf(c);
  return runImportedWithShapes(
    caseModel(c),
    fed.map((t) => Float32Array.from(t.data)),
    fed.map((t) => t.dims),
  ).map((o) => ({ dims: o.shape, data: o.data }));
}

/** ONNX Runtime's answers by case: the same graph is checked on every backend, run once. */
const ortAnswers = new Map<string, Promise<Arr[]>>();

function runOrt(c: Case): Promise<Arr[]> {
  const key = JSON.stringify(c);
  let answer = ortAnswers.get(key);
  if (!answer) {
    answer = runOrtOnce(c);
    ortAnswers.set(key, answer);
  }
  return answer;
}

async function runOrtOnce(c: Case): Promise<Arr[]> {
  const fed = c.inputs.flatMap((t, i) => (t.as === 'fed' ? [{ name: `in${i}` }] : []));
  const out = await runOrtModel(
    caseModel(c),
    { inputs: fed, outputs: Array.from({ length: c.outputs }, (_, i) => ({ name: `out${i}` })) },
    fedOf(c).map((t) => Float32Array.from(t.data)),
    fedOf(c).map((t) => t.dims),
  );
  return out.map((o) => ({ dims: [...o.dims], data: o.data }));
}

/** The operator's run on tensors (the given ones replace the case's float inputs). */
function runDirect(c: Case, given?: readonly (Tensor | undefined)[]): Tensor[] {
  const op = selectScanOperators[c.op]!;
  const attributes: Attributes = {};
  for (const [name, spec] of Object.entries(op.attributes)) {
    const v = c.attributes?.[name] ?? spec.default;
    if (v !== undefined) attributes[name] = v;
  }
  const consts: (ConstTensor | undefined)[] = c.inputs.map((t) =>
    t.as === 'int64' || t.as === 'int32' ? { dims: t.dims, data: t.data, kind: 'int' } : undefined,
  );
  const inputs = c.inputs.map((t, i) => given?.[i] ?? tensor(Float32Array.from(t.data), { shape: t.dims }));
  return op.run(inputs, attributes, consts, {
    name: `the_${c.op.toLowerCase()}`,
    opType: c.op,
    opset: c.opset ?? 18,
  });
}

async function check(c: Case, expected: Arr[], what: string): Promise<void> {
  const legs: [string, () => Arr[] | Promise<Arr[]>][] = [
    ['run', () => runDirect(c).map((t) => ({ dims: [...t.shape], data: t.dataSync() }))],
    ['ONNX Runtime', () => runOrt(c)],
  ];
  if (c.imported !== false) legs.push(['fromOnnx', () => runImported(c)]);
  for (const [who, run] of legs) {
    const got = await run();
    expected.forEach((e, i) => {
      assertArrClose(got[i]!, e, `${what} (${who}) output ${i}`);
    });
  }
}

function expectGradcheck(c: Case, slot: number, what: string): void {
  const x = tensor(Float32Array.from(c.inputs[slot]!.data), { shape: c.inputs[slot]!.dims });
  const result = gradcheck(
    (t: Tensor) => {
      const all: (Tensor | undefined)[] = [];
      all[slot] = t;
      return runDirect(c, all)[0]!;
    },
    [x],
    { eps: 1e-2, tolerance: 2e-2 },
  );
  assert.ok(result.ok, `${what}: worst error ${result.maxError}`);
}

const arr = (t: { dims: number[]; data: number[] }): Arr => ({
  dims: t.dims,
  data: Float64Array.from(t.data),
});
const fed = (seed: number, dims: number[]): Input => ({ dims, data: values(seed, sizeOf(dims)), as: 'fed' });
const int64 = (data: number[], dims = [data.length]): Input => ({ dims, data, as: 'int64' });

// ---- TopK ---------------------------------------------------------------------------------------

describeEachBackend('ONNX import: TopK', () => {
  // Whole numbers in −2…2: many ties, which must come lower index first.
  const tied: Input = { dims: [2, 3, 6], data: values(11, 36).map(Math.round), as: 'fed' };
  for (const [largest, axis, k, opset] of [
    [undefined, undefined, 3, 13],
    [1, 1, 2, 18],
    [0, -1, 4, 21],
    [0, 0, 2, 18],
    [1, 2, 6, 18],
  ] as const) {
    it(`largest ${largest ?? '(default 1)'}, axis ${axis ?? '(default −1)'}, K ${k}, opset ${opset}, with ties`, async () => {
      const attributes: Record<string, number> = {};
      if (largest !== undefined) attributes.largest = largest;
      if (axis !== undefined) attributes.axis = axis;
      const c: Case = {
        op: 'TopK',
        inputs: [tied, int64([k])],
        attributes,
        outputs: 2,
        intOutputs: [1],
        opset,
        imported: axis !== 0,
      };
      const a = axis === undefined ? 2 : axis < 0 ? axis + 3 : axis;
      await check(c, refTopK(arr(tied), k, a, largest !== 0), 'TopK');
    });
  }

  it('sorted = 0: the same values and indices (ONNX Runtime gives them in another order, which the spec leaves open)', async () => {
    const c: Case = {
      op: 'TopK',
      inputs: [tied, int64([4])],
      attributes: { sorted: 0 },
      outputs: 2,
      intOutputs: [1],
    };
    const ref = refTopK(arr(tied), 4, 2, true);
    const ours = runImported(c);
    ours.forEach((o, i) => {
      assertArrClose(o, ref[i]!, `TopK sorted=0 output ${i}`);
    });
    // ONNX Runtime: per line, the same (index, value) pairs.
    const [v, ix] = await runOrt(c);
    const pairs = (vals: Arr, idx: Arr, line: number) =>
      Array.from({ length: 4 }, (_, j) => `${idx.data[line * 4 + j]}:${vals.data[line * 4 + j]}`).sort();
    for (let line = 0; line < 6; line++) {
      assert.deepEqual(pairs(v!, ix!, line), pairs(ref[0]!, ref[1]!, line), `line ${line}`);
    }
  });

  it('gradient of the values goes to the entries they came from', () => {
    const distinct: Input = { dims: [2, 5], data: values(12, 10), as: 'fed' };
    expectGradcheck({ op: 'TopK', inputs: [distinct, int64([3])], outputs: 2 }, 0, 'TopK');
  });

  it('refuses K out of range, K with two values, and a scalar input, naming the node', () => {
    for (const [k, pattern] of [
      [[7], /the_topk.*K = 7 must be in 1…6/],
      [[0], /K = 0 must be in 1…6/],
      [[1, 2], /K \(input 1\) must hold one integer/],
    ] as const) {
      assert.throws(
        () => runDirect({ op: 'TopK', inputs: [tied, int64([...k])], outputs: 2 }),
        (e: unknown) => (e instanceof ShapeError || e instanceof ModelFormatError) && pattern.test(e.message),
      );
    }
    assert.throws(
      () => runDirect({ op: 'TopK', inputs: [tied, int64([2])], attributes: { axis: 3 }, outputs: 2 }),
      (e: unknown) => e instanceof ModelFormatError && /axis 3 is out of range for rank 3/.test(e.message),
    );
    // K computed from data at run time: refused at import.
    const computed = onnxModel({
      inputs: [
        { name: 'x', shape: [2, 4] },
        { name: 'k', shape: [1] },
      ],
      outputs: [{ name: 'v' }],
      nodes: [
        { opType: 'Cast', inputs: ['k'], outputs: ['k64'], attributes: { to: 7 } },
        { opType: 'TopK', inputs: ['x', 'k64'], outputs: ['v', 'i'] },
      ],
    });
    assert.throws(
      () => fromOnnx(computed),
      (e: unknown) =>
        e instanceof ModelFormatError && /TopK.*input 1 \('k64'\) must be a constant/.test(e.message),
    );
  });
});

// ---- GatherElements -------------------------------------------------------------------------

describeEachBackend('ONNX import: GatherElements', () => {
  const data = fed(21, [3, 4, 2]);
  it('axis default 0, constant int64 indices smaller than data on the other axes', async () => {
    const indices = int64([2, 0, 1, 2, 0, 0, 1, 1, 2, 1, 0, 2], [2, 3, 2]);
    const c: Case = { op: 'GatherElements', inputs: [data, indices], outputs: 1, opset: 13, imported: false };
    await check(c, [refGatherElements(arr(data), arr(indices), 0)], 'GatherElements axis 0');
  });
  it('axis 1 with negative indices computed at run time (fed, Cast to int64)', async () => {
    const raw = [-1, 3, 0, -4, 2, -2, 1, 0, -3, 3, 0, 1, 2, -1, -2, 0, 1, 2, 3, -1, 0, 0, 1, -4];
    const indices: Input = { dims: [3, 4, 2], data: raw, as: 'fed', castTo: 'int64' };
    const c: Case = { op: 'GatherElements', inputs: [data, indices], attributes: { axis: 1 }, outputs: 1 };
    await check(c, [refGatherElements(arr(data), arr(indices), 1)], 'GatherElements axis 1');
  });
  it('axis 0 (the batch axis) with indices computed at run time, through fromOnnx', async () => {
    const raw = [2, 0, 1, 2, 0, 0, 1, 1, 2, 1, 0, 2, -1, -3, 0, 1, 2, 0, 1, 1, -2, 0, 1, 2];
    const indices: Input = { dims: [3, 4, 2], data: raw, as: 'fed', castTo: 'int64' };
    const c: Case = { op: 'GatherElements', inputs: [data, indices], outputs: 1, opset: 13 };
    await check(c, [refGatherElements(arr(data), arr(indices), 0)], 'GatherElements axis 0, run time');
  });
  it('axis −1, constant indices repeating entries, opset 21', async () => {
    const indices = int64([1, 1, 0, 0, 1, 0, -1, -2, 0, 1, 1, 1, 0, 0, 0, 1, -1, 1], [3, 3, 2]);
    const c: Case = {
      op: 'GatherElements',
      inputs: [data, indices],
      attributes: { axis: -1 },
      outputs: 1,
      opset: 21,
      imported: false,
    };
    await check(c, [refGatherElements(arr(data), arr(indices), 2)], 'GatherElements axis −1');
  });
  it('gradient: repeated picks add up', () => {
    const indices: Input = {
      dims: [2, 4, 2],
      data: [0, 1, 2, 2, 0, 0, 1, 2, 2, 2, 1, 0, 0, 1, 1, 1],
      as: 'float',
    };
    expectGradcheck({ op: 'GatherElements', inputs: [data, indices], outputs: 1 }, 0, 'GatherElements');
  });
  it('refuses an index out of range, another rank, or indices larger than data, naming the node', () => {
    const cases: [Input, RegExp][] = [
      [
        int64([0, 3], [1, 2, 1]),
        /the_gatherelements.*index 3 at position 1 is out of range for axis 0 of size 3/,
      ],
      [int64([-4], [1, 1, 1]), /index -4 at position 0 is out of range/],
      [int64([0, 1], [2]), /indices of shape \[2\] must have the rank of data \[3, 4, 2\]/],
      [
        int64([0, 0, 0, 0, 0, 0], [1, 2, 3]),
        /indices of shape \[1, 2, 3\] are larger than data \[3, 4, 2\] on axis 2/,
      ],
    ];
    for (const [indices, pattern] of cases) {
      assert.throws(
        () => runDirect({ op: 'GatherElements', inputs: [data, indices], outputs: 1 }),
        (e: unknown) => e instanceof ShapeError && pattern.test(e.message),
      );
    }
  });
});

// ---- CumSum ---------------------------------------------------------------------------------

describeEachBackend('ONNX import: CumSum', () => {
  const x = fed(31, [2, 5, 3]);
  for (const [exclusive, reverse, axis, type, opset] of [
    [undefined, undefined, 1, 'int64', 13],
    [1, 0, -1, 'int32', 14],
    [0, 1, 0, 'int64', 18],
    [1, 1, -2, 'int64', 21],
  ] as const) {
    it(`exclusive ${exclusive ?? '(default 0)'}, reverse ${reverse ?? '(default 0)'}, axis ${axis} (${type}), opset ${opset}`, async () => {
      const attributes: Record<string, number> = {};
      if (exclusive !== undefined) attributes.exclusive = exclusive;
      if (reverse !== undefined) attributes.reverse = reverse;
      // A scalar axis (the spec's form) and, for int32, a one-value list.
      const axisInput: Input = { dims: type === 'int32' ? [1] : [], data: [axis], as: type };
      const c: Case = { op: 'CumSum', inputs: [x, axisInput], attributes, outputs: 1, opset };
      const a = axis < 0 ? axis + 3 : axis;
      await check(c, [refCumSum(arr(x), a, exclusive === 1, reverse === 1)], 'CumSum');
    });
  }
  it('gradient (exclusive, reverse)', () => {
    expectGradcheck(
      { op: 'CumSum', inputs: [x, int64([1], [])], attributes: { exclusive: 1, reverse: 1 }, outputs: 1 },
      0,
      'CumSum',
    );
  });
  it('refuses an axis out of range or with two values, naming the node', () => {
    assert.throws(
      () => runDirect({ op: 'CumSum', inputs: [x, int64([3], [])], outputs: 1 }),
      (e: unknown) =>
        e instanceof ModelFormatError && /the_cumsum.*axis 3 is out of range for rank 3/.test(e.message),
    );
    assert.throws(
      () => runDirect({ op: 'CumSum', inputs: [x, int64([0, 1])], outputs: 1 }),
      (e: unknown) =>
        e instanceof ModelFormatError && /axis \(input 1\) must hold one integer/.test(e.message),
    );
  });
});

// ---- masked recurrent models: toOnnx → fromOnnx → identical predictions ----------------------

/** Token rows with zeros (masked) at the start, middle and end, and one row all zeros. */
function tokens(batch: number, time: number, vocab: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const data = Float32Array.from({ length: batch * time }, () => Math.floor(rng.uniform() * vocab));
  for (let t = 0; t < time; t++) data[t] = 0; // the first row: nothing kept
  if (batch > 1) data[time] = 0;
  if (batch > 2) data[3 * time - 1] = 0;
  return tensor(data, { shape: [batch, time] });
}

function opTypes(bytes: Uint8Array): Set<string> {
  return new Set((decodeModel(bytes).graph?.node ?? []).map((n) => n.opType ?? ''));
}

/**
 * The model's predictions and the imported model's: bit-identical when `tolerance` is 0, else
 * within tolerance·(1 + |value|) (the case says why).
 */
function expectSame(model: Sequential, xs: Tensor[], what: string, tolerance = 0): void {
  const bytes = toOnnx(model);
  const ops = opTypes(bytes);
  for (const op of ['TopK', 'GatherElements']) assert.ok(ops.has(op), `${what}: the export uses ${op}`);
  const imported = fromOnnx(bytes);
  for (const x of xs) {
    const want = model.predict(x) as Tensor;
    const got = imported.predict(x) as Tensor;
    assert.deepEqual(got.shape, want.shape, `${what}: shape`);
    const a = want.dataSync();
    const b = got.dataSync();
    for (let i = 0; i < a.length; i++) {
      const ok =
        tolerance === 0
          ? Object.is(a[i], b[i])
          : Math.abs(a[i]! - b[i]!) <= tolerance * (1 + Math.abs(a[i]!));
      assert.ok(ok, `${what}, element ${i}: backprop ${a[i]} vs imported ${b[i]}`);
    }
  }
}

describeEachBackend('masked recurrent models round-trip through ONNX', () => {
  it('Embedding(maskZero) → LSTM → Dense (the sequence-classification example, tiny)', () => {
    manualSeed(41);
    const model = new Sequential({
      layers: [
        new Embedding({ inputDim: 7, outputDim: 4, maskZero: true, inputShape: [6] }),
        new LSTM({ units: 5, biasInitializer: 'randomNormal' }),
        new Dense({ units: 2, activation: 'softmax' }),
      ],
    });
    expectSame(model, [tokens(1, 6, 7, 1), tokens(4, 6, 7, 2)], 'Embedding → LSTM → Dense');
  });

  it('Masking → GRU(returnSequences) (resetAfter both ways, goBackwards) and → SimpleRNN(goBackwards)', () => {
    manualSeed(42);
    for (const [what, layer] of [
      ['GRU', new GRU({ units: 3, returnSequences: true, biasInitializer: 'randomNormal' })],
      [
        'GRU (resetAfter false, goBackwards)',
        new GRU({
          units: 3,
          returnSequences: true,
          resetAfter: false,
          goBackwards: true,
          biasInitializer: 'randomNormal',
        }),
      ],
      ['SimpleRNN', new SimpleRNN({ units: 3, returnSequences: true, goBackwards: true })],
    ] as const) {
      const model = new Sequential({
        layers: [new Masking({ maskValue: 0, inputShape: [5, 2] }), layer, new Dense({ units: 2 })],
      });
      // Random steps, about a third of them all zero (masked); the first row masked throughout.
      const rng = new Rng(43);
      const rows = 6;
      const data = new Float32Array(rows * 5 * 2);
      for (let step = 0; step < rows * 5; step++) {
        if (step < 5 || rng.uniform() < 0.35) continue;
        data[2 * step] = rng.uniform() * 4 - 2;
        data[2 * step + 1] = rng.uniform() * 4 - 2;
      }
      const bytes = toOnnx(model);
      assert.ok(opTypes(bytes).has('CumSum'), `${what}: a masked sequence output uses CumSum`);
      expectSame(model, [tensor(data, { shape: [rows, 5, 2] })], `Masking → ${what}`);
    }
  });

  it('Embedding(maskZero) → Bidirectional(LSTM), last output and sequences', () => {
    manualSeed(44);
    for (const returnSequences of [false, true]) {
      const model = new Sequential({
        layers: [
          new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [5] }),
          new Bidirectional({ layer: new LSTM({ units: 2, returnSequences }), mergeMode: 'concat' }),
          new Dense({ units: 2 }),
        ],
      });
      expectSame(model, [tokens(3, 5, 6, 5)], `Bidirectional(LSTM), returnSequences ${returnSequences}`);
    }
  });
});
