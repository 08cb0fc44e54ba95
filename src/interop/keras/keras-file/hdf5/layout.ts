import { Cursor, type H5Bytes, UNDEFINED_ADDRESS } from './cursor.js';
import type { H5Message } from './object-header.js';

/** Where a dataset's bytes are: in the header (compact), in one run (contiguous) or in chunks. */
export type H5Layout =
  | { kind: 'compact'; start: number; size: number }
  | { kind: 'contiguous'; address: number; size: number }
  | { kind: 'chunked-btree'; address: number; chunk: number[] }
  | { kind: 'chunked-single'; address: number; size: number; chunk: number[] }
  | { kind: 'chunked-fixed-array'; address: number; chunk: number[] }
  | { kind: 'chunked-unsupported'; index: string };

const FILTER_NAMES: Record<number, string> = {
  1: 'deflate (gzip)',
  2: 'shuffle',
  3: 'fletcher32',
  4: 'szip',
  5: 'nbit',
  6: 'scaleoffset',
  32001: 'blosc',
  32004: 'lz4',
  32015: 'zstd',
};

/** Names the filters of a filter pipeline message; this reader applies none, so any is refused. */
export function readFilterNames(f: H5Bytes, m: H5Message): string[] {
  const c = new Cursor(f, m.start, m.end, 'filter pipeline message');
  const version = c.u8();
  const count = c.u8();
  if (version === 1) c.skip(6);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = c.u16();
    const nameLength = version === 1 || id >= 256 ? c.u16() : 0;
    c.u16(); // flags
    const values = c.u16();
    if (nameLength > 0) c.skip(version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength);
    c.skip(4 * values);
    if (version === 1 && values % 2 === 1) c.skip(4);
    names.push(FILTER_NAMES[id] ?? `filter ${id}`);
  }
  return names;
}

/** Data layout message (IV.A.2.i), versions 1–4. Chunk dimensions include the element size last. */
export function readLayout(f: H5Bytes, m: H5Message): H5Layout {
  const c = new Cursor(f, m.start, m.end, 'data layout message');
  const version = c.u8();
  if (version === 1 || version === 2) {
    const dims = c.u8();
    const cls = c.u8();
    c.skip(5);
    const address = cls === 0 ? UNDEFINED_ADDRESS : c.offset();
    const sizes: number[] = [];
    for (let i = 0; i < dims; i++) sizes.push(c.u32());
    if (cls === 0) {
      const size = c.u32();
      const start = c.pos;
      c.skip(size); // the data must lie inside the message
      return { kind: 'compact', start, size };
    }
    if (cls === 1) return { kind: 'contiguous', address, size: -1 };
    return { kind: 'chunked-btree', address, chunk: sizes };
  }
  if (version !== 3 && version !== 4) f.fail(`data layout version ${version} is not supported`);
  const cls = c.u8();
  if (cls === 0) {
    const size = c.u16();
    const start = c.pos;
    c.skip(size); // the data must lie inside the message
    return { kind: 'compact', start, size };
  }
  if (cls === 1) {
    const address = c.offset();
    return { kind: 'contiguous', address, size: c.length() };
  }
  if (cls !== 2) f.fail(`data layout class ${cls} (virtual?) is not supported`);
  if (version === 3) {
    const dims = c.u8();
    const address = c.offset();
    const chunk: number[] = [];
    for (let i = 0; i < dims; i++) chunk.push(c.u32());
    return { kind: 'chunked-btree', address, chunk };
  }
  const flags = c.u8();
  const dims = c.u8();
  const width = c.u8();
  const chunk: number[] = [];
  for (let i = 0; i < dims; i++) chunk.push(c.uint(width));
  const index = c.u8();
  if (index === 1) {
    // Single chunk: the filtered size and mask are present only when filtered (flags bit 1).
    const size = flags & 0x02 ? c.length() : -1;
    if (flags & 0x02) c.u32();
    return { kind: 'chunked-single', address: c.offset(), size, chunk };
  }
  if (index === 3) {
    c.u8(); // page bits
    return { kind: 'chunked-fixed-array', address: c.offset(), chunk };
  }
  const names: Record<number, string> = { 2: 'implicit', 4: 'extensible array', 5: 'version 2 B-tree' };
  return { kind: 'chunked-unsupported', index: names[index] ?? `index type ${index}` };
}
