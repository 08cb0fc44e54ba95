/**
 * Reading a digit image for `backprop predict`: PNG (8-bit, grey/RGB/RGBA/palette, not
 * interlaced) or PGM (P2/P5), converted to grey levels in [0, 1], then fitted to MNIST's form:
 * resized to the model's size and inverted if it is dark ink on a light background.
 */
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { ArgumentError } from '../errors.js';

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major grey levels in [0, 1]. */
  pixels: Float32Array;
}

export async function readImage(path: string): Promise<GreyImage> {
  const bytes = await readFile(path).catch(() => {
    throw new ArgumentError(`cannot read image ${path}`);
  });
  if (bytes[0] === 0x89 && bytes.toString('latin1', 1, 4) === 'PNG') return decodePng(bytes, path);
  if (bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x32)) return decodePgm(bytes, path);
  throw new ArgumentError(`${path}: not a PNG or PGM image`);
}

function decodePgm(bytes: Buffer, path: string): GreyImage {
  const binary = bytes[1] === 0x35;
  const tokens: string[] = [];
  let i = 2;
  while (tokens.length < 3) {
    while (i < bytes.length && /\s/.test(String.fromCharCode(bytes[i]!))) i++;
    if (bytes[i] === 0x23) {
      while (i < bytes.length && bytes[i] !== 0x0a) i++;
      continue;
    }
    let t = '';
    while (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]!)))
      t += String.fromCharCode(bytes[i++]!);
    if (t === '') throw new ArgumentError(`${path}: truncated PGM header`);
    tokens.push(t);
  }
  const [width, height, maxval] = tokens.map(Number) as [number, number, number];
  const n = width * height;
  const pixels = new Float32Array(n);
  if (binary) {
    const start = i + 1;
    if (maxval > 255 || bytes.length < start + n) throw new ArgumentError(`${path}: truncated or 16-bit PGM`);
    for (let k = 0; k < n; k++) pixels[k] = bytes[start + k]! / maxval;
  } else {
    const values = bytes.toString('latin1', i).trim().split(/\s+/).map(Number);
    if (values.length < n) throw new ArgumentError(`${path}: truncated PGM`);
    for (let k = 0; k < n; k++) pixels[k] = values[k]! / maxval;
  }
  return { width, height, pixels };
}

function decodePng(bytes: Buffer, path: string): GreyImage {
  let pos = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = 0;
  let palette: Buffer | null = null;
  const idat: Buffer[] = [];
  while (pos + 8 <= bytes.length) {
    const len = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) throw new ArgumentError(`${path}: interlaced PNGs are not supported`);
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (bitDepth !== 8)
    throw new ArgumentError(`${path}: only 8-bit PNGs are supported (this one has ${bitDepth}-bit samples)`);
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (channels === undefined) throw new ArgumentError(`${path}: unsupported PNG colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels]! : 0;
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
      out[y * stride + x] = v & 0xff;
    }
  }
  const pixels = new Float32Array(width * height);
  for (let k = 0; k < width * height; k++) {
    const o = k * channels;
    let grey: number;
    if (colorType === 3) {
      const p = out[o]! * 3;
      grey = palette ? 0.299 * palette[p]! + 0.587 * palette[p + 1]! + 0.114 * palette[p + 2]! : out[o]!;
    } else if (channels >= 3) grey = 0.299 * out[o]! + 0.587 * out[o + 1]! + 0.114 * out[o + 2]!;
    else grey = out[o]!;
    // Transparent pixels count as background (white) before the inversion check.
    const alpha = channels === 4 ? out[o + 3]! / 255 : channels === 2 ? out[o + 1]! / 255 : 1;
    pixels[k] = (grey * alpha + 255 * (1 - alpha)) / 255;
  }
  return { width, height, pixels };
}

/** Resize (bilinear) to w×h and make it light-on-dark like MNIST. */
export function toMnistForm(img: GreyImage, w = 28, h = 28): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = ((x + 0.5) * img.width) / w - 0.5;
      const sy = ((y + 0.5) * img.height) / h - 0.5;
      const x0 = Math.max(0, Math.min(img.width - 1, Math.floor(sx)));
      const y0 = Math.max(0, Math.min(img.height - 1, Math.floor(sy)));
      const x1 = Math.min(img.width - 1, x0 + 1);
      const y1 = Math.min(img.height - 1, y0 + 1);
      const fx = Math.min(1, Math.max(0, sx - x0));
      const fy = Math.min(1, Math.max(0, sy - y0));
      const p = (xx: number, yy: number) => img.pixels[yy * img.width + xx]!;
      out[y * w + x] =
        (1 - fy) * ((1 - fx) * p(x0, y0) + fx * p(x1, y0)) + fy * ((1 - fx) * p(x0, y1) + fx * p(x1, y1));
    }
  }
  const mean = out.reduce((a, b) => a + b, 0) / out.length;
  if (mean > 0.5) for (let i = 0; i < out.length; i++) out[i] = 1 - out[i]!;
  return out;
}
