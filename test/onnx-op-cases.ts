/**
 * One operator, three ways, for the ONNX import operator tests: a single-node graph (the data
 * input X fed at run time, every other input an initializer) imported with fromOnnx and
 * predicted; the same bytes in ONNX Runtime; and the operator's `run` called directly (for
 * gradchecks, which need the tensors). The float64 reference is the caller's.
 */
import assert from 'node:assert/strict';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { ModelFormatError, tensor } from '../src/index.js';
import type { Attributes, AttributeValue, ConstTensor } from '../src/interop/onnx/import/op-types.js';
import { convOperators } from '../src/interop/onnx/import/ops/conv.js';
import { normalizationOperators } from '../src/interop/onnx/import/ops/normalization.js';
import { padOperators } from '../src/interop/onnx/import/ops/pad.js';
import { poolOperators } from '../src/interop/onnx/import/ops/pool.js';
import { recurrentOperators } from '../src/interop/onnx/import/ops/recurrent.js';
import type { Tensor } from '../src/tensor/tensor.js';
import {
  type AttributeInput,
  onnxModel,
  runImportedWithShapes,
  runOrtModel,
  seededValues,
} from './onnx-graphs.js';
import type { Arr } from './onnx-import-reference.js';

export const operators = {
  ...convOperators,
  ...poolOperators,
  ...normalizationOperators,
  ...padOperators,
  ...recurrentOperators,
};

export interface OpInput {
  dims: number[];
  data: number[];
  /** Default 'float'. */
  type?: 'float' | 'int64' | 'int32';
  /** Fed at run time (a graph input) rather than an initializer; default: only input 0. */
  feed?: boolean;
  /** Fed as float and Cast to this type in the graph (sequence_lens: int32). */
  castTo?: 'int32';
}

export interface OpCase {
  op: string;
  attributes?: Record<string, AttributeInput>;
  /** In ONNX order; null for an omitted optional input. */
  inputs: (OpInput | null)[];
  /** How many outputs the node names. */
  outputs: number;
  opset?: number;
  /**
   * Per input slot, for operators whose ONNX layout has no batch axis first (LSTM's X
   * [seq, batch, ·], initial_h [dirs, batch, ·]): the graph is fed that input with its axes in
   * this order (so it is a graph input) and a Transpose restores them (an imported model's inputs
   * and outputs are batch-first, as exporters make them).
   */
  feedPerms?: (number[] | undefined)[];
  /** Per output: a Transpose with this perm after the node (outputs compared after undoing it). */
  outputPerms?: (number[] | undefined)[];
}

const inverse = (perm: readonly number[]) => {
  const inv: number[] = [];
  perm.forEach((a, i) => {
    inv[a] = i;
  });
  return inv;
};

/** `a` with its axes permuted: out.dims[i] = a.dims[perm[i]]. */
export function permuteArr(
  a: { dims: readonly number[]; data: ArrayLike<number> },
  perm: readonly number[],
): Arr {
  const dims = perm.map((p) => a.dims[p]!);
  const strides = a.dims.map((_, i) => a.dims.slice(i + 1).reduce((x, y) => x * y, 1));
  const out = new Float64Array(a.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let k = dims.length - 1; k >= 0; k--) {
      idx[k] = rem % dims[k]!;
      rem = Math.floor(rem / dims[k]!);
    }
    let src = 0;
    idx.forEach((v, k) => {
      src += v * strides[perm[k]!]!;
    });
    out[o] = Number(a.data[src]);
  }
  return { dims, data: out };
}

const inputName = (i: number) => `in${i}`;
const isFed = (c: OpCase, i: number) =>
  c.inputs[i]?.feed ?? (i === 0 || c.feedPerms?.[i] !== undefined || c.inputs[i]?.castTo !== undefined);
/** A fed input that a Transpose or a Cast turns into the node's input has a name of its own. */
const fedName = (c: OpCase, i: number) =>
  c.feedPerms?.[i] || c.inputs[i]?.castTo ? `fed${i}` : inputName(i);

export function caseModel(c: OpCase): Uint8Array {
  const outName = (i: number) => (c.outputPerms?.[i] ? `node_out${i}` : `out${i}`);
  return onnxModel({
    opset: c.opset ?? 18,
    inputs: fedInputs(c).map((t, k) => ({ name: fedName(c, fedSlots(c)[k]!), shape: t.dims })),
    outputs: Array.from({ length: c.outputs }, (_, i) => ({ name: `out${i}` })),
    initializers: c.inputs.flatMap((t, i) =>
      t && !isFed(c, i)
        ? [{ name: inputName(i), dims: t.dims, data: [...t.data], type: t.type ?? 'float' }]
        : [],
    ),
    nodes: [
      ...c.inputs.flatMap((t, i) =>
        t?.castTo
          ? [{ opType: 'Cast', inputs: [`fed${i}`], outputs: [inputName(i)], attributes: { to: 6 } }]
          : [],
      ),
      ...(c.feedPerms ?? []).flatMap((perm, i) =>
        perm
          ? [
              {
                opType: 'Transpose',
                inputs: [`fed${i}`],
                outputs: [inputName(i)],
                attributes: { perm: inverse(perm) },
              },
            ]
          : [],
      ),
      {
        opType: c.op,
        name: `the_${c.op.toLowerCase()}`,
        inputs: c.inputs.map((t, i) => (t ? inputName(i) : '')),
        outputs: Array.from({ length: c.outputs }, (_, i) => outName(i)),
        ...(c.attributes && { attributes: c.attributes }),
      },
      ...(c.outputPerms ?? []).flatMap((perm, i) =>
        perm
          ? [{ opType: 'Transpose', inputs: [outName(i)], outputs: [`out${i}`], attributes: { perm } }]
          : [],
      ),
    ],
  });
}

const fedSlots = (c: OpCase) => c.inputs.flatMap((t, i) => (t && isFed(c, i) ? [i] : []));

/** The graph's fed inputs, in order, with their data as fed (input 0 permuted by feedPerm). */
function fedInputs(c: OpCase): OpInput[] {
  return c.inputs.flatMap((t, i) => {
    if (!t || !isFed(c, i)) return [];
    const perm = c.feedPerms?.[i];
    if (!perm) return [t];
    const p = permuteArr(t, perm);
    return [{ dims: p.dims, data: [...p.data] }];
  });
}

/** Undo the outputs' Transposes. */
const unpermute = (c: OpCase, outs: Arr[]): Arr[] =>
  outs.map((o, i) => {
    const perm = c.outputPerms?.[i];
    return perm ? permuteArr(o, inverse(perm)) : o;
  });

/** The graph imported with fromOnnx and predicted. */
export function runOurs(c: OpCase): Arr[] {
  const fed = fedInputs(c);
  const outs = runImportedWithShapes(
    caseModel(c),
    fed.map((t) => Float32Array.from(t.data)),
    fed.map((t) => t.dims),
  ).map((o) => ({ dims: o.shape, data: o.data }));
  return unpermute(c, outs);
}

/** ONNX Runtime's answers by case: the same graph is checked on every backend, run once. */
const ortAnswers = new Map<string, Promise<Arr[]>>();

/** The graph in ONNX Runtime. */
export function runReference(c: OpCase): Promise<Arr[]> {
  const key = JSON.stringify(c);
  let answer = ortAnswers.get(key);
  if (!answer) {
    answer = runOrtOnce(c);
    ortAnswers.set(key, answer);
  }
  return answer;
}

async function runOrtOnce(c: OpCase): Promise<Arr[]> {
  const fed = fedInputs(c);
  const outputs = Array.from({ length: c.outputs }, (_, i) => ({ name: `out${i}` }));
  const inputs = fedSlots(c).map((i) => ({ name: fedName(c, i) }));
  const out = await runOrtModel(
    caseModel(c),
    { inputs, outputs },
    fed.map((t) => Float32Array.from(t.data)),
    fed.map((t) => t.dims),
  );
  return unpermute(
    c,
    out.map((o) => ({ dims: [...o.dims], data: o.data })),
  );
}

function attributeValue(v: AttributeInput): AttributeValue {
  if (typeof v === 'number' || typeof v === 'string' || Array.isArray(v)) return v as AttributeValue;
  if ('float' in v) return v.float;
  if ('floats' in v) return v.floats;
  if ('ints' in v) return v.ints;
  throw new Error('no direct form for this attribute');
}

/** The operator's `run` on tensors (inputs given as tensors replace the case's data). */
export function runDirect(c: OpCase, tensors?: readonly (Tensor | undefined)[]): Tensor[] {
  const op = operators[c.op as keyof typeof operators]!;
  const attributes: Attributes = {};
  for (const [name, spec] of Object.entries(op.attributes)) {
    const given = c.attributes?.[name];
    if (given !== undefined) attributes[name] = attributeValue(given);
    else if (spec.default !== undefined) attributes[name] = spec.default;
  }
  const consts: (ConstTensor | undefined)[] = c.inputs.map((t, i) =>
    t && op.constInputs?.includes(i)
      ? { dims: t.dims, data: [...t.data], kind: (t.type ?? 'float') === 'float' ? 'float' : 'int' }
      : undefined,
  );
  const inputs = c.inputs.map(
    (t, i) => tensors?.[i] ?? (t ? tensor(Float32Array.from(t.data), { shape: t.dims }) : undefined),
  );
  return op.run(inputs, attributes, consts, {
    name: `the_${c.op.toLowerCase()}`,
    opType: c.op,
    opset: c.opset ?? 18,
  });
}

/** |actual − expected| ≤ atol + rtol·|expected| element-wise, same dims. */
export function assertArrClose(actual: Arr, expected: Arr, what: string, atol = 1e-5, rtol = 1e-4): void {
  assert.deepEqual([...actual.dims], [...expected.dims], `${what}: dims`);
  assert.equal(actual.data.length, expected.data.length, `${what}: length`);
  for (let i = 0; i < expected.data.length; i++) {
    const a = Number(actual.data[i]);
    const e = Number(expected.data[i]);
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i}: got ${a}, expected ${e}`);
    }
  }
}

/**
 * The case against its float64 reference three ways: the operator's run, the imported graph
 * (unless `imported` is false), and (unless `ort` is false, for what ONNX Runtime's CPU kernels
 * refuse) ONNX Runtime.
 */
export async function checkCase(
  c: OpCase,
  expected: Arr[],
  what: string,
  ort = true,
  imported = true,
): Promise<void> {
  const legs: [string, () => Arr[] | Promise<Arr[]>][] = [
    ['run', () => runDirect(c).map((t) => ({ dims: [...t.shape], data: t.dataSync() }))],
  ];
  if (imported) legs.push(['fromOnnx', () => runOurs(c)]);
  if (ort) legs.push(['ONNX Runtime', () => runReference(c)]);
  for (const [who, run] of legs) {
    const got = await run();
    for (const [i, e] of expected.entries()) assertArrClose(got[i]!, e, `${what} (${who}) output ${i}`);
  }
}

/** Seeded values in [lo, hi) (onnx-graphs.ts' LCG), as plain numbers. */
export function values(seed: number, count: number, lo = -2, hi = 2): number[] {
  return Array.from(seededValues(seed, count, lo, hi));
}

export const data = (seed: number, dims: number[], lo = -2, hi = 2): OpInput => ({
  dims,
  data: values(
    seed,
    dims.reduce((a, b) => a * b, 1),
    lo,
    hi,
  ),
});

/**
 * gradcheck of the operator's run for the float inputs in `slots` (default: every input given as
 * plain float data — not Cast, not integer), the others held at the case's values; at most
 * `maxElements` random elements of each input when given.
 */
export function expectGradcheck(
  c: OpCase,
  what: string,
  slots?: number[],
  output = 0,
  maxElements?: number,
): void {
  const chosen =
    slots ?? c.inputs.flatMap((t, i) => (t && t.type === undefined && t.castTo === undefined ? [i] : []));
  const inputs = chosen.map((s) =>
    tensor(Float32Array.from(c.inputs[s]!.data), { shape: c.inputs[s]!.dims }),
  );
  const result = gradcheck(
    (...ts: Tensor[]) => {
      const all: (Tensor | undefined)[] = [];
      chosen.forEach((s, i) => {
        all[s] = ts[i];
      });
      return runDirect(c, all)[output]!;
    },
    inputs,
    { eps: 1e-2, tolerance: 2e-2, ...(maxElements !== undefined && { maxElements }) },
  );
  assert.ok(
    result.ok,
    `${what}: worst error ${result.maxError} at input ${chosen[result.worst?.input ?? 0]} [${result.worst?.index}]`,
  );
}

/** The operator's run refuses the case with a ModelFormatError whose message matches. */
export function expectRefused(c: OpCase, pattern: RegExp): void {
  assert.throws(
    () => runDirect(c),
    (e: unknown) => e instanceof ModelFormatError && pattern.test(e.message),
  );
}
