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

export interface IdxHeader {
  type: string;
  /** Bytes per value. */
  bytes: number;
  shape: number[];
  /** Size of the header: 4 + 4 × the number of dimensions. */
  headerBytes: number;
  /** The whole file's size the header implies (header + values). */
  totalBytes: number;
}

/** Bytes needed to read the header of an IDX file starting with `bytes` (at least 4). */
export function idxHeaderLength(bytes: Uint8Array): number {
  return bytes.length < 4 ? 4 : 4 + 4 * bytes[3]!;
}

/**
 * Read and check the header alone (the first idxHeaderLength() bytes are enough), so that a
 * caller can compare the size it implies with the file's before reading or inflating the rest.
 */
export function parseIdxHeader(bytes: Uint8Array, source = 'IDX data'): IdxHeader {
  if (isGzip(bytes)) throw new ArgumentError(`${source}: is gzip-compressed; decompress it first`);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new ArgumentError(`${source}: not an IDX file (bad magic number)`);
  }
  const type = TYPES[bytes[2]!];
  if (!type) throw new ArgumentError(`${source}: unknown IDX element type 0x${bytes[2]!.toString(16)}`);
  const ndim = bytes[3]!;
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new ArgumentError(
      `${source}: truncated IDX header (${bytes.length} bytes, ${ndim} dimensions need ${headerBytes})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  // Each factor is < 2^32 and the product is checked as it grows, so it never loses precision.
  let totalValues = 1;
  for (const d of shape) {
    totalValues *= d;
    if (!Number.isSafeInteger(totalValues * type.bytes + headerBytes)) {
      throw new ArgumentError(`${source}: the header's shape [${shape.join(', ')}] is impossibly large`);
    }
  }
  return {
    type: type.name,
    bytes: type.bytes,
    shape,
    headerBytes,
    totalBytes: headerBytes + totalValues * type.bytes,
  };
}

export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  const {
    type: typeName,
    shape,
    headerBytes: header,
    totalBytes: expected,
    bytes: size,
  } = parseIdxHeader(bytes, source);
  const type = { name: typeName, bytes: size };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = (expected - header) / size;
  if (bytes.length < expected) {
    throw new ArgumentError(`${source}: truncated: ${bytes.length} bytes, the header promises ${expected}`);
  }
  if (bytes.length > expected) {
    throw new ArgumentError(
      `${source}: ${bytes.length - expected} bytes after the ${expected} the header describes (not one IDX array)`,
    );
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
