import { Cursor, type H5Bytes } from './cursor.js';

/** One header message: its type and where its body lies in the file. */
export interface H5Message {
  type: number;
  flags: number;
  start: number;
  end: number;
}

export const MSG = {
  dataspace: 0x01,
  linkInfo: 0x02,
  datatype: 0x03,
  fillOld: 0x04,
  fill: 0x05,
  link: 0x06,
  layout: 0x08,
  filters: 0x0b,
  attribute: 0x0c,
  continuation: 0x10,
  symbolTable: 0x11,
  attributeInfo: 0x15,
} as const;

/** No real object has more; a corrupt count or a continuation loop stops here instead of spinning. */
const MAX_MESSAGES = 65536;

/** Reads every message of the object header at `addr` (v1 or v2), following continuation blocks. */
export function readObjectHeader(f: H5Bytes, addr: number): H5Message[] {
  f.check(addr, 4, 'object header');
  const isV2 = f.bytes[addr] === 0x4f && f.bytes[addr + 1] === 0x48; // 'OH'
  return isV2 ? readV2(f, addr) : readV1(f, addr);
}

function continuation(f: H5Bytes, m: H5Message, seen: Set<number>): [number, number] {
  const c = new Cursor(f, m.start, m.end, 'object header continuation message');
  const at = c.offset();
  const length = c.length();
  if (seen.has(at)) f.fail(`object header continuation at byte ${at} repeats (a loop)`);
  seen.add(at);
  f.check(at, length, 'object header continuation block');
  return [at, at + length];
}

function readV1(f: H5Bytes, addr: number): H5Message[] {
  const c = f.cursor(addr, addr + 16, 'object header');
  const version = c.u8();
  if (version !== 1) f.fail(`object header at byte ${addr} has version ${version} (1 or 2 expected)`);
  c.skip(1);
  const count = c.u16();
  c.u32(); // reference count
  const size = c.u32();
  // The 12-byte prefix is padded to 16 so messages stay 8-byte aligned.
  const blocks: [number, number][] = [[addr + 16, addr + 16 + size]];
  const seen = new Set<number>([addr]);
  const messages: H5Message[] = [];
  while (blocks.length > 0 && messages.length < count) {
    const [start, end] = blocks.shift()!;
    const b = f.cursor(start, end, `object header block at byte ${start}`);
    while (b.remaining >= 8 && messages.length < count) {
      const type = b.u16();
      const msgSize = b.u16();
      const flags = b.u8();
      b.skip(3);
      const m: H5Message = { type, flags, start: b.pos, end: b.pos + msgSize };
      b.skip(msgSize);
      messages.push(m);
      if (type === MSG.continuation) blocks.push(continuation(f, m, seen));
      if (messages.length > MAX_MESSAGES) f.fail(`object header at byte ${addr} has too many messages`);
    }
  }
  return messages;
}

function readV2(f: H5Bytes, addr: number): H5Message[] {
  f.signature(addr, 'OHDR', 'object header');
  const c = f.cursor(addr + 4, f.bytes.length, 'object header');
  const version = c.u8();
  if (version !== 2) f.fail(`object header at byte ${addr} has version ${version}`);
  const flags = c.u8();
  if (flags & 0x20) c.skip(16); // access/modification/change/birth times
  if (flags & 0x10) c.skip(4); // attribute phase-change values
  const chunkSize = c.uint(1 << (flags & 0x03));
  const trackOrder = (flags & 0x04) !== 0;
  const blocks: [number, number][] = [[c.pos, c.pos + chunkSize]];
  const seen = new Set<number>([addr]);
  const messages: H5Message[] = [];
  while (blocks.length > 0) {
    const [start, end] = blocks.shift()!;
    const b = f.cursor(start, end, `object header block at byte ${start}`);
    const headerSize = trackOrder ? 6 : 4;
    // Whatever is left after the last message that cannot hold a message header is a gap.
    while (b.remaining >= headerSize) {
      const type = b.u8();
      const msgSize = b.u16();
      const msgFlags = b.u8();
      if (trackOrder) b.skip(2);
      const m: H5Message = { type, flags: msgFlags, start: b.pos, end: b.pos + msgSize };
      b.skip(msgSize);
      messages.push(m);
      if (type === MSG.continuation) {
        const [at, stop] = continuation(f, m, seen);
        f.signature(at, 'OCHK', 'object header continuation block');
        blocks.push([at + 4, stop - 4]); // signature before, checksum after
      }
      if (messages.length > MAX_MESSAGES) f.fail(`object header at byte ${addr} has too many messages`);
    }
  }
  return messages;
}
