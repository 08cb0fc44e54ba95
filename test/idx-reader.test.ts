/** The IDX reader checks the header before reading or inflating the rest (issue 12). */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseIdx } from '../src/data/idx.js';
import { ArgumentError } from '../src/errors.js';
import { readIdxFile } from '../src/node/mnist.js';
import { describeEachBackend, useTempDir } from './helpers.js';

const tmp = useTempDir('idx');

/** A uint8 IDX file of `shape`, values 0, 1, 2, …, with `extra` bytes after them. */
function idx(shape: number[], extra = 0, values = shape.reduce((a, b) => a * b, 1)): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values + extra);
  const view = new DataView(out.buffer);
  out[2] = 8;
  out[3] = shape.length;
  for (const [i, d] of shape.entries()) view.setUint32(4 + 4 * i, d, false);
  for (let i = 0; i < values; i++) out[4 + 4 * shape.length + i] = i % 256;
  return out;
}

async function refused(name: string, bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const path = join(tmp.path, name);
  await writeFile(path, bytes);
  await assert.rejects(readIdxFile(path), (e: Error) => {
    assert.ok(e instanceof ArgumentError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** Made once for both backends' runs (about a second). */
let bomb: Buffer | undefined;

describeEachBackend('IDX reader', () => {
  it('reads raw and gzip files alike', async () => {
    const bytes = idx([3, 2, 2]);
    await writeFile(join(tmp.path, 'ok'), bytes);
    await writeFile(join(tmp.path, 'ok.gz'), gzipSync(bytes));
    for (const name of ['ok', 'ok.gz']) {
      const { shape, data } = await readIdxFile(join(tmp.path, name));
      assert.deepEqual(shape, [3, 2, 2]);
      assert.deepEqual([...data], [...bytes.subarray(16)]);
    }
  });

  it('refuses trailing bytes and truncation, raw and gzip', async () => {
    await refused('trailing', idx([2, 2], 3), /19 bytes, the IDX header describes 16/);
    await refused(
      'trailing.gz',
      gzipSync(idx([2, 2], 3)),
      /decompresses to more than the 16 bytes its IDX header describes/,
    );
    await refused('short', idx([2, 2], 0, 2), /truncated: 14 bytes, the IDX header describes 16/);
    await refused('short.gz', gzipSync(idx([2, 2], 0, 2)), /truncated: 14 bytes, the header promises 16/);
    assert.throws(() => parseIdx(idx([2, 2], 1)), /1 bytes after the 16 the header describes/);
    await refused('garbage.gz', new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4]), /is not valid gzip data/);
  });

  it('checks a gzip file’s header before inflating the rest (a 1 MB file never becomes 1 GiB)', async () => {
    // 1 GiB of zeros behind a header that says [2, 2]: inflating stops right after the header.
    bomb ??= gzipSync(Buffer.concat([idx([2, 2], 0, 0), Buffer.alloc(1 << 30)]), { level: 1 });
    const before = process.memoryUsage().arrayBuffers;
    await refused('bomb.gz', bomb, /decompresses to more than the 16 bytes its IDX header describes/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64e6, 'inflated no more than a chunk or two');
    // A header promising more than the gzip file can hold is refused before inflating it.
    await refused(
      'liar.gz',
      gzipSync(idx([60000, 60000, 28], 0, 0)),
      /more than a \d+-byte gzip file can hold/,
    );
    await refused('huge-raw', idx([65536, 65536, 65536, 65536], 0, 0), /impossibly large/);
  });
});
