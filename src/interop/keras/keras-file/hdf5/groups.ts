import { Cursor, cString, decodeText, type H5Bytes, UNDEFINED_ADDRESS } from './cursor.js';
import { type H5Message, MSG } from './object-header.js';

/** A group's members: name → object header address (hard links; soft/external links are named). */
export type H5Links = Map<string, number | { unsupported: string }>;

/** B-tree depth and node counts beyond any real file: a corrupt tree fails instead of looping. */
const MAX_DEPTH = 64;
const MAX_NODES = 1 << 20;
/** Links of one group beyond any real file (Keras writes tens): a crafted table fails, not stalls. */
const MAX_LINKS = 1 << 20;

/** Collects a group's links, whichever of HDF5's three group storages its header uses. */
export function readLinks(f: H5Bytes, messages: H5Message[]): H5Links {
  const links: H5Links = new Map();
  for (const m of messages) {
    if (m.type === MSG.symbolTable) {
      const c = new Cursor(f, m.start, m.end, 'symbol table message');
      readSymbolTable(f, c.offset(), c.offset(), links);
    } else if (m.type === MSG.link) {
      readLinkMessage(new Cursor(f, m.start, m.end, 'link message'), links);
    } else if (m.type === MSG.linkInfo) {
      const c = new Cursor(f, m.start, m.end, 'link info message');
      c.u8(); // version
      const flags = c.u8();
      if (flags & 0x01) c.skip(8); // maximum creation index
      const heap = c.offset();
      if (heap !== UNDEFINED_ADDRESS) readDenseLinks(f, heap, links);
    }
  }
  return links;
}

// ---- old-style groups: a v1 B-tree of symbol table nodes, names in a local heap ------------------

function readSymbolTable(f: H5Bytes, btree: number, heap: number, links: H5Links): void {
  f.signature(heap, 'HEAP', 'local heap');
  const h = f.cursor(heap + 4, heap + 8 + 2 * f.lengthSize + f.offsetSize, 'local heap');
  h.skip(4); // version, reserved
  const dataSize = h.length();
  h.length(); // free list
  const data = h.offset();
  f.check(data, dataSize, 'local heap data segment');
  // TREE and SNOD addresses alike: a valid tree names each node once, so a repeat is refused
  // (a leaf listing one symbol node 65535 times would otherwise parse it 65535 times).
  const seen = new Set<number>();
  let entryCount = 0;
  const visit = (node: number, depth: number): void => {
    if (depth > MAX_DEPTH || seen.has(node) || seen.size > MAX_NODES) {
      f.fail(`group B-tree node at byte ${node} is cyclic or too deep`);
    }
    seen.add(node);
    f.signature(node, 'TREE', 'group B-tree node');
    const c = f.cursor(node + 4, f.bytes.length, 'group B-tree node');
    const type = c.u8();
    if (type !== 0) f.fail(`group B-tree node at byte ${node} has type ${type} (0 expected)`);
    const level = c.u8();
    const entries = c.u16();
    c.offset();
    c.offset(); // siblings
    const children: number[] = [];
    for (let i = 0; i < entries; i++) {
      c.length(); // key: heap offset of the largest name in the child
      children.push(c.offset());
    }
    for (const child of children) {
      if (level > 0) visit(child, depth + 1);
      else {
        if (seen.has(child)) f.fail(`group B-tree lists the symbol table node at byte ${child} twice`);
        seen.add(child);
        entryCount += readSymbolNode(f, child, data, dataSize, links);
        if (entryCount > MAX_LINKS) f.fail(`group B-tree at byte ${btree} has more than ${MAX_LINKS} links`);
      }
    }
  };
  visit(btree, 0);
}

/** One symbol table node's entries into `links`; returns how many it had. */
function readSymbolNode(
  f: H5Bytes,
  node: number,
  heapData: number,
  heapSize: number,
  links: H5Links,
): number {
  f.signature(node, 'SNOD', 'symbol table node');
  const c = f.cursor(node + 4, f.bytes.length, 'symbol table node');
  c.skip(2); // version, reserved
  const count = c.u16();
  for (let i = 0; i < count; i++) {
    const nameOffset = c.length();
    const header = c.offset();
    c.skip(24); // cache type, reserved, scratch pad
    if (nameOffset >= heapSize)
      f.fail(`symbol name offset ${nameOffset} is past the local heap (${heapSize})`);
    const name = cString(f, heapData + nameOffset, heapData + heapSize, 'symbol name');
    links.set(name, header);
  }
  return count;
}

// ---- new-style groups: link messages, in the header or in a fractal heap -------------------------

function readLinkMessage(c: Cursor, links: H5Links): void {
  const version = c.u8();
  if (version !== 1) c.f.fail(`${c.what}: version ${version} (1 expected)`);
  const flags = c.u8();
  const type = flags & 0x08 ? c.u8() : 0;
  if (flags & 0x04) c.skip(8); // creation order
  if (flags & 0x10) c.u8(); // name charset
  const nameLength = c.uint(1 << (flags & 0x03));
  const name = decodeText(c.bytes(nameLength));
  if (type === 0) links.set(name, c.offset());
  else
    links.set(name, {
      unsupported: type === 1 ? 'a soft link' : type === 64 ? 'an external link' : `link type ${type}`,
    });
}

function readDenseLinks(f: H5Bytes, heap: number, links: H5Links): void {
  readHeapObjects(f, heap, 'links', (c) => readLinkMessage(c, links));
}

/**
 * Dense link and attribute storage (spec III.G): link or attribute messages are the managed objects
 * of a fractal heap. Rather than walk the name index (a v2 B-tree), this reads the heap's direct
 * blocks in order and parses the header's count of objects from them, one message after another
 * (`parse` advances the cursor past one) — h5py's freshly written files pack them without gaps.
 */
export function readHeapObjects(f: H5Bytes, heap: number, what: string, parse: (c: Cursor) => void): void {
  f.signature(heap, 'FRHP', 'fractal heap');
  const c = f.cursor(heap + 4, f.bytes.length, 'fractal heap header');
  c.u8(); // version
  c.u16(); // heap ID length
  const filterLength = c.u16();
  if (filterLength !== 0) f.fail('fractal heap with I/O filters is not supported');
  c.u8(); // flags
  c.u32(); // max managed object size
  c.length(); // next huge ID
  c.offset(); // huge object B-tree
  c.length(); // free space
  c.offset(); // free space manager
  c.length(); // managed space
  c.length(); // allocated managed space
  c.length(); // direct block allocation iterator
  const objectCount = c.length();
  c.length();
  const hugeCount = c.length();
  c.length();
  const tinyCount = c.length();
  if (hugeCount !== 0 || tinyCount !== 0) f.fail('fractal heap with huge or tiny objects is not supported');
  const tableWidth = c.u16();
  const startBlock = c.length();
  const maxDirectBlock = c.length();
  const maxHeapBits = c.u16();
  c.u16(); // starting rows
  const root = c.offset();
  const rows = c.u16();
  if (tableWidth === 0 || tableWidth > 4096 || startBlock === 0 || maxHeapBits > 64) {
    f.fail(`fractal heap at byte ${heap} has a malformed doubling table`);
  }
  const blockOffsetSize = Math.ceil(maxHeapBits / 8);
  // Header flags bit 1: direct blocks carry a checksum after their block offset.
  const headerFlags = f.bytes[heap + 9]!;
  const directHeader = 5 + f.offsetSize + blockOffsetSize + (headerFlags & 0x02 ? 4 : 0);
  let remaining = objectCount;

  // Direct and indirect blocks alike: each is listed once in a valid heap (a repeat would parse
  // the same block again).
  const seen = new Set<number>();
  const readDirect = (addr: number, size: number): void => {
    if (seen.has(addr)) f.fail(`fractal heap at byte ${heap} lists the direct block at byte ${addr} twice`);
    seen.add(addr);
    f.signature(addr, 'FHDB', 'fractal heap direct block');
    f.check(addr, size, 'fractal heap direct block');
    const b = new Cursor(f, addr + directHeader, addr + size, 'fractal heap direct block');
    // A message starts with its version (1–3); a zero is the block's free space.
    while (remaining > 0 && b.remaining > 0 && f.bytes[b.pos] !== 0) {
      parse(b);
      remaining--;
    }
  };
  const readIndirect = (addr: number, nRows: number, depth: number): void => {
    if (depth > MAX_DEPTH || seen.has(addr)) f.fail(`fractal heap indirect block at byte ${addr} loops`);
    seen.add(addr);
    f.signature(addr, 'FHIB', 'fractal heap indirect block');
    const b = f.cursor(
      addr + 5 + f.offsetSize + blockOffsetSize,
      f.bytes.length,
      'fractal heap indirect block',
    );
    for (let row = 0; row < nRows; row++) {
      const blockSize = row === 0 ? startBlock : startBlock * 2 ** (row - 1);
      for (let col = 0; col < tableWidth; col++) {
        const child = b.offset();
        if (child === UNDEFINED_ADDRESS) continue;
        if (blockSize <= maxDirectBlock) readDirect(child, blockSize);
        else {
          // An indirect child of this size holds the rows of blocks up to its size.
          const childRows = Math.log2(blockSize / startBlock) - Math.log2(tableWidth) + 1;
          if (!Number.isInteger(childRows) || childRows < 1)
            f.fail('fractal heap has a malformed indirect block');
          readIndirect(child, childRows, depth + 1);
        }
      }
    }
  };
  if (root === UNDEFINED_ADDRESS) return;
  if (rows === 0) readDirect(root, startBlock);
  else readIndirect(root, rows, 0);
  if (remaining !== 0)
    f.fail(`fractal heap at byte ${heap}: found ${objectCount - remaining} of ${objectCount} ${what}`);
}
