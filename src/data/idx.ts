/**
 * The IDX format of the original MNIST files (LeCun et al.): a big-endian header — two zero
 * bytes, a type code, the number of dimensions — then each dimension's size as a uint32, then
 * the values. Parsing is browser-safe; gzip is undone by the caller (Node: zlib; browsers:
 * DecompressionStream).
 */
import { ArgumentError } from '../errors.js';

export interface IdxArray {
  shape: number[];
  /** The values, in the element type the file declares. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  8: { name: 'uint8', bytes: 1 },
  9: { name: 'int8', bytes: 1 },
  11: { name: 'int16', bytes: 2 },
  12: { name: 'int32', bytes: 4 },
  13: { name: 'float32', bytes: 4 },
  14: { name: 'float64', bytes: 8 },
};

/** True if the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (isGzip(bytes)) throw new ArgumentError(`${source}: is gzip-compressed; decompress it first`);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new ArgumentError(`${source}: not an IDX file (bad magic number)`);
  }
  const type = TYPES[bytes[2]!];
  if (!type) throw new ArgumentError(`${source}: unknown IDX element type 0x${bytes[2]!.toString(16)}`);
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new ArgumentError(`${source}: truncated IDX header`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = header + count * type.bytes;
  if (bytes.length < expected) {
    throw new ArgumentError(`${source}: truncated: ${bytes.length} bytes, the header promises ${expected}`);
  }
  let data: IdxArray['data'];
  switch (type.name) {
    case 'uint8':
      data = bytes.subarray(header, header + count);
      break;
    case 'int8':
      data = new Int8Array(bytes.buffer, bytes.byteOffset + header, count);
      break;
    default: {
      // Multi-byte values are big-endian in IDX: read them one by one.
      const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[
        type.name as 'int16'
      ];
      const out = new Ctor(count);
      const get = {
        int16: (o: number) => view.getInt16(o, false),
        int32: (o: number) => view.getInt32(o, false),
        float32: (o: number) => view.getFloat32(o, false),
        float64: (o: number) => view.getFloat64(o, false),
      }[type.name as 'int16'];
      for (let i = 0; i < count; i++) out[i] = get(header + i * type.bytes);
      data = out;
    }
  }
  return { shape, data };
}
