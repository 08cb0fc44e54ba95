/**
 * A ZIP writer for .keras files: stored (uncompressed) entries only, as Keras itself writes them —
 * local header + data per entry, then the central directory and its end record. Dates are the DOS
 * epoch (1980-01-01) so the same model always gives the same bytes. No ZIP64: an archive over 4 GiB
 * or with over 65535 entries is refused.
 */
import { ArgumentError } from '../../../errors.js';
import { crc32 } from '../../../model/crc32.js';

export interface ZipFile {
  name: string;
  data: Uint8Array;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
/** 1980-01-01 00:00 in DOS date format (day 1, month 1, year 0). */
const DOS_DATE = (1 << 5) | 1;
/** Bit 11: the name is UTF-8. */
const UTF8_NAMES = 0x0800;

export function writeZip(files: readonly ZipFile[]): Uint8Array {
  if (files.length > 0xffff) throw new ArgumentError(`writeZip: ${files.length} entries (at most 65535)`);
  const encoder = new TextEncoder();
  const names = files.map((f) => encoder.encode(f.name));
  const seen = new Set<string>();
  for (const f of files) {
    if (f.name === '' || seen.has(f.name))
      throw new ArgumentError(`writeZip: entry name '${f.name}' is empty or repeated`);
    seen.add(f.name);
  }
  const localSize = files.reduce((n, f, i) => n + 30 + names[i]!.length + f.data.length, 0);
  const centralSize = names.reduce((n, name) => n + 46 + name.length, 0);
  const total = localSize + centralSize + 22;
  if (localSize > 0xffffffff || total > 0xffffffff)
    throw new ArgumentError(`writeZip: ${total} bytes is past ZIP's 4 GiB limit (no ZIP64)`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs = files.map((f) => crc32(f.data));
  let at = 0;
  files.forEach((f, i) => {
    const name = names[i]!;
    offsets.push(at);
    view.setUint32(at, LOCAL, true);
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 6, UTF8_NAMES, true);
    view.setUint16(at + 8, 0, true); // stored
    view.setUint16(at + 10, 0, true); // time
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, crcs[i]!, true);
    view.setUint32(at + 18, f.data.length, true);
    view.setUint32(at + 22, f.data.length, true);
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, 0, true); // extra field
    out.set(name, at + 30);
    out.set(f.data, at + 30 + name.length);
    at += 30 + name.length + f.data.length;
  });
  const centralStart = at;
  files.forEach((f, i) => {
    const name = names[i]!;
    view.setUint32(at, CENTRAL, true);
    view.setUint16(at + 4, 20, true); // made by
    view.setUint16(at + 6, 20, true); // needed
    view.setUint16(at + 8, UTF8_NAMES, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, 0, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, crcs[i]!, true);
    view.setUint32(at + 20, f.data.length, true);
    view.setUint32(at + 24, f.data.length, true);
    view.setUint16(at + 28, name.length, true);
    // extra, comment, disk number, internal and external attributes: all 0.
    view.setUint32(at + 42, offsets[i]!, true);
    out.set(name, at + 46);
    at += 46 + name.length;
  });
  view.setUint32(at, END, true);
  view.setUint16(at + 8, files.length, true);
  view.setUint16(at + 10, files.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}
