import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ModelFormatError } from '../src/errors.js';
import { ZipArchive } from '../src/interop/keras/keras-file/zip.js';
import { Rng } from '../src/random/rng.js';
import { makeZip } from './fixtures/keras/zip-builder.js';

const text = (s: string) => new TextEncoder().encode(s);
const repeated = text('weights weights weights '.repeat(200));

async function refused(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (e: unknown) => e instanceof ModelFormatError && pattern.test(e.message),
  );
}

describe('ZipArchive', () => {
  it('reads a real .keras file: stored entries, CRC-checked', async () => {
    const zip = ZipArchive.open(new Uint8Array(readFileSync('test/fixtures/keras/mlp.keras')), 'mlp.keras');
    assert.deepEqual(zip.names().sort(), ['config.json', 'metadata.json', 'model.weights.h5']);
    const meta = JSON.parse(await zip.readText('metadata.json'));
    assert.equal(meta.keras_version, '3.15.1');
    const h5 = await zip.read('model.weights.h5');
    assert.deepEqual([...h5.subarray(0, 4)], [0x89, 0x48, 0x44, 0x46]);
  });

  it('inflates deflated entries (raw deflate) next to stored ones', async () => {
    const bytes = await makeZip([
      { name: 'a.txt', data: text('hello') },
      { name: 'dir/b.bin', data: repeated, deflate: true },
      { name: 'empty', data: new Uint8Array(0), deflate: true },
    ]);
    assert.ok(bytes.length < repeated.length, 'the deflated entry is compressed');
    const zip = ZipArchive.open(bytes);
    assert.equal(await zip.readText('a.txt'), 'hello');
    assert.deepEqual(await zip.read('dir/b.bin'), repeated);
    assert.equal((await zip.read('empty')).length, 0);
  });

  it('refuses what is not a zip, a missing entry, a bad CRC, ZIP64 and unknown methods, by name', async () => {
    await refused(
      () => ZipArchive.open(text('just some text, no archive'), 'x.keras'),
      /x\.keras: not a zip archive/,
    );
    await refused(() => ZipArchive.open(new Uint8Array(0)), /not a zip archive/);
    const good = await makeZip([{ name: 'config.json', data: text('{"a": 1}') }]);
    await refused(ZipArchive.open(good).read('model.weights.h5'), /no 'model\.weights\.h5'.*config\.json/);

    const corrupt = good.slice();
    corrupt[30 + 'config.json'.length + 2] ^= 0x01; // a byte of the stored data
    await refused(ZipArchive.open(corrupt).read('config.json'), /'config\.json' fails its CRC-32/);

    const zip64 = good.slice();
    new DataView(zip64.buffer).setUint32(zip64.length - 6, 0xffffffff, true); // central directory offset
    await refused(() => ZipArchive.open(zip64), /ZIP64/);

    const bzip = good.slice();
    const dirAt = new DataView(bzip.buffer).getUint32(bzip.length - 6, true);
    new DataView(bzip.buffer).setUint16(dirAt + 10, 12, true);
    await refused(ZipArchive.open(bzip).read('config.json'), /compression method bzip2/);

    const liar = await makeZip([{ name: 'big', data: repeated, deflate: true }]);
    const liarDir = new DataView(liar.buffer).getUint32(liar.length - 6, true);
    new DataView(liar.buffer).setUint32(liarDir + 24, 0x7fffffff, true); // claims 2 GB uncompressed
    await refused(ZipArchive.open(liar).read('big'), /claims 2147483647 bytes/);

    const short = await makeZip([{ name: 'big', data: repeated, deflate: true }]);
    const shortDir = new DataView(short.buffer).getUint32(short.length - 6, true);
    new DataView(short.buffer).setUint32(shortDir + 24, 100, true); // inflates past what it claims
    await refused(ZipArchive.open(short).read('big'), /corrupt deflate data|inflates to/);
  });

  it('fuzz: truncated or flipped archives fail with ModelFormatError only', async () => {
    const rng = new Rng(17);
    const base = await makeZip([
      { name: 'config.json', data: text('{"class_name": "Sequential"}') },
      { name: 'model.weights.h5', data: repeated, deflate: true },
    ]);
    for (let i = 0; i < 300; i++) {
      const bytes = i < 60 ? base.slice(0, Math.floor((base.length * i) / 60)) : base.slice();
      if (i >= 60) for (let k = 0; k < 1 + (i % 4); k++) bytes[rng.int(bytes.length)] ^= 1 << (i % 8);
      try {
        const zip = ZipArchive.open(bytes);
        for (const name of zip.names()) await zip.read(name);
      } catch (e) {
        assert.ok(e instanceof ModelFormatError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
});
