/**
 * Review fixes, hostile HDF5 files (issue 17; test/fixtures/keras-review/make_crafted.py): repeats
 * a bit-flip fuzz cannot find — one symbol table node listed 1000 times, one dataset listed as
 * 8 weights, one 50 kB string referenced 2000 times — fail fast (or cost nothing), never stall or
 * allocate by the repeat.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ModelFormatError } from '../src/errors.js';
import { fromKerasH5 } from '../src/index.js';
import { Hdf5Dataset, openHdf5 } from '../src/interop/keras/keras-file/hdf5.js';

const file = (name: string) => new Uint8Array(readFileSync(`test/fixtures/keras-review/${name}`));

/**
 * Refused with a ModelFormatError matching `pattern` — a message that names the check which stops the
 * file before the work it would cause (its speed is not timed here: timing never belongs in a test).
 */
function refusedByCheck(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof ModelFormatError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('Keras review fixes: crafted HDF5 files', () => {
  it('K3: a group B-tree listing one symbol table node 1000 times is refused, not parsed 1000 times', () => {
    refusedByCheck(
      () => fromKerasH5(file('snod_repeat.h5'), { source: 'snod_repeat.h5' }),
      /snod_repeat\.h5: HDF5 group B-tree lists the symbol table node at byte \d+ twice/,
    );
  });

  it('K3: a chunk B-tree listing one chunk twice is refused (each repeat used to copy the chunk again)', () => {
    refusedByCheck(
      () => openHdf5(file('chunk_repeat.h5'), 'chunk_repeat.h5').dataset('x').read(),
      /chunk_repeat\.h5: HDF5 dataset \/x: chunk B-tree lists the chunk at \[0,0\] twice/,
    );
  });

  it('K10: weight counts and shapes are checked against the model before any dataset is read', () => {
    const read = Hdf5Dataset.prototype.read;
    let reads = 0;
    Hdf5Dataset.prototype.read = function (this: Hdf5Dataset) {
      reads++;
      return read.call(this);
    };
    try {
      // 8 hard links to one unwritten 512×512 dataset (1 MB of zeros each) for a Dense of 2 weights.
      refusedByCheck(
        () => fromKerasH5(file('weights_repeat.h5'), { source: 'weights_repeat.h5' }),
        /layer 'dense' \(Dense\): has 8 weight\(s\) in the file \(big0, big1, .*\) but needs 2/,
      );
      refusedByCheck(
        () => fromKerasH5(file('weights_shape.h5'), { source: 'weights_shape.h5' }),
        /weight 'big0' has shape \[512, 512\] in the file but the layer needs \[6, 8\]/,
      );
      assert.equal(reads, 0, 'datasets read before the checks');
      // A well-formed file still reads each weight once.
      fromKerasH5(file('../keras/mlp.h5'));
      assert.ok(reads > 0);
    } finally {
      Hdf5Dataset.prototype.read = read;
    }
  });

  it('K10: a weight_names list naming one dataset twice is refused', () => {
    refusedByCheck(
      () => fromKerasH5(file('weights_dup.h5'), { source: 'weights_dup.h5' }),
      /weights_dup\.h5 .*: layer 'dense': weight_names lists a weight twice/,
    );
  });

  it('K16: a variable-length string referenced 2000 times is decoded once (memory does not grow ×2000)', () => {
    const before = process.memoryUsage().heapUsed;
    const value = openHdf5(file('vlen_repeat.h5')).attr('repeated') as string[];
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(value.length, 2001);
    assert.equal(value[2000]!.length, 50000);
    // 2000 × 50 kB = 100 MB if each reference were decoded anew.
    assert.ok(grown < 30e6, `heap grew by ${(grown / 1e6).toFixed(1)} MB`);
    // The model itself still loads (the attribute is not one Keras reads).
    assert.ok(fromKerasH5(file('vlen_repeat.h5')));
  });
});
