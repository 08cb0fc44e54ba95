/**
 * The byte buffer hdf5-write.ts lays a file out in: space reserved 8-byte aligned at the end (it
 * grows by doubling), little-endian numbers written at absolute addresses, and the two structures
 * every object needs — a version 1 object header and a symbol table entry.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** HDF5's undefined address: all bits set. */
export const UNDEFINED = -1;

/** Where an object is: its header, and for a group its B-tree and local heap (cached in entries). */
export interface H5Entry {
  header: number;
  btree?: number;
  heap?: number;
}

export interface HeaderMessageLike {
  type: number;
  body: Uint8Array;
}

export class H5Writer {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  /** `size` zero bytes at the end, starting 8-byte aligned; returns their address. */
  reserve(size: number): number {
    const at = Math.ceil(this.length / 8) * 8;
    const end = at + size;
    if (end > this.buf.length) {
      let n = this.buf.length;
      while (n < end) n *= 2;
      const grown = new Uint8Array(n);
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = end;
    return at;
  }

  u8(at: number, v: number): void {
    this.view.setUint8(at, v);
  }
  u16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  u32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  /** An 8-byte address or length; UNDEFINED (-1) is all bits set. */
  u64(at: number, v: number): void {
    this.view.setBigUint64(at, v === UNDEFINED ? 0xffffffffffffffffn : BigInt(v), true);
  }
  ascii(at: number, s: string): void {
    for (let i = 0; i < s.length; i++) this.buf[at + i] = s.charCodeAt(i);
  }
  bytes(at: number, b: Uint8Array): void {
    this.buf.set(b, at);
  }
  /** Little-endian float32s (HDF5's byte order here): a plain copy on little-endian machines. */
  float32s(at: number, data: Float32Array): void {
    if (LITTLE_ENDIAN) this.buf.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) this.view.setFloat32(at + 4 * i, data[i]!, true);
  }

  /** A symbol table entry (spec III.C): name offset, header, and for a group its cached B-tree/heap. */
  entry(at: number, nameOffset: number, e: H5Entry): void {
    this.u64(at, nameOffset);
    this.u64(at + 8, e.header);
    if (e.btree !== undefined && e.heap !== undefined) {
      this.u32(at + 16, 1); // cache type 1: scratch pad holds the group's B-tree and heap
      this.u64(at + 24, e.btree);
      this.u64(at + 32, e.heap);
    }
  }

  /**
   * A version 1 object header (spec IV.A.1.a): 16-byte prefix, then each message's 8-byte header
   * and its body padded to 8 bytes. Returns its address.
   */
  objectHeader(messages: readonly HeaderMessageLike[]): number {
    const size = messages.reduce((n, m) => n + 8 + pad8(m.body.length), 0);
    const at = this.reserve(16 + size);
    this.u8(at, 1); // version
    this.u16(at + 2, messages.length);
    this.u32(at + 4, 1); // reference count
    this.u32(at + 8, size);
    let p = at + 16;
    for (const m of messages) {
      this.u16(p, m.type);
      this.u16(p + 2, pad8(m.body.length));
      this.bytes(p + 8, m.body);
      p += 8 + pad8(m.body.length);
    }
    return at;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
