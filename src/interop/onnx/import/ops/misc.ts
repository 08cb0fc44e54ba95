/**
 * ONNX Constant (value, value_float(s), value_int(s)), Dropout (at inference: identity, with an
 * all-true mask when asked for), and Cast (to FLOAT/DOUBLE: unchanged; to an integer type:
 * truncated toward zero, as ONNX Runtime converts; to BOOL: x ≠ 0 — all as float32 values, since a
 * backprop tensor is float32).
 */
import { tensor } from '../../../../tensor/create.js';
import { sizeOf } from '../../../../tensor/shape.js';
import { DataType } from '../../onnx-proto.js';
import type { AttributeSpec, ConstTensor, OperatorTable } from '../op-types.js';
import { constTensor, nodeError, required } from './util.js';

const constantAttributes: Record<string, AttributeSpec> = {
  value: { type: 'tensor', optional: true },
  value_float: { type: 'float', optional: true },
  value_floats: { type: 'floats', optional: true },
  value_int: { type: 'int', optional: true },
  value_ints: { type: 'ints', optional: true },
  value_string: { type: 'string', optional: true },
  value_strings: { type: 'strings', optional: true },
};

/** A Constant node's value: exactly one of its attributes. */
function constantValue(attrs: Record<string, unknown>, fail: (m: string) => Error): ConstTensor {
  const given = Object.keys(attrs);
  if (given.length !== 1) {
    throw fail(
      `needs exactly one of ${Object.keys(constantAttributes).join(', ')}, got ${given.join(', ') || 'none'}`,
    );
  }
  const v = attrs[given[0]!];
  switch (given[0]) {
    case 'value':
      return v as ConstTensor;
    case 'value_float':
      return { dims: [], data: [v as number], kind: 'float' };
    case 'value_floats':
      return { dims: [(v as number[]).length], data: [...(v as number[])], kind: 'float' };
    case 'value_int':
      return { dims: [], data: [v as number], kind: 'int' };
    case 'value_ints':
      return { dims: [(v as number[]).length], data: [...(v as number[])], kind: 'int' };
    default:
      throw fail(`${given[0]}: string tensors are not supported`);
  }
}

const floatTypes = new Set<number>([DataType.FLOAT, DataType.DOUBLE]);
const intTypes = new Set<number>([
  DataType.UINT8,
  DataType.INT8,
  4,
  5,
  DataType.INT32,
  DataType.INT64,
  12,
  13,
]);
const castTargets = 'FLOAT (1), DOUBLE (11), BOOL (9) and the integer types UINT8…UINT64 (2–7, 12, 13)';

const castAttributes: Record<string, AttributeSpec> = { to: { type: 'int' } };

export const miscOperators: OperatorTable = {
  Constant: {
    attributes: constantAttributes,
    foldKind: (attrs) => [constantValue(attrs, () => new Error('unreachable')).kind],
    run: (_inputs, attrs, _c, node) => [constTensor(constantValue(attrs, (m) => nodeError(node, m)))],
  },
  Dropout: {
    attributes: { seed: { type: 'int', optional: true } },
    constInputs: [1, 2],
    run: (inputs, _a, consts, node) => {
      const x = required(inputs, 0, node);
      if (consts[2]?.data.some((v) => v !== 0)) {
        throw nodeError(node, 'training_mode is true: only inference dropout (identity) is supported');
      }
      const mask = tensor(new Float32Array(sizeOf(x.shape)).fill(1), { shape: [...x.shape] });
      return [x, mask];
    },
  },
  Cast: {
    attributes: castAttributes,
    attributesAt: (opset) =>
      opset >= 19 ? { ...castAttributes, saturate: { type: 'int', default: 1 } } : castAttributes,
    foldKind: (attrs) => [floatTypes.has(attrs.to as number) ? 'float' : 'int'],
    run: (inputs, attrs, _c, node) => {
      const x = required(inputs, 0, node);
      const to = attrs.to as number;
      if (floatTypes.has(to)) return [x];
      if (to === DataType.BOOL) return [x.eq(0).neg().add(1)];
      if (intTypes.has(to)) return [x.sign().mul(x.abs().floor())];
      throw nodeError(node, `cannot cast to type ${to} (supported: ${castTargets})`);
    },
  },
};
