import { type H5Bytes, UNDEFINED_ADDRESS } from './cursor.js';
import { elementCount } from './datatype.js';
import type { H5Layout } from './layout.js';

const MAX_DEPTH = 64;
const MAX_NODES = 1 << 20;

/**
 * A dataset's raw bytes in row-major order. The size comes from its shape and element size; it is
 * checked against what the file can hold before anything is allocated (chunks not stored in the file
 * read as zeros, HDF5's default fill, so a chunked dataset may at most be 64× the file).
 */
export function readRawData(
  f: H5Bytes,
  layout: H5Layout,
  shape: number[],
  elementSize: number,
  what: string,
): Uint8Array {
  const total = elementCount(shape) * elementSize;
  if (!Number.isSafeInteger(total)) f.fail(`${what}: shape [${shape}] is too large`);
  switch (layout.kind) {
    case 'compact':
      if (layout.size < total)
        f.fail(`${what}: compact data holds ${layout.size} bytes, shape needs ${total}`);
      f.check(layout.start, total, `${what} compact data`);
      return f.bytes.slice(layout.start, layout.start + total);
    case 'contiguous': {
      if (total === 0) return new Uint8Array(0);
      if (layout.address === UNDEFINED_ADDRESS) return checkedZeros(f, total, what); // never written
      if (layout.size >= 0 && layout.size < total)
        f.fail(`${what}: stores ${layout.size} bytes, shape needs ${total}`);
      f.check(layout.address, total, `${what} data`);
      return f.bytes.slice(layout.address, layout.address + total);
    }
    case 'chunked-btree':
    case 'chunked-single':
    case 'chunked-fixed-array': {
      const chunk = layout.chunk;
      if (chunk.length !== shape.length + 1 || chunk[shape.length] !== elementSize) {
        f.fail(
          `${what}: chunk dimensions [${chunk}] do not fit shape [${shape}] of ${elementSize}-byte elements`,
        );
      }
      if (chunk.slice(0, -1).some((d) => d === 0)) f.fail(`${what}: chunk dimensions [${chunk}] contain 0`);
      const out = checkedZeros(f, total, what);
      const chunkBytes = elementCount(chunk);
      // Each chunk of the grid is stored at most once; a corrupt index listing more cannot spin.
      let budget = elementCount(shape.map((d, i) => Math.ceil(d / chunk[i]!)));
      const place = (address: number, offsets: number[]): void => {
        if (--budget < 0) f.fail(`${what}: the chunk index lists more chunks than the shape has`);
        f.check(address, chunkBytes, `${what} chunk`);
        copyChunk(
          f,
          out,
          f.bytes.subarray(address, address + chunkBytes),
          offsets,
          chunk,
          shape,
          elementSize,
          what,
        );
      };
      if (layout.kind === 'chunked-btree') readChunkTree(f, layout.address, shape.length, place, what);
      else if (layout.kind === 'chunked-single') {
        if (layout.address !== UNDEFINED_ADDRESS)
          place(
            layout.address,
            shape.map(() => 0),
          );
      } else readFixedArray(f, layout.address, chunk, shape, place, what);
      return out;
    }
    default:
      return f.fail(
        `${what}: chunk index '${layout.index}' is not supported (h5py writes it with libver='latest' and resizable datasets)`,
      );
  }
}

function checkedZeros(f: H5Bytes, total: number, what: string): Uint8Array {
  if (total > 64 * f.bytes.length + 4096)
    f.fail(`${what}: ${total} bytes of data cannot come from a ${f.bytes.length}-byte file`);
  return new Uint8Array(total);
}

/** Copies one chunk (row-major, `chunk` = dims + element size) into `out`, clipped at the dataset's edge. */
function copyChunk(
  f: H5Bytes,
  out: Uint8Array,
  data: Uint8Array,
  offsets: number[],
  chunk: number[],
  shape: number[],
  elementSize: number,
  what: string,
): void {
  const rank = shape.length;
  for (let d = 0; d < rank; d++) {
    if (offsets[d]! >= shape[d]! || offsets[d]! % chunk[d]! !== 0) {
      f.fail(`${what}: chunk offset [${offsets}] is not a chunk of shape [${shape}]`);
    }
  }
  if (rank === 0) {
    out.set(data.subarray(0, elementSize));
    return;
  }
  const inner = Math.min(chunk[rank - 1]!, shape[rank - 1]! - offsets[rank - 1]!) * elementSize;
  const index = new Array<number>(rank - 1).fill(0);
  const extent = index.map((_, d) => Math.min(chunk[d]!, shape[d]! - offsets[d]!));
  for (;;) {
    let src = 0;
    let dst = 0;
    for (let d = 0; d < rank; d++) {
      const i = d < rank - 1 ? index[d]! : 0;
      src = src * chunk[d]! + i;
      dst = dst * shape[d]! + offsets[d]! + i;
    }
    out.set(data.subarray(src * elementSize, src * elementSize + inner), dst * elementSize);
    let d = rank - 2;
    while (d >= 0 && ++index[d]! >= extent[d]!) index[d--] = 0;
    if (d < 0) return;
  }
}

/** v1 B-tree of chunks (node type 1): keys carry each chunk's size, filter mask and offsets. */
function readChunkTree(
  f: H5Bytes,
  root: number,
  rank: number,
  place: (address: number, offsets: number[]) => void,
  what: string,
): void {
  const seen = new Set<number>();
  // Each chunk once: a leaf listing one chunk many times would copy it again each time.
  const placed = new Set<string>();
  const visit = (node: number, depth: number): void => {
    if (depth > MAX_DEPTH || seen.has(node) || seen.size > MAX_NODES)
      f.fail(`${what}: chunk B-tree is cyclic or too deep`);
    seen.add(node);
    f.signature(node, 'TREE', `${what} chunk B-tree node`);
    const c = f.cursor(node + 4, f.bytes.length, `${what} chunk B-tree node`);
    const type = c.u8();
    if (type !== 1) f.fail(`${what}: chunk B-tree node at byte ${node} has type ${type} (1 expected)`);
    const level = c.u8();
    const entries = c.u16();
    c.offset();
    c.offset();
    const keyed: [number[], number][] = [];
    for (let i = 0; i < entries; i++) {
      c.u32(); // chunk size in bytes (as stored; equal to the chunk's size without filters)
      const mask = c.u32();
      if (mask !== 0) f.fail(`${what}: chunk with filter mask ${mask}`);
      const offsets: number[] = [];
      for (let d = 0; d <= rank; d++) offsets.push(c.uint(8));
      keyed.push([offsets.slice(0, rank), c.offset()]);
    }
    for (const [offsets, child] of keyed) {
      if (level > 0) visit(child, depth + 1);
      else {
        const key = offsets.join(',');
        if (placed.has(key)) f.fail(`${what}: chunk B-tree lists the chunk at [${key}] twice`);
        placed.add(key);
        place(child, offsets);
      }
    }
  };
  if (root !== UNDEFINED_ADDRESS) visit(root, 0);
}

/** Fixed array chunk index (layout v4, h5py's libver='latest'): one address per chunk, row-major. */
function readFixedArray(
  f: H5Bytes,
  header: number,
  chunk: number[],
  shape: number[],
  place: (address: number, offsets: number[]) => void,
  what: string,
): void {
  if (header === UNDEFINED_ADDRESS) return;
  f.signature(header, 'FAHD', `${what} fixed array`);
  const h = f.cursor(header + 4, f.bytes.length, `${what} fixed array`);
  h.u8(); // version
  const client = h.u8();
  if (client !== 0) f.fail(`${what}: filtered chunks (fixed array client ${client}) are not supported`);
  const entrySize = h.u8();
  const pageBits = h.u8();
  const count = h.length();
  const block = h.offset();
  const grid = shape.map((d, i) => Math.ceil(d / chunk[i]!));
  if (count !== elementCount(grid))
    f.fail(`${what}: fixed array has ${count} chunks, shape needs ${elementCount(grid)}`);
  if (count > 2 ** pageBits) f.fail(`${what}: paged fixed array chunk index is not supported`);
  if (entrySize !== f.offsetSize) f.fail(`${what}: fixed array entry size ${entrySize}`);
  f.signature(block, 'FADB', `${what} fixed array data block`);
  const b = f.cursor(block + 6 + f.offsetSize, f.bytes.length, `${what} fixed array data block`);
  const index = grid.map(() => 0);
  for (let i = 0; i < count; i++) {
    const address = b.offset();
    if (address !== UNDEFINED_ADDRESS)
      place(
        address,
        index.map((k, d) => k * chunk[d]!),
      );
    for (let d = grid.length - 1; d >= 0 && ++index[d]! >= grid[d]!; d--) index[d] = 0;
  }
}
