/**
 * A PNG encoder for 8-bit grey or RGB pixels: what the CLI's reports need to write image grids
 * (digits, filters, samples) directly, without going through a chart renderer — a 100-digit grid
 * is 78,400 pixels, far too many marks for a chart. zlib comes from node:zlib.
 */
import { deflateSync } from 'node:zlib';
import { ArgumentError } from '../errors.js';
import { crc32 } from '../model/crc32.js';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** PNG colour types: 0 grey, 2 RGB. */
const COLOR_TYPE = { 1: 0, 3: 2 } as const;

/** `pixels` row by row, `channels` bytes per pixel (1 grey, 3 RGB). */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 = 1,
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new ArgumentError(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  if (channels !== 1 && channels !== 3)
    throw new ArgumentError(`encodePng: channels must be 1 or 3, got ${channels}`);
  const stride = width * channels;
  if (pixels.length !== stride * height)
    throw new ArgumentError(
      `encodePng: ${width}×${height}×${channels} needs ${stride * height} bytes, got ${pixels.length}`,
    );
  // Each scanline starts with its filter type; 0 (none) keeps this simple, deflate does the rest.
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++)
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = COLOR_TYPE[channels];
  return concatBytes([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
