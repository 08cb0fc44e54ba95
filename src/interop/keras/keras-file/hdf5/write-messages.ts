/**
 * The object header messages hdf5-write.ts writes (spec IV.A.2), in their oldest versions: a
 * dataset's dataspace, float32 datatype, fill value and contiguous layout, and fixed-length string
 * attributes.
 */
import { ArgumentError } from '../../../../errors.js';
import { UNDEFINED } from './write-buffer.js';

export const MSG_SYMBOL_TABLE = 0x11;
const MSG_DATASPACE = 0x01;
const MSG_DATATYPE = 0x03;
const MSG_FILL_VALUE = 0x05;
const MSG_LAYOUT = 0x08;
const MSG_ATTRIBUTE = 0x0c;

export interface HeaderMessage {
  type: number;
  body: Uint8Array;
}

class Bytes {
  readonly b: Uint8Array;
  readonly v: DataView;
  constructor(size: number) {
    this.b = new Uint8Array(size);
    this.v = new DataView(this.b.buffer);
  }
  u64(at: number, n: number): void {
    this.v.setBigUint64(at, n === UNDEFINED ? 0xffffffffffffffffn : BigInt(n), true);
  }
}

/** Dataspace version 1: rank, no maximum sizes; rank 0 is a scalar. */
function dataspace(shape: readonly number[]): Uint8Array {
  const d = new Bytes(8 + 8 * shape.length);
  d.b[0] = 1;
  d.b[1] = shape.length;
  shape.forEach((n, i) => {
    d.u64(8 + 8 * i, n);
  });
  return d.b;
}

/** IEEE 754 binary32, little-endian (datatype class 1, version 1). */
function float32Type(): Uint8Array {
  const d = new Bytes(20);
  d.b[0] = 0x11; // version 1, class 1 (floating point)
  d.b[1] = 0x20; // little-endian, mantissa normalised with an implied leading 1
  d.b[2] = 31; // sign bit position
  d.v.setUint32(4, 4, true);
  d.v.setUint16(8, 0, true); // bit offset
  d.v.setUint16(10, 32, true); // precision
  d.b[12] = 23; // exponent location
  d.b[13] = 8; // exponent size
  d.b[14] = 0; // mantissa location
  d.b[15] = 23; // mantissa size
  d.v.setUint32(16, 127, true); // exponent bias
  return d.b;
}

/** A fixed-length string of `size` bytes, null-padded (class 3), ASCII or UTF-8. */
function stringType(size: number, utf8: boolean): Uint8Array {
  const d = new Bytes(8);
  d.b[0] = 0x13;
  d.b[1] = 1 | (utf8 ? 0x10 : 0); // null-padded; character set
  d.v.setUint32(4, size, true);
  return d.b;
}

/** The messages of a contiguous float32 dataset whose values are `byteSize` bytes at `address`. */
export function datasetMessages(
  shape: readonly number[],
  address: number,
  byteSize: number,
): HeaderMessage[] {
  // Fill value version 2: allocated early, fill written if set, no fill value defined.
  const fill = new Uint8Array([2, 1, 2, 0]);
  // Data layout version 3, class 1 (contiguous): address and size.
  const layout = new Bytes(18);
  layout.b[0] = 3;
  layout.b[1] = 1;
  layout.u64(2, address);
  layout.u64(10, byteSize);
  return [
    { type: MSG_DATASPACE, body: dataspace(shape) },
    { type: MSG_DATATYPE, body: float32Type() },
    { type: MSG_FILL_VALUE, body: fill },
    { type: MSG_LAYOUT, body: layout.b },
  ];
}

const encoder = new TextEncoder();

/** An attribute message (version 1) holding one fixed-length string. */
export function attributeMessage(name: string, value: string): HeaderMessage {
  if (typeof value !== 'string')
    throw new ArgumentError(`writeHdf5: attribute '${name}' must be a string, got ${typeof value}`);
  const nameBytes = encoder.encode(name);
  const valueBytes = encoder.encode(value);
  // An empty string is stored as one null byte (HDF5 has no zero-size strings).
  const size = Math.max(1, valueBytes.length);
  const type = stringType(
    size,
    valueBytes.some((b) => b >= 0x80),
  );
  const space = dataspace([]);
  const pad = (n: number) => Math.ceil(n / 8) * 8;
  const nameSize = nameBytes.length + 1;
  const d = new Bytes(8 + pad(nameSize) + pad(type.length) + pad(space.length) + size);
  d.b[0] = 1;
  d.v.setUint16(2, nameSize, true);
  d.v.setUint16(4, type.length, true);
  d.v.setUint16(6, space.length, true);
  let at = 8;
  d.b.set(nameBytes, at);
  at += pad(nameSize);
  d.b.set(type, at);
  at += pad(type.length);
  d.b.set(space, at);
  at += pad(space.length);
  d.b.set(valueBytes, at);
  return { type: MSG_ATTRIBUTE, body: d.b };
}
