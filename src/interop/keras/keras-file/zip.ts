/**
 * A ZIP reader for .keras files (bytes in): end of central directory → central directory → local
 * headers; stored and deflated entries, each checked against its CRC-32. Keras writes stored entries;
 * deflate goes through the platform's DecompressionStream('deflate-raw') (Node 18+, browsers).
 * Sizes and offsets are checked against the bytes present before anything is allocated; ZIP64,
 * encryption and other compression methods are refused by name.
 */
import { ModelFormatError } from '../../../errors.js';
import { crc32 } from '../../../model/crc32.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

export class ZipArchive {
  private constructor(
    private readonly bytes: Uint8Array,
    readonly source: string,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  static open(bytes: Uint8Array, source = 'zip archive'): ZipArchive {
    const fail = (message: string): never => {
      throw new ModelFormatError(`${source}: ${message}`);
    };
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The end-of-central-directory record is the last 22 bytes plus a comment of up to 65535.
    let eocd = -1;
    for (let i = bytes.length - 22; i >= 0 && i >= bytes.length - 22 - 0xffff; i--) {
      if (view.getUint32(i, true) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) fail('not a zip archive (no end of central directory record)');
    const disk = view.getUint16(eocd + 4, true);
    const count = view.getUint16(eocd + 10, true);
    const dirSize = view.getUint32(eocd + 12, true);
    const dirOffset = view.getUint32(eocd + 16, true);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff)
      fail('ZIP64 archives are not supported');
    if (disk !== 0) fail('multi-disk zip archives are not supported');
    if (dirOffset + dirSize > eocd)
      fail(`central directory (${dirSize} bytes at ${dirOffset}) lies outside the archive`);
    const entries = new Map<string, ZipEntry>();
    let p = dirOffset;
    const decoder = new TextDecoder();
    for (let i = 0; i < count; i++) {
      if (p + 46 > dirOffset + dirSize) fail(`central directory entry ${i} is truncated`);
      if (view.getUint32(p, true) !== 0x02014b50) fail(`central directory entry ${i} has a bad signature`);
      const flags = view.getUint16(p + 8, true);
      const method = view.getUint16(p + 10, true);
      const crc = view.getUint32(p + 16, true);
      const compressedSize = view.getUint32(p + 20, true);
      const size = view.getUint32(p + 24, true);
      const nameLength = view.getUint16(p + 28, true);
      const extraLength = view.getUint16(p + 30, true);
      const commentLength = view.getUint16(p + 32, true);
      const headerOffset = view.getUint32(p + 42, true);
      const end = p + 46 + nameLength + extraLength + commentLength;
      if (end > dirOffset + dirSize) fail(`central directory entry ${i} is truncated`);
      const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength));
      if (flags & 0x01) fail(`entry '${name}' is encrypted`);
      if (compressedSize === 0xffffffff || size === 0xffffffff || headerOffset === 0xffffffff) {
        fail(`entry '${name}' needs ZIP64, which is not supported`);
      }
      entries.set(name, { name, method, compressedSize, size, crc, headerOffset });
      p = end;
    }
    return new ZipArchive(bytes, source, entries);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** An entry's contents, inflated if needed and checked against its CRC-32. */
  async read(name: string): Promise<Uint8Array> {
    const fail = (message: string): never => {
      throw new ModelFormatError(`${this.source}: ${message}`);
    };
    const e = this.entries.get(name);
    if (!e) return fail(`no '${name}' in the archive (it holds ${this.names().join(', ') || 'nothing'})`);
    const { bytes } = this;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const h = e.headerOffset;
    if (h + 30 > bytes.length || view.getUint32(h, true) !== 0x04034b50)
      fail(`entry '${name}': bad local header`);
    const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
    if (start + e.compressedSize > bytes.length)
      fail(`entry '${name}' (${e.compressedSize} bytes at ${start}) is truncated`);
    const stored = bytes.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.size !== e.compressedSize)
        fail(`stored entry '${name}' has size ${e.size} ≠ ${e.compressedSize}`);
      data = stored;
    } else if (e.method === 8) {
      // Deflate expands at most ~1032:1, so a larger claimed size is a lie told to make us allocate.
      if (e.size > e.compressedSize * 1032 + 1024)
        fail(`entry '${name}' claims ${e.size} bytes from ${e.compressedSize}`);
      data = await inflateRaw(stored, e.size, () => fail(`entry '${name}': corrupt deflate data`));
      if (data.length !== e.size)
        fail(`entry '${name}' inflates to ${data.length} bytes, the directory says ${e.size}`);
    } else {
      const names: Record<number, string> = { 12: 'bzip2', 14: 'LZMA', 93: 'zstd', 95: 'xz' };
      return fail(
        `entry '${name}' uses compression method ${names[e.method] ?? e.method} (stored and deflate only)`,
      );
    }
    const actual = crc32(data);
    if (actual !== e.crc) fail(`entry '${name}' fails its CRC-32 check (corrupt file)`);
    return data;
  }

  async readText(name: string): Promise<string> {
    return new TextDecoder().decode(await this.read(name));
  }
}

/** Inflates raw deflate data, stopping (as corrupt) once it passes `expected` bytes. */
async function inflateRaw(data: Uint8Array, expected: number, corrupt: () => never): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let length = 0;
  const stream = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > expected) {
        await reader.cancel();
        corrupt();
      }
      out.set(value, length);
      length += value.length;
    }
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    corrupt();
  }
  return out.subarray(0, length);
}
