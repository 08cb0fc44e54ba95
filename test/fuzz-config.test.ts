/**
 * Property test of the config surface (issue 12): a few hundred seeded random configs thrown at
 * every public constructor and at compile / fit / evaluate / predict must each end in an
 * ArgumentError or a working object (an accepted training config trains to a finite loss) — never
 * a TypeError, RangeError or any other error. The longer campaign: scripts/fuzz-config.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fuzzConfigs, targets } from './fixtures/config-fuzz.js';
import { describeEachBackend } from './helpers.js';

const CASES = 400;

describeEachBackend('config fuzzing', () => {
  it(`${CASES} seeded random configs: an ArgumentError or a working object, nothing else`, {
    timeout: 60_000,
  }, async () => {
    const report = await fuzzConfigs(7, CASES);
    const shown = report.failures.slice(0, 5).map((f) => `${f.target} { ${f.options} }: ${f.error}`);
    assert.deepEqual(shown, [], `${report.failures.length} of ${CASES} cases escaped`);
    // The cases reach every target, and both ends: refused and accepted.
    const reached = new Set(Object.keys(report.counts).map((k) => k.split(' → ')[0]));
    assert.deepEqual(
      targets.map((t) => t.name).filter((name) => !reached.has(name)),
      [],
      'targets no case reached',
    );
    const outcomes = Object.keys(report.counts).map((k) => k.split(' → ')[1]);
    assert.ok(outcomes.includes('accepted') && outcomes.includes('ArgumentError'));
  });
});
