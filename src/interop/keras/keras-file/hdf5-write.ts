/**
 * A minimal HDF5 writer for Keras 3's model.weights.h5: groups, contiguous little-endian float32
 * datasets and fixed-length string attributes, in the oldest layout every HDF5 library reads (the
 * one h5py writes by default): superblock version 0, version 1 object headers, and groups as symbol
 * tables — a version 1 B-tree whose leaves are symbol table nodes, the names in a local heap.
 * Layout follows the HDF Group's "HDF5 File Format Specification, Version 3.0"; the file is written
 * children first, so every address is known when its parent is written, and the superblock last.
 */
import { ArgumentError } from '../../../errors.js';
import { type H5Entry, H5Writer, UNDEFINED } from './hdf5/write-buffer.js';
import {
  attributeMessage,
  datasetMessages,
  type HeaderMessage,
  MSG_SYMBOL_TABLE,
} from './hdf5/write-messages.js';

export interface Hdf5WriteGroup {
  kind: 'group';
  /** Members by name (a name may not contain '/' or be '.'). */
  children: Map<string, Hdf5WriteGroup | Hdf5WriteDataset>;
  attrs?: Record<string, string>;
}

export interface Hdf5WriteDataset {
  kind: 'dataset';
  shape: readonly number[];
  data: Float32Array;
  attrs?: Record<string, string>;
}

export function h5Group(
  children: Record<string, Hdf5WriteGroup | Hdf5WriteDataset> = {},
  attrs?: Record<string, string>,
): Hdf5WriteGroup {
  return { kind: 'group', children: new Map(Object.entries(children)), ...(attrs && { attrs }) };
}

export function h5Dataset(shape: readonly number[], data: Float32Array): Hdf5WriteDataset {
  return { kind: 'dataset', shape, data };
}

/** Symbols per symbol table node is 2·K (K = "group leaf node K", HDF5's default 4). */
const LEAF_K = 4;
/** Children per B-tree node is 2·K; K grows past HDF5's default 16 so one node holds every leaf. */
const DEFAULT_INTERNAL_K = 16;
const SUPERBLOCK_SIZE = 96;
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** The bytes of an HDF5 file holding `root`'s members and attributes. */
export function writeHdf5(root: Hdf5WriteGroup): Uint8Array {
  const internalK = Math.max(DEFAULT_INTERNAL_K, Math.ceil(largestGroup(root, 0) / (2 * LEAF_K) / 2));
  if (internalK > 0x7fff) throw new ArgumentError('writeHdf5: a group has too many members');
  const w = new H5Writer();
  w.reserve(SUPERBLOCK_SIZE);
  const rootEntry = writeGroup(w, root, internalK, '/');
  const eof = w.length;
  // Superblock version 0 (spec II.A): offsets and lengths of 8 bytes.
  SIGNATURE.forEach((b, i) => {
    w.u8(i, b);
  });
  w.u8(13, 8);
  w.u8(14, 8);
  w.u16(16, LEAF_K);
  w.u16(18, internalK);
  w.u64(24, 0); // base address
  w.u64(32, UNDEFINED); // free-space info
  w.u64(40, eof);
  w.u64(48, UNDEFINED); // driver info
  w.entry(56, 0, rootEntry);
  return w.finish();
}

function largestGroup(g: Hdf5WriteGroup, depth: number): number {
  if (depth > 64) throw new ArgumentError('writeHdf5: groups nest deeper than 64');
  let n = g.children.size;
  for (const c of g.children.values()) if (c.kind === 'group') n = Math.max(n, largestGroup(c, depth + 1));
  return n;
}

const encoder = new TextEncoder();

/** Bytewise order of UTF-8 names: what HDF5's strcmp-ordered B-tree expects. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function writeGroup(w: H5Writer, g: Hdf5WriteGroup, internalK: number, path: string): H5Entry {
  const members = [...g.children].map(([name, node]) => {
    if (name === '' || name === '.' || name.includes('/') || name.includes('\0'))
      throw new ArgumentError(`writeHdf5: '${name}' in group '${path}' is not a valid member name`);
    const child = `${path === '/' ? '' : path}/${name}`;
    const entry =
      node.kind === 'group' ? writeGroup(w, node, internalK, child) : writeDataset(w, node, child);
    return { name: encoder.encode(name), entry };
  });
  members.sort((a, b) => compareBytes(a.name, b.name));

  // Local heap (spec III.D): the empty name at 0 (the B-tree's first key), then each name, 8-aligned.
  const nameOffsets: number[] = [];
  let heapSize = 8;
  for (const m of members) {
    nameOffsets.push(heapSize);
    heapSize += align8(m.name.length + 1);
  }
  const heap = w.reserve(32 + heapSize);
  w.ascii(heap, 'HEAP');
  w.u64(heap + 8, heapSize);
  w.u64(heap + 16, 1); // free list: none (HDF5's H5HL_FREE_NULL)
  w.u64(heap + 24, heap + 32);
  members.forEach((m, i) => {
    w.bytes(heap + 32 + nameOffsets[i]!, m.name);
  });

  // Symbol table nodes (spec III.B), up to 2·LEAF_K symbols each, sorted by name.
  const nodeSize = 8 + 2 * LEAF_K * 40;
  const leaves: { address: number; lastName: number }[] = [];
  // An empty group's B-tree has no children (as HDF5 writes it).
  for (let start = 0; start < members.length; start += 2 * LEAF_K) {
    const chunk = members.slice(start, start + 2 * LEAF_K);
    const node = w.reserve(nodeSize);
    w.ascii(node, 'SNOD');
    w.u8(node + 4, 1); // version
    w.u16(node + 6, chunk.length);
    chunk.forEach((m, i) => {
      w.entry(node + 8 + 40 * i, nameOffsets[start + i]!, m.entry);
    });
    leaves.push({ address: node, lastName: nameOffsets[start + chunk.length - 1]! });
  }

  // One B-tree node of type 0 (group), level 0 (spec III.A.1): key i+1 is the last name in child i.
  const btree = w.reserve(24 + 2 * internalK * 8 + (2 * internalK + 1) * 8);
  w.ascii(btree, 'TREE');
  w.u16(btree + 6, leaves.length);
  w.u64(btree + 8, UNDEFINED); // left sibling
  w.u64(btree + 16, UNDEFINED); // right sibling
  w.u64(btree + 24, 0);
  leaves.forEach((leaf, i) => {
    w.u64(btree + 32 + 16 * i, leaf.address);
    w.u64(btree + 40 + 16 * i, leaf.lastName);
  });

  const messages: HeaderMessage[] = [{ type: MSG_SYMBOL_TABLE, body: symbolTableBody(btree, heap) }];
  for (const [name, value] of Object.entries(g.attrs ?? {})) messages.push(attributeMessage(name, value));
  const header = w.objectHeader(messages);
  return { header, btree, heap };
}

function symbolTableBody(btree: number, heap: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(btree), true);
  v.setBigUint64(8, BigInt(heap), true);
  return b;
}

function writeDataset(w: H5Writer, d: Hdf5WriteDataset, path: string): H5Entry {
  const shape = [...d.shape];
  if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0) || shape.length > 32)
    throw new ArgumentError(`writeHdf5: dataset '${path}' has shape [${shape}] (sizes ≥ 0, rank ≤ 32)`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (!(d.data instanceof Float32Array) || d.data.length !== size)
    throw new ArgumentError(
      `writeHdf5: dataset '${path}' of shape [${shape}] needs ${size} float32 values, got ${d.data?.length}`,
    );
  let address = UNDEFINED;
  if (size > 0) {
    address = w.reserve(size * 4);
    w.float32s(address, d.data);
  }
  const messages = datasetMessages(shape, address, size * 4);
  for (const [name, value] of Object.entries(d.attrs ?? {})) messages.push(attributeMessage(name, value));
  return { header: w.objectHeader(messages) };
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
