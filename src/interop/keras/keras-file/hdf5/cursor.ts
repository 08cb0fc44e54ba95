import { ModelFormatError } from '../../../../errors.js';

/** HDF5's "undefined address": all bits set. Kept as -1 so it can never be a valid position. */
export const UNDEFINED_ADDRESS = -1;

/**
 * The file's bytes plus the two widths the superblock fixes (offsets and lengths, 2–8 bytes). Every
 * read goes through `check`, so a truncated or corrupt file fails with a ModelFormatError naming the
 * structure being read, never with a RangeError from DataView.
 */
export class H5Bytes {
  readonly view: DataView;
  offsetSize = 8;
  lengthSize = 8;
  /** Superblock base address: every address in the file is relative to it. */
  base = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new ModelFormatError(`${this.source}: HDF5 ${message}`);
  }

  check(pos: number, n: number, what: string): void {
    if (
      !Number.isSafeInteger(pos) ||
      !Number.isSafeInteger(n) ||
      pos < 0 ||
      n < 0 ||
      pos + n > this.bytes.length
    ) {
      this.fail(`${what} at byte ${pos} (${n} bytes) lies outside the file (${this.bytes.length} bytes)`);
    }
  }

  /** An address read from the file → a position in `bytes` (checked later, by whoever reads there). */
  address(raw: number): number {
    return raw === UNDEFINED_ADDRESS ? raw : raw + this.base;
  }

  cursor(pos: number, end: number, what: string): Cursor {
    this.check(pos, end - pos, what);
    return new Cursor(this, pos, end, what);
  }

  signature(pos: number, sig: string, what: string): void {
    this.check(pos, 4, what);
    for (let i = 0; i < 4; i++) {
      if (this.bytes[pos + i] !== sig.charCodeAt(i))
        this.fail(`${what} at byte ${pos}: no '${sig}' signature`);
    }
  }
}

/** A bounds-checked little-endian reader over [pos, end) — one structure or message of the file. */
export class Cursor {
  constructor(
    readonly f: H5Bytes,
    public pos: number,
    readonly end: number,
    readonly what: string,
  ) {}

  private take(n: number): number {
    if (n < 0 || this.pos + n > this.end) {
      this.f.fail(
        `${this.what} is truncated (needs ${n} more bytes at byte ${this.pos}, ends at ${this.end})`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    return this.f.view.getUint8(this.take(1));
  }
  u16(): number {
    return this.f.view.getUint16(this.take(2), true);
  }
  u32(): number {
    return this.f.view.getUint32(this.take(4), true);
  }
  /** An unsigned integer of 1–8 bytes; all-ones of 8 bytes is UNDEFINED_ADDRESS, above 2^53 is refused. */
  uint(size: number): number {
    if (size === 1) return this.u8();
    if (size === 2) return this.u16();
    if (size === 4) return this.u32();
    if (size === 8) {
      const at = this.take(8);
      const lo = this.f.view.getUint32(at, true);
      const hi = this.f.view.getUint32(at + 4, true);
      if (lo === 0xffffffff && hi === 0xffffffff) return UNDEFINED_ADDRESS;
      if (hi >= 0x200000) this.f.fail(`${this.what}: value at byte ${at} exceeds 2^53`);
      return hi * 0x100000000 + lo;
    }
    // Odd widths (fractal heap block offsets, heap IDs): little-endian bytes.
    if (size < 1 || size > 8) this.f.fail(`${this.what}: unsupported integer width ${size}`);
    const at = this.take(size);
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + this.f.bytes[at + i]!;
    if (!Number.isSafeInteger(value)) this.f.fail(`${this.what}: value at byte ${at} exceeds 2^53`);
    return value;
  }
  offset(): number {
    const raw = this.uint(this.f.offsetSize);
    if (this.f.offsetSize < 8 && raw === 2 ** (8 * this.f.offsetSize) - 1) return UNDEFINED_ADDRESS;
    return this.f.address(raw);
  }
  length(): number {
    const v = this.uint(this.f.lengthSize);
    if (v === UNDEFINED_ADDRESS) this.f.fail(`${this.what}: length at byte ${this.pos - 8} is all ones`);
    return v;
  }
  skip(n: number): void {
    this.take(n);
  }
  bytes(n: number): Uint8Array {
    const at = this.take(n);
    return this.f.bytes.subarray(at, at + n);
  }
  /** Moves to the next multiple of `k` bytes from `origin` (v1 headers pad messages and names to 8). */
  align(origin: number, k: number): void {
    const rem = (this.pos - origin) % k;
    if (rem !== 0) this.take(k - rem);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function decodeText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** A NUL-terminated string starting at `pos`, at most up to `end`. */
export function cString(f: H5Bytes, pos: number, end: number, what: string): string {
  f.check(pos, 0, what);
  const stop = Math.min(end, f.bytes.length);
  let i = pos;
  while (i < stop && f.bytes[i] !== 0) i++;
  if (i >= stop) f.fail(`${what} at byte ${pos} is not NUL-terminated`);
  return decodeText(f.bytes.subarray(pos, i));
}
