/**
 * Protocol Buffers wire format: the byte layer under the ONNX file format. Only what ONNX uses —
 * varints (including 64-bit), fixed32 floats, fixed64 (skipped), length-delimited fields and
 * packed repeated numbers — with no dependency and nothing Node-specific, so it runs in browsers.
 *
 * The reader treats every file as untrusted: each length is checked against the bytes that remain
 * before anything is read or allocated, so a truncated or hostile file gives a ModelFormatError that
 * names the field and byte offset, never a RangeError or a huge allocation.
 */

import { ArgumentError, ModelFormatError } from '../../errors.js';

/** Wire types that ONNX messages use (groups, types 3 and 4, are refused). */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

const TWO_POW_32 = 4294967296;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Builds a protobuf message. Nested messages are written by a child writer (`message`). */
export class ProtoWriter {
  private buffer = new Uint8Array(64);
  private length = 0;

  /** The bytes written so far (a copy trimmed to size). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buffer[this.length++] = b;
  }

  /** Raw varint of an unsigned 32-bit value (tags, lengths). */
  rawVarint32(value: number): void {
    let v = value >>> 0;
    while (v > 0x7f) {
      this.byte((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.byte(v);
  }

  /** Raw varint of a 64-bit two's-complement value given as 32-bit halves. */
  private rawVarint64(hi: number, lo: number): void {
    let h = hi >>> 0;
    let l = lo >>> 0;
    while (h !== 0 || l > 0x7f) {
      this.byte((l & 0x7f) | 0x80);
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    this.byte(l);
  }

  tag(field: number, wireType: number): void {
    this.rawVarint32(((field << 3) | wireType) >>> 0);
  }

  /**
   * An int64/int32/enum value as a varint. Negative numbers take ten bytes (two's complement over
   * 64 bits), as protobuf specifies for int32 and int64 alike.
   */
  int64(field: number, value: number | bigint): void {
    this.tag(field, WireType.varint);
    this.int64Value(value);
  }

  private int64Value(value: number | bigint): void {
    if (typeof value === 'bigint') {
      const u = BigInt.asUintN(64, value);
      this.rawVarint64(Number(u >> 32n), Number(u & 0xffffffffn));
      return;
    }
    if (!Number.isSafeInteger(value)) {
      throw new ArgumentError(
        `protobuf int64: ${value} is not a safe integer; pass a bigint for values beyond ±2^53`,
      );
    }
    const hi = Math.floor(value / TWO_POW_32);
    this.rawVarint64(hi, value - hi * TWO_POW_32);
  }

  float(field: number, value: number): void {
    this.tag(field, WireType.fixed32);
    this.float32Value(value);
  }

  private float32Value(value: number): void {
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.length, value, true);
    this.length += 4;
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WireType.lengthDelimited);
    this.rawVarint32(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  string(field: number, value: string): void {
    this.bytes(field, utf8Encoder.encode(value));
  }

  /** A nested message, written by `write` into a child writer. */
  message(field: number, write: (w: ProtoWriter) => void): void {
    const child = new ProtoWriter();
    write(child);
    this.bytes(field, child.finish());
  }

  /** Repeated int64 as one packed field (skipped when empty, as protobuf does). */
  packedInt64(field: number, values: ArrayLike<number | bigint>): void {
    if (values.length === 0) return;
    const child = new ProtoWriter();
    for (let i = 0; i < values.length; i++) child.int64Value(values[i] as number | bigint);
    this.bytes(field, child.finish());
  }

  /** Repeated float as one packed field (skipped when empty). */
  packedFloat(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const child = new ProtoWriter();
    for (let i = 0; i < values.length; i++) child.float32Value(values[i] as number);
    this.bytes(field, child.finish());
  }
}

/** One field's key as read from the wire; `offset` is where the key starts in the file. */
export interface FieldKey {
  field: number;
  wireType: number;
  offset: number;
}

/**
 * Reads a protobuf message from `bytes[start, end)`. Offsets in errors are absolute positions in the
 * file, so a nested reader (`sub`) still reports where in the file the problem is.
 */
export class ProtoReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    /** The message being read, for error messages (e.g. 'ModelProto.graph'). */
    readonly context: string,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string, problem: string, offset = this.pos): never {
    throw new ModelFormatError(`ONNX file: ${this.context}.${what}: ${problem} at byte ${offset}`);
  }

  /** A varint as two's-complement 64 bits, returned as a number (exact within ±2^53). */
  private varint(what: string): number {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail(what, 'truncated varint', start);
      const b = this.bytes[this.pos++] as number;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if ((b & 0x80) === 0) return (hi | 0) * TWO_POW_32 + (lo >>> 0);
    }
    return this.fail(what, 'varint longer than 10 bytes', start);
  }

  /** A field key, or a ModelFormatError for field number 0 or a wire type ONNX cannot contain. */
  key(): FieldKey {
    const offset = this.pos;
    const raw = this.varint('<field key>');
    if (raw < 0 || raw > 0xffffffff) this.fail('<field key>', `invalid key ${raw}`, offset);
    const field = Math.floor(raw / 8);
    const wireType = raw % 8;
    if (field === 0) this.fail('<field key>', 'field number 0', offset);
    if (wireType !== 0 && wireType !== 1 && wireType !== 2 && wireType !== 5) {
      this.fail(`<field ${field}>`, `unsupported wire type ${wireType}`, offset);
    }
    return { field, wireType, offset };
  }

  private expect(key: FieldKey, wireType: number, what: string): void {
    if (key.wireType !== wireType) {
      this.fail(what, `wire type ${key.wireType} where ${wireType} was expected`, key.offset);
    }
  }

  int64(key: FieldKey, what: string): number {
    this.expect(key, WireType.varint, what);
    return this.varint(what);
  }

  /** An int32 or enum field: a varint that must fit in 32 signed bits. */
  int32(key: FieldKey, what: string): number {
    const offset = this.pos;
    const v = this.int64(key, what);
    if (v < -2147483648 || v > 2147483647) this.fail(what, `${v} does not fit in int32`, offset);
    return v;
  }

  float(key: FieldKey, what: string): number {
    this.expect(key, WireType.fixed32, what);
    return this.float32Value(what);
  }

  private float32Value(what: string): number {
    if (this.end - this.pos < 4) this.fail(what, 'truncated float');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** The [start, end) range of a length-delimited field, checked against the bytes left. */
  private span(key: FieldKey, what: string): [number, number] {
    this.expect(key, WireType.lengthDelimited, what);
    const offset = this.pos;
    const length = this.varint(what);
    if (length < 0 || length > this.end - this.pos) {
      this.fail(what, `length ${length} exceeds the ${this.end - this.pos} bytes left`, offset);
    }
    const start = this.pos;
    this.pos += length;
    return [start, this.pos];
  }

  bytesField(key: FieldKey, what: string): Uint8Array {
    const [start, end] = this.span(key, what);
    return this.bytes.slice(start, end);
  }

  string(key: FieldKey, what: string): string {
    const offset = this.pos;
    const [start, end] = this.span(key, what);
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, end));
    } catch {
      return this.fail(what, 'invalid UTF-8', offset);
    }
  }

  /** A reader for a nested message field. */
  sub(key: FieldKey, what: string): ProtoReader {
    const [start, end] = this.span(key, what);
    return new ProtoReader(this.bytes, `${this.context}.${what}`, start, end);
  }

  /** Appends a repeated int64 field, packed or not (readers must accept both encodings). */
  repeatedInt64(key: FieldKey, what: string, out: number[]): void {
    if (key.wireType === WireType.varint) {
      out.push(this.varint(what));
      return;
    }
    const [start, end] = this.span(key, what);
    const saved = this.pos;
    this.pos = start;
    // Each element takes at least one byte, so `out` grows by at most `end - start` entries.
    while (this.pos < end) {
      const element = this.varint(what);
      if (this.pos > end) this.fail(what, 'packed varint runs past its field', start);
      out.push(element);
    }
    this.pos = saved;
  }

  /** Appends a repeated float field, packed or not. */
  repeatedFloat(key: FieldKey, what: string, out: number[]): void {
    if (key.wireType === WireType.fixed32) {
      out.push(this.float32Value(what));
      return;
    }
    const [start, end] = this.span(key, what);
    if ((end - start) % 4 !== 0) {
      this.fail(what, `packed floats take ${end - start} bytes, not a multiple of 4`, start);
    }
    for (let p = start; p < end; p += 4) out.push(this.view.getFloat32(p, true));
  }

  /** Skips a field this decoder does not know (protobuf's forward compatibility). */
  skip(key: FieldKey): void {
    const what = `<field ${key.field}>`;
    switch (key.wireType) {
      case WireType.varint:
        this.varint(what);
        return;
      case WireType.fixed64:
        if (this.end - this.pos < 8) this.fail(what, 'truncated fixed64');
        this.pos += 8;
        return;
      case WireType.lengthDelimited:
        this.span(key, what);
        return;
      default:
        if (this.end - this.pos < 4) this.fail(what, 'truncated fixed32');
        this.pos += 4;
    }
  }
}
