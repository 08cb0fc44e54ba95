/**
 * Seeded fuzzing of the model loader (issue 12): mutated model.json fields (types, nulls,
 * deletions, huge and negative numbers, paths), mutated JSON text and weight bytes. Every case
 * must be refused with a typed error or load the very model that was saved; a format 1 file (no
 * checksum of its own JSON) may also load as the other valid model a mutation describes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { loaderBases, loaderCase, Rng, tally } from './fixtures/fuzz.js';
import { describeEachBackend, useTempDir } from './helpers.js';

const tmp = useTempDir('fuzz-loader');

describeEachBackend('fuzzing the model loader', () => {
  for (const format1 of [false, true]) {
    it(`${format1 ? 'format 1' : 'format 2'}: 150 mutated folders, each refused with a typed error or loaded intact`, async () => {
      const rng = new Rng(format1 ? 101 : 100);
      const bases = loaderBases();
      const outcomes: string[] = [];
      for (let i = 0; i < 150; i++) {
        outcomes.push(await loaderCase(bases[i % bases.length]!, join(tmp.path, 'case'), rng, format1));
      }
      const counts = tally(outcomes);
      const untyped = Object.keys(counts).filter((o) => o.startsWith('UNTYPED'));
      assert.deepEqual(untyped, [], JSON.stringify(counts));
      if (!format1) assert.equal(counts['loaded: DIFFERENT'] ?? 0, 0, JSON.stringify(counts));
      assert.ok((counts['refused: ModelFormatError'] ?? 0) > 50, JSON.stringify(counts));
    });
  }
});
