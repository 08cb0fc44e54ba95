/**
 * A baseline JPEG decoder (ITU T.81 sequential DCT, Huffman coded, 8-bit samples) in plain
 * TypeScript, for `backprop predict`'s digit photos and scans: nothing native, no dependency.
 * Grey, YCbCr (any chroma subsampling) and Adobe RGB files decode; progressive, arithmetic-coded,
 * lossless, 12-bit and CMYK files are refused with a message saying which they are.
 */
import { ArgumentError } from '../errors.js';
import type { GreyImage } from './image.js';

/** Position k of the zig-zag scan → index in the row-major 8×8 block. */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

/** IDCT_BASIS[x * 8 + u] = C(u)/2 · cos((2x+1)uπ/16): the 1-D inverse DCT, applied to rows then columns. */
const IDCT_BASIS = Float64Array.from({ length: 64 }, (_, i) => {
  const x = i >> 3;
  const u = i & 7;
  return ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** Beyond this a corrupt header would make us allocate gigabytes before finding out. */
const MAX_PIXELS = 100_000_000;

interface Huffman {
  /** Largest code of each length (1–16), -1 when there is none. */
  maxCode: Int32Array;
  /** Smallest code of each length. */
  minCode: Int32Array;
  /** Index in `values` of the first symbol of each length. */
  firstValue: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  quantTable: number;
  /** Blocks per line and per column, padded to whole MCUs. */
  blocksPerLine: number;
  blocksPerColumn: number;
  coefficients: Int16Array;
  dcTable: number;
  acTable: number;
  dcPredictor: number;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(17).fill(-1);
  const minCode = new Int32Array(17);
  const firstValue = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    minCode[len] = code;
    firstValue[len] = k;
    code += n;
    k += n;
    if (n > 0) maxCode[len] = code - 1;
    code <<= 1;
  }
  return { maxCode, minCode, firstValue, values };
}

/** Reads the entropy-coded segment bit by bit, undoing the 0xFF 0x00 byte stuffing. */
class BitReader {
  private bits = 0;
  private count = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
    private readonly fail: (what: string) => never,
  ) {}

  bit(): number {
    if (this.count === 0) {
      if (this.pos >= this.data.length) this.fail('the image data end too early (truncated file?)');
      const b = this.data[this.pos++]!;
      if (b === 0xff) {
        const next = this.data[this.pos];
        if (next !== 0) this.fail('a marker interrupts the image data (truncated or corrupt file)');
        this.pos++;
      }
      this.bits = b;
      this.count = 8;
    }
    this.count--;
    return (this.bits >> this.count) & 1;
  }

  receive(length: number): number {
    let v = 0;
    for (let i = 0; i < length; i++) v = (v << 1) | this.bit();
    return v;
  }

  /** An `s`-bit magnitude category value, sign-extended as T.81's EXTEND. */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    const v = this.receive(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  decode(table: Huffman): number {
    let code = 0;
    for (let len = 1; len <= 16; len++) {
      code = (code << 1) | this.bit();
      if (code <= table.maxCode[len]!)
        return table.values[table.firstValue[len]! + code - table.minCode[len]!]!;
    }
    return this.fail('a Huffman code matches no table entry (corrupt file)');
  }

  /** At a restart marker: drop the partial byte, step over RSTn. */
  restart(): void {
    this.count = 0;
    if (this.data[this.pos] === 0xff && this.data[this.pos + 1]! >= 0xd0 && this.data[this.pos + 1]! <= 0xd7)
      this.pos += 2;
    else this.fail('a restart marker is missing (corrupt file)');
  }
}

const UNSUPPORTED_FRAMES: Record<number, string> = {
  194: 'progressive JPEG is not supported (save it as a baseline JPEG or a PNG)',
  195: 'lossless JPEG is not supported',
  197: 'hierarchical JPEG is not supported',
  198: 'hierarchical progressive JPEG is not supported',
  199: 'hierarchical lossless JPEG is not supported',
  201: 'arithmetic-coded JPEG is not supported',
  202: 'progressive arithmetic-coded JPEG is not supported',
  203: 'lossless arithmetic-coded JPEG is not supported',
  205: 'hierarchical arithmetic-coded JPEG is not supported',
  206: 'hierarchical arithmetic-coded JPEG is not supported',
  207: 'hierarchical arithmetic-coded JPEG is not supported',
};

export function decodeJpeg(bytes: Uint8Array, path: string): GreyImage {
  const fail = (what: string): never => {
    throw new ArgumentError(`${path}: ${what}`);
  };
  const quant: (Uint16Array | undefined)[] = [];
  const dcTables: (Huffman | undefined)[] = [];
  const acTables: (Huffman | undefined)[] = [];
  let frame: { width: number; height: number; components: Component[]; hMax: number; vMax: number } | null =
    null;
  let restartInterval = 0;
  let adobeTransform: number | null = null;
  let pos = 2;
  const u16 = (at: number) => {
    if (at + 2 > bytes.length) fail('the file ends inside a header (truncated file?)');
    return (bytes[at]! << 8) | bytes[at + 1]!;
  };

  for (;;) {
    if (pos >= bytes.length) fail('no end-of-image marker (truncated file?)');
    if (bytes[pos] !== 0xff) fail(`expected a marker at byte ${pos} (corrupt file)`);
    const marker = bytes[pos + 1]!;
    pos += 2;
    if (marker === 0xff) {
      pos--; // fill byte before a marker
      continue;
    }
    if (marker === 0xd9) break;
    if (marker >= 0xd0 && marker <= 0xd7) continue; // a stray RSTn carries no data
    const length = u16(pos);
    const end = pos + length;
    if (length < 2 || end > bytes.length) fail('a header segment runs past the end (truncated file?)');
    const seg = bytes.subarray(pos + 2, end);
    if (UNSUPPORTED_FRAMES[marker]) fail(UNSUPPORTED_FRAMES[marker]);
    if (marker === 0xdb) {
      for (let i = 0; i < seg.length; ) {
        const precision = seg[i]! >> 4;
        const id = seg[i]! & 15;
        i++;
        const table = new Uint16Array(64);
        for (let k = 0; k < 64; k++, i += precision ? 2 : 1)
          table[ZIGZAG[k]!] = precision ? (seg[i]! << 8) | seg[i + 1]! : seg[i]!;
        if (i > seg.length) fail('a quantisation table is cut short (corrupt file)');
        quant[id] = table;
      }
    } else if (marker === 0xc4) {
      for (let i = 0; i < seg.length; ) {
        const cls = seg[i]! >> 4;
        const id = seg[i]! & 15;
        const counts = seg.subarray(i + 1, i + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        const values = seg.subarray(i + 17, i + 17 + total);
        if (counts.length < 16 || values.length < total) fail('a Huffman table is cut short (corrupt file)');
        (cls === 0 ? dcTables : acTables)[id] = buildHuffman(counts, values);
        i += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (seg[0] !== 8) fail(`${seg[0]}-bit JPEG samples are not supported (only 8-bit)`);
      const height = (seg[1]! << 8) | seg[2]!;
      const width = (seg[3]! << 8) | seg[4]!;
      const n = seg[5]!;
      if (width === 0 || height === 0) fail(`bad image size ${width}×${height}`);
      if (width * height > MAX_PIXELS) fail(`${width}×${height} pixels is more than this reader accepts`);
      if (n !== 1 && n !== 3)
        fail(n === 4 ? 'CMYK JPEG is not supported' : `JPEG with ${n} colour components is not supported`);
      const raw = Array.from({ length: n }, (_, c) => {
        const hv = seg[7 + c * 3]!;
        return { id: seg[6 + c * 3]!, h: hv >> 4, v: hv & 15, quantTable: seg[8 + c * 3]! };
      });
      if (raw.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4))
        fail('bad sampling factors (corrupt file)');
      const hMax = Math.max(...raw.map((c) => c.h));
      const vMax = Math.max(...raw.map((c) => c.v));
      const mcusPerLine = Math.ceil(width / (8 * hMax));
      const mcusPerColumn = Math.ceil(height / (8 * vMax));
      const components = raw.map((c) => {
        const blocksPerLine = mcusPerLine * c.h;
        const blocksPerColumn = mcusPerColumn * c.v;
        return {
          ...c,
          blocksPerLine,
          blocksPerColumn,
          coefficients: new Int16Array(blocksPerLine * blocksPerColumn * 64),
          dcTable: 0,
          acTable: 0,
          dcPredictor: 0,
        };
      });
      frame = { width, height, components, hMax, vMax };
    } else if (marker === 0xdd) {
      restartInterval = u16(pos + 2);
    } else if (
      marker === 0xee &&
      seg.length >= 12 &&
      String.fromCharCode(...seg.subarray(0, 5)) === 'Adobe'
    ) {
      adobeTransform = seg[11]!;
    } else if (marker === 0xda) {
      if (!frame) fail('image data before the frame header (corrupt file)');
      pos = decodeScan(bytes, end, seg, frame!, dcTables, acTables, restartInterval, fail);
      continue;
    }
    pos = end;
  }
  if (!frame) fail('no image frame found');
  return toGrey(frame!, quant, adobeTransform, fail);
}

/** Decodes one scan's Huffman-coded blocks into the components' coefficients; returns where it ended. */
function decodeScan(
  bytes: Uint8Array,
  start: number,
  header: Uint8Array,
  frame: { width: number; height: number; components: Component[]; hMax: number; vMax: number },
  dcTables: (Huffman | undefined)[],
  acTables: (Huffman | undefined)[],
  restartInterval: number,
  fail: (what: string) => never,
): number {
  const n = header[0]!;
  const scan = Array.from({ length: n }, (_, i) => {
    const component = frame.components.find((c) => c.id === header[1 + i * 2]);
    if (!component) fail('a scan names a component the frame does not have (corrupt file)');
    component!.dcTable = header[2 + i * 2]! >> 4;
    component!.acTable = header[2 + i * 2]! & 15;
    if (!dcTables[component!.dcTable] || !acTables[component!.acTable])
      fail('a scan uses a Huffman table that was never defined (corrupt file)');
    component!.dcPredictor = 0;
    return component!;
  });
  const reader = new BitReader(bytes, start, fail);
  const decodeBlock = (c: Component, row: number, col: number) => {
    const out = c.coefficients.subarray(
      (row * c.blocksPerLine + col) * 64,
      (row * c.blocksPerLine + col + 1) * 64,
    );
    c.dcPredictor += reader.receiveExtend(reader.decode(dcTables[c.dcTable]!));
    out[0] = c.dcPredictor;
    for (let k = 1; k < 64; ) {
      const rs = reader.decode(acTables[c.acTable]!);
      const s = rs & 15;
      const r = rs >> 4;
      if (s === 0) {
        if (r !== 15) break; // end of block
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) fail('a block has more than 64 coefficients (corrupt file)');
      out[ZIGZAG[k]!] = reader.receiveExtend(s);
      k++;
    }
  };
  // One component alone is coded block by block over its own (unpadded) size; several are
  // interleaved MCU by MCU, each MCU holding h×v blocks of each.
  const single = scan.length === 1 ? scan[0]! : null;
  const unitsPerLine = single
    ? Math.ceil(Math.ceil((frame.width * single.h) / frame.hMax) / 8)
    : Math.ceil(frame.width / (8 * frame.hMax));
  const unitsPerColumn = single
    ? Math.ceil(Math.ceil((frame.height * single.v) / frame.vMax) / 8)
    : Math.ceil(frame.height / (8 * frame.vMax));
  const total = unitsPerLine * unitsPerColumn;
  for (let unit = 0; unit < total; unit++) {
    if (restartInterval > 0 && unit > 0 && unit % restartInterval === 0) {
      reader.restart();
      for (const c of scan) c.dcPredictor = 0;
    }
    const row = Math.floor(unit / unitsPerLine);
    const col = unit % unitsPerLine;
    if (single) decodeBlock(single, row, col);
    else
      for (const c of scan)
        for (let v = 0; v < c.v; v++)
          for (let h = 0; h < c.h; h++) decodeBlock(c, row * c.v + v, col * c.h + h);
  }
  // Skip any padding up to the next marker (RSTn or the next segment).
  let pos = reader.pos;
  while (pos < bytes.length && !(bytes[pos] === 0xff && bytes[pos + 1] !== 0)) pos++;
  return pos;
}

/** Dequantises and inverse-transforms every block of one component into a plane of 8-bit samples. */
function componentPlane(c: Component, table: Uint16Array): { width: number; samples: Uint8ClampedArray } {
  const width = c.blocksPerLine * 8;
  const samples = new Uint8ClampedArray(width * c.blocksPerColumn * 8);
  const block = new Float64Array(64);
  const rows = new Float64Array(64);
  for (let by = 0; by < c.blocksPerColumn; by++) {
    for (let bx = 0; bx < c.blocksPerLine; bx++) {
      const base = (by * c.blocksPerLine + bx) * 64;
      for (let i = 0; i < 64; i++) block[i] = c.coefficients[base + i]! * table[i]!;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let u = 0; u < 8; u++) s += IDCT_BASIS[x * 8 + u]! * block[y * 8 + u]!;
          rows[y * 8 + x] = s;
        }
      for (let x = 0; x < 8; x++)
        for (let y = 0; y < 8; y++) {
          let s = 0;
          for (let v = 0; v < 8; v++) s += IDCT_BASIS[y * 8 + v]! * rows[v * 8 + x]!;
          samples[(by * 8 + y) * width + bx * 8 + x] = Math.round(s + 128);
        }
    }
  }
  return { width, samples };
}

function toGrey(
  frame: { width: number; height: number; components: Component[]; hMax: number; vMax: number },
  quant: (Uint16Array | undefined)[],
  adobeTransform: number | null,
  fail: (what: string) => never,
): GreyImage {
  const { width, height, components, hMax, vMax } = frame;
  // YCbCr's Y is the luminance 0.299R + 0.587G + 0.114B itself, so grey needs only the first
  // component; RGB files (Adobe transform 0, or components named 'R','G','B') need all three.
  const rgb =
    components.length === 3 &&
    (adobeTransform === 0 || components.map((c) => String.fromCharCode(c.id)).join('') === 'RGB');
  const used = rgb ? components : components.slice(0, 1);
  const planes = used.map((c) => {
    const table = quant[c.quantTable];
    if (!table) fail('a component uses a quantisation table that was never defined (corrupt file)');
    return { c, ...componentPlane(c, table!) };
  });
  const pixels = new Float32Array(width * height);
  const sample = (p: (typeof planes)[number], x: number, y: number) =>
    p.samples[Math.floor((y * p.c.v) / vMax) * p.width + Math.floor((x * p.c.h) / hMax)]!;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const grey = rgb
        ? 0.299 * sample(planes[0]!, x, y) +
          0.587 * sample(planes[1]!, x, y) +
          0.114 * sample(planes[2]!, x, y)
        : sample(planes[0]!, x, y);
      pixels[y * width + x] = grey / 255;
    }
  return { width, height, pixels };
}
