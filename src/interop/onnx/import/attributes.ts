/**
 * A node's AttributeProtos checked against what its operator declares: each given attribute must
 * be declared and of the declared type, each required one present, and each absent one with a
 * default takes the ONNX specification's default — so an operator's `run` reads plain values and
 * never guesses. Errors name the node, the operator and the attribute.
 */
import { ModelFormatError } from '../../../errors.js';
import { type AttributeProto, AttributeType } from '../onnx-proto.js';
import type { AttributeSpec, Attributes, AttributeValue, ConstTensor } from './op-types.js';
import { tensorValues } from './tensor-values.js';

const typeNames: Record<number, string> = {
  [AttributeType.FLOAT]: 'float',
  [AttributeType.INT]: 'int',
  [AttributeType.STRING]: 'string',
  [AttributeType.TENSOR]: 'tensor',
  [AttributeType.GRAPH]: 'graph',
  [AttributeType.FLOATS]: 'floats',
  [AttributeType.INTS]: 'ints',
  [AttributeType.STRINGS]: 'strings',
  [AttributeType.TENSORS]: 'tensors',
  [AttributeType.GRAPHS]: 'graphs',
  11: 'sparse_tensor',
  12: 'sparse_tensors',
  13: 'type_proto',
  14: 'type_protos',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The attribute's type: its `type` field, or (files that leave it out) the field that is set. */
function typeOf(a: AttributeProto): string {
  if (a.type !== undefined && a.type !== AttributeType.UNDEFINED)
    return typeNames[a.type] ?? `type ${a.type}`;
  if (a.t !== undefined) return 'tensor';
  if (a.s !== undefined) return 'string';
  if (a.floats !== undefined) return 'floats';
  if (a.ints !== undefined) return 'ints';
  if (a.strings !== undefined) return 'strings';
  if (a.f !== undefined) return 'float';
  return 'int';
}

function text(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ModelFormatError(`${where}: is not UTF-8 text`);
  }
}

/** The given attributes, checked, with defaults filled in. `where`: "node 'x' (Gemm)". */
export function decodeAttributes(
  given: readonly AttributeProto[],
  specs: Record<string, AttributeSpec>,
  where: string,
): Attributes {
  const out: Attributes = {};
  for (const a of given) {
    const name = a.name ?? '';
    const at = `ONNX ${where}: attribute '${name}'`;
    if (!Object.hasOwn(specs, name)) {
      const known = Object.keys(specs);
      throw new ModelFormatError(
        `${at} is not an attribute of this operator (it has ${known.length > 0 ? known.join(', ') : 'none'})`,
      );
    }
    if (Object.hasOwn(out, name)) throw new ModelFormatError(`${at} is given twice`);
    const spec = specs[name]!;
    const type = typeOf(a);
    if (type !== spec.type) throw new ModelFormatError(`${at} must be of type ${spec.type}, got ${type}`);
    out[name] = attributeValue(a, spec, at);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (Object.hasOwn(out, name)) continue;
    if (spec.default !== undefined) out[name] = copy(spec.default);
    else if (!spec.optional) {
      throw new ModelFormatError(`ONNX ${where}: required attribute '${name}' (${spec.type}) is missing`);
    }
  }
  return out;
}

function attributeValue(a: AttributeProto, spec: AttributeSpec, at: string): AttributeValue {
  switch (spec.type) {
    case 'int':
      return a.i ?? 0;
    case 'float':
      return a.f ?? 0;
    case 'string':
      return text(a.s ?? new Uint8Array(), at);
    case 'ints':
      return [...(a.ints ?? [])];
    case 'floats':
      return [...(a.floats ?? [])];
    case 'strings':
      return (a.strings ?? []).map((s) => text(s, at));
    case 'tensor':
      if (a.t === undefined) throw new ModelFormatError(`${at}: has no tensor`);
      return tensorValues(a.t, `${at.slice('ONNX '.length)} tensor`);
  }
}

function copy(v: AttributeValue): AttributeValue {
  if (Array.isArray(v)) return [...v] as AttributeValue;
  if (typeof v === 'object') return { ...v, dims: [...v.dims], data: [...v.data] };
  return v;
}

/**
 * Attributes read back from a saved OnnxGraph config (model.json, untrusted like any file): each
 * must be one the operator declares, with a JSON value of the declared type. Returns a message
 * naming the first problem, or null.
 */
export function attributeProblem(
  attributes: Record<string, unknown>,
  specs: Record<string, AttributeSpec>,
): string | null {
  const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const isList = (v: unknown, item: (x: unknown) => boolean) => Array.isArray(v) && v.every(item);
  for (const [name, value] of Object.entries(attributes)) {
    if (!Object.hasOwn(specs, name)) return `attribute '${name}' is not an attribute of this operator`;
    const type = specs[name]!.type;
    const ok =
      type === 'int'
        ? Number.isSafeInteger(value)
        : type === 'float'
          ? isNumber(value)
          : type === 'string'
            ? typeof value === 'string'
            : type === 'ints'
              ? isList(value, Number.isSafeInteger)
              : type === 'floats'
                ? isList(value, isNumber)
                : type === 'strings'
                  ? isList(value, (x) => typeof x === 'string')
                  : isConstTensor(value);
    if (!ok) return `attribute '${name}' must be of type ${type}`;
  }
  return null;
}

/** A ConstTensor in JSON: integer sizes, numbers matching their product, a kind. */
export function isConstTensor(v: unknown): v is ConstTensor {
  const c = v as Partial<ConstTensor> | null;
  if (typeof c !== 'object' || c === null) return false;
  if (!Array.isArray(c.dims) || !c.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) return false;
  if (!Array.isArray(c.data) || !c.data.every((x) => typeof x === 'number')) return false;
  return (c.kind === 'float' || c.kind === 'int') && c.data.length === c.dims.reduce((a, b) => a * b, 1);
}
