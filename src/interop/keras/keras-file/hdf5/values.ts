import { Cursor, decodeText, type H5Bytes } from './cursor.js';
import { describeType, type H5Type } from './datatype.js';

export type H5NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function makeArray(t: H5Type & { kind: 'int' | 'float' }, count: number): H5NumericArray {
  if (t.kind === 'float') return t.size === 4 ? new Float32Array(count) : new Float64Array(count);
  switch (t.size * (t.signed ? -1 : 1)) {
    case -1:
      return new Int8Array(count);
    case 1:
      return new Uint8Array(count);
    case -2:
      return new Int16Array(count);
    case 2:
      return new Uint16Array(count);
    case -4:
      return new Int32Array(count);
    case 4:
      return new Uint32Array(count);
    case -8:
      return new BigInt64Array(count);
    default:
      return new BigUint64Array(count);
  }
}

/** Decodes `count` numeric elements (any byte order) into the matching typed array. */
export function decodeNumbers(
  f: H5Bytes,
  raw: Uint8Array,
  type: H5Type,
  count: number,
  what: string,
): H5NumericArray {
  const t = type.kind === 'enum' ? type.base : type;
  if (t.kind !== 'int' && t.kind !== 'float') f.fail(`${what}: ${describeType(type)} is not numeric`);
  const size = t.size;
  if (raw.length < count * size) f.fail(`${what}: ${raw.length} bytes hold fewer than ${count} elements`);
  const out = makeArray(t, count);
  if (t.littleEndian && HOST_LITTLE_ENDIAN) {
    // The common case (h5py on any usual machine): the bytes already are the typed array's.
    new Uint8Array(out.buffer).set(raw.subarray(0, count * size));
    return out;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const get = getter(view, t);
  const target = out as unknown as (number | bigint)[];
  for (let i = 0; i < count; i++) target[i] = get(i * size);
  return out;
}

/** Reads one element of type `t` at a byte offset, in the file's byte order. */
function getter(view: DataView, t: H5Type & { kind: 'int' | 'float' }): (at: number) => number | bigint {
  const le = t.littleEndian;
  if (t.kind === 'float')
    return t.size === 4 ? (at) => view.getFloat32(at, le) : (at) => view.getFloat64(at, le);
  switch (t.size * (t.signed ? -1 : 1)) {
    case -1:
      return (at) => view.getInt8(at);
    case 1:
      return (at) => view.getUint8(at);
    case -2:
      return (at) => view.getInt16(at, le);
    case 2:
      return (at) => view.getUint16(at, le);
    case -4:
      return (at) => view.getInt32(at, le);
    case 4:
      return (at) => view.getUint32(at, le);
    case -8:
      return (at) => view.getBigInt64(at, le);
    default:
      return (at) => view.getBigUint64(at, le);
  }
}

/** Decodes string elements: fixed-length (NUL/space padding trimmed) or variable-length (global heap). */
export function decodeStrings(
  f: H5Bytes,
  raw: Uint8Array,
  type: H5Type,
  count: number,
  what: string,
): string[] {
  const out: string[] = [];
  if (type.kind === 'string') {
    if (raw.length < count * type.size)
      f.fail(`${what}: ${raw.length} bytes hold fewer than ${count} strings`);
    for (let i = 0; i < count; i++) {
      let s = raw.subarray(i * type.size, (i + 1) * type.size);
      const nul = s.indexOf(0);
      if (nul >= 0) s = s.subarray(0, nul);
      const text = decodeText(s);
      out.push(type.padding === 2 ? text.replace(/ +$/, '') : text);
    }
    return out;
  }
  if (type.kind !== 'vlen-string') f.fail(`${what}: ${describeType(type)} is not a string`);
  const elementSize = 4 + f.offsetSize + 4;
  // The elements are (length, collection address, index) references read in place from the file.
  if (raw.buffer !== f.bytes.buffer) f.fail(`${what}: variable-length strings are read only from attributes`);
  const start = raw.byteOffset - f.bytes.byteOffset;
  if (raw.length < count * elementSize)
    f.fail(`${what}: ${raw.length} bytes hold fewer than ${count} strings`);
  const r = new Cursor(f, start, start + count * elementSize, `${what} variable-length strings`);
  let strings = decodedStrings.get(f);
  if (!strings) decodedStrings.set(f, (strings = new Map()));
  for (let i = 0; i < count; i++) {
    const length = r.u32();
    const collection = r.offset();
    const index = r.u32();
    if (length === 0) {
      out.push('');
      continue;
    }
    // Decoded once per heap object: references may all name one large object (a crafted file
    // would otherwise cost its size once per reference); the strings are then shared.
    const key = `${collection}:${index}:${length}`;
    let text = strings.get(key);
    if (text === undefined) {
      text = decodeText(globalHeapObject(f, collection, index, length, what));
      strings.set(key, text);
    }
    out.push(text);
  }
  return out;
}

const decodedStrings = new WeakMap<H5Bytes, Map<string, string>>();

const collections = new WeakMap<H5Bytes, Map<number, Map<number, Uint8Array>>>();

/** One object of a global heap collection (spec III.E), where h5py keeps variable-length strings. */
function globalHeapObject(
  f: H5Bytes,
  address: number,
  index: number,
  length: number,
  what: string,
): Uint8Array {
  let byFile = collections.get(f);
  if (!byFile) collections.set(f, (byFile = new Map()));
  let objects = byFile.get(address);
  if (!objects) {
    objects = new Map();
    f.signature(address, 'GCOL', 'global heap collection');
    const h = f.cursor(address + 4, address + 8 + f.lengthSize, 'global heap collection');
    h.skip(4);
    const size = h.length();
    f.check(address, size, 'global heap collection');
    const c = new Cursor(f, address + 8 + f.lengthSize, address + size, 'global heap collection');
    while (c.remaining >= 8 + f.lengthSize) {
      const id = c.u16();
      if (id === 0) break; // the free space runs to the end
      c.skip(6);
      const objectSize = c.length();
      objects.set(id, c.bytes(objectSize));
      c.align(address, 8);
    }
    byFile.set(address, objects);
  }
  const data = objects.get(index);
  if (!data) f.fail(`${what}: global heap object ${index} not found in collection at byte ${address}`);
  if (data.length < length) f.fail(`${what}: string of ${length} bytes in a ${data.length}-byte heap object`);
  return data.subarray(0, length);
}
