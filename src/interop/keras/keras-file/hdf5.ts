/**
 * A reader for the subset of HDF5 that h5py writes for Keras files (model.weights.h5 in a .keras zip,
 * legacy Keras 2 .h5 models): superblocks v0–v3, object headers v1/v2, groups as symbol tables, link
 * messages or dense (fractal heap) links and attributes, contiguous/compact/chunked datasets without filters, numeric
 * and string attributes. Bytes in, no native code; anything malformed is a ModelFormatError naming the
 * structure and byte position, anything valid but outside the subset is refused by name.
 * Layout follows the HDF Group's "HDF5 File Format Specification, Version 3.0".
 */
import { ModelFormatError } from '../../../errors.js';
import { Cursor, H5Bytes, UNDEFINED_ADDRESS } from './hdf5/cursor.js';
import { readRawData } from './hdf5/data.js';
import { describeType, elementCount, type H5Type, readDataspace, readDatatype } from './hdf5/datatype.js';
import { type H5Links, readHeapObjects, readLinks } from './hdf5/groups.js';
import { readFilterNames, readLayout } from './hdf5/layout.js';
import { type H5Message, MSG, readObjectHeader } from './hdf5/object-header.js';
import { decodeNumbers, decodeStrings, type H5NumericArray } from './hdf5/values.js';

export type { H5NumericArray } from './hdf5/values.js';

/** An attribute's value: numbers/strings; a scalar dataspace gives one value, an array a flat list. */
export type Hdf5AttributeValue = number | string | number[] | string[];

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Opens an HDF5 file held in memory; `source` names it in errors. */
export function openHdf5(bytes: Uint8Array, source = 'HDF5 file'): Hdf5Group {
  const f = new H5Bytes(bytes, source);
  // The superblock sits at 0, 512, 1024, 2048… (a user block may precede it).
  let at = 0;
  while (!hasSignature(bytes, at)) {
    at = at === 0 ? 512 : at * 2;
    if (at + 8 > bytes.length) f.fail('signature not found (not an HDF5 file)');
  }
  const c = f.cursor(at + 8, bytes.length, 'superblock');
  const version = c.u8();
  let root: number;
  if (version === 0 || version === 1) {
    c.skip(3); // free-space, root symbol table entry and shared header versions
    c.u8(); // reserved
    f.offsetSize = c.u8();
    f.lengthSize = c.u8();
    checkSizes(f);
    c.skip(1 + 4 + 4); // reserved, group K values, consistency flags
    if (version === 1) c.skip(4);
    f.base = readBase(c);
    c.offset(); // free space
    c.offset(); // end of file
    c.offset(); // driver info
    c.offset(); // root entry: link name offset
    root = c.offset();
  } else if (version === 2 || version === 3) {
    f.offsetSize = c.u8();
    f.lengthSize = c.u8();
    checkSizes(f);
    c.u8(); // consistency flags
    f.base = readBase(c);
    c.offset(); // superblock extension
    c.offset(); // end of file
    root = c.offset();
  } else {
    return f.fail(`superblock version ${version} is not supported`);
  }
  return new Hdf5Group(f, root, '/');
}

function hasSignature(bytes: Uint8Array, at: number): boolean {
  if (at + 8 > bytes.length) return false;
  return SIGNATURE.every((b, i) => bytes[at + i] === b);
}

function readBase(c: Cursor): number {
  const base = c.uint(c.f.offsetSize);
  if (base === -1) c.f.fail('superblock base address is undefined');
  return base;
}

function checkSizes(f: H5Bytes): void {
  for (const [what, size] of [
    ['offsets', f.offsetSize],
    ['lengths', f.lengthSize],
  ] as const) {
    if (![2, 4, 8].includes(size)) f.fail(`superblock: size of ${what} ${size} (2, 4 or 8 expected)`);
  }
}

abstract class Hdf5Object {
  constructor(
    protected readonly f: H5Bytes,
    readonly address: number,
    /** The absolute path in the file, e.g. '/layers/dense/vars/0'. */
    readonly path: string,
    private messagesCache: H5Message[] | null = null,
  ) {}

  protected get messages(): H5Message[] {
    this.messagesCache ??= readObjectHeader(this.f, this.address);
    return this.messagesCache;
  }

  protected message(type: number): H5Message | undefined {
    return this.messages.find((m) => m.type === type);
  }

  /** Attributes by name (compact storage; dense attribute storage is refused by name). */
  attrs(): Map<string, Hdf5AttributeValue> {
    const out = new Map<string, Hdf5AttributeValue>();
    for (const m of this.messages) {
      if (m.type === MSG.attribute) {
        const c = new Cursor(this.f, m.start, m.end, `attribute of ${this.path}`);
        const [name, value] = readAttribute(c, this.path);
        out.set(name, value);
      } else if (m.type === MSG.attributeInfo) {
        // Many attributes (h5py with libver='latest'): attribute messages in a fractal heap.
        const c = new Cursor(this.f, m.start, m.end, 'attribute info message');
        c.u8();
        const flags = c.u8();
        if (flags & 0x01) c.u16();
        const heap = c.offset();
        if (heap === UNDEFINED_ADDRESS) continue;
        readHeapObjects(this.f, heap, 'attributes', (h) => {
          const [name, value] = readAttribute(h, this.path);
          out.set(name, value);
        });
      }
    }
    return out;
  }

  attr(name: string): Hdf5AttributeValue | undefined {
    return this.attrs().get(name);
  }
}

export class Hdf5Group extends Hdf5Object {
  private linksCache: H5Links | null = null;

  private get links(): H5Links {
    this.linksCache ??= readLinks(this.f, this.messages);
    return this.linksCache;
  }

  /** Member names, sorted (HDF5 keeps no order h5py writes by default). */
  keys(): string[] {
    return [...this.links.keys()].sort();
  }

  has(name: string): boolean {
    return this.links.has(name);
  }

  /** A member by name or relative path ('layers/dense/vars'); ModelFormatError if absent. */
  get(path: string): Hdf5Group | Hdf5Dataset {
    let node: Hdf5Group | Hdf5Dataset = this;
    for (const part of path.split('/').filter((p) => p !== '')) {
      if (!(node instanceof Hdf5Group))
        throw new ModelFormatError(`${this.f.source}: ${node.path} is a dataset, not a group`);
      const link = node.links.get(part);
      const childPath: string = `${node.path === '/' ? '' : node.path}/${part}`;
      if (link === undefined)
        throw new ModelFormatError(`${this.f.source}: HDF5 object '${childPath}' not found`);
      if (typeof link !== 'number')
        throw new ModelFormatError(`${this.f.source}: '${childPath}' is ${link.unsupported}`);
      const messages = readObjectHeader(this.f, link);
      const isDataset = messages.some((m) => m.type === MSG.layout);
      node = isDataset
        ? new Hdf5Dataset(this.f, link, childPath, messages)
        : new Hdf5Group(this.f, link, childPath, messages);
    }
    return node;
  }

  group(path: string): Hdf5Group {
    const g = this.get(path);
    if (!(g instanceof Hdf5Group))
      throw new ModelFormatError(`${this.f.source}: ${g.path} is a dataset, not a group`);
    return g;
  }

  dataset(path: string): Hdf5Dataset {
    const d = this.get(path);
    if (!(d instanceof Hdf5Dataset))
      throw new ModelFormatError(`${this.f.source}: ${d.path} is a group, not a dataset`);
    return d;
  }
}

export class Hdf5Dataset extends Hdf5Object {
  private get typeAndShape(): { type: H5Type; shape: number[] | null } {
    const t = this.required(MSG.datatype, 'datatype');
    const s = this.required(MSG.dataspace, 'dataspace');
    return {
      type: readDatatype(new Cursor(this.f, t.start, t.end, `${this.path} datatype`)),
      shape: readDataspace(new Cursor(this.f, s.start, s.end, `${this.path} dataspace`)),
    };
  }

  private required(type: number, what: string): H5Message {
    const m = this.message(type);
    if (!m) this.f.fail(`${this.path}: dataset without a ${what} message`);
    if (m.flags & 0x02) this.f.fail(`${this.path}: shared (committed) ${what} is not supported`);
    return m;
  }

  get shape(): number[] {
    return this.typeAndShape.shape ?? [];
  }

  /** 'float32', 'int64', 'string(10)'… */
  get dtype(): string {
    return describeType(this.typeAndShape.type);
  }

  /** The values, row-major, in the typed array matching the stored type. */
  read(): H5NumericArray {
    const { type, shape } = this.typeAndShape;
    const what = `dataset ${this.path}`;
    if (shape === null) return new Float32Array(0);
    const filters = this.message(MSG.filters);
    if (filters) {
      const names = readFilterNames(this.f, filters);
      if (names.length > 0)
        this.f.fail(`${what} is compressed/filtered with ${names.join(', ')}; only unfiltered data is read`);
    }
    if (type.kind !== 'int' && type.kind !== 'float' && type.kind !== 'enum') {
      this.f.fail(`${what}: ${describeType(type)} data is not supported (numbers only)`);
    }
    const layout = readLayout(this.f, this.required(MSG.layout, 'data layout'));
    const raw = readRawData(this.f, layout, shape, type.size, what);
    return decodeNumbers(this.f, raw, type, elementCount(shape), what);
  }
}

/** One attribute message, from `c` on; leaves `c` just past its data. */
function readAttribute(c: Cursor, owner: string): [string, Hdf5AttributeValue] {
  const f = c.f;
  const version = c.u8();
  if (version < 1 || version > 3) f.fail(`attribute of ${owner}: version ${version} is not supported`);
  const flags = c.u8();
  if (flags & 0x03) f.fail(`attribute of ${owner}: shared datatype/dataspace is not supported`);
  const nameSize = c.u16();
  const typeSize = c.u16();
  const spaceSize = c.u16();
  if (version === 3) c.u8(); // name charset
  const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
  const nameBytes = c.bytes(pad(nameSize));
  const nul = nameBytes.indexOf(0);
  const name = new TextDecoder().decode(nameBytes.subarray(0, nul >= 0 ? Math.min(nul, nameSize) : nameSize));
  const typeStart = c.pos;
  c.skip(pad(typeSize));
  const spaceStart = c.pos;
  c.skip(pad(spaceSize));
  const what = `attribute '${name}' of ${owner}`;
  const type = readDatatype(new Cursor(f, typeStart, typeStart + typeSize, what));
  const shape = readDataspace(new Cursor(f, spaceStart, spaceStart + spaceSize, what));
  if (shape === null) return [name, []];
  const count = elementCount(shape);
  const raw = c.bytes(Math.min(c.remaining, count * type.size));
  if (raw.length < count * type.size)
    f.fail(`${what}: holds ${raw.length} bytes, needs ${count * type.size}`);
  let values: number[] | string[];
  if (type.kind === 'string' || type.kind === 'vlen-string')
    values = decodeStrings(f, raw, type, count, what);
  else {
    const numbers = decodeNumbers(f, raw, type, count, what);
    // 64-bit integers become numbers: attribute values in Keras files are small counts and flags.
    values = Array.from(numbers as ArrayLike<number | bigint>, (v) => Number(v));
  }
  return [name, shape.length === 0 ? values[0]! : values];
}
