/**
 * Hand-built ONNX graphs for the import tests: `onnxModel` writes a small model from a plain
 * description (via encodeModel), `runImported` loads bytes with fromOnnx and predicts, and
 * `runOrtModel` runs the same bytes in ONNX Runtime (the reference) — so an operator test is one
 * graph, a float64 formula, and two comparisons.
 */

import * as ort from 'onnxruntime-web';
import { tensor } from '../src/index.js';
import { fromOnnx } from '../src/interop/onnx/import/from-onnx.js';
import {
  type AttributeProto,
  AttributeType,
  DataType,
  encodeModel,
  type TensorProto,
  type ValueInfoProto,
} from '../src/interop/onnx/onnx-proto.js';
import type { OrtValue } from './onnx-runtime.js';

ort.env.wasm.numThreads = 1;

export interface TensorSpec {
  dims: number[];
  data: number[];
  /** Default 'float' (written as raw little-endian float32); 'int64' as int64_data. */
  type?: 'float' | 'int64' | 'int32' | 'double' | 'bool';
}

/**
 * An attribute: an integer number is INT, a non-integer number FLOAT (use `{ float: 1 }` for a
 * whole-number float), a string STRING, a number[] INTS (`{ floats }` for FLOATS), `{ tensor }` a
 * TENSOR. `{ raw }` writes the AttributeProto as given (wrong-type tests).
 */
export type AttributeInput =
  | number
  | string
  | number[]
  | string[]
  | { float: number }
  | { floats: number[] }
  | { ints: number[] }
  | { tensor: TensorSpec }
  | { raw: Omit<AttributeProto, 'name'> };

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeInput>;
  name?: string;
  domain?: string;
}

export interface ValueSpec {
  name: string;
  /** A number is a fixed size, a string a symbolic (dynamic) one. Default for outputs: none. */
  shape?: (number | string)[];
  /** Element type; default 'float'. */
  type?: 'float' | 'int64' | 'int32';
}

export interface GraphSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: (TensorSpec & { name: string })[];
  /** The default-domain opset; default 17. */
  opset?: number;
  /** Extra opset imports (another domain…). */
  extraOpsets?: { domain: string; version: number }[];
  irVersion?: number;
}

const elemTypes = {
  float: DataType.FLOAT,
  int64: DataType.INT64,
  int32: DataType.INT32,
  double: DataType.DOUBLE,
  bool: DataType.BOOL,
} as const;

export function tensorProto(t: TensorSpec, name?: string): TensorProto {
  const type = t.type ?? 'float';
  const base: TensorProto = {
    dims: [...t.dims],
    dataType: elemTypes[type],
    ...(name !== undefined && { name }),
  };
  if (type === 'float') {
    const bytes = new Uint8Array(t.data.length * 4);
    const view = new DataView(bytes.buffer);
    t.data.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    return { ...base, rawData: bytes };
  }
  if (type === 'double') {
    const bytes = new Uint8Array(t.data.length * 8);
    const view = new DataView(bytes.buffer);
    t.data.forEach((v, i) => {
      view.setFloat64(i * 8, v, true);
    });
    return { ...base, rawData: bytes };
  }
  if (type === 'int64') return { ...base, int64Data: [...t.data] };
  return { ...base, int32Data: [...t.data] };
}

function attribute(name: string, v: AttributeInput): AttributeProto {
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? { name, type: AttributeType.INT, i: v }
      : { name, type: AttributeType.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) {
      return {
        name,
        type: AttributeType.STRINGS,
        strings: (v as string[]).map((s) => new TextEncoder().encode(s)),
      };
    }
    return { name, type: AttributeType.INTS, ints: v as number[] };
  }
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  if ('ints' in v) return { name, type: AttributeType.INTS, ints: v.ints };
  if ('tensor' in v) return { name, type: AttributeType.TENSOR, t: tensorProto(v.tensor) };
  return { name, ...v.raw };
}

function valueInfo(v: ValueSpec): ValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: elemTypes[v.type ?? 'float'],
        ...(v.shape && {
          shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        }),
      },
    },
  };
}

/** The bytes of a .onnx file holding this graph. */
export function onnxModel(spec: GraphSpec): Uint8Array {
  return encodeModel({
    irVersion: spec.irVersion ?? 8,
    producerName: 'backprop-tests',
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name ?? `${n.opType.toLowerCase()}_${i}`,
        opType: n.opType,
        ...(n.domain !== undefined && { domain: n.domain }),
        ...(n.attributes && {
          attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)),
        }),
      })),
      initializer: (spec.initializers ?? []).map((t) => tensorProto(t, t.name)),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }, ...(spec.extraOpsets ?? [])],
  });
}

/** Import the bytes with fromOnnx and predict on these inputs (shapes include the batch axis). */
export function runImported(
  bytes: Uint8Array,
  inputs: readonly Float32Array[],
  shapes: readonly (readonly number[])[],
): Float32Array[] {
  return runImportedWithShapes(bytes, inputs, shapes).map((o) => o.data);
}

/** As runImported, with each output's shape. */
export function runImportedWithShapes(
  bytes: Uint8Array,
  inputs: readonly Float32Array[],
  shapes: readonly (readonly number[])[],
): { data: Float32Array; shape: number[] }[] {
  const model = fromOnnx(bytes);
  const xs = inputs.map((d, i) => tensor(d, { shape: [...shapes[i]!] }));
  const out = model.predict(xs.length === 1 ? xs[0]! : xs);
  const list = Array.isArray(out) ? out : [out];
  return list.map((t) => ({ data: Float32Array.from(t.dataSync()), shape: [...t.shape] }));
}

/**
 * Run the bytes in ONNX Runtime; outputs in the graph's output order. Inputs declared 'int64' or
 * 'int32' in the spec are fed as those types (from the integer values given).
 */
export async function runOrtModel(
  bytes: Uint8Array,
  spec: Pick<GraphSpec, 'inputs' | 'outputs'>,
  inputs: readonly Float32Array[],
  shapes: readonly (readonly number[])[],
): Promise<OrtValue[]> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const feeds = Object.fromEntries(
      spec.inputs.map((v, i) => {
        const data = inputs[i]!;
        const dims = [...shapes[i]!];
        if (v.type === 'int64')
          return [
            v.name,
            new ort.Tensor(
              'int64',
              BigInt64Array.from(data, (x) => BigInt(x)),
              dims,
            ),
          ];
        if (v.type === 'int32') return [v.name, new ort.Tensor('int32', Int32Array.from(data), dims)];
        return [v.name, new ort.Tensor('float32', data, dims)];
      }),
    );
    const out = await session.run(feeds);
    return spec.outputs.map((v) => {
      const t = out[v.name]!;
      return { data: Float32Array.from(t.data as Float32Array), dims: t.dims };
    });
  } finally {
    await session.release();
  }
}

/** Seeded values in [lo, hi) — a small LCG so the graphs need no backprop state. */
export function seededValues(seed: number, count: number, lo = -2, hi = 2): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}
