/**
 * The values of an ONNX TensorProto (an initializer, a Constant's `value`) as plain numbers, read
 * from whichever field holds them (raw_data little-endian bytes, or float_data / int32_data /
 * int64_data). The file is untrusted: the element count is checked against the dims and the bytes
 * present before anything is allocated, and every failure is a ModelFormatError naming the tensor.
 */
import { ModelFormatError } from '../../../errors.js';
import { DataType, type TensorProto } from '../onnx-proto.js';
import type { ConstTensor } from './op-types.js';

/** Element types the importer reads, with their byte size in raw_data and their kind. */
const elementTypes = new Map<number, { name: string; bytes: number; kind: 'float' | 'int' }>([
  [DataType.FLOAT, { name: 'FLOAT', bytes: 4, kind: 'float' }],
  [DataType.DOUBLE, { name: 'DOUBLE', bytes: 8, kind: 'float' }],
  [DataType.UINT8, { name: 'UINT8', bytes: 1, kind: 'int' }],
  [DataType.INT8, { name: 'INT8', bytes: 1, kind: 'int' }],
  [4, { name: 'UINT16', bytes: 2, kind: 'int' }],
  [5, { name: 'INT16', bytes: 2, kind: 'int' }],
  [DataType.INT32, { name: 'INT32', bytes: 4, kind: 'int' }],
  [DataType.INT64, { name: 'INT64', bytes: 8, kind: 'int' }],
  [DataType.BOOL, { name: 'BOOL', bytes: 1, kind: 'int' }],
]);

/** A tensor of more values than this is refused (4 GiB of float32; a weight is far smaller). */
const MAX_ELEMENTS = 2 ** 30;

/** The tensor's values; `what` names it in errors ("initializer 'fc.weight'"). */
export function tensorValues(t: TensorProto, what: string): ConstTensor {
  const dims = t.dims ?? [];
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ModelFormatError(`ONNX ${what}: dimension ${d} in dims [${dims.join(', ')}] is not a size`);
    }
    count *= d;
    if (count > MAX_ELEMENTS) {
      throw new ModelFormatError(
        `ONNX ${what}: dims [${dims.join(', ')}] hold more than ${MAX_ELEMENTS} values`,
      );
    }
  }
  const type = elementTypes.get(t.dataType ?? 0);
  if (!type) {
    const supported = [...elementTypes.values()].map((e) => e.name).join(', ');
    throw new ModelFormatError(
      `ONNX ${what}: element type ${t.dataType ?? 'UNDEFINED'} is not supported (supported: ${supported})`,
    );
  }
  const data = t.rawData
    ? fromRaw(t.rawData, t.dataType!, type.bytes, count, what)
    : fromFields(t, count, what);
  return { dims: [...dims], data, kind: type.kind };
}

function fromRaw(raw: Uint8Array, dataType: number, bytes: number, count: number, what: string): number[] {
  if (raw.length !== count * bytes) {
    throw new ModelFormatError(
      `ONNX ${what}: raw_data has ${raw.length} bytes but ${count} values of ${bytes} bytes need ${count * bytes}`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const at = i * bytes;
    switch (dataType) {
      case DataType.FLOAT:
        out[i] = view.getFloat32(at, true);
        break;
      case DataType.DOUBLE:
        out[i] = view.getFloat64(at, true);
        break;
      case DataType.UINT8:
      case DataType.BOOL:
        out[i] = view.getUint8(at);
        break;
      case DataType.INT8:
        out[i] = view.getInt8(at);
        break;
      case 4:
        out[i] = view.getUint16(at, true);
        break;
      case 5:
        out[i] = view.getInt16(at, true);
        break;
      case DataType.INT32:
        out[i] = view.getInt32(at, true);
        break;
      default: {
        const v = view.getBigInt64(at, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          // INT64_MAX/MIN mean "to the end" in Slice-like inputs; clamp to the safe range, which
          // is as far out of every real tensor's range.
          out[i] = v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
        } else {
          out[i] = Number(v);
        }
      }
    }
  }
  return out;
}

function fromFields(t: TensorProto, count: number, what: string): number[] {
  const field =
    t.dataType === DataType.FLOAT
      ? t.floatData
      : t.dataType === DataType.INT64
        ? t.int64Data
        : t.dataType === DataType.DOUBLE
          ? undefined // double_data (field 10) is not decoded: doubles come as raw_data
          : t.int32Data; // the int32_data field holds every small integer type and bool
  const values = field ?? [];
  if (values.length !== count) {
    const hint = values.length === 0 && count > 0 ? ' (data stored outside the file is not supported)' : '';
    throw new ModelFormatError(`ONNX ${what}: has ${values.length} values but dims need ${count}${hint}`);
  }
  return [...values];
}
