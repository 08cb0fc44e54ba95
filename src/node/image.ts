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
