/**
 * Seeded fuzzing of the IDX reader (raw and gzip) and the CSV parser (issue 12): every mutated
 * input is refused with a typed error or parsed consistently with its bytes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { csvCase, idxBase, idxCase, Rng, tally } from './fixtures/fuzz.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir('fuzz-parsers');

function assertNoBugs(counts: Record<string, number>): void {
  const bad = Object.keys(counts).filter((o) => o.startsWith('UNTYPED') || o.endsWith('DIFFERENT'));
  assert.deepEqual(bad, [], JSON.stringify(counts));
}

// Parsing does not touch tensors, so one run covers both backends.
describe('fuzzing the file parsers', () => {
  it('IDX: 300 mutated files (raw, gzip of mutated, mutated gzip)', async () => {
    const rng = new Rng(200);
    const base = idxBase();
    const outcomes: string[] = [];
    for (let i = 0; i < 300; i++) outcomes.push(await idxCase(base, join(tmp.path, 'case.idx'), rng));
    const counts = tally(outcomes);
    assertNoBugs(counts);
    assert.ok(
      (counts['parsed: consistent'] ?? 0) > 0 && (counts['refused: ArgumentError'] ?? 0) > 100,
      JSON.stringify(counts),
    );
  });

  it('CSV: 500 mutated texts', () => {
    const rng = new Rng(300);
    const counts = tally(Array.from({ length: 500 }, () => csvCase(rng)));
    assertNoBugs(counts);
  });
});
