/**
 * TF.js' weights manifest read from untrusted bytes: every spec checked, the bytes it describes
 * added up (with no allocation) and compared with the bytes present, then each weight decoded to
 * float32 — float32 and int32 as stored, the converter's quantized uint8 / uint16 (q·scale + min)
 * and float16 weights dequantized (tfjs-core io/io_utils.ts).
 */
import { fail, isObject, short } from '../keras-values.js';
import type { TfjsManifestGroup, TfjsWeightSpec } from './tfjs-types.js';

export interface DecodedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };
/** backprop's weight limit (module.ts MAX_WEIGHT_VALUES is far below this): no product can overflow. */
const MAX_VALUES = 2 ** 31;

/** The manifest's groups and weight specs, checked; the bytes each weight takes. */
export function checkManifest(
  manifest: unknown,
  source: string,
): { specs: TfjsWeightSpec[]; bytes: number[]; paths: string[] } {
  if (!Array.isArray(manifest))
    fail(source, `weightsManifest must be a list of { paths, weights }, got ${short(manifest)}`);
  const specs: TfjsWeightSpec[] = [];
  const bytes: number[] = [];
  const paths: string[] = [];
  manifest.forEach((group: unknown, g) => {
    const at = `weightsManifest[${g}]`;
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail(source, `${at} must be { paths: [...], weights: [...] }, got ${short(group)}`);
    }
    for (const p of group.paths) {
      if (typeof p !== 'string') fail(source, `${at}.paths must be file names, got ${short(p)}`);
      paths.push(p);
    }
    (group as unknown as TfjsManifestGroup).weights.forEach((w: unknown, i) => {
      const wat = `${at}.weights[${i}]`;
      if (!isObject(w) || typeof w.name !== 'string')
        fail(source, `${wat} must be { name, shape, dtype }, got ${short(w)}`);
      const named = `${wat} ('${w.name}')`;
      if (
        !Array.isArray(w.shape) ||
        w.shape.length > 8 ||
        !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
      ) {
        fail(source, `${named}: shape must be a list of sizes, got ${short(w.shape)}`);
      }
      let size = 1;
      for (const d of w.shape as number[]) {
        size *= d;
        if (size > MAX_VALUES) fail(source, `${named}: shape ${short(w.shape)} is too large`);
      }
      if (w.dtype !== 'float32' && w.dtype !== 'int32') {
        fail(source, `${named}: dtype ${short(w.dtype)} is not supported (float32, int32)`);
      }
      let stored = w.dtype;
      if (w.quantization !== undefined && w.quantization !== null) {
        const q = w.quantization;
        if (!isObject(q) || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16')) {
          fail(source, `${named}: quantization ${short(q)} is not supported (uint8, uint16, float16)`);
        }
        if (q.dtype !== 'float16' && (!Number.isFinite(q.scale) || !Number.isFinite(q.min))) {
          fail(source, `${named}: ${q.dtype} quantization needs a finite scale and min, got ${short(q)}`);
        }
        stored = q.dtype;
      }
      specs.push(w as unknown as TfjsWeightSpec);
      bytes.push(size * BYTES[stored]!);
    });
  });
  return { specs, bytes, paths };
}

/** One buffer from the shards, in manifest order. */
export function joinShards(
  data: ArrayBuffer | ArrayBufferView | readonly (ArrayBuffer | ArrayBufferView)[],
  source: string,
): ArrayBuffer {
  const bytes = (d: unknown): Uint8Array | null =>
    d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : ArrayBuffer.isView(d)
        ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
        : null;
  if (data instanceof ArrayBuffer) return data;
  const list = (Array.isArray(data) ? data : [data]).map(bytes);
  if (!list.every((d) => d !== null)) {
    fail(source, 'the weight data must be an ArrayBuffer or a list of them (the shards in manifest order)');
  }
  const total = list.reduce((n, d) => n + d!.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const d of list) {
    out.set(d!, offset);
    offset += d!.byteLength;
  }
  return out.buffer;
}

/** Every weight as float32, after checking the manifest describes exactly the bytes present. */
export function decodeWeights(manifest: unknown, data: ArrayBuffer, source: string): DecodedWeight[] {
  const { specs, bytes } = checkManifest(manifest, source);
  const needed = bytes.reduce((a, b) => a + b, 0);
  if (needed !== data.byteLength) {
    fail(
      source,
      needed > data.byteLength
        ? `the weight shards are truncated: the manifest describes ${needed} bytes but ${data.byteLength} are present`
        : `the weight shards hold ${data.byteLength} bytes but the manifest describes ${needed}`,
    );
  }
  let offset = 0;
  return specs.map((spec, i) => {
    const n = bytes[i]!;
    const out = decodeOne(spec, data, offset, n);
    offset += n;
    return { name: spec.name, shape: [...spec.shape], data: out };
  });
}

function decodeOne(spec: TfjsWeightSpec, data: ArrayBuffer, offset: number, n: number): Float32Array {
  const view = new DataView(data, offset, n);
  const q = spec.quantization;
  if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
    const { scale, min } = q as { scale: number; min: number };
    const out = new Float32Array(q.dtype === 'uint8' ? n : n / 2);
    for (let i = 0; i < out.length; i++) {
      const v = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true);
      out[i] = v * scale + min;
    }
    return out;
  }
  if (q?.dtype === 'float16') {
    const out = new Float32Array(n / 2);
    for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    return out;
  }
  const out = new Float32Array(n / 4);
  if (spec.dtype === 'int32') {
    for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, true);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

/** IEEE 754 half precision to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
