/** Reading digit images for `backprop predict`: PNG (grey, RGB(A), filters) and PGM, MNIST form. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { crc32 } from '../src/model/crc32.js';
import { readImage, toMnistForm } from '../src/node/image.js';
import { loadMnist } from '../src/node/mnist.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir('img');

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A PNG with the given colour type; each row uses filter `filter` (0 none, 1 sub, 2 up). */
function png(width: number, height: number, channels: 1 | 4, pixels: Uint8Array, filter: 0 | 1 | 2): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 6;
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const v = pixels[y * stride + x]!;
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      raw[y * (stride + 1) + 1 + x] = (v - (filter === 1 ? left : filter === 2 ? up : 0)) & 0xff;
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

it('decodes grey and RGBA PNGs with row filters back to the digit, in MNIST form', async () => {
  const { test } = await loadMnist({ trainLimit: 1, testLimit: 1 });
  const digit = test.x.dataSync(); // light ink on black, as MNIST stores it
  const ink = Uint8Array.from(digit, (v) => Math.round(255 * (1 - v))); // dark ink on white, as scanned
  const rgba = new Uint8Array(28 * 28 * 4);
  ink.forEach((v, i) => {
    rgba.set([v, v, v, 255], i * 4);
  });
  const cases: Array<[string, Buffer]> = [
    ['grey-none.png', png(28, 28, 1, ink, 0)],
    ['grey-sub.png', png(28, 28, 1, ink, 1)],
    ['rgba-up.png', png(28, 28, 4, rgba, 2)],
  ];
  for (const [name, bytes] of cases) {
    await writeFile(join(tmp.path, name), bytes);
    const img = await readImage(join(tmp.path, name));
    assert.deepEqual([img.width, img.height], [28, 28], name);
    const form = toMnistForm(img);
    let worst = 0;
    for (let i = 0; i < 784; i++) worst = Math.max(worst, Math.abs(form[i]! - digit[i]!));
    assert.ok(
      worst < 0.01,
      `${name}: inverted back to MNIST's light-on-dark form (worst pixel error ${worst})`,
    );
  }
});

it('resizes larger images to 28×28 and rejects what it cannot read', async () => {
  const big = new Uint8Array(56 * 56).fill(255);
  for (let y = 10; y < 46; y++) for (let x = 24; x < 32; x++) big[y * 56 + x] = 0; // a dark vertical bar
  await writeFile(join(tmp.path, 'bar.png'), png(56, 56, 1, big, 0));
  const form = toMnistForm(await readImage(join(tmp.path, 'bar.png')));
  assert.equal(form.length, 784);
  assert.ok(
    form[14 * 28 + 14]! > 0.9 && form[14 * 28 + 2]! < 0.1,
    'bar bright in the middle, background dark',
  );
  await writeFile(join(tmp.path, 'junk.png'), Buffer.from('not an image'));
  await assert.rejects(readImage(join(tmp.path, 'junk.png')), /junk.png: not a PNG, JPEG or PGM image/);
});

it('shrinking averages the area each pixel covers, so a thin stroke survives (as PIL)', () => {
  // A 4 px line at columns 140–143 of 280×280: plain bilinear sampling reads columns 134–135 and
  // 144–145 for output columns 13 and 14 and drops it. PIL's resize((28, 28), BILINEAR) gives
  // row 10, columns 12–16 = [0, 0.122, 0.278, 0, 0] (0.12 and 0.28 before rounding to 8 bits).
  const pixels = new Float32Array(280 * 280);
  for (let y = 0; y < 280; y++) for (let x = 140; x < 144; x++) pixels[y * 280 + x] = 1;
  const form = toMnistForm({ width: 280, height: 280, pixels });
  const row = Array.from(form.subarray(10 * 28 + 12, 10 * 28 + 17), (v) => Number(v.toFixed(3)));
  assert.deepEqual(row, [0, 0.12, 0.28, 0, 0]);
  // An image already 28×28 is taken as it is, pixel for pixel.
  const same = Float32Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 400);
  assert.deepEqual(toMnistForm({ width: 28, height: 28, pixels: same }), same);
});
