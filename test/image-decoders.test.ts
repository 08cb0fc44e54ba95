/**
 * The image readers of `backprop predict` against reference encoders and decoders: the fixtures in
 * test/fixtures/images were written by libjpeg-turbo's cjpeg and ImageMagick, and djpeg's grey
 * decode of each JPEG is the expected result (scripts/make-image-fixtures.sh).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { ArgumentError } from '../src/errors.js';
import { type GreyImage, readImage, sniffFileKind } from '../src/node/image.js';
import { useTempDir } from './helpers.js';

const DIR = join(import.meta.dirname, 'fixtures', 'images');
const tmp = useTempDir('images');

/** The source colour drawing as grey levels: 0.299 R + 0.587 G + 0.114 B. */
async function colourSourceGrey(): Promise<GreyImage> {
  const bytes = await readFile(join(DIR, 'seven.ppm'));
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.toString('latin1', 0, 20))!;
  const [width, height] = [Number(header[1]), Number(header[2])];
  const start = header[0].length;
  const pixels = Float32Array.from(
    { length: width * height },
    (_, k) =>
      (0.299 * bytes[start + 3 * k]! +
        0.587 * bytes[start + 3 * k + 1]! +
        0.114 * bytes[start + 3 * k + 2]!) /
      255,
  );
  return { width, height, pixels };
}

function assertClose(actual: GreyImage, expected: GreyImage, tolerance: number, name: string): void {
  assert.deepEqual([actual.width, actual.height], [expected.width, expected.height], `${name}: size`);
  let worst = 0;
  for (let i = 0; i < expected.pixels.length; i++)
    worst = Math.max(worst, Math.abs(actual.pixels[i]! - expected.pixels[i]!));
  assert.ok(worst <= tolerance, `${name}: largest difference ${(worst * 255).toFixed(2)} grey levels`);
}

it('decodes baseline JPEGs as libjpeg does: grey, 4:2:0 with restarts, 4:4:4, one scan per component, RGB', async () => {
  for (const name of ['seven-grey', 'seven-420-restart', 'seven-444', 'seven-422-scans', 'seven-rgb']) {
    const image = await readImage(join(DIR, `${name}.jpg`));
    const expected = await readImage(join(DIR, `${name}.expected.pgm`));
    // djpeg's integer IDCT and colour conversion round differently from ours by up to a level.
    assertClose(image, expected, 1.5 / 255, name);
  }
});

it('refuses a progressive JPEG naming the file and the reason', async () => {
  const file = join(DIR, 'seven-progressive.jpg');
  await assert.rejects(readImage(file), (e: Error) => {
    assert.ok(e instanceof ArgumentError);
    assert.equal(
      e.message,
      `${file}: progressive JPEG is not supported (save it as a baseline JPEG or a PNG)`,
    );
    return true;
  });
});

it('reports a truncated JPEG instead of decoding garbage', async () => {
  const bytes = await readFile(join(DIR, 'seven-444.jpg'));
  const file = join(tmp.path, 'cut.jpg');
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await assert.rejects(readImage(file), /cut\.jpg: .*truncated/);
});

it('decodes 16-bit grey PNGs using both bytes of every sample', async () => {
  const image = await readImage(join(DIR, 'seven-grey16.png'));
  const source = await readImage(join(DIR, 'seven.pgm'));
  const { width } = source;
  const expected = Float32Array.from(source.pixels, (v, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    return (Math.round(v * 255) * 257 + ((x + y) % 200)) / 65535;
  });
  assertClose(image, { ...source, pixels: expected }, 1e-6, 'seven-grey16.png');
});

it('decodes 16-bit RGB and Adam7-interlaced PNGs', async () => {
  const expected = await colourSourceGrey();
  assertClose(await readImage(join(DIR, 'seven-rgb16.png')), expected, 1e-5, 'seven-rgb16.png');
  assertClose(await readImage(join(DIR, 'seven-interlaced.png')), expected, 1e-5, 'seven-interlaced.png');
});

it('reads 16-bit PGMs', async () => {
  const file = join(tmp.path, 'deep.pgm');
  const body = Buffer.alloc(2 * 3 * 2);
  for (const [i, v] of [0, 1000, 65535, 256, 40000, 7].entries()) body.writeUInt16BE(v, 2 * i);
  await writeFile(file, Buffer.concat([Buffer.from('P5\n3 2\n65535\n'), body]));
  const image = await readImage(file);
  assert.deepEqual(
    Array.from(image.pixels, (v) => Math.round(v * 65535)),
    [0, 1000, 65535, 256, 40000, 7],
  );
});

it('tells images from text by their first bytes and names what a non-image is', async () => {
  assert.equal(sniffFileKind(await readFile(join(DIR, 'seven-grey.jpg'))), 'jpeg');
  assert.equal(sniffFileKind(await readFile(join(DIR, 'seven-rgb16.png'))), 'png');
  assert.equal(sniffFileKind(await readFile(join(DIR, 'seven.pgm'))), 'pgm');
  assert.equal(sniffFileKind(Buffer.from('a,b\n1,2\n')), 'text');
  const csv = join(tmp.path, 'rows.csv');
  await writeFile(csv, 'a,b\n1,2\n');
  await assert.rejects(readImage(csv), /rows\.csv: not a PNG, JPEG or PGM image \(it is a text file\)/);
});
