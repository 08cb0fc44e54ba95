import type { Cursor } from './cursor.js';

/** The HDF5 datatypes this reader understands; anything else is kept as 'other' and refused on read. */
export type H5Type =
  | { kind: 'int'; size: number; signed: boolean; littleEndian: boolean }
  | { kind: 'float'; size: number; littleEndian: boolean }
  | { kind: 'string'; size: number; padding: number }
  | { kind: 'vlen-string'; size: number }
  | { kind: 'enum'; size: number; base: H5Type }
  | { kind: 'other'; size: number; className: string };

const CLASS_NAMES = [
  'fixed-point',
  'floating-point',
  'time',
  'string',
  'bitfield',
  'opaque',
  'compound',
  'reference',
  'enum',
  'variable-length',
  'array',
];

/** Reads a datatype message (spec IV.A.2.d); `c` may extend past it (attributes give its size). */
export function readDatatype(c: Cursor): H5Type {
  const classAndVersion = c.u8();
  const cls = classAndVersion & 0x0f;
  const b0 = c.u8();
  c.skip(2);
  const size = c.u32();
  const className = CLASS_NAMES[cls] ?? `class ${cls}`;
  if (size === 0 && cls !== 9) c.f.fail(`${c.what}: ${className} datatype of size 0`);
  switch (cls) {
    case 0: {
      if (![1, 2, 4, 8].includes(size)) return { kind: 'other', size, className: `${size}-byte integer` };
      c.skip(4); // bit offset, precision
      return { kind: 'int', size, signed: (b0 & 0x08) !== 0, littleEndian: (b0 & 0x01) === 0 };
    }
    case 1: {
      // Bit 6 with bit 0 is VAX order; only IEEE 4- and 8-byte floats are read.
      if ((b0 & 0x40) !== 0 || (size !== 4 && size !== 8)) {
        return { kind: 'other', size, className: `${size}-byte float` };
      }
      c.skip(12);
      return { kind: 'float', size, littleEndian: (b0 & 0x01) === 0 };
    }
    case 3:
      return { kind: 'string', size, padding: b0 & 0x0f };
    case 8: {
      const base = readDatatype(c);
      return { kind: 'enum', size, base };
    }
    case 9: {
      const isString = (b0 & 0x0f) === 1;
      // An element is a (length u32, global heap address, object index u32) reference.
      return isString
        ? { kind: 'vlen-string', size }
        : { kind: 'other', size, className: 'variable-length sequence' };
    }
    default:
      return { kind: 'other', size, className };
  }
}

export function describeType(t: H5Type): string {
  switch (t.kind) {
    case 'int':
      return `${t.signed ? 'int' : 'uint'}${t.size * 8}${t.littleEndian ? '' : ' big-endian'}`;
    case 'float':
      return `float${t.size * 8}${t.littleEndian ? '' : ' big-endian'}`;
    case 'string':
      return `string(${t.size})`;
    case 'vlen-string':
      return 'variable-length string';
    case 'enum':
      return `enum of ${describeType(t.base)}`;
    default:
      return t.className;
  }
}

/** Dataspace message (IV.A.2.b): the shape; `null` for a null dataspace (no data at all). */
export function readDataspace(c: Cursor): number[] | null {
  const version = c.u8();
  if (version !== 1 && version !== 2) c.f.fail(`${c.what}: dataspace version ${version} is not supported`);
  const rank = c.u8();
  if (rank > 32) c.f.fail(`${c.what}: dataspace rank ${rank} exceeds HDF5's 32`);
  const flags = c.u8();
  let isNull = false;
  if (version === 1) {
    c.skip(5);
  } else {
    isNull = c.u8() === 2;
  }
  // Maximum dimensions (flags bit 0) and permutations follow the sizes; nothing here needs them.
  void flags;
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(c.length());
  return isNull ? null : dims;
}

export function elementCount(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
