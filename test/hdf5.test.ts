import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ModelFormatError } from '../src/errors.js';
import { type Hdf5Dataset, Hdf5Group, openHdf5 } from '../src/interop/keras/keras-file/hdf5.js';
import { ZipArchive } from '../src/interop/keras/keras-file/zip.js';
import { Rng } from '../src/random/rng.js';

// Made by test/fixtures/keras/make_keras.py with h5py: the default (superblock v0, symbol-table
// groups, v1 object headers) and libver='latest' (superblock v3, v2 headers, dense link storage in a
// fractal heap, fixed-array chunk index).
const features = new Uint8Array(readFileSync('test/fixtures/keras/h5py_features.h5'));
const latest = new Uint8Array(readFileSync('test/fixtures/keras/h5py_latest.h5'));

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const linspace = (n: number) => range(n).map((i) => i / (n - 1));

function refused(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof ModelFormatError && pattern.test(e.message));
}

function checkCommon(root: Hdf5Group): void {
  const chunked = root.dataset('chunked');
  assert.deepEqual(chunked.shape, [7, 10]);
  assert.equal(chunked.dtype, 'float32');
  assert.deepEqual([...chunked.read()], range(70), 'chunks of 3×4 reassembled, edges clipped');
  const f64 = root.dataset('contiguous64').read();
  assert.ok(f64 instanceof Float64Array);
  // numpy's linspace rounds a few values one ulp away from i / 11.
  for (const [i, v] of linspace(12).entries()) {
    assert.ok(Math.abs(f64[i]! - v) < 1e-15, `contiguous64[${i}] = ${f64[i]}`);
  }
  const many = root.group('many');
  assert.deepEqual(
    many.keys(),
    range(40).map((i) => `d${String(i).padStart(2, '0')}`),
  );
  for (const i of [0, 7, 8, 23, 39]) {
    assert.deepEqual([...many.dataset(`d${String(i).padStart(2, '0')}`).read()], [i]);
  }
}

describe('HDF5 reader', () => {
  it('h5py default layout: symbol-table groups, chunked/compact/contiguous data, attributes', () => {
    assert.equal(features[8], 0, 'superblock version 0');
    const root = openHdf5(features, 'features.h5');
    checkCommon(root);
    assert.deepEqual(root.keys(), [
      'big_endian',
      'chunked',
      'compact',
      'contiguous64',
      'gzip',
      'int16',
      'many',
      'resizable',
      'scalar',
    ]);
    assert.deepEqual(
      [...root.dataset('resizable').read()],
      range(10),
      'resizable: chunks of 4 in a v1 B-tree',
    );
    const compact = root.dataset('compact');
    assert.equal(compact.dtype, 'int32');
    assert.deepEqual([...compact.read()], range(6));
    const int16 = root.dataset('int16').read();
    assert.ok(int16 instanceof Int16Array);
    assert.deepEqual([...int16], [-3, 7, 100]);
    assert.deepEqual(root.dataset('scalar').shape, []);
    assert.deepEqual([...root.dataset('scalar').read()], [1.5]);
    assert.equal(root.dataset('big_endian').dtype, 'float32 big-endian');
    assert.deepEqual([...root.dataset('big_endian').read()], [1.25, -2.5]);
    const attrs = root.attrs();
    assert.equal(attrs.get('title'), 'features', 'variable-length string (global heap)');
    assert.equal(attrs.get('fixed'), 'fixed-width', 'fixed-length string');
    assert.deepEqual(attrs.get('ints'), [1, -2, 3]);
    assert.equal(attrs.get('scale'), 2.5);
    assert.deepEqual(attrs.get('strings'), ['alpha', 'beta']);
  });

  it("h5py libver='latest': superblock v3, dense links and attributes in fractal heaps, fixed-array chunks", () => {
    assert.equal(latest[8], 3, 'superblock version 3');
    const text = new TextDecoder('latin1').decode(latest);
    assert.ok(
      text.includes('FRHP') && text.includes('FAHD'),
      'the file does use a fractal heap and a fixed array',
    );
    const root = openHdf5(latest, 'latest.h5');
    checkCommon(root);
    assert.equal(root.attr('title'), 'latest');
    const crowded = root.group('crowded').attrs(); // 20 attributes: dense storage in a fractal heap
    assert.deepEqual(
      [...crowded].sort(),
      range(20).map((i) => [`a${String(i).padStart(2, '0')}`, i]),
    );
    assert.throws(
      () => root.dataset('resizable').read(),
      (e: unknown) =>
        e instanceof ModelFormatError && /\/resizable: chunk index 'extensible array'/.test(e.message),
    );
  });

  it("reads a .keras file's model.weights.h5 (Keras 3 layout)", async () => {
    const zip = ZipArchive.open(new Uint8Array(readFileSync('test/fixtures/keras/cnn.keras')));
    const root = openHdf5(await zip.read('model.weights.h5'));
    const vars = root.group('layers/conv2d/vars');
    assert.equal(vars.attr('name'), 'conv2d');
    assert.deepEqual(vars.keys(), ['0', '1']);
    assert.deepEqual(vars.dataset('0').shape, [3, 3, 2, 4]);
    assert.equal(root.group('layers/batch_normalization/vars').keys().length, 4);
  });

  it('refuses what it does not read, naming it', () => {
    refused(
      () => openHdf5(new TextEncoder().encode('not hdf5 at all'), 'x.h5'),
      /x\.h5: HDF5 signature not found/,
    );
    const root = openHdf5(features, 'features.h5');
    refused(() => root.dataset('gzip').read(), /\/gzip is compressed\/filtered with deflate \(gzip\)/);
    refused(() => root.get('nope/deeper'), /'\/nope' not found/);
    refused(() => root.dataset('many'), /\/many is a group, not a dataset/);
    refused(() => root.group('chunked'), /\/chunked is a dataset, not a group/);
    refused(() => root.get('chunked/x'), /\/chunked is a dataset/);
  });

  it('fuzz: truncated or flipped files fail with ModelFormatError only, never hang', () => {
    const rng = new Rng(17);
    for (const [label, base] of [
      ['features', features],
      ['latest', latest],
    ] as const) {
      for (let i = 0; i < 250; i++) {
        let bytes: Uint8Array;
        if (i < 50) bytes = base.slice(0, Math.floor((base.length * i) / 50));
        else {
          bytes = base.slice();
          // Flip bits in the structural part of the file (headers, trees, heaps) more than in data.
          for (let k = 0; k < 1 + (i % 3); k++)
            bytes[rng.int(i % 2 ? 4096 : bytes.length)] ^= 1 << rng.int(8);
        }
        try {
          walk(openHdf5(bytes, label), 0, new Set());
        } catch (e) {
          assert.ok(
            e instanceof ModelFormatError,
            `${label} case ${i}: ${(e as Error).name}: ${(e as Error).stack}`,
          );
        }
      }
    }
  });
});

/** Reads everything reachable (a flipped link may point back up: visited headers are skipped). */
function walk(g: Hdf5Group, depth: number, seen: Set<number>): void {
  if (depth > 8 || seen.has(g.address)) return;
  seen.add(g.address);
  g.attrs();
  for (const key of g.keys()) {
    let child: Hdf5Group | Hdf5Dataset;
    try {
      child = g.get(key);
    } catch (e) {
      if (e instanceof ModelFormatError) continue;
      throw e;
    }
    if (child instanceof Hdf5Group) walk(child, depth + 1, seen);
    else {
      child.attrs();
      try {
        child.read();
      } catch (e) {
        if (!(e instanceof ModelFormatError)) throw e;
      }
    }
  }
}
