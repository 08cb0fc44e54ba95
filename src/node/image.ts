/**
 * Reading a digit image for `backprop predict`: PNG (any colour type, 1–16 bits, interlaced or
 * not; png.ts), baseline JPEG (jpeg.ts) or PGM (P2/P5, 8 or 16 bits), converted to grey levels in
 * [0, 1], then fitted to MNIST's form: resized to the model's size and inverted if it is dark ink
 * on a light background.
 */
import { readFile } from 'node:fs/promises';
import { ArgumentError } from '../errors.js';
import { decodeJpeg } from './jpeg.js';
import { decodePng } from './png.js';

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major grey levels in [0, 1]. */
  pixels: Float32Array;
}

export type FileKind = 'png' | 'jpeg' | 'pgm' | 'gif' | 'bmp' | 'webp' | 'tiff' | 'binary' | 'text';

/** What a file is, from its first bytes, so a command can say "this is an image, not a CSV" and back. */
export function sniffFileKind(head: Uint8Array): FileKind {
  const ascii = String.fromCharCode(...head.subarray(0, 12));
  if (head[0] === 0x89 && ascii.slice(1, 4) === 'PNG') return 'png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (/^P[25]\s/.test(ascii)) return 'pgm';
  if (ascii.startsWith('GIF8')) return 'gif';
  if (ascii.startsWith('BM')) return 'bmp';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp';
  if (ascii.startsWith('II*\0') || ascii.startsWith('MM\0*')) return 'tiff';
  // Text (CSV) has no NUL bytes and few control characters besides tab, CR and LF.
  const sample = head.subarray(0, 4096);
  let control = 0;
  for (const b of sample) {
    if (b === 0) return 'binary';
    if (b < 32 && b !== 9 && b !== 10 && b !== 13) control++;
  }
  return control > sample.length / 100 ? 'binary' : 'text';
}

export async function readImage(path: string): Promise<GreyImage> {
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new ArgumentError(
      e.code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read it (${e.code ?? e.message})`,
    );
  });
  const kind = sniffFileKind(bytes);
  if (kind === 'png') return decodePng(bytes, path);
  if (kind === 'jpeg') return decodeJpeg(bytes, path);
  if (kind === 'pgm') return decodePgm(bytes, path);
  throw new NotAnImageError(path, kind);
}

/** A file that is not one of the image formats we read; `kind` says what it is instead. */
export class NotAnImageError extends ArgumentError {
  constructor(
    readonly path: string,
    readonly kind: FileKind,
  ) {
    super(`${path}: not a PNG, JPEG or PGM image (it is ${describeFileKind(kind)})`);
  }
}

export function describeFileKind(kind: FileKind): string {
  if (kind === 'text') return 'a text file';
  if (kind === 'binary') return 'binary data';
  return `a ${kind.toUpperCase()} image`;
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
  if (![width, height].every((n) => Number.isInteger(n) && n > 0) || width * height > 100_000_000)
    throw new ArgumentError(`${path}: bad PGM size '${tokens[0]} ${tokens[1]}'`);
  if (!Number.isInteger(maxval) || maxval < 1 || maxval > 65535)
    throw new ArgumentError(`${path}: bad PGM maximum value '${tokens[2]}' (1 to 65535)`);
  const n = width * height;
  const pixels = new Float32Array(n);
  if (binary) {
    // One byte per sample up to 255, two (most significant first) above.
    const start = i + 1;
    const size = maxval > 255 ? 2 : 1;
    if (bytes.length < start + n * size)
      throw new ArgumentError(
        `${path}: truncated PGM (${width}×${height} needs ${n * size} bytes of pixels)`,
      );
    for (let k = 0; k < n; k++)
      pixels[k] = (size === 2 ? bytes.readUInt16BE(start + 2 * k) : bytes[start + k]!) / maxval;
  } else {
    const values = bytes.toString('latin1', i).trim().split(/\s+/).map(Number);
    if (values.length < n) throw new ArgumentError(`${path}: truncated PGM`);
    for (let k = 0; k < n; k++) {
      if (!(values[k]! >= 0 && values[k]! <= maxval))
        throw new ArgumentError(
          `${path}: PGM pixel ${k + 1} is '${values[k]}', not a number from 0 to ${maxval}`,
        );
      pixels[k] = values[k]! / maxval;
    }
  }
  return { width, height, pixels };
}

/**
 * Resize to w×h and make it light-on-dark like MNIST. The resize is PIL's bilinear: a triangle
 * filter whose support widens with the shrink factor, so each output pixel averages the whole
 * source area it covers and a stroke thinner than that area still shows (plain bilinear sampling
 * would read only 2 source pixels per output pixel and can miss it). Enlarging is plain bilinear;
 * an image already w×h is copied unchanged.
 */
export function toMnistForm(img: GreyImage, w = 28, h = 28): Float32Array {
  const out =
    img.width === w && img.height === h
      ? Float32Array.from(img.pixels)
      : resampleRows(resampleColumns(img.pixels, img.width, img.height, w), img.height, w, h);
  const mean = out.reduce((a, b) => a + b, 0) / out.length;
  if (mean > 0.5) for (let i = 0; i < out.length; i++) out[i] = 1 - out[i]!;
  return out;
}

/** For each of `outSize` output pixels: the first source pixel it reads and the weights (summing to 1). */
function triangleWeights(inSize: number, outSize: number): { first: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const support = Math.max(1, scale); // the triangle's half-width, in source pixels
  const taps = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const first = Math.max(0, Math.floor(center - support + 0.5));
    const end = Math.min(inSize, Math.floor(center + support + 0.5));
    const weights: number[] = [];
    for (let j = first; j < end; j++) weights.push(Math.max(0, 1 - Math.abs(j + 0.5 - center) / support));
    const sum = weights.reduce((a, b) => a + b, 0);
    taps.push({ first, weights: weights.map((v) => v / sum) });
  }
  return taps;
}

/** Resize each row of a width×height image to outWidth. */
function resampleColumns(src: Float32Array, width: number, height: number, outWidth: number): Float32Array {
  const taps = triangleWeights(width, outWidth);
  const out = new Float32Array(outWidth * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < outWidth; x++) {
      const { first, weights } = taps[x]!;
      let v = 0;
      for (let k = 0; k < weights.length; k++) v += weights[k]! * src[y * width + first + k]!;
      out[y * outWidth + x] = v;
    }
  return out;
}

/** Resize each column of a width×height image to outHeight. */
function resampleRows(src: Float32Array, height: number, width: number, outHeight: number): Float32Array {
  const taps = triangleWeights(height, outHeight);
  const out = new Float32Array(width * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const { first, weights } = taps[y]!;
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let k = 0; k < weights.length; k++) v += weights[k]! * src[(first + k) * width + x]!;
      out[y * width + x] = v;
    }
  }
  return out;
}
