/**
 * A PNG decoder to grey levels for `backprop predict`: every colour type, bit depths 1–16,
 * Adam7 interlacing, palette and tRNS transparency (composited over white, the background a
 * scanned digit has). zlib comes from node:zlib, the rest is here.
 */
import { inflateSync } from 'node:zlib';
import { ArgumentError } from '../errors.js';
import type { GreyImage } from './image.js';

/** Channels per colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
const MAX_PIXELS = 100_000_000;

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  channels: number;
  palette: Uint8Array | null;
  transparency: Uint8Array | null;
  interlaced: boolean;
}

export function decodePng(bytes: Uint8Array, path: string): GreyImage {
  const fail = (what: string): never => {
    throw new ArgumentError(`${path}: ${what}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | null = null;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  while (pos + 8 <= bytes.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) fail(`the ${type} chunk runs past the end (truncated file?)`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      if (len < 13) fail('the IHDR header is too short (corrupt file)');
      const colorType = data[9]!;
      const depth = data[8]!;
      const channels = CHANNELS[colorType];
      if (channels === undefined) fail(`unknown PNG colour type ${colorType} (corrupt file)`);
      if (!ALLOWED_DEPTHS[colorType]!.includes(depth))
        fail(`bit depth ${depth} is not valid for PNG colour type ${colorType} (corrupt file)`);
      if (data[12]! > 1) fail(`unknown interlace method ${data[12]} (corrupt file)`);
      header = {
        width: view.getUint32(pos + 8),
        height: view.getUint32(pos + 12),
        depth,
        colorType,
        channels: channels!,
        palette: null,
        transparency: null,
        interlaced: data[12] === 1,
      };
      if (header.width === 0 || header.height === 0) fail(`bad image size ${header.width}×${header.height}`);
      if (header.width * header.height > MAX_PIXELS)
        fail(`${header.width}×${header.height} pixels is more than this reader accepts`);
    } else if (type === 'PLTE' && header) header.palette = data;
    else if (type === 'tRNS' && header) header.transparency = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos += 12 + len;
  }
  if (!header) return fail('no IHDR header (corrupt file)');
  if (idat.length === 0) fail('no image data (truncated file?)');
  if (header.colorType === 3 && !header.palette) fail('a palette image without its palette (corrupt file)');
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (e) {
    return fail(`${ended ? 'corrupt' : 'truncated'} image data (${(e as Error).message})`);
  }
  const pixels = new Float32Array(header.width * header.height);
  const grey = greyOf(header);
  let offset = 0;
  const passes = header.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((header.width - x0) / dx);
    const h = Math.ceil((header.height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    const { lines, next } = unfilter(raw, offset, w, h, header, fail);
    offset = next;
    const values = new Uint16Array(header.channels);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        readPixel(lines[y]!, x, header, values);
        pixels[(y0 + y * dy) * header.width + x0 + x * dx] = grey(values);
      }
  }
  return { width: header.width, height: header.height, pixels };
}

/** Undoes the per-line filters of one (sub)image; returns its lines and where the next pass starts. */
function unfilter(
  raw: Uint8Array,
  offset: number,
  width: number,
  height: number,
  header: Header,
  fail: (what: string) => never,
): { lines: Uint8Array[]; next: number } {
  const bitsPerPixel = header.channels * header.depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  // Filters look back one whole pixel, or one byte when pixels are smaller than a byte.
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (raw.length < offset + height * (stride + 1))
    fail('the image data are shorter than the image (truncated file?)');
  const lines: Uint8Array[] = [];
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const start = offset + y * (stride + 1);
    const filter = raw[start]!;
    if (filter > 4) fail(`unknown filter type ${filter} on line ${y + 1} (corrupt file)`);
    const line = raw.slice(start + 1, start + 1 + stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? line[x - bpp]! : 0;
      const b = previous[x]!;
      const c = x >= bpp ? previous[x - bpp]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[x] = v & 0xff;
    }
    lines.push(line);
    previous = line;
  }
  return { lines, next: offset + height * (stride + 1) };
}

/** The raw samples of pixel x (palette index, or sample values at the file's bit depth). */
function readPixel(line: Uint8Array, x: number, header: Header, out: Uint16Array): void {
  const { depth, channels } = header;
  if (depth === 8) for (let k = 0; k < channels; k++) out[k] = line[x * channels + k]!;
  else if (depth === 16)
    for (let k = 0; k < channels; k++)
      out[k] = (line[(x * channels + k) * 2]! << 8) | line[(x * channels + k) * 2 + 1]!;
  else {
    // 1, 2 or 4 bits, one channel (grey or palette), packed from the high bits down.
    const bit = x * depth;
    out[0] = (line[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  }
}

/** Raw samples → grey level in [0, 1], transparent parts composited over white. */
function greyOf(header: Header): (v: Uint16Array) => number {
  const max = (1 << header.depth) - 1;
  const lum = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
  const overWhite = (g: number, alpha: number) => g * alpha + (1 - alpha);
  const t = header.transparency;
  const key = (i: number) => (t && t.length >= 2 * i + 2 ? (t[2 * i]! << 8) | t[2 * i + 1]! : -1);
  switch (header.colorType) {
    case 0:
      return (v) => (v[0] === key(0) ? 1 : v[0]! / max);
    case 2:
      return (v) =>
        v[0] === key(0) && v[1] === key(1) && v[2] === key(2) ? 1 : lum(v[0]!, v[1]!, v[2]!) / max;
    case 3: {
      const p = header.palette!;
      return (v) => {
        const i = v[0]!;
        if (3 * i + 2 >= p.length) return 1; // an index past the palette: decoders show background
        const alpha = t && i < t.length ? t[i]! / 255 : 1;
        return overWhite(lum(p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!) / 255, alpha);
      };
    }
    case 4:
      return (v) => overWhite(v[0]! / max, v[1]! / max);
    default:
      return (v) => overWhite(lum(v[0]!, v[1]!, v[2]!) / max, v[3]! / max);
  }
}
